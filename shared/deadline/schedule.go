// Package deadline watches a privacy request's legal clocks: it plans when
// the privacy team is reminded of each deadline (Schedule) and sends those
// reminders (Service.Remind) from an hourly sweep over the open requests
// (Service.Sweep).
//
// The team gets, in the business time zone:
//
//   - response (45 calendar days): a reminder at 09:00 ten business days
//     before the due date, a final reminder at 09:00 three business days
//     before, and a "missed" notice the second after the deadline;
//   - extended (90 calendar days): the same three, planned from the start;
//     they only mail once the request has been extended, and the response
//     clock's mail stops from then on (the extended clock replaces it);
//   - opt-out (15 or 10 business days): a final reminder three business
//     days before, and "missed" after the deadline;
//   - acknowledge (10 business days): only "missed", and only when the
//     request had not been acknowledged when the schedule was made (the
//     desk acknowledges at once, so this is the safety net).
//
// An expedited request (mail marked "CCPA Request", a child's data) is
// reminded earlier: fifteen and five business days before the answer is
// due, five business days before an opt-out is due. Its legal dates do not
// move.
package deadline

import (
	"sort"
	"time"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/request"
)

// The clocks a reminder can be about: the fields of request.Due.
const (
	ClockAcknowledge = "acknowledge"
	ClockResponse    = "response"
	ClockExtended    = "extended"
	ClockOptOut      = "optOut"
)

// The stages of a clock's reminders.
const (
	StageReminder = "reminder" // early warning
	StageFinal    = "final"    // the last reminder before the deadline
	StageMissed   = "missed"   // the deadline passed and the clock was not met
)

// ReminderHour is the hour of the day, in the business time zone, at which
// reminders before a deadline are sent.
const ReminderHour = 9

// Lead times, in business days before the due date.
const (
	ResponseReminderDays          = 10
	ResponseFinalDays             = 3
	OptOutFinalDays               = 3
	ExpeditedResponseReminderDays = 15
	ExpeditedResponseFinalDays    = 5
	ExpeditedOptOutFinalDays      = 5
)

// Reminder is one planned reminder: at At, tell the team where Clock stands.
type Reminder struct {
	At    time.Time `json:"at"`
	Clock string    `json:"clock"`
	Stage string    `json:"stage"`
}

// ValidClock reports whether c names a clock.
func ValidClock(c string) bool {
	switch c {
	case ClockAcknowledge, ClockResponse, ClockExtended, ClockOptOut:
		return true
	}
	return false
}

// ValidStage reports whether s names a stage.
func ValidStage(s string) bool {
	switch s {
	case StageReminder, StageFinal, StageMissed:
		return true
	}
	return false
}

// Schedule plans the reminders of request r, soonest first (ties in the
// order acknowledge, opt-out, response, extended; reminder before final
// before missed). A closed request has none; a clock that does not apply
// (a zero due time) has none; a reminder at or before the request's receipt
// is dropped. Schedule is pure: the same request gives the same plan.
func Schedule(r *request.Request, cal *clock.Calendar) []Reminder {
	if r == nil || r.Status.Closed() {
		return nil
	}
	remindDays, finalDays, optOutDays := ResponseReminderDays, ResponseFinalDays, OptOutFinalDays
	if r.Priority == request.Expedited {
		remindDays, finalDays, optOutDays = ExpeditedResponseReminderDays, ExpeditedResponseFinalDays, ExpeditedOptOutFinalDays
	}
	var out []Reminder
	add := func(due time.Time, clk string, leads ...lead) {
		if due.IsZero() {
			return
		}
		for _, l := range leads {
			out = append(out, Reminder{At: morningBefore(cal, due, l.days), Clock: clk, Stage: l.stage})
		}
		out = append(out, Reminder{At: MissedAt(due), Clock: clk, Stage: StageMissed})
	}
	if r.AcknowledgedAt.IsZero() {
		add(r.Due.Acknowledge, ClockAcknowledge)
	}
	add(r.Due.OptOut, ClockOptOut, lead{optOutDays, StageFinal})
	add(r.Due.Response, ClockResponse, lead{remindDays, StageReminder}, lead{finalDays, StageFinal})
	add(r.Due.Extended, ClockExtended, lead{remindDays, StageReminder}, lead{finalDays, StageFinal})

	kept := out[:0]
	for _, rem := range out {
		if rem.At.After(r.ReceivedAt) {
			kept = append(kept, rem)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].At.Before(kept[j].At) })
	return kept
}

type lead struct {
	days  int
	stage string
}

// MissedAt is when a deadline counts as missed: the second after it (a
// deadline is the last second of its day).
func MissedAt(due time.Time) time.Time { return due.Add(time.Second) }

// morningBefore is ReminderHour on the business day n business days before
// due's date, in the business zone.
func morningBefore(cal *clock.Calendar, due time.Time, n int) time.Time {
	d := cal.AddBusinessDays(due, -n)
	y, m, day := d.Date()
	return time.Date(y, m, day, ReminderHour, 0, 0, 0, cal.Location())
}
