package setup_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/setup"
)

// TestLaterIsBuiltByTheFirstRequest: nothing is built before the first
// request; a build that fails is logged and answered by Unavailable, and
// the next request tries again; once built, the handler answers every
// request and is never built again, however many arrive at once.
func TestLaterIsBuiltByTheFirstRequest(t *testing.T) {
	var mu sync.Mutex
	builds, fail := 0, true
	var logs bytes.Buffer
	l := &setup.Later{What: "the console", Log: slog.New(slog.NewTextHandler(&logs, nil)),
		Build: func(context.Context) (http.Handler, error) {
			mu.Lock()
			defer mu.Unlock()
			builds++
			if fail {
				return nil, errors.New("cognito unreachable")
			}
			return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "the console") }), nil
		},
		Unavailable: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) },
	}
	assert.Equal(t, 0, builds, "nothing is built before a request")
	get := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		l.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/console/", nil))
		return rec
	}

	assert.Equal(t, http.StatusServiceUnavailable, get().Code)
	assert.Equal(t, 1, builds)
	assert.Contains(t, logs.String(), "the console: not ready")
	assert.Contains(t, logs.String(), "cognito unreachable")

	mu.Lock()
	fail = false
	mu.Unlock()
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = get().Code
		}()
	}
	wg.Wait()
	for _, c := range codes {
		require.Equal(t, http.StatusOK, c)
	}
	assert.Equal(t, "the console", get().Body.String())
	assert.Equal(t, 2, builds, "built once after the failed try")
}
