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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
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

// Reader reads a Secrets Manager secret's value by name; its errors never
// carry the value.
type Reader func(ctx context.Context, name string) (string, error)

// FromSecretsManager is the Reader of a Secrets Manager client's
// GetSecretValue (a method value: the function links that one call).
func FromSecretsManager(get func(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)) Reader {
	return func(ctx context.Context, name string) (string, error) {
		out, err := get(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.SecretString), nil
	}
}

// Guard reads the origin secret with read and wraps next in the check;
// with no secret configured it returns next. Errors name the secret, never
// its value.
func Guard(ctx context.Context, e Config, read Reader, next http.Handler) (http.Handler, error) {
	if e.Secret == "" {
		return next, nil
	}
	v, err := read(ctx, e.Secret)
	if err != nil {
		return nil, fmt.Errorf("origin secret %s: %w", e.Secret, err)
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
