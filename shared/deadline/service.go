package deadline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/metric"
	"github.com/productionflow/privacy-desk/shared/request"
)

// Audit actions the service writes, and the ones it reads to tell whether a
// clock still runs.
const (
	ActionReminderSent   = request.ActionReminderSent
	ActionDeadlineMissed = request.ActionDeadlineMissed
	// ActionOptOutDone is the event that records an opt-out carried out
	// while the rest of the request stays open; it stops the opt-out clock.
	ActionOptOutDone = request.ActionOptOutDone
	// ActionReminderSkipped records a reminder or final reminder that was
	// not sent because its deadline had already passed when the sweep ran
	// (a late or retried run): the "missed" notice covers it. Written once
	// per clock and stage, so a later run finds it and does nothing.
	ActionReminderSkipped = request.ActionReminderSkipped
)

// SkippedPastDue is Output.Skipped, and the reason of the
// ActionReminderSkipped event, for a reminder before a deadline that has
// already passed.
const SkippedPastDue = "past-due"

// ActionExtended is the event of a request's move to status extended: from
// then on the extended clock replaces the response clock.
var ActionExtended = request.StatusAction(request.Extended)

// Actor names the deadline sweep in audit events.
const Actor = "system:deadline-sweep"

// Store is what the service needs of the request store (*dynamo.Store).
type Store interface {
	Get(ctx context.Context, id string) (*request.Request, error)
	Events(ctx context.Context, id string) ([]request.Event, error)
	AppendEvent(ctx context.Context, ev request.Event) error
}

// Service reminds the privacy team of a request's deadlines.
type Service struct {
	Store Store
	// Open lists the open requests for Sweep.
	Open     OpenStore
	Mail     mail.Sender
	Calendar *clock.Calendar
	Now      func() time.Time
	// TeamAddress is where reminders go: the privacy team, never the requester.
	TeamAddress string
	Log         *slog.Logger
	// Metrics, when set, counts each clock that passed unmet (the missed
	// stage's mail to the team), by clock.
	Metrics *metric.Writer
}

// Input is one planned reminder, as Sweep passes it.
type Input struct {
	RequestID string `json:"requestId"`
	Clock     string `json:"clock"`
	Stage     string `json:"stage"`
	// At is the planned time of the reminder. It dates the audit event, so
	// a repeated invocation records the same event once; zero means now.
	At time.Time `json:"at,omitzero"`
}

// Output says what Remind did.
type Output struct {
	// Open is false once the request is closed (or gone).
	Open bool `json:"open"`
	// Sent is true when this call mailed the team.
	Sent bool `json:"sent"`
	// Skipped says why nothing was sent: "closed", "not-found", "met"
	// (the clock was met), "moot" (the clock does not run for this
	// request), "not-yet-due", "already-sent", "past-due" (a reminder
	// before the deadline, which had passed when the sweep ran: recorded,
	// not sent) or "already-skipped" (a past-due reminder recorded before).
	Skipped string `json:"skipped,omitempty"`
}

// TransientError is a failure worth retrying: the store or the mail
// service did not answer as it should. Sweep returns it when a reminder
// failed, so the schedule runs the same window again.
type TransientError = request.TransientError

// InputError is an Input the service cannot act on; retrying does not help.
type InputError struct{ Reason string }

func (e *InputError) Error() string { return "deadline: invalid input: " + e.Reason }

// Remind sends the team the reminder in, unless it no longer matters:
//
//   - the request is closed (or no longer exists): Open is false;
//   - the clock was met (acknowledgement sent, opt-out done) or is moot
//     (the response clock once the request is extended, the extended clock
//     while it is not, a clock the request does not have);
//   - this reminder was sent before (an audit event says so);
//   - it is a reminder or final reminder and the deadline has already
//     passed (a late or retried sweep): the "missed" notice covers it, and
//     the stage is recorded as ActionReminderSkipped instead, once, so no
//     later run sends it or records it again.
//
// Otherwise it mails the team and then appends the audit event
// ("reminder-sent", or "deadline-missed" for the missed stage).
//
// Mail first, then the event: the event is the record that the mail went
// out, and its absence makes a retry send. A crash or a failed write
// between the two can therefore send one reminder twice; the other order
// could lose the reminder for good, and a duplicate reminder is the safer
// failure for a legal deadline. (A lease on the request item, as the
// acknowledgement uses, would close the window for concurrent calls; one
// sweep runs at a time and sends a request's reminders in turn, so it is
// not needed yet.)
func (s *Service) Remind(ctx context.Context, in Input) (Output, error) {
	if err := in.validate(); err != nil {
		return Output{}, err
	}
	log := s.logger().With("requestId", in.RequestID, "clock", in.Clock, "stage", in.Stage)
	r, err := s.Store.Get(ctx, in.RequestID)
	if errors.Is(err, request.ErrNotFound) {
		log.WarnContext(ctx, "deadline reminder: request not found")
		return Output{Open: false, Skipped: "not-found"}, nil
	}
	if err != nil {
		return Output{}, &TransientError{Op: "get request " + in.RequestID, Err: err}
	}
	if r.Status.Closed() {
		log.InfoContext(ctx, "deadline reminder: request closed", "status", r.Status)
		return Output{Open: false, Skipped: "closed"}, nil
	}
	events, err := s.Store.Events(ctx, in.RequestID)
	if err != nil {
		return Output{}, &TransientError{Op: "read events of " + in.RequestID, Err: err}
	}
	now := s.Now()
	due, skip := clockState(r, events, in.Clock)
	passed := !now.Before(MissedAt(due))
	if skip == "" && in.Stage == StageMissed && !passed {
		skip = "not-yet-due"
	}
	action := ActionReminderSent
	if in.Stage == StageMissed {
		action = ActionDeadlineMissed
	}
	if skip == "" && recorded(events, action, in.Clock, in.Stage) {
		skip = "already-sent"
	}
	if skip == "" && in.Stage != StageMissed && passed {
		skip = "already-skipped"
		if !recorded(events, ActionReminderSkipped, in.Clock, in.Stage) {
			if err := s.recordPastDue(ctx, r.ID, in, due, now); err != nil {
				return Output{}, err
			}
			skip = SkippedPastDue
		}
	}
	if skip != "" {
		log.InfoContext(ctx, "deadline reminder: nothing to send", "skipped", skip)
		return Output{Open: true, Skipped: skip}, nil
	}

	msg, err := mail.RenderDeadlineReminder(s.TeamAddress, mail.DeadlineReminder{
		RequestID: r.ID, Clock: ClockWords(in.Clock), ClockTitle: ClockTitle(in.Clock),
		Missed: in.Stage == StageMissed, Final: in.Stage == StageFinal,
		Due: due, Now: now, BusinessDaysLeft: s.businessDaysLeft(now, due),
		Kinds: r.Kinds, Priority: r.Priority, Channel: r.Channel, Status: r.Status,
		Location: s.Calendar.Location(),
	})
	if err != nil {
		return Output{}, fmt.Errorf("deadline: render reminder for %s: %w", r.ID, err)
	}
	messageID, err := s.Mail.Send(ctx, msg)
	if errors.Is(err, mail.ErrRecipient) {
		return Output{}, fmt.Errorf("deadline: send reminder for %s: %w", r.ID, err)
	}
	if err != nil {
		return Output{}, &TransientError{Op: "send reminder for " + r.ID, Err: err}
	}
	at := in.At
	if at.IsZero() {
		at = now
	}
	if err := s.Store.AppendEvent(ctx, request.Event{
		RequestID: r.ID, At: at, Actor: Actor, Action: action, Once: in.Clock + "-" + in.Stage,
		Data: map[string]string{
			"clock": in.Clock, "stage": in.Stage, "due": due.UTC().Format(time.RFC3339),
			"sentAt": now.UTC().Format(time.RFC3339), "messageId": messageID,
		},
	}); err != nil {
		return Output{}, &TransientError{Op: "record reminder for " + r.ID, Err: err}
	}
	if in.Stage == StageMissed {
		s.Metrics.Count(metric.DeadlinesMissed, "Clock", in.Clock)
	}
	log.InfoContext(ctx, "deadline reminder: team reminded", "messageId", messageID, "due", due.UTC().Format(time.RFC3339))
	return Output{Open: true, Sent: true}, nil
}

// recordPastDue writes the ActionReminderSkipped event of a reminder whose
// deadline had passed when the sweep came to send it.
func (s *Service) recordPastDue(ctx context.Context, id string, in Input, due, now time.Time) error {
	at := in.At
	if at.IsZero() {
		at = now
	}
	if err := s.Store.AppendEvent(ctx, request.Event{
		RequestID: id, At: at, Actor: Actor, Action: ActionReminderSkipped, Once: in.Clock + "-" + in.Stage + "-skipped",
		Data: map[string]string{
			"clock": in.Clock, "stage": in.Stage, "due": due.UTC().Format(time.RFC3339),
			"skippedAt": now.UTC().Format(time.RFC3339), "reason": SkippedPastDue,
		},
	}); err != nil {
		return &TransientError{Op: "record skipped reminder for " + id, Err: err}
	}
	return nil
}

func (in Input) validate() error {
	switch {
	case in.RequestID == "":
		return &InputError{Reason: "requestId is required"}
	case !ValidClock(in.Clock):
		return &InputError{Reason: fmt.Sprintf("unknown clock %q", in.Clock)}
	case !ValidStage(in.Stage):
		return &InputError{Reason: fmt.Sprintf("unknown stage %q", in.Stage)}
	}
	return nil
}

// clockState gives the due time of clock c on r, and why no reminder is
// needed ("met", "moot"), or "" when the clock still runs.
func clockState(r *request.Request, events []request.Event, c string) (time.Time, string) {
	extended := r.Status == request.Extended || has(events, ActionExtended)
	var due time.Time
	skip := ""
	switch c {
	case ClockAcknowledge:
		due = r.Due.Acknowledge
		if !r.AcknowledgedAt.IsZero() {
			skip = "met"
		}
	case ClockResponse:
		due = r.Due.Response
		if extended {
			skip = "moot"
		}
	case ClockExtended:
		due = r.Due.Extended
		if !extended {
			skip = "moot"
		}
	case ClockOptOut:
		due = r.Due.OptOut
		if has(events, ActionOptOutDone) {
			skip = "met"
		}
	}
	if due.IsZero() {
		skip = "moot"
	}
	return due, skip
}

func has(events []request.Event, action string) bool {
	for _, e := range events {
		if e.Action == action {
			return true
		}
	}
	return false
}

func recorded(events []request.Event, action, c, stage string) bool {
	for _, e := range events {
		if e.Action == action && e.Data["clock"] == c && e.Data["stage"] == stage {
			return true
		}
	}
	return false
}

// businessDaysLeft counts the business days after now's date up to and
// including due's date, in the business zone; 0 once due has passed.
func (s *Service) businessDaysLeft(now, due time.Time) int {
	loc := s.Calendar.Location()
	n := 0
	y, m, d := now.In(loc).Date()
	day := time.Date(y, m, d, 12, 0, 0, 0, loc)
	dy, dm, dd := due.In(loc).Date()
	last := time.Date(dy, dm, dd, 12, 0, 0, 0, loc)
	for day = day.AddDate(0, 0, 1); !day.After(last); day = day.AddDate(0, 0, 1) {
		if s.Calendar.IsBusinessDay(day) {
			n++
		}
	}
	return n
}

// ClockWords names a clock in a few words, as the team's mail does.
func ClockWords(c string) string {
	switch c {
	case ClockAcknowledge:
		return "acknowledgement"
	case ClockResponse:
		return "response"
	case ClockExtended:
		return "extended response"
	case ClockOptOut:
		return "opt-out"
	}
	return c
}

// ClockTitle says what a clock is and how long it runs.
func ClockTitle(c string) string {
	switch c {
	case ClockAcknowledge:
		return "acknowledge the request (10 business days)"
	case ClockResponse:
		return "answer the request (45 calendar days)"
	case ClockExtended:
		return "answer the extended request (90 calendar days in all)"
	case ClockOptOut:
		return "carry out the opt-out (15 business days; 10 for marketing)"
	}
	return c
}

func (s *Service) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}
