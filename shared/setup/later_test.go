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
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/setup"
)

// TestLaterIsBuiltByTheFirstRequest: nothing is built before the first
// request; a build that fails is logged and answered by Unavailable, the
// requests of the next RetryAfter too without building again, and the
// first request after them builds again; once built, the handler answers
// every request and is never built again, however many arrive at once.
func TestLaterIsBuiltByTheFirstRequest(t *testing.T) {
	var mu sync.Mutex
	builds, fail := 0, true
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var logs bytes.Buffer
	var buildErr error // the build's context's error, as the build saw it
	var bounded bool
	l := &setup.Later{What: "the console", Log: slog.New(slog.NewTextHandler(&logs, nil)), RetryAfter: 5 * time.Second,
		Now: func() time.Time { return now },
		Build: func(ctx context.Context) (http.Handler, error) {
			mu.Lock()
			defer mu.Unlock()
			builds++
			buildErr = ctx.Err()
			_, bounded = ctx.Deadline()
			if fail {
				return nil, errors.New("cognito unreachable")
			}
			return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "the console") }), nil
		},
		Unavailable: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) },
	}
	assert.Equal(t, 0, builds, "nothing is built before a request")
	get := func(ctx context.Context) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		l.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/console/", nil).WithContext(ctx))
		return rec
	}

	// The first request's client has gone: the build still runs, with a
	// deadline of its own.
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	assert.Equal(t, http.StatusServiceUnavailable, get(gone).Code)
	assert.Equal(t, 1, builds)
	require.NoError(t, buildErr, "the build does not inherit the request's cancellation")
	assert.True(t, bounded, "the build is bounded")
	assert.Contains(t, logs.String(), "the console: not ready")
	assert.Contains(t, logs.String(), "cognito unreachable")

	mu.Lock()
	fail = false
	mu.Unlock()
	now = now.Add(4 * time.Second)
	assert.Equal(t, http.StatusServiceUnavailable, get(context.Background()).Code, "within RetryAfter of the failure")
	assert.Equal(t, 1, builds, "no call while the last one failed a moment ago")

	now = now.Add(time.Second)
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = get(context.Background()).Code
		}()
	}
	wg.Wait()
	for _, c := range codes {
		require.Equal(t, http.StatusOK, c)
	}
	assert.Equal(t, "the console", get(context.Background()).Body.String())
	assert.Equal(t, 2, builds, "built once after the failed try")
}
