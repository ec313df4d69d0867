package setup

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Later is an http.Handler built by its first request instead of at cold
// start, for a function whose handler needs an AWS call to be built (a
// key from Secrets Manager, an app client's ID from Cognito): the cold
// start makes no call, as its SDK floor makes none, and the call is made
// once, by the first request, whose answer waits for it. A build that fails
// is logged and answered by Unavailable; the requests of the next
// RetryAfter are answered so too, without a call, and the first after them
// builds again. Checks that need no call belong at cold start, in the
// function's configuration, so that a misconfigured function still fails
// to start.
type Later struct {
	// Build makes the handler; ctx is the first request's, without its
	// cancellation (a client that leaves does not waste the build) and
	// bounded by BuildTimeout.
	Build func(ctx context.Context) (http.Handler, error)
	// Unavailable answers a request while Build fails (a 503 with
	// Retry-After, in the site's words).
	Unavailable func(w http.ResponseWriter, r *http.Request)
	// What names the handler in the log line of a failed build.
	What string
	Log  *slog.Logger
	// RetryAfter is how long after a failed build requests are answered
	// by Unavailable without building again; 0 means DefaultRetryAfter.
	RetryAfter time.Duration
	// Now is the clock of RetryAfter; nil means time.Now.
	Now func() time.Time

	ready   atomic.Pointer[http.Handler]
	mu      sync.Mutex
	failed  time.Time // the last failed build, while not ready
	lastErr error
}

// The defaults of Later.
const (
	DefaultRetryAfter = 5 * time.Second
	BuildTimeout      = 10 * time.Second
)

func (l *Later) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, err := l.handler(r.Context())
	if err != nil {
		l.Unavailable(w, r)
		return
	}
	h.ServeHTTP(w, r)
}

func (l *Later) handler(rctx context.Context) (http.Handler, error) {
	if h := l.ready.Load(); h != nil {
		return *h, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if h := l.ready.Load(); h != nil {
		return *h, nil
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	wait := l.RetryAfter
	if wait <= 0 {
		wait = DefaultRetryAfter
	}
	if !l.failed.IsZero() && now().Before(l.failed.Add(wait)) {
		return nil, l.lastErr // a call a moment ago failed: not again yet
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(rctx), BuildTimeout)
	defer cancel()
	h, err := l.Build(ctx)
	if err != nil {
		l.failed, l.lastErr = now(), err
		l.Log.ErrorContext(rctx, l.What+": not ready, built again by a request after "+wait.String(), "error", err)
		return nil, err
	}
	l.ready.Store(&h)
	return h, nil
}
