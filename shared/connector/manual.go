package connector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/token"
)

// DefaultDueIn is how long an owner has for a manual task when the registry
// does not say.
const DefaultDueIn = 10 * 24 * time.Hour

// LinkGrace keeps a task link working for a while after the due date, so a
// late owner can still confirm (the owners' overdue reminders and the
// team's overdue notice go on meanwhile).
const LinkGrace = 7 * 24 * time.Hour

// Task is a manual step waiting for a system owner. It holds no personal
// data: the person is named only in the mail to the owner.
type Task struct {
	RequestID string        `json:"requestId"`
	System    string        `json:"system"`
	Action    system.Action `json:"action"`
	Owner     string        `json:"owner"`
	Due       time.Time     `json:"due"`
	// TaskToken is the workflow's token to complete when the owner confirms.
	TaskToken  string    `json:"taskToken"`
	RemindedAt time.Time `json:"remindedAt,omitzero"`
	// MailedAt is when the owner was first mailed the task; zero until then.
	MailedAt time.Time `json:"mailedAt,omitzero"`
	// State is TaskOpen until the owner answers on the task page.
	State TaskState `json:"state"`
	// Reason is the owner's words when State is TaskCannot.
	Reason     string    `json:"reason,omitempty"`
	AnsweredAt time.Time `json:"answeredAt,omitzero"`
	// Uploaded is true when the owner uploaded the system's export.
	Uploaded bool `json:"uploaded,omitempty"`
	// TeamToldOverdue is set once the privacy team heard the task is overdue.
	TeamToldOverdue bool `json:"teamToldOverdue,omitempty"`
	// DigestDay is the day (YYYY-MM-DD in the business time zone) the task
	// was last in its owner's daily digest; empty until then.
	DigestDay string `json:"digestDay,omitempty"`
	// AskedAgain: the team's re-run of the fulfilment opened the task
	// again; EarlierReason is the owner's words when they had answered it
	// cannot be done ("" when the file they uploaded is no longer kept).
	AskedAgain    bool   `json:"askedAgain,omitempty"`
	EarlierReason string `json:"earlierReason,omitempty"`
}

// ErrInDigest means the task is already in its owner's digest of that day
// (or was answered meanwhile): marking it again changes nothing.
var ErrInDigest = errors.New("task already in the owner's digest of the day")

// TaskState is where a manual task stands.
type TaskState string

// Task states: open until the owner answers on the task page.
const (
	TaskOpen TaskState = "open"
	// TaskDone: the owner did the step (and uploaded the export, for an
	// export).
	TaskDone TaskState = "done"
	// TaskNothingHeld: the system holds nothing about the person.
	TaskNothingHeld TaskState = "nothing-held"
	// TaskCannot: the owner cannot do the step; the reason reaches the team.
	TaskCannot TaskState = "cannot"
	// TaskByHand: the privacy team did the step by hand (the console's
	// "finish a step by hand") after the owner could not, or did not
	// answer. Never stored: the fulfilment reads it from the audit trail.
	TaskByHand TaskState = "done-by-hand"
	// TaskByHandNothing: the privacy team found by hand that the system
	// holds nothing about the person (the console's "Finish a step by
	// hand", found: false).
	TaskByHandNothing TaskState = "nothing-held-by-hand"
)

// Answered reports whether the owner has answered the task.
func (t Task) Answered() bool { return t.State != "" && t.State != TaskOpen }

// Manual mails system owners their tasks: what to do, for whom and by
// when, with a single-use link to the task page.
type Manual struct {
	Mail   mail.Sender
	Tokens token.Store
	Issuer *token.Issuer
	Now    func() time.Time
	Log    *slog.Logger
	// ConfirmURL is the task page, e.g. https://privacy.productionflow.com/tasks/confirm.
	ConfirmURL string
	// ReplyTo is the privacy team's address.
	ReplyTo string
	// Location is the business time zone due times are written in; nil
	// means UTC.
	Location *time.Location
	// CategoryTitle names a category in plain words (the registry's
	// CategoryTitle, in English); nil: the category's key.
	CategoryTitle func(id, lang string) string
}

// Subject names the person a task is about: the minimum the owner needs to
// find them (for a child's request, the child, never the reporter), and
// for a correction what to correct.
type Subject struct {
	Email       string
	Name        string
	Account     string
	Child       bool
	Corrections []request.CorrectionItem
	// Exports: the request asks for an export (a copy of the data, or the
	// categories held, which the export finds), so a system's export task
	// comes before its erase task.
	Exports bool
	// CategoriesOnly: the request asks only which categories are held, no
	// copy: an export task asks the owner to tick them, not for a file.
	CategoriesOnly bool
}

// CategoriesTask is what an export task asks of its owner for a request
// that asks only which kinds of data are held, instead of the registry's
// words for a copy.
const CategoriesTask = "Look the person up in the system and say which kinds of data it holds about them: no copy and no file."

// DueWords writes a due time in the business time zone, in words:
// "Wednesday, December 2, 2026 at 5:00 PM EST".
func DueWords(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Monday, January 2, 2006 at 3:04 PM MST")
}

// Send mails the owner of sys the task t (its due time already decided)
// for the person p.
func (m *Manual) Send(ctx context.Context, sys *system.System, t Task, p Subject) error {
	v, err := m.ownerTask(ctx, sys, t, p)
	if err != nil {
		return err
	}
	msg, err := mail.RenderOwnerTask(sys.Owner, m.ReplyTo, v)
	if err != nil {
		return ownerMailError(sys.Name, t.Action, err)
	}
	if err := m.send(ctx, msg, t); err != nil {
		return err
	}
	m.Log.InfoContext(ctx, "manual task mailed", "requestId", t.RequestID, "system", sys.Name, "action", string(t.Action), "due", t.Due)
	return nil
}

// CheckTask says whether task t can be mailed to its owner: the system
// declares the action as manual, and the person can be named (an address
// or an account, no control characters). Its error is a *PermanentError.
func CheckTask(sys *system.System, t Task, p Subject) error {
	meth := sys.Actions[t.Action]
	if meth == nil || meth.Kind != system.Manual {
		return &PermanentError{System: sys.Name, Action: t.Action, Reason: "no manual action declared"}
	}
	email := strings.TrimSpace(p.Email)
	if strings.ContainsFunc(email+p.Name+p.Account, unicode.IsControl) || (email == "" && p.Account == "") {
		return &PermanentError{System: sys.Name, Action: t.Action, Reason: "no usable identifier to name the person"}
	}
	return nil
}

// ownerTask is what the owner is told of a new task, with a fresh link.
func (m *Manual) ownerTask(ctx context.Context, sys *system.System, t Task, p Subject) (mail.OwnerTask, error) {
	if err := CheckTask(sys, t, p); err != nil {
		return mail.OwnerTask{}, err
	}
	meth, email := sys.Actions[t.Action], strings.TrimSpace(p.Email)
	link, err := m.link(ctx, t)
	if err != nil {
		return mail.OwnerTask{}, err
	}
	v := mail.OwnerTask{
		System: sys.DisplayName(), Action: string(t.Action), Instructions: meth.Task, Person: email,
		Name: p.Name, Account: p.Account, Child: p.Child, Corrections: p.Corrections,
		RequestID: t.RequestID, Due: DueWords(t.Due, m.Location), DueShort: t.Due.In(m.loc()).Format("Jan 2"), Link: link,
		Export: t.Action == system.Export, CategoriesOnly: t.Action == system.Export && p.CategoriesOnly,
		AskedAgain: t.AskedAgain, EarlierReason: t.EarlierReason,
	}
	if v.CategoriesOnly {
		// The registry's words are for a copy ("scan and upload").
		v.Instructions = CategoriesTask
	}
	if t.Action != system.Erase {
		return v, nil
	}
	// What to keep is the erasure's business; and the erasure waits for
	// the export the same request may ask of the same owner.
	if meth := sys.Actions[system.Export]; meth != nil && meth.Kind == system.Manual && p.Exports {
		v.ExportFirst = true
	}
	for _, h := range sys.Holds {
		category := h.Category
		if m.CategoryTitle != nil {
			category = m.CategoryTitle(h.Category, "en")
		}
		v.Holds = append(v.Holds, mail.OwnerHold{Category: category, Reason: h.Reason})
	}
	return v, nil
}

// DigestItem is one task of an owner's daily digest. With a Subject it is
// new to the owner and names the person as the single-task mail does;
// without one it is a reminder, which does not repeat who the person is.
type DigestItem struct {
	System  *system.System
	Task    Task
	Subject *Subject
}

// Digest mails owner one message listing every item, each with its own
// single-use link to the task page (issued now, as Send and Remind issue
// theirs). day is the digest's day in words. It refuses the whole mail
// when one item cannot be written, so that no task is marked mailed that
// was not.
func (m *Manual) Digest(ctx context.Context, owner, day string, items []DigestItem) error {
	if len(items) == 0 {
		return nil
	}
	first := items[0].Task
	v := mail.OwnerDigest{Day: day}
	for _, it := range items {
		sys, t := it.System, it.Task
		if it.Subject == nil {
			link, err := m.link(ctx, t)
			if err != nil {
				return err
			}
			v.Reminders = append(v.Reminders, mail.OwnerReminder{System: sys.DisplayName(), Action: string(t.Action),
				RequestID: t.RequestID, Due: DueWords(t.Due, m.Location), Link: link, Overdue: !m.Now().Before(t.Due)})
			continue
		}
		ot, err := m.ownerTask(ctx, sys, t, *it.Subject)
		if err != nil {
			return err
		}
		v.New = append(v.New, ot)
	}
	msg, err := mail.RenderOwnerDigest(owner, m.ReplyTo, v)
	if err != nil {
		return ownerMailError(first.System, first.Action, err)
	}
	if err := m.send(ctx, msg, first); err != nil {
		return err
	}
	m.Log.InfoContext(ctx, "owner's digest mailed", "tasks", len(items), "new", len(v.New), "reminders", len(v.Reminders))
	return nil
}

func (m *Manual) loc() *time.Location {
	if m.Location == nil {
		return time.UTC
	}
	return m.Location
}

// Remind mails the owner a reminder with a fresh link (the first one may have
// been lost). It does not repeat who the person is.
func (m *Manual) Remind(ctx context.Context, sys *system.System, t Task) error {
	link, err := m.link(ctx, t)
	if err != nil {
		return err
	}
	overdue := !m.Now().Before(t.Due)
	msg, err := mail.RenderOwnerReminder(t.Owner, m.ReplyTo, mail.OwnerReminder{System: sys.DisplayName(), Action: string(t.Action),
		RequestID: t.RequestID, Due: DueWords(t.Due, m.Location), Link: link, Overdue: overdue})
	if err != nil {
		return ownerMailError(sys.Name, t.Action, err)
	}
	if err := m.send(ctx, msg, t); err != nil {
		return err
	}
	m.Log.InfoContext(ctx, "manual task reminder mailed", "requestId", t.RequestID, "system", t.System, "overdue", overdue)
	return nil
}

// ReminderLead is how long before its due time an owner is reminded of an
// open task: a day, or half the time the owner was given when that is
// shorter.
func ReminderLead(t Task) time.Duration {
	lead := 24 * time.Hour
	if given := t.Due.Sub(t.MailedAt); !t.MailedAt.IsZero() && given < 2*lead {
		lead = given / 2
	}
	return lead
}

// OverdueEvery is how often an owner is reminded of an overdue task.
const OverdueEvery = 72 * time.Hour

// NextReminder is when the owner of open task t should next be reminded:
// before the due time, at the due time (overdue), then every OverdueEvery.
func NextReminder(t Task) time.Time {
	before := t.Due.Add(-ReminderLead(t))
	switch {
	case t.RemindedAt.Before(before):
		return before
	case t.RemindedAt.Before(t.Due):
		return t.Due
	default:
		return t.RemindedAt.Add(OverdueEvery)
	}
}

// DueForReminder picks the open tasks whose owner should be reminded now.
// It is a pure function of the tasks and the clock.
func DueForReminder(open []Task, now time.Time) []Task {
	var out []Task
	for _, t := range open {
		if t.Answered() {
			continue
		}
		if !now.Before(NextReminder(t)) {
			out = append(out, t)
		}
	}
	return out
}

func (m *Manual) link(ctx context.Context, t Task) (string, error) {
	// The link works until the due date and a grace week after it; a link in
	// an overdue reminder works for the grace week from when it is sent.
	ttl := max(t.Due.Sub(m.Now()), 0) + LinkGrace
	raw, rec, err := m.Issuer.Issue(token.ManualTask, t.RequestID, t.TaskToken, ttl, map[string]string{
		"system": t.System, "action": string(t.Action), "due": t.Due.UTC().Format(time.RFC3339),
	})
	if err != nil {
		return "", &RetryableError{System: t.System, Action: t.Action, Reason: "could not draw a token"}
	}
	if err := m.Tokens.Put(ctx, rec); err != nil {
		m.Log.ErrorContext(ctx, "store task token", "requestId", t.RequestID, "system", t.System, "err", err)
		return "", &RetryableError{System: t.System, Action: t.Action, Reason: "could not store the task token"}
	}
	u, err := url.Parse(m.ConfirmURL)
	if err != nil {
		return "", &PermanentError{System: t.System, Action: t.Action, Reason: "confirm URL is not a URL"}
	}
	q := u.Query()
	q.Set("t", raw)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (m *Manual) send(ctx context.Context, msg mail.Message, t Task) error {
	if _, err := m.Mail.Send(ctx, msg); err != nil {
		// The sender's error may quote the owner's address: only its type is logged.
		m.Log.ErrorContext(ctx, "mail manual task", "requestId", t.RequestID, "system", t.System, "errType", fmt.Sprintf("%T", err))
		if errors.Is(err, mail.ErrRecipient) {
			return &PermanentError{System: t.System, Action: t.Action, Reason: "owner address unusable"}
		}
		return &RetryableError{System: t.System, Action: t.Action, Reason: "could not send the task mail"}
	}
	return nil
}

// ownerMailError classes a failure to render an owner's mail: an unusable
// owner address is permanent, anything else a defect in a template.
func ownerMailError(sys string, a system.Action, err error) error {
	if errors.Is(err, mail.ErrRecipient) {
		return &PermanentError{System: sys, Action: a, Reason: "owner address unusable"}
	}
	return fmt.Errorf("render owner mail: %w", err)
}
