package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
)

// The requester's link to the package is a desk page, not a presigned S3
// URL: a presigned URL made on Lambda is signed with the function role's
// temporary credentials and dies with them, hours before its stated expiry.
// The mailed link carries a token (token.Download, 7 days); the page signs
// a short S3 link at the moment the requester presses Download.
const (
	// DownloadTTL is how long the mailed download link works.
	DownloadTTL = 7 * 24 * time.Hour
	// FetchTTL is how long the S3 link signed when Download is pressed works.
	FetchTTL = 10 * time.Minute
	// DownloadGrace is how long after the first press the button still
	// works in the same browser, so that a download cut off midway can be
	// started again; another browser is refused at once.
	DownloadGrace = 15 * time.Minute
)

// dataKey is the token data entry naming the package's object key. The key
// is <prefix><request ID>/access-<time>.zip: no personal data.
const dataKey = "key"

// Links issues desk download links for the answer mail.
type Links struct {
	Tokens token.Store
	Issuer *token.Issuer
	// PageURL is the download page, e.g. https://privacy.example.com/download
	// (FORM_URL + "download").
	PageURL string
}

// Offer issues a download token for the package at key, stores its hash,
// and returns the link to mail (Link.URL holds the raw token: a bearer
// link, never logged or stored). Each call issues a new, independent token.
func (l *Links) Offer(ctx context.Context, requestID, key string) (Link, error) {
	if l.PageURL == "" || l.Tokens == nil || l.Issuer == nil {
		return Link{}, errors.New("export: download links are not configured")
	}
	raw, rec, err := l.Issuer.Issue(token.Download, requestID, "", DownloadTTL, map[string]string{dataKey: key})
	if err != nil {
		return Link{}, fmt.Errorf("export: download token for %s: %w", requestID, err)
	}
	if err := l.Tokens.Put(ctx, rec); err != nil {
		return Link{}, fmt.Errorf("export: save download token for %s: %w", requestID, err)
	}
	return Link{Key: key, URL: l.PageURL + "?" + url.Values{"t": {raw}}.Encode(), ExpiresAt: rec.ExpiresAt}, nil
}

// Offered is what the download page shows before anything is used.
type Offered struct {
	RequestID string
	ExpiresAt time.Time
	// Origin is where the download is served from (scheme://host): the page
	// lets its form be redirected there.
	Origin string
	// Language is the request's language ("es", "en" or empty for
	// English); empty when Downloads has no Requests or the read failed.
	Language string
}

// RequestReader reads a request; *dynamo.Store satisfies it.
type RequestReader interface {
	Get(ctx context.Context, id string) (*request.Request, error)
}

// Signer signs the short-lived link that fetches a stored package, valid
// for ttl from the moment it signs (*s3.Packages, with the function's
// current credentials, at the desk's clock).
type Signer interface {
	SignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
}

// Downloads serves the download page: Lookup for the page (uses nothing),
// Open when the button is pressed.
type Downloads struct {
	Tokens token.Store
	Signer Signer
	Prefix string // only keys under it are served, e.g. "exports/"
	Now    func() time.Time
	// Grace is how long after the first press Open still works (0: once).
	Grace time.Duration
	// Requests, when set, gives the page the request's language. The
	// language only chooses the page's words: when the read fails the
	// page is shown in English rather than not at all.
	Requests RequestReader
	// Audit, when set, records on the request's trail that its link was
	// used to start the download (once: its Once key). A record that fails
	// is logged (Log) and does not stop the download: the copy is what the
	// person came for.
	Audit func(ctx context.Context, ev request.Event) error
	Log   *slog.Logger
}

// Lookup checks the link without using it, for the browser session that
// opens the page (its cookie; "" when it has none). It returns
// token.ErrNotFound (also for a token of another purpose), or a *LinkError
// of token.ErrExpired or token.ErrUsed. A used link is offered again only
// where Open would work again: to the session that used it, within Grace;
// any other browser, or any after Grace, gets token.ErrUsed.
func (d *Downloads) Lookup(ctx context.Context, raw, session string) (Offered, error) {
	rec, err := d.record(ctx, raw)
	if err != nil {
		return Offered{}, err
	}
	now := d.Now()
	switch {
	case !now.Before(rec.ExpiresAt):
		return Offered{}, d.linkError(ctx, rec, token.ErrExpired)
	case rec.Used && !d.again(rec, now, sessionHash(session)):
		return Offered{}, d.linkError(ctx, rec, token.ErrUsed)
	}
	u, err := d.sign(ctx, rec.Data[dataKey])
	if err != nil {
		return Offered{}, err
	}
	return Offered{RequestID: rec.RequestID, ExpiresAt: rec.ExpiresAt, Origin: u.Scheme + "://" + u.Host,
		Language: d.language(ctx, rec.RequestID)}, nil
}

// LinkError is a download link that no longer works (Err is token.ErrUsed
// or token.ErrExpired), with the request it was for: the page explaining
// it speaks the request's language.
type LinkError struct {
	Err       error
	RequestID string
	// Language is the request's language, as Offered.Language.
	Language string
}

func (e *LinkError) Error() string {
	return "export: download link of " + e.RequestID + ": " + e.Err.Error()
}

func (e *LinkError) Unwrap() error { return e.Err }

func (d *Downloads) linkError(ctx context.Context, rec token.Record, err error) error {
	return &LinkError{Err: err, RequestID: rec.RequestID, Language: d.language(ctx, rec.RequestID)}
}

// language is the request's language; "" when there is no Requests or the
// read fails.
func (d *Downloads) language(ctx context.Context, requestID string) string {
	if d.Requests == nil {
		return ""
	}
	if r, err := d.Requests.Get(ctx, requestID); err == nil && r != nil {
		return r.Language
	}
	return ""
}

// Open uses the link (one conditional update: exists, unused, unexpired)
// for the browser session (a random value the page keeps in a cookie) and
// returns a fresh S3 link valid FetchTTL. Within Grace of the first use the
// same session gets another without changing the record; any other
// session, or any after Grace, gets ErrUsed.
func (d *Downloads) Open(ctx context.Context, raw, session string) (string, error) {
	rec, err := d.record(ctx, raw)
	if err != nil {
		return "", err
	}
	now := d.Now()
	by := sessionHash(session)
	var used token.Record
	if bound, ok := d.Tokens.(token.BoundStore); ok {
		used, err = bound.ConsumeBy(ctx, rec.Hash, now, by)
	} else {
		used, err = d.Tokens.Consume(ctx, rec.Hash, now)
	}
	switch {
	case errors.Is(err, token.ErrUsed):
		again, gerr := d.Tokens.Get(ctx, rec.Hash)
		if gerr != nil {
			return "", gerr
		}
		if !d.again(again, now, by) || !now.Before(again.ExpiresAt) {
			return "", d.linkError(ctx, rec, token.ErrUsed)
		}
		used = again
	case errors.Is(err, token.ErrExpired):
		return "", d.linkError(ctx, rec, err)
	case err != nil:
		return "", err
	}
	u, err := d.sign(ctx, used.Data[dataKey])
	if err != nil {
		return "", err
	}
	if d.Audit != nil {
		// Once: the first download, not each press again within the grace.
		err := d.Audit(ctx, request.Event{RequestID: rec.RequestID, At: now, Actor: "requester", Action: request.ActionPackageDownloaded,
			Once: request.ActionPackageDownloaded, Data: map[string]string{"key": used.Data[dataKey]}})
		if err != nil && d.Log != nil {
			d.Log.ErrorContext(ctx, "record the download on the trail", "requestId", rec.RequestID, "err", err)
		}
	}
	return u.String(), nil
}

// record reads the token's record and checks it is a download token.
func (d *Downloads) record(ctx context.Context, raw string) (token.Record, error) {
	hash, err := token.Hash(raw)
	if err != nil {
		return token.Record{}, token.ErrNotFound
	}
	rec, err := d.Tokens.Get(ctx, hash)
	if err != nil {
		return token.Record{}, err
	}
	if rec.Purpose != token.Download {
		return token.Record{}, token.ErrNotFound
	}
	return rec, nil
}

// sessionHash is what is stored of a browser session: its SHA-256, never
// the value the browser holds.
func sessionHash(session string) string {
	if session == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(session))
	return hex.EncodeToString(sum[:])
}

func (d *Downloads) inGrace(rec token.Record, now time.Time) bool {
	return rec.Used && !rec.UsedAt.IsZero() && now.Before(rec.UsedAt.Add(d.Grace))
}

// again reports whether the used link rec may be pressed again now by the
// session whose hash is by: the one that used it, within Grace.
func (d *Downloads) again(rec token.Record, now time.Time, by string) bool {
	return d.inGrace(rec, now) && by != "" && rec.UsedBy == by
}

// sign presigns a GET of key, valid FetchTTL from now.
func (d *Downloads) sign(ctx context.Context, key string) (*url.URL, error) {
	if key == "" || !strings.HasPrefix(key, d.Prefix) || strings.Contains(key, "..") {
		return nil, errors.New("export: download token names no package")
	}
	link, err := d.Signer.SignGet(ctx, key, FetchTTL)
	if err != nil {
		return nil, fmt.Errorf("export: sign download: %w", err)
	}
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("export: presigned download URL: %w", err)
	}
	return u, nil
}
