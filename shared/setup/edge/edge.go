// Package edge checks that a request came through the desk's CloudFront
// distribution, where AWS WAF limits each client's rate: the web intake and
// the console answer 403 at the API's own address.
package edge

import (
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"

	"github.com/productionflow/privacy-desk/shared/secret"
	"github.com/productionflow/privacy-desk/shared/system"
)

// OriginHeader carries the secret the desk's CloudFront distribution adds
// to every request it forwards to the API (template.yaml, PublicEdge).
const OriginHeader = "X-Origin-Verify"

// Config configures the check that a request came through the distribution,
// where AWS WAF limits each client's rate: the API's own address answers
// 403 to anyone else. Without a secret (the local stack, which has no
// distribution) nothing is checked.
type Config struct {
	// Secret names the Secrets Manager secret whose value the distribution
	// sends in OriginHeader.
	Secret string `env:"ORIGIN_VERIFY_SECRET"`
}

// minOriginSecret is the shortest origin secret accepted, in bytes.
const minOriginSecret = 32

// Guard reads the origin secret through store and wraps next in the
// check; with no secret configured it returns next. Errors name the
// secret, never its value.
func Guard(ctx context.Context, e Config, store *secret.Store, next http.Handler) (http.Handler, error) {
	if e.Secret == "" {
		return next, nil
	}
	v, err := store.Get(ctx, system.SecretsManager, e.Secret)
	if err != nil {
		return nil, fmt.Errorf("origin secret: %w", err)
	}
	if len(v) < minOriginSecret {
		return nil, fmt.Errorf("origin secret %s: shorter than %d bytes", e.Secret, minOriginSecret)
	}
	return Through(next, v), nil
}

// Through answers 403 to a request without the distribution's secret
// in OriginHeader, and passes the others on without the header.
func Through(next http.Handler, secret string) http.Handler {
	want := []byte(secret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get(OriginHeader))
		r.Header.Del(OriginHeader)
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, "forbidden\n")
			return
		}
		next.ServeHTTP(w, r)
	})
}
