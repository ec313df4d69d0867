package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/productionflow/privacy-desk/shared/deadline"
	"github.com/productionflow/privacy-desk/shared/states"
)

// sweeper runs the deadline sweep as the hourly schedule does on AWS, on
// the desk's movable clock: on each hour, and at once for the whole span
// when the clock is moved forward. The end of the last window swept is
// kept in the data folder (when there is one), so reminders planned while
// the desk was stopped go out when it starts again.
type sweeper struct {
	clock states.Clock
	sweep func(context.Context, deadline.SweepInput) (deadline.SweepResult, error)
	file  string // "" keeps nothing
	log   *slog.Logger

	mu   sync.Mutex
	last time.Time // the end of the last window swept
}

// run sweeps until ctx ends.
func (s *sweeper) run(ctx context.Context) {
	// The first window starts where the last run of the desk stopped, or
	// now: loaded before the first hour comes.
	s.mu.Lock()
	s.last = s.load()
	s.mu.Unlock()
	for {
		next := s.clock.Now().Truncate(deadline.SweepPeriod).Add(deadline.SweepPeriod)
		fired, stop := s.clock.Timer(next)
		select {
		case <-ctx.Done():
			stop()
			return
		case <-fired:
		}
		_, _ = s.now(ctx)
	}
}

// now sweeps the window from the last one's end to now and, when it
// worked, keeps its end; a failed window is swept again, wider, next time.
func (s *sweeper) now(ctx context.Context) (deadline.SweepResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.clock.Now()
	if s.last.IsZero() {
		s.last = s.load()
	}
	if !s.last.Before(at) {
		return deadline.SweepResult{}, nil
	}
	res, err := s.sweep(ctx, deadline.SweepInput{Since: s.last, At: at})
	if err != nil {
		s.log.ErrorContext(ctx, "local: deadline sweep failed; the next one covers its window", "error", err)
		return res, err
	}
	if res.Sent > 0 {
		s.log.InfoContext(ctx, "local: deadline sweep", "sent", res.Sent)
	}
	s.last = at
	s.save(at)
	return res, nil
}

func (s *sweeper) load() time.Time {
	now := s.clock.Now()
	if s.file == "" {
		return now
	}
	b, err := os.ReadFile(s.file)
	if err != nil {
		return now
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
	if err != nil || t.After(now) {
		return now
	}
	return t
}

func (s *sweeper) save(at time.Time) {
	if s.file == "" {
		return
	}
	tmp := s.file + ".tmp"
	err := os.WriteFile(tmp, []byte(at.UTC().Format(time.RFC3339Nano)+"\n"), 0o600)
	if err == nil {
		err = os.Rename(tmp, s.file)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("local: keep the sweep's place", "file", filepath.Base(s.file), "error", err)
	}
}
