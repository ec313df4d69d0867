package setup

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
)

// Later is an http.Handler built by its first request instead of at cold
// start, for a function whose handler needs an AWS call to be built (a
// key from Secrets Manager, an app client's ID from Cognito): the cold
// start makes no call, as its SDK floor makes none, and the call is made
// once, by the first request, whose answer waits for it. A build that fails
// is logged, answered by Unavailable, and tried again by the next request.
type Later struct {
	// Build makes the handler; ctx is the first request's.
	Build func(ctx context.Context) (http.Handler, error)
	// Unavailable answers a request while Build fails (a 503 with
	// Retry-After, in the site's words).
	Unavailable func(w http.ResponseWriter, r *http.Request)
	// What names the handler in the log line of a failed build.
	What string
	Log  *slog.Logger

	ready atomic.Pointer[http.Handler]
	mu    sync.Mutex
}

func (l *Later) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, err := l.handler(r.Context())
	if err != nil {
		l.Log.ErrorContext(r.Context(), l.What+": not ready, tried again by the next request", "error", err)
		l.Unavailable(w, r)
		return
	}
	h.ServeHTTP(w, r)
}

func (l *Later) handler(ctx context.Context) (http.Handler, error) {
	if h := l.ready.Load(); h != nil {
		return *h, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if h := l.ready.Load(); h != nil {
		return *h, nil
	}
	h, err := l.Build(ctx)
	if err != nil {
		return nil, err
	}
	l.ready.Store(&h)
	return h, nil
}
