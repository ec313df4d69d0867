package connector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"net/url"
	"strings"
	texttemplate "text/template"
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

// linkGrace keeps a task link working for a while after the due date, so a
// late owner can still confirm (the deadline watch escalates meanwhile).
const linkGrace = 7 * 24 * time.Hour

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
}

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
}

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
	meth := sys.Actions[t.Action]
	if meth == nil || meth.Kind != system.Manual {
		return &PermanentError{System: sys.Name, Action: t.Action, Reason: "no manual action declared"}
	}
	email := strings.TrimSpace(p.Email)
	if strings.ContainsFunc(email+p.Name+p.Account, unicode.IsControl) || (email == "" && p.Account == "") {
		return &PermanentError{System: sys.Name, Action: t.Action, Reason: "no usable identifier to name the person"}
	}
	link, err := m.link(ctx, t)
	if err != nil {
		return err
	}
	v := taskView{
		System: sys.DisplayName(), Action: string(t.Action), Instructions: meth.Task, Person: email,
		Name: p.Name, Account: p.Account, Child: p.Child, Corrections: p.Corrections,
		RequestID: t.RequestID, Due: DueWords(t.Due, m.Location), Link: link, Holds: sys.Holds,
		Export: t.Action == system.Export,
	}
	msg, err := render("task", v)
	if err != nil {
		return err
	}
	msg.To = []string{sys.Owner}
	msg.Subject = fmt.Sprintf("Privacy request %s: %s in %s, due %s", t.RequestID, t.Action, sys.DisplayName(), t.Due.In(m.loc()).Format("Jan 2"))
	if err := m.send(ctx, msg, t); err != nil {
		return err
	}
	m.Log.InfoContext(ctx, "manual task mailed", "requestId", t.RequestID, "system", sys.Name, "action", string(t.Action), "due", t.Due)
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
	v := taskView{System: sys.DisplayName(), Action: string(t.Action), RequestID: t.RequestID,
		Due: DueWords(t.Due, m.Location), Link: link, Overdue: overdue}
	msg, err := render("reminder", v)
	if err != nil {
		return err
	}
	msg.To = []string{t.Owner}
	word := "Reminder"
	if overdue {
		word = "Overdue"
	}
	msg.Subject = fmt.Sprintf("%s: privacy request %s, %s in %s", word, t.RequestID, t.Action, sys.DisplayName())
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
	ttl := max(t.Due.Sub(m.Now()), 0) + linkGrace
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
	if m.ReplyTo != "" {
		msg.ReplyTo = []string{m.ReplyTo}
	}
	msg.Headers = map[string]string{mail.HeaderAutoSubmitted: "auto-generated"}
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

type taskView struct {
	System, Action, Instructions, Person, RequestID, Due, Link string
	Name, Account                                              string
	Child, Export                                              bool
	Corrections                                                []request.CorrectionItem
	Holds                                                      []system.Hold
	Overdue                                                    bool
}

var (
	textMail = texttemplate.Must(texttemplate.New("").Parse(`
{{define "task"}}A privacy request needs a step in {{.System}} that only a person can do.

What to do: {{.Action}}. {{.Instructions}}
For whom: {{if .Child}}a child (under 18) reported by a parent: {{end}}{{if .Person}}the person with the email address {{.Person}}{{end}}{{if .Name}}, named {{.Name}}{{end}}{{if .Account}}, account {{.Account}}{{end}}
By when: {{.Due}}
Request: {{.RequestID}}
{{if .Corrections}}
What to correct:{{range .Corrections}}
- {{.Item}}{{if .Wrong}}: now "{{.Wrong}}"{{end}}, should be "{{.Right}}"{{end}}
{{end}}{{range .Holds}}
Keep {{.Category}}: {{.Reason}}{{end}}

{{if .Export}}Upload what the system holds about the person (JSON or CSV) on the task page, or say it holds nothing:{{else}}When it is done, say so on the task page; it also takes "holds nothing about this person" and "cannot do it, because ...":{{end}}
{{.Link}}

Please do not forward this mail: it names a person.
{{end}}
{{define "reminder"}}{{if .Overdue}}This task is overdue.{{else}}A reminder: this task is due soon.{{end}}

What to do: {{.Action}} in {{.System}}, as described in the first mail for request {{.RequestID}}.
Due: {{.Due}}

Answer the task here (a fresh link; it works once):
{{.Link}}
{{end}}`))
	htmlMail = htmltemplate.Must(htmltemplate.New("").Parse(`
{{define "task"}}<!doctype html><html><body>
<p>A privacy request needs a step in <strong>{{.System}}</strong> that only a person can do.</p>
<ul><li>What to do: {{.Action}}. {{.Instructions}}</li>
<li>For whom: {{if .Child}}a child (under 18) reported by a parent: {{end}}{{if .Person}}the person with the email address {{.Person}}{{end}}{{if .Name}}, named {{.Name}}{{end}}{{if .Account}}, account {{.Account}}{{end}}</li>
<li>By when: {{.Due}}</li><li>Request: {{.RequestID}}</li></ul>
{{if .Corrections}}<p>What to correct:</p><ul>{{range .Corrections}}<li>{{.Item}}{{if .Wrong}}: now &ldquo;{{.Wrong}}&rdquo;{{end}}, should be &ldquo;{{.Right}}&rdquo;</li>{{end}}</ul>{{end}}
{{if .Holds}}<p>Keep, under legal hold:</p><ul>{{range .Holds}}<li>{{.Category}}: {{.Reason}}</li>{{end}}</ul>{{end}}
<p><a href="{{.Link}}">{{if .Export}}Upload the export or say the system holds nothing{{else}}Answer the task{{end}}</a> (the link works once).</p>
<p>Please do not forward this mail: it names a person.</p>
</body></html>{{end}}
{{define "reminder"}}<!doctype html><html><body>
<p>{{if .Overdue}}This task is overdue.{{else}}A reminder: this task is due soon.{{end}}</p>
<p>What to do: {{.Action}} in {{.System}}, as described in the first mail for request {{.RequestID}}. Due: {{.Due}}</p>
<p><a href="{{.Link}}">Answer the task</a> (a fresh link; it works once).</p>
</body></html>{{end}}`))
)

func render(name string, v taskView) (mail.Message, error) {
	var t, h bytes.Buffer
	if err := textMail.ExecuteTemplate(&t, name, v); err != nil {
		return mail.Message{}, fmt.Errorf("render %s text: %w", name, err)
	}
	if err := htmlMail.ExecuteTemplate(&h, name, v); err != nil {
		return mail.Message{}, fmt.Errorf("render %s html: %w", name, err)
	}
	return mail.Message{Text: strings.TrimSpace(t.String()) + "\n", HTML: h.String()}, nil
}
