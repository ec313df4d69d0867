package deadline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// The sweep. A schedule (EventBridge Scheduler on AWS, the local stack's
// clock on a laptop) calls Sweep every SweepPeriod: it lists the open
// requests, plans each one's reminders (Schedule) and sends those planned
// within the sweep's window, through Remind, which skips what was met,
// moot or sent before. Nothing runs per request between reminders, so a
// request costs nothing while it waits, however long it stays open.

// SweepPeriod is how often the sweep runs, and the width of its window
// when the schedule gives only its time.
const SweepPeriod = time.Hour

// OpenStore lists the open requests (*dynamo.Store's OpenWork: the
// open-work index, deadlines included, no personal data).
type OpenStore interface {
	OpenWork(ctx context.Context) ([]request.Request, error)
}

// SweepInput is one sweep's window: the reminders planned after Since and
// at or before At. At is the schedule's time for this run (EventBridge
// Scheduler's <aws.scheduler.scheduled-time>), so a retried run covers the
// same window; zero means now. A zero Since means At minus SweepPeriod.
type SweepInput struct {
	At    time.Time `json:"at,omitzero"`
	Since time.Time `json:"since,omitzero"`
}

// SweepResult counts what one sweep did. It holds no personal data.
type SweepResult struct {
	Open    int `json:"open"`    // open requests looked at
	Due     int `json:"due"`     // reminders planned within the window
	Sent    int `json:"sent"`    // mails to the team
	Skipped int `json:"skipped"` // met, moot, closed meanwhile or sent before
	Failed  int `json:"failed"`  // left for the retried run
}

// Sweep sends the reminders planned within in's window. A reminder that
// cannot be sent (the store or the mail service failing) does not stop the
// others; Sweep then returns an error after trying them all, so the
// schedule runs the same window again, and Remind's audit check keeps what
// was sent from going twice.
func (s *Service) Sweep(ctx context.Context, in SweepInput) (SweepResult, error) {
	at := in.At
	if at.IsZero() {
		at = s.Now()
	}
	since := in.Since
	if since.IsZero() {
		since = at.Add(-SweepPeriod)
	}
	if !since.Before(at) {
		return SweepResult{}, &InputError{Reason: fmt.Sprintf("since %s is not before at %s", since.Format(time.RFC3339), at.Format(time.RFC3339))}
	}
	open, err := s.Open.OpenWork(ctx)
	if err != nil {
		return SweepResult{}, &TransientError{Op: "list open requests", Err: err}
	}
	res := SweepResult{Open: len(open)}
	var failed error
	for i := range open {
		for _, rem := range Schedule(&open[i], s.Calendar) {
			if !rem.At.After(since) || rem.At.After(at) {
				continue
			}
			res.Due++
			out, err := s.Remind(ctx, Input{RequestID: open[i].ID, Clock: rem.Clock, Stage: rem.Stage, At: rem.At})
			switch {
			case err != nil:
				res.Failed++
				failed = errors.Join(failed, err)
			case out.Sent:
				res.Sent++
			default:
				res.Skipped++
			}
		}
	}
	s.logger().InfoContext(ctx, "deadline sweep", "since", since.UTC().Format(time.RFC3339), "at", at.UTC().Format(time.RFC3339),
		"open", res.Open, "due", res.Due, "sent", res.Sent, "skipped", res.Skipped, "failed", res.Failed)
	if failed != nil {
		return res, &TransientError{Op: fmt.Sprintf("send %d of %d reminders", res.Failed, res.Due), Err: failed}
	}
	return res, nil
}
