package mail

import (
	"errors"
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// DeadlineReminder is what a reminder to the privacy team about one of a
// request's deadlines says. It carries no personal data of the requester:
// the team looks the request up in the desk by its ID.
type DeadlineReminder struct {
	RequestID string
	// Clock names the deadline in a few words, e.g. "response"; ClockTitle
	// says what it is, e.g. "the answer to the request (45 calendar days)".
	Clock      string
	ClockTitle string
	Missed     bool // the deadline has passed
	Final      bool // the last reminder before the deadline
	Due        time.Time
	Now        time.Time
	// BusinessDaysLeft counts the business days from Now's date to Due's
	// date (Due's own day included); when Missed, how many days it is late.
	BusinessDaysLeft int
	Kinds            []request.Kind
	Priority         request.Priority
	Channel          request.Channel
	Status           request.Status
	Location         *time.Location // the business zone, as in Acknowledgement
}

type reminderView struct {
	RequestID        string
	Clock            string
	ClockTitle       string
	Missed, Final    bool
	Due              string // date and time
	Now              string // date
	BusinessDaysLeft int
	CalendarDaysLeft int
	Kinds            []string
	Priority         string
	Channel          string
	Status           string
}

// ErrReminderTime is a reminder whose words would not be true at its Now:
// a reminder that a deadline is coming up or close once it has passed, or
// a "missed" notice before it has. Its days left (or late) would be false.
var ErrReminderTime = errors.New("mail: deadline reminder does not fit its time")

// RenderDeadlineReminder renders a reminder about deadline d to the team's
// address to. A reminder before the deadline with Now after Due, or a
// missed notice with Now not after Due, is refused with ErrReminderTime:
// the days left are never shown for a deadline that has passed.
func RenderDeadlineReminder(to string, d DeadlineReminder) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	if d.Missed != d.Now.After(d.Due) {
		return Message{}, ErrReminderTime
	}
	due, now := in(d.Due, d.Location), in(d.Now, d.Location)
	v := reminderView{
		RequestID:        clean(d.RequestID),
		Clock:            clean(d.Clock),
		ClockTitle:       clean(d.ClockTitle),
		Missed:           d.Missed,
		Final:            d.Final,
		Due:              dateTimeOf(English, due),
		Now:              dateOf(English, now),
		BusinessDaysLeft: d.BusinessDaysLeft,
		Kinds:            make([]string, 0, len(d.Kinds)),
		Priority:         clean(string(d.Priority)),
		Channel:          clean(string(d.Channel)),
		Status:           clean(string(d.Status)),
	}
	v.CalendarDaysLeft = calendarDays(now, due)
	for _, k := range d.Kinds {
		v.Kinds = append(v.Kinds, clean(string(k)))
	}
	var subject string
	switch {
	case d.Missed:
		subject = "Deadline missed: " + v.Clock + " of " + v.RequestID + " was due " + due.Format("Mon Jan 2")
	case d.Final:
		subject = "Final reminder: " + v.Clock + " of " + v.RequestID + " is due " + due.Format("Mon Jan 2")
	default:
		subject = "Reminder: " + v.Clock + " of " + v.RequestID + " is due " + due.Format("Mon Jan 2")
	}
	if d.Priority == request.Expedited {
		subject = "[expedited] " + subject
	}
	return render(to, to, subject, reminderBody, v), nil
}

var reminderBody = body[reminderView]{streamreminderText, streamreminderHTML}

// calendarDays is how many dates lie between a's date and b's date, in a's
// zone, whichever comes first (days left, or days late: RenderDeadlineReminder
// calls it only in the order its words say).
func calendarDays(a, b time.Time) int {
	if a.IsZero() || b.IsZero() {
		return 0
	}
	b = b.In(a.Location())
	da := time.Date(a.Year(), a.Month(), a.Day(), 12, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 12, 0, 0, 0, time.UTC)
	n := int(db.Sub(da).Hours() / 24)
	if n < 0 {
		n = -n
	}
	return n
}
