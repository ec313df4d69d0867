// Package status is the requester's status page: every mail to the
// requester carries a link, /status?t=<token>, to a page that shows the
// request's ID, kinds, status in plain words, what happens next and its
// dates, and no other personal data.
//
// Each mail issues its own token (Links.Link): 32 random bytes in the link,
// only their SHA-256 kept in the token table with the purpose "status",
// the request ID and when it was issued. The raw token is stored nowhere
// and never derived from anything, so the desk cannot put an old link in a
// new mail: it issues a new one. A status token is read, never consumed,
// so the link works as often as the requester opens it, until it expires
// (StatusTTL), the team revokes the request's links in the console (every
// link issued until then stops; later mails carry new ones), or the request
// is deleted after its retention.
package status

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
)

// TTL is how long a status link works: longer than a request stays open
// (90 days at most) and is kept after it closes (24 months).
const TTL = (90 + 2*365 + 31) * 24 * time.Hour

// TTLDays is TTL in days, as pages say it.
func TTLDays() int { return int(TTL / (24 * time.Hour)) }

// Errors Look returns; the page maps ErrUnknown to 404 and ErrGone to 410.
var (
	ErrUnknown = errors.New("status: unknown link")
	ErrGone    = errors.New("status: link revoked, expired, or its request deleted")
)

// Links issues status links for mails to the requester.
type Links struct {
	Tokens token.Store
	Issuer token.Issuer
	// Base is the public URL of the status page (FORM_URL + "status");
	// the link adds only ?t=<token>.
	Base string
}

// Link issues a new status link for the request and stores its hash.
func (l *Links) Link(ctx context.Context, requestID string) (string, error) {
	link, rec, err := l.Draw(requestID)
	if err != nil {
		return "", err
	}
	if err := l.Tokens.Put(ctx, rec); err != nil {
		return "", fmt.Errorf("status link of %s: store: %w", requestID, err)
	}
	return link, nil
}

// Draw is Link without the store: the new link and the token record the
// caller stores before the link goes out (with its own writes).
func (l *Links) Draw(requestID string) (string, token.Record, error) {
	base, err := url.Parse(l.Base)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return "", token.Record{}, fmt.Errorf("status: link base %q is not an absolute URL", l.Base)
	}
	issued := l.Issuer.Now()
	raw, rec, err := l.Issuer.Issue(token.Status, requestID, "", TTL, map[string]string{"issuedAt": issued.UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return "", token.Record{}, fmt.Errorf("status link of %s: %w", requestID, err)
	}
	return withToken(base, raw), rec, nil
}

// withToken is base with the query parameter t=raw among its own, sorted
// as url.Values.Encode sorts them. A base without a query of its own, as
// every desk's is, takes "t=" and the escaped token as they are: what
// Encode would write, without its map.
func withToken(base *url.URL, raw string) string {
	if base.RawQuery == "" {
		base.RawQuery = "t=" + url.QueryEscape(raw)
		return base.String()
	}
	q := base.Query()
	q.Set("t", raw)
	base.RawQuery = q.Encode()
	return base.String()
}

// Store is what the page needs of the request store (*dynamo.Store).
type Store interface {
	Get(ctx context.Context, id string) (*request.Request, error)
	Events(ctx context.Context, id string) ([]request.Event, error)
}

// Service looks up the status page of a link.
type Service struct {
	Tokens token.Store
	Store  Store
	Now    func() time.Time
}

// View is all the page shows: nothing that names or reaches the person.
type View struct {
	RequestID string
	Kinds     []request.Kind
	Status    request.Status
	// Unclear: the team is reading the mail to see what it asks (an open
	// request of unclear mail).
	Unclear bool
	// Verify: the request needs the requester's confirmation.
	Verify bool
	// LinkSent: the acknowledgement carried the confirmation link.
	LinkSent bool
	// Dates; zero when the request has none.
	Received   time.Time
	AnswerBy   time.Time
	ExtendedTo time.Time // set once the request is extended
	OptOutBy   time.Time // zero once the opt-outs are done
	// OptOutDone is when the request's opt-outs were carried out (its
	// opt-out:done event), closed or not; zero until then. They need no
	// confirmation, so it may come while the rest waits for one.
	OptOutDone time.Time
	Closed     time.Time // when it closed, for a closed request
	// Language is the request's ("es" or empty for English).
	Language string
	// Late: the answer date passed and the request is open, not extended.
	Late bool
	// WithdrawLink, set by the page's server where the requester may
	// withdraw the request themselves, is the page that asks them to
	// confirm it (withdraw?t=…); empty: the page offers no withdrawal.
	WithdrawLink string
}

// WroteOnly reports whether the request is mail whose kinds were never
// named (closed before the team named them).
func (v View) WroteOnly() bool {
	return len(v.Kinds) == 1 && v.Kinds[0] == request.Unclear
}

// HasOptOuts reports whether the request asked for an opt-out, which is
// carried out without the requester's confirmation.
func (v View) HasOptOuts() bool {
	return slices.ContainsFunc(v.Kinds, request.Kind.IsOptOut)
}

// OptOutsDone reports whether the request's opt-outs were carried out.
func (v View) OptOutsDone() bool { return !v.OptOutDone.IsZero() }

// Look reads the request a status link names. It changes nothing.
func (s *Service) Look(ctx context.Context, raw string) (View, error) {
	hash, err := token.Hash(raw)
	if err != nil {
		return View{}, ErrUnknown
	}
	rec, err := s.Tokens.Get(ctx, hash)
	switch {
	case errors.Is(err, token.ErrNotFound):
		return View{}, ErrUnknown
	case err != nil:
		return View{}, fmt.Errorf("status: read link: %w", err)
	case rec.Purpose != token.Status:
		return View{}, ErrUnknown
	case !s.Now().Before(rec.ExpiresAt):
		return View{}, ErrGone
	}
	r, err := s.Store.Get(ctx, rec.RequestID)
	if errors.Is(err, request.ErrNotFound) {
		return View{}, ErrGone // deleted after its retention
	}
	if err != nil {
		return View{}, fmt.Errorf("status: read %s: %w", rec.RequestID, err)
	}
	events, err := s.Store.Events(ctx, r.ID)
	if err != nil {
		return View{}, fmt.Errorf("status: read trail of %s: %w", r.ID, err)
	}
	issued, _ := time.Parse(time.RFC3339Nano, rec.Data["issuedAt"])
	if Revoked(events, issued) {
		return View{}, ErrGone
	}
	v := View{RequestID: r.ID, Kinds: r.Kinds, Status: r.Status, Unclear: slices.Contains(r.Kinds, request.Unclear) && !r.Status.Closed(),
		Verify: !r.OnlyOptOuts() && !slices.Contains(r.Kinds, request.Unclear), LinkSent: !r.VerifyLinkUntil.IsZero(), Received: r.ReceivedAt,
		AnswerBy: r.Due.Response, OptOutBy: r.Due.OptOut, Language: r.Language}
	if r.Status == request.Extended || slices.ContainsFunc(events, func(e request.Event) bool {
		return e.Action == request.StatusAction(request.Extended)
	}) {
		v.ExtendedTo = r.Due.Extended
	}
	// The answer date passed with the request open, not extended.
	v.Late = !r.Status.Closed() && v.ExtendedTo.IsZero() && !v.AnswerBy.IsZero() && s.Now().After(v.AnswerBy)
	if r.Status.Closed() {
		v.AnswerBy, v.OptOutBy = time.Time{}, time.Time{}
		if e, ok := last(events, request.StatusAction(r.Status)); ok {
			v.Closed = e.At
		}
	}
	if e, ok := last(events, request.ActionOptOutDone); ok && v.HasOptOuts() {
		v.OptOutDone, v.OptOutBy = e.At, time.Time{}
	}
	return v, nil
}

// Revoked reports whether the team revoked, at or after issued, the status
// links of the request whose trail events is.
func Revoked(events []request.Event, issued time.Time) bool {
	return slices.ContainsFunc(events, func(e request.Event) bool {
		return e.Action == request.ActionStatusLinksRevoked && !e.At.Before(issued)
	})
}

func last(events []request.Event, action string) (request.Event, bool) {
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Action == action {
			return events[i], true
		}
	}
	return request.Event{}, false
}
