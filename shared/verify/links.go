package verify

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/productionflow/privacy-desk/shared/token"
)

// Links issues the verification link a request's acknowledgement carries,
// before its workflow waits for it (intake.VerifyLinks): a token like
// Start's (32 random bytes, only the SHA-256 stored, single use, expiring)
// but with no task token yet. Confirm finds the task token in the record
// Start keeps of the wait, or, when the requester confirms before the
// workflow waits, Start finds the request verified and completes its own
// task at once.
type Links struct {
	Tokens token.Store
	Issuer token.Issuer
	// Base is the public URL of the confirm page; the link adds ?t=<token>.
	Base string
}

// Issue stores a new verification token for request id that works until
// until and returns the link that carries it.
func (l *Links) Issue(ctx context.Context, id string, until time.Time) (string, error) {
	link, rec, err := l.Draw(id, until)
	if err != nil {
		return "", err
	}
	if err := l.Tokens.Put(ctx, rec); err != nil {
		return "", fmt.Errorf("verify: store link for %s: %w", id, err)
	}
	return link, nil
}

// Draw is Issue without the store: the link and the token record the
// caller stores before the link goes out (with its own writes).
func (l *Links) Draw(id string, until time.Time) (string, token.Record, error) {
	raw, rec, err := l.Issuer.Issue(token.Verify, id, "", until.Sub(l.Issuer.Now()), nil)
	if err != nil {
		return "", token.Record{}, fmt.Errorf("verify: issue link for %s: %w", id, err)
	}
	rec.ExpiresAt = until
	link, err := linkURL(l.Base, raw)
	if err != nil {
		return "", token.Record{}, err
	}
	return link, rec, nil
}

// linkURL is the confirm page's URL base with ?t=raw.
func linkURL(base, raw string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", errors.New("verify: the confirm page's URL is not absolute")
	}
	u.RawQuery = "t=" + url.QueryEscape(raw) // as url.Values{"t": {raw}}.Encode() writes it
	u.Fragment = ""
	return u.String(), nil
}
