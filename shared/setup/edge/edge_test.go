package edge_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/setup/edge"
)

// fakeSecrets reads one value under each name.
type fakeSecrets map[string]string

func (f fakeSecrets) read(_ context.Context, name string) (string, error) {
	v, ok := f[name]
	if !ok {
		return "", errors.New("secret not found")
	}
	return v, nil
}

func TestOnlyRequestsThroughTheDistributionAreServed(t *testing.T) {
	const origin = "cloudfront-origin-secret-0123456789abcdef"
	var seen []http.Header
	form := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Clone())
		_, _ = io.WriteString(w, "the form")
	})
	f := fakeSecrets{"privacy-desk/origin-verify": origin, "short": "too-short"}
	h, err := edge.Guard(context.Background(), edge.Config{Secret: "privacy-desk/origin-verify"}, f.read, form)
	require.NoError(t, err)

	tests := []struct {
		name, header string
		code         int
	}{
		{"through the distribution", origin, http.StatusOK},
		{"straight to the API's address", "", http.StatusForbidden},
		{"a guessed secret", "cloudfront-origin-secret-0123456789abcdeX", http.StatusForbidden},
		{"a prefix of the secret", origin[:20], http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = nil
			r := httptest.NewRequest(http.MethodPost, "/requests", nil)
			if tt.header != "" {
				r.Header.Set(edge.OriginHeader, tt.header)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			assert.Equal(t, tt.code, w.Code)
			assert.NotContains(t, w.Body.String(), origin)
			if tt.code == http.StatusOK {
				require.Len(t, seen, 1)
				assert.Empty(t, seen[0].Get(edge.OriginHeader), "the secret goes no further than the check")
			} else {
				assert.Empty(t, seen, "the form never sees a request from elsewhere")
			}
		})
	}

	t.Run("without a secret (the local stack) nothing is checked", func(t *testing.T) {
		h, err := edge.Guard(context.Background(), edge.Config{}, fakeSecrets{}.read, form)
		require.NoError(t, err)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		assert.Equal(t, http.StatusOK, w.Code)
	})
	t.Run("a short or missing secret is refused without showing it", func(t *testing.T) {
		_, err := edge.Guard(context.Background(), edge.Config{Secret: "short"}, f.read, form)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "too-short")
		_, err = edge.Guard(context.Background(), edge.Config{Secret: "nope"}, f.read, form)
		assert.ErrorContains(t, err, "secret not found")
	})
}
