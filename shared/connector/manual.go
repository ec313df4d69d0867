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
}

// Manual starts manual tasks: it mails the owner what to do, for whom and by
// when, with a single-use link to the confirm page.
type Manual struct {
	Mail   mail.Sender
	Tokens token.Store
	Issuer *token.Issuer
	Now    func() time.Time
	Log    *slog.Logger
	// ConfirmURL is the confirm page, e.g. https://privacy.productionflow.com/tasks/confirm.
	ConfirmURL string
	// ReplyTo is the privacy team's address.
	ReplyTo string
}

// Start mails the owner of sys a task for action a on p. The person is named
// by the email address only (the minimum the owner needs to find them).
func (m *Manual) Start(ctx context.Context, sys *system.System, a system.Action, requestID, taskToken string, p Person) (Task, error) {
	meth := sys.Actions[a]
	if meth == nil || meth.Kind != system.Manual {
		return Task{}, &PermanentError{System: sys.Name, Action: a, Reason: "no manual action declared"}
	}
	email := strings.TrimSpace(p.Email)
	if email == "" || strings.ContainsFunc(email, unicode.IsControl) {
		return Task{}, &PermanentError{System: sys.Name, Action: a, Reason: "no usable email address to name the person"}
	}
	dueIn := meth.DueIn
	if dueIn == 0 {
		dueIn = DefaultDueIn
	}
	task := Task{RequestID: requestID, System: sys.Name, Action: a, Owner: sys.Owner, Due: m.Now().Add(dueIn), TaskToken: taskToken}
	link, err := m.link(ctx, task)
	if err != nil {
		return Task{}, err
	}
	v := taskView{
		System: sys.DisplayName(), Action: string(a), Instructions: meth.Task, Person: email,
		RequestID: requestID, Due: task.Due.UTC().Format("Monday, January 2, 2006 15:04 MST"), Link: link,
		Holds: sys.Holds,
	}
	msg, err := render("task", v)
	if err != nil {
		return Task{}, err
	}
	msg.To = []string{sys.Owner}
	msg.Subject = fmt.Sprintf("Privacy request %s: %s in %s, due %s", requestID, a, sys.DisplayName(), task.Due.UTC().Format("Jan 2"))
	if err := m.send(ctx, msg, task); err != nil {
		return Task{}, err
	}
	m.Log.InfoContext(ctx, "manual task mailed", "requestId", requestID, "system", sys.Name, "action", string(a), "due", task.Due)
	return task, nil
}

// Remind mails the owner a reminder with a fresh link (the first one may have
// been lost). It does not repeat who the person is.
func (m *Manual) Remind(ctx context.Context, t Task) (Task, error) {
	link, err := m.link(ctx, t)
	if err != nil {
		return t, err
	}
	overdue := !m.Now().Before(t.Due)
	v := taskView{System: t.System, Action: string(t.Action), RequestID: t.RequestID,
		Due: t.Due.UTC().Format("Monday, January 2, 2006 15:04 MST"), Link: link, Overdue: overdue}
	msg, err := render("reminder", v)
	if err != nil {
		return t, err
	}
	msg.To = []string{t.Owner}
	word := "Reminder"
	if overdue {
		word = "Overdue"
	}
	msg.Subject = fmt.Sprintf("%s: privacy request %s, %s in %s", word, t.RequestID, t.Action, t.System)
	if err := m.send(ctx, msg, t); err != nil {
		return t, err
	}
	t.RemindedAt = m.Now()
	m.Log.InfoContext(ctx, "manual task reminder mailed", "requestId", t.RequestID, "system", t.System, "overdue", overdue)
	return t, nil
}

// DueForReminder picks the open tasks whose owner should be reminded now: a
// task due within lead that has not been reminded since it came within lead,
// and an overdue task not reminded since its due date. It is a pure function
// of the tasks and the clock.
func DueForReminder(open []Task, now time.Time, lead time.Duration) []Task {
	var out []Task
	for _, t := range open {
		windowOpens := t.Due.Add(-lead)
		switch {
		case now.Before(windowOpens):
		case now.Before(t.Due):
			if t.RemindedAt.Before(windowOpens) {
				out = append(out, t)
			}
		default:
			if t.RemindedAt.Before(t.Due) {
				out = append(out, t)
			}
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
	Holds                                                      []system.Hold
	Overdue                                                    bool
}

var (
	textMail = texttemplate.Must(texttemplate.New("").Parse(`
{{define "task"}}A privacy request needs a step in {{.System}} that only a person can do.

What to do: {{.Action}}. {{.Instructions}}
For whom: the person with the email address {{.Person}}
By when: {{.Due}}
Request: {{.RequestID}}
{{range .Holds}}
Keep {{.Category}}: {{.Reason}}{{end}}

When it is done, confirm here (the link works once):
{{.Link}}

Please do not forward this mail: it names a person.
{{end}}
{{define "reminder"}}{{if .Overdue}}This task is overdue.{{else}}A reminder: this task is due soon.{{end}}

What to do: {{.Action}} in {{.System}}, as described in the first mail for request {{.RequestID}}.
Due: {{.Due}}

When it is done, confirm here (a fresh link; it works once):
{{.Link}}
{{end}}`))
	htmlMail = htmltemplate.Must(htmltemplate.New("").Parse(`
{{define "task"}}<!doctype html><html><body>
<p>A privacy request needs a step in <strong>{{.System}}</strong> that only a person can do.</p>
<ul><li>What to do: {{.Action}}. {{.Instructions}}</li>
<li>For whom: the person with the email address {{.Person}}</li>
<li>By when: {{.Due}}</li><li>Request: {{.RequestID}}</li></ul>
{{if .Holds}}<p>Keep, under legal hold:</p><ul>{{range .Holds}}<li>{{.Category}}: {{.Reason}}</li>{{end}}</ul>{{end}}
<p><a href="{{.Link}}">Confirm the step is done</a> (the link works once).</p>
<p>Please do not forward this mail: it names a person.</p>
</body></html>{{end}}
{{define "reminder"}}<!doctype html><html><body>
<p>{{if .Overdue}}This task is overdue.{{else}}A reminder: this task is due soon.{{end}}</p>
<p>What to do: {{.Action}} in {{.System}}, as described in the first mail for request {{.RequestID}}. Due: {{.Due}}</p>
<p><a href="{{.Link}}">Confirm the step is done</a> (a fresh link; it works once).</p>
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
