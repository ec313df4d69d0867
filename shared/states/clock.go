package states

import (
	"container/heap"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Clock is the runtime's only source of time. Every Wait, retry delay,
// timeout and heartbeat deadline is a timer on the clock.
//
// Busy and Idle let a virtual clock know when the runtime is doing work:
// the runtime calls Busy before it starts a goroutine and Idle just before
// it blocks. A timer that fires (and every other event that wakes a blocked
// runtime goroutine) hands one Busy unit to the woken goroutine. Real clocks
// ignore both calls.
type Clock interface {
	Now() time.Time
	// Timer returns a channel that receives once the clock reaches at, and
	// a stop function that reports whether it stopped the timer before it
	// fired.
	Timer(at time.Time) (<-chan time.Time, func() bool)
	Busy()
	Idle()
}

// Advancer is a clock an operator can move forward.
type Advancer interface {
	Clock
	Advance(d time.Duration)
}

type clockTimer struct {
	at    time.Time
	seq   uint64
	ch    chan time.Time
	index int // in the heap; -1 once fired or stopped
}

type timerHeap []*clockTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*clockTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

// VirtualClock is a clock for tests. It never moves by itself with the wall
// clock: once no runtime goroutine is busy (every execution is blocked on a
// timer, a task token or a child), it jumps to the earliest timer and fires
// it. A 45-day Wait then takes microseconds. Advance moves it by hand.
type VirtualClock struct {
	mu     sync.Mutex
	now    time.Time
	busy   int
	seq    uint64
	timers timerHeap
	manual bool
	idle   chan struct{} // closed while busy == 0
}

var _ Advancer = (*VirtualClock)(nil)

// NewVirtualClock returns a virtual clock that starts at start and jumps to
// the next timer whenever the runtime is idle.
func NewVirtualClock(start time.Time) *VirtualClock {
	return &VirtualClock{now: start, idle: closedChan()}
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// NewManualClock returns a virtual clock that only moves through Advance.
func NewManualClock(start time.Time) *VirtualClock {
	return &VirtualClock{now: start, manual: true, idle: closedChan()}
}

// Now returns the virtual time.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Timer implements Clock.
func (c *VirtualClock) Timer(at time.Time) (<-chan time.Time, func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &clockTimer{at: at, ch: make(chan time.Time, 1)}
	c.seq++
	t.seq = c.seq
	if !at.After(c.now) {
		c.addBusyLocked()
		t.index = -1
		t.ch <- c.now
	} else {
		heap.Push(&c.timers, t)
	}
	stop := func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if t.index < 0 {
			return false
		}
		heap.Remove(&c.timers, t.index)
		t.index = -1
		return true
	}
	return t.ch, stop
}

// Busy implements Clock.
func (c *VirtualClock) Busy() {
	c.mu.Lock()
	c.addBusyLocked()
	c.mu.Unlock()
}

func (c *VirtualClock) addBusyLocked() {
	if c.busy == 0 {
		c.idle = make(chan struct{})
	}
	c.busy++
}

// WaitIdle blocks until no runtime goroutine is busy: every execution is
// blocked on a timer, a task token or has ended.
func (c *VirtualClock) WaitIdle(ctx context.Context) error {
	c.mu.Lock()
	ch := c.idle
	c.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Idle implements Clock.
func (c *VirtualClock) Idle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.busy--
	if c.busy < 0 {
		panic("states: virtual clock idle without busy")
	}
	if c.busy == 0 && !c.manual && len(c.timers) > 0 {
		c.fireLocked(c.timers[0].at)
	}
	if c.busy == 0 {
		close(c.idle)
	}
}

// Hold keeps the clock from jumping until release is called: a test that
// completes a task token from outside the runtime holds the clock from the
// moment it learns the token until it has sent it.
func (c *VirtualClock) Hold() (release func()) {
	c.Busy()
	var once sync.Once
	return func() { once.Do(c.Idle) }
}

// Advance moves the clock forward by d and fires every timer due by then.
func (c *VirtualClock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fireLocked(c.now.Add(d))
}

func (c *VirtualClock) fireLocked(to time.Time) {
	if to.After(c.now) {
		c.now = to
	}
	for len(c.timers) > 0 && !c.timers[0].at.After(c.now) {
		t := heap.Pop(&c.timers).(*clockTimer)
		c.addBusyLocked()
		t.ch <- c.now
	}
}

// RealClock is wall-clock time plus an offset an operator can push forward
// (so a person trying the desk locally can see a reminder due in 30 days).
type RealClock struct {
	mu     sync.Mutex
	offset time.Duration
	seq    uint64
	timers timerHeap
	wake   *time.Timer
	now    func() time.Time
	moved  func(offset time.Duration)
}

var _ Advancer = (*RealClock)(nil)

// NewRealClock returns the wall clock.
func NewRealClock() *RealClock {
	return &RealClock{now: time.Now}
}

// NewRealClockAhead returns the wall clock moved on by offset (as an
// earlier run left it), calling moved with the new offset each time
// Advance moves it, one call at a time (to keep it for the next run; nil:
// none). moved must not read the clock.
func NewRealClockAhead(offset time.Duration, moved func(offset time.Duration)) *RealClock {
	return &RealClock{now: time.Now, offset: max(offset, 0), moved: moved}
}

// Offset is how far Advance has moved the clock ahead of the wall clock.
func (c *RealClock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// Now returns wall-clock time plus the offset.
func (c *RealClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now().Add(c.offset)
}

// Busy implements Clock; the real clock does not count.
func (c *RealClock) Busy() {}

// Idle implements Clock; the real clock does not count.
func (c *RealClock) Idle() {}

// Timer implements Clock.
func (c *RealClock) Timer(at time.Time) (<-chan time.Time, func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &clockTimer{at: at, ch: make(chan time.Time, 1)}
	c.seq++
	t.seq = c.seq
	heap.Push(&c.timers, t)
	c.scheduleLocked()
	stop := func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if t.index < 0 {
			return false
		}
		heap.Remove(&c.timers, t.index)
		t.index = -1
		return true
	}
	return t.ch, stop
}

// Advance pushes the clock forward by d and fires the timers now due.
func (c *RealClock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
	c.scheduleLocked()
	if c.moved != nil {
		// Under the lock: moves are kept in the order they were made, the
		// last one kept the furthest.
		c.moved(c.offset)
	}
}

func (c *RealClock) scheduleLocked() {
	now := c.now().Add(c.offset)
	for len(c.timers) > 0 && !c.timers[0].at.After(now) {
		t := heap.Pop(&c.timers).(*clockTimer)
		t.ch <- now
	}
	if c.wake != nil {
		c.wake.Stop()
		c.wake = nil
	}
	if len(c.timers) > 0 {
		c.wake = time.AfterFunc(c.timers[0].at.Sub(now), func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.scheduleLocked()
		})
	}
}

// ClockHandler serves the local-only clock endpoint:
//
//	GET  /_local/clock                 → {"now": "..."}
//	POST /_local/clock/advance?by=720h → moves the clock, then {"now": "..."}
//
// Mount it on the local stack only; it has no authentication.
func ClockHandler(c Advancer) http.Handler {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"now": c.Now().UTC().Format(time.RFC3339Nano)})
	}
	mux.HandleFunc("GET /_local/clock", func(w http.ResponseWriter, _ *http.Request) { reply(w) })
	mux.HandleFunc("POST /_local/clock/advance", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("by"))
		if err != nil || d <= 0 {
			http.Error(w, `{"message":"by must be a positive Go duration such as 720h"}`, http.StatusBadRequest)
			return
		}
		c.Advance(d)
		reply(w)
	})
	return mux
}
