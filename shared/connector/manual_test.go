package connector_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/token"
)

type fakeMail struct {
	mu   sync.Mutex
	sent []mail.Message
	err  error
}

var _ mail.Sender = (*fakeMail)(nil)

func (f *fakeMail) Send(_ context.Context, m mail.Message) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return "", f.err
	}
	f.sent = append(f.sent, m)
	return "msg-1", nil
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

const manualYAML = `systems:
  - name: paper-archive
    title: Paper archive <basement>
    owner: archivist@productionflow.com
    categories: [contracts]
    actions:
      erase:
        kind: manual
        task: Shred the signed contract & note the shredding batch.
        dueIn: 72h
`

type completion struct {
	taskToken string
	output    json.RawMessage
}

func manualRig(t *testing.T) (*connector.Manual, *connector.ConfirmHandler, *fakeMail, *clock, *[]completion, *system.System) {
	m, h, fm, clk, done, sys, _ := manualRigAudit(t)
	return m, h, fm, clk, done, sys
}

func manualRigAudit(t *testing.T) (*connector.Manual, *connector.ConfirmHandler, *fakeMail, *clock, *[]completion, *system.System, *memAudit) {
	t.Helper()
	reg := loadRegistry(t, manualYAML)
	sys, _ := reg.Lookup("paper-archive")
	clk := &clock{now: t0}
	store := token.NewMemStore()
	fm := &fakeMail{}
	log, _ := logBuffer()
	m := &connector.Manual{
		Mail: fm, Tokens: store, Issuer: &token.Issuer{Now: clk.Now}, Now: clk.Now, Log: log,
		ConfirmURL: "https://privacy.productionflow.com/tasks/confirm", ReplyTo: "privacy@productionflow.com",
	}
	var done []completion
	audit := &memAudit{}
	h := &connector.ConfirmHandler{Tokens: store, Audit: audit, Now: clk.Now, Log: log,
		Complete: func(_ context.Context, tt string, out json.RawMessage) error {
			done = append(done, completion{tt, out})
			return nil
		}}
	return m, h, fm, clk, &done, sys, audit
}

var linkRE = regexp.MustCompile(`https://privacy\.productionflow\.com/tasks/confirm\?t=[A-Za-z0-9_-]+`)

func TestManualTaskMailAndConfirm(t *testing.T) {
	m, h, fm, clk, done, sys, audit := manualRigAudit(t)
	ctx := context.Background()
	task, err := m.Start(ctx, sys, system.Erase, "req-9", "sfn-task-token", connector.Person{Email: "<b>jane</b>@example.com"})
	require.NoError(t, err)
	assert.Equal(t, t0.Add(72*time.Hour), task.Due)
	assert.Equal(t, "archivist@productionflow.com", task.Owner)

	require.Len(t, fm.sent, 1)
	msg := fm.sent[0]
	assert.Equal(t, []string{"archivist@productionflow.com"}, msg.To)
	assert.Equal(t, []string{"privacy@productionflow.com"}, msg.ReplyTo)
	assert.Contains(t, msg.Text, "Shred the signed contract & note the shredding batch.")
	assert.Contains(t, msg.Text, "For whom: the person with the email address <b>jane</b>@example.com")
	assert.Contains(t, msg.Text, "By when: Thursday, November 5, 2026 09:00 UTC")
	assert.Contains(t, msg.HTML, "&lt;b&gt;jane&lt;/b&gt;@example.com")
	assert.Contains(t, msg.HTML, "Paper archive &lt;basement&gt;")
	assert.NotContains(t, msg.Subject, "jane", "the person is not named in the subject")
	link := linkRE.FindString(msg.Text)
	require.NotEmpty(t, link)
	u, _ := url.Parse(link)
	raw := u.Query().Get("t")

	get := func(q string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/tasks/confirm?t="+q, nil))
		b, _ := io.ReadAll(rec.Body)
		return rec.Code, string(b)
	}
	post := func(q, note string) (int, string) {
		form := url.Values{"t": {q}, "note": {note}}
		req := httptest.NewRequest(http.MethodPost, "/tasks/confirm", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		b, _ := io.ReadAll(rec.Body)
		return rec.Code, string(b)
	}

	t.Run("GET shows the task and changes nothing", func(t *testing.T) {
		for range 2 {
			code, body := get(raw)
			assert.Equal(t, http.StatusOK, code)
			assert.Contains(t, body, "paper-archive")
			assert.Contains(t, body, "req-9")
			assert.Contains(t, body, `<form method="post">`)
		}
		assert.Empty(t, *done)
	})
	t.Run("a bad link", func(t *testing.T) {
		code, body := get("not-a-token")
		assert.Equal(t, http.StatusNotFound, code)
		assert.Contains(t, body, "This link is not valid")
	})
	t.Run("a note too long is refused and the link still works", func(t *testing.T) {
		code, _ := post(raw, strings.Repeat("x", connector.MaxNoteLength+1))
		assert.Equal(t, http.StatusBadRequest, code)
		assert.Empty(t, *done)
	})
	t.Run("POST confirms once", func(t *testing.T) {
		clk.Add(time.Hour)
		code, body := post(raw, "Batch <42> shredded")
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "Thank you")
		require.Len(t, *done, 1)
		assert.Equal(t, "sfn-task-token", (*done)[0].taskToken)
		assert.JSONEq(t, `{"system":"paper-archive","action":"erase","confirmedAt":"2026-11-02T10:00:00Z","noted":true}`, string((*done)[0].output),
			"the note stays out of the workflow's state")
		require.Len(t, audit.events, 1)
		ev := audit.events[0]
		assert.Equal(t, connector.ActionManualConfirmed, ev.Action)
		assert.Equal(t, "req-9", ev.RequestID)
		assert.Equal(t, "owner:paper-archive", ev.Actor)
		assert.Equal(t, t0.Add(time.Hour), ev.At)
		assert.Equal(t, map[string]string{"system": "paper-archive", "action": "erase", "note": "Batch <42> shredded"}, ev.Data)
	})
	t.Run("a used link gets a clear page", func(t *testing.T) {
		code, body := post(raw, "")
		assert.Equal(t, http.StatusGone, code)
		assert.Contains(t, body, "This link no longer works")
		code, _ = get(raw)
		assert.Equal(t, http.StatusGone, code)
		assert.Len(t, *done, 1)
	})
}

func TestManualLinkExpires(t *testing.T) {
	m, h, fm, clk, done, sys := manualRig(t)
	_, err := m.Start(context.Background(), sys, system.Erase, "req-10", "tt", connector.Person{Email: janeEmail})
	require.NoError(t, err)
	u, _ := url.Parse(linkRE.FindString(fm.sent[0].Text))
	raw := u.Query().Get("t")

	clk.Add(72*time.Hour + 7*24*time.Hour) // due date plus the grace week
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?t="+raw, nil))
	assert.Equal(t, http.StatusGone, rec.Code)

	form := url.Values{"t": {raw}}
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusGone, rec.Code)
	assert.Empty(t, *done)
}

func TestConfirmPageEscapesEveryValue(t *testing.T) {
	store := token.NewMemStore()
	iss := &token.Issuer{Now: func() time.Time { return t0 }}
	raw, rec, err := iss.Issue(token.ManualTask, `req"><script>alert(1)</script>`, "tt", time.Hour,
		map[string]string{"system": "<script>alert(2)</script>", "action": "erase", "due": "<img src=x onerror=alert(3)>"})
	require.NoError(t, err)
	require.NoError(t, store.Put(context.Background(), rec))
	log, _ := logBuffer()
	h := &connector.ConfirmHandler{Tokens: store, Now: func() time.Time { return t0 }, Log: log}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/?t="+raw, nil))
	require.Equal(t, http.StatusOK, w.Code)
	body := w.Body.String()
	assert.NotContains(t, body, "<script>")
	assert.NotContains(t, body, "<img")
	assert.Contains(t, body, "&lt;script&gt;alert(2)&lt;/script&gt;")
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
}

func TestConfirmLeavesATokenOfAnotherPurposeUnused(t *testing.T) {
	ctx := context.Background()
	store := token.NewMemStore()
	iss := &token.Issuer{Now: func() time.Time { return t0 }}
	raw, rec, err := iss.Issue(token.Verify, "req-20", "verify-task", time.Hour, nil)
	require.NoError(t, err)
	require.NoError(t, store.Put(ctx, rec))
	log, _ := logBuffer()
	completed := 0
	h := &connector.ConfirmHandler{Tokens: store, Audit: &memAudit{}, Now: func() time.Time { return t0 }, Log: log,
		Complete: func(context.Context, string, json.RawMessage) error { completed++; return nil }}

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			var req *http.Request
			if method == http.MethodGet {
				req = httptest.NewRequest(method, "/?t="+raw, nil)
			} else {
				req = httptest.NewRequest(method, "/", strings.NewReader(url.Values{"t": {raw}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			assert.Equal(t, http.StatusNotFound, w.Code)
		})
	}
	assert.Zero(t, completed)
	got, err := store.Consume(ctx, rec.Hash, t0)
	require.NoError(t, err, "the requester's verification link still works")
	assert.Equal(t, "verify-task", got.TaskToken)
}

func TestConfirmWhenTheWorkflowCannotBeTold(t *testing.T) {
	m, h, fm, _, _, sys := manualRig(t)
	h.Complete = func(context.Context, string, json.RawMessage) error { return errors.New("TaskTimedOut") }
	_, err := m.Start(context.Background(), sys, system.Erase, "req-11", "tt", connector.Person{Email: janeEmail})
	require.NoError(t, err)
	u, _ := url.Parse(linkRE.FindString(fm.sent[0].Text))
	form := url.Values{"t": {u.Query().Get("t")}}
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusBadGateway, rec.Code)
	assert.Contains(t, rec.Body.String(), "was not recorded")
}

func TestConfirmWhenTheAuditTrailCannotBeWritten(t *testing.T) {
	m, h, fm, _, done, sys := manualRig(t)
	h.Audit = failingAudit{}
	_, err := m.Start(context.Background(), sys, system.Erase, "req-15", "tt", connector.Person{Email: janeEmail})
	require.NoError(t, err)
	u, _ := url.Parse(linkRE.FindString(fm.sent[0].Text))
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(url.Values{"t": {u.Query().Get("t")}, "note": {"done"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code, "the step is done: the workflow goes on")
	require.Len(t, *done, 1)
	assert.JSONEq(t, `{"system":"paper-archive","action":"erase","confirmedAt":"2026-11-02T09:00:00Z"}`, string((*done)[0].output),
		"the workflow is not told of a note that was not kept")
}

func TestManualMailFailureIsRetryable(t *testing.T) {
	m, _, fm, _, _, sys := manualRig(t)
	fm.err = errors.New("throttled")
	_, err := m.Start(context.Background(), sys, system.Erase, "req-12", "tt", connector.Person{Email: janeEmail})
	assert.Equal(t, "RetryableError", typeName(err))
	fm.err = mail.ErrRecipient
	_, err = m.Start(context.Background(), sys, system.Erase, "req-12", "tt", connector.Person{Email: janeEmail})
	assert.Equal(t, "PermanentError", typeName(err))
}

func TestDueForReminder(t *testing.T) {
	due := t0.Add(5 * 24 * time.Hour)
	lead := 2 * 24 * time.Hour
	task := connector.Task{RequestID: "r", System: "s", Due: due}
	reminded := func(at time.Time) connector.Task { x := task; x.RemindedAt = at; return x }
	cases := []struct {
		name string
		task connector.Task
		now  time.Time
		want bool
	}{
		{"well before the due date", task, t0, false},
		{"just inside the lead time", task, due.Add(-lead), true},
		{"already reminded in the window", reminded(due.Add(-lead + time.Hour)), due.Add(-time.Hour), false},
		{"reminded before the window opened", reminded(t0), due.Add(-time.Hour), true},
		{"overdue, reminded before due", reminded(due.Add(-time.Hour)), due.Add(time.Hour), true},
		{"overdue, already reminded after due", reminded(due.Add(time.Minute)), due.Add(time.Hour), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := connector.DueForReminder([]connector.Task{tc.task}, tc.now, lead)
			assert.Equal(t, tc.want, len(got) == 1)
		})
	}
}

func TestRemindMailsAFreshLink(t *testing.T) {
	m, h, fm, clk, done, sys := manualRig(t)
	task, err := m.Start(context.Background(), sys, system.Erase, "req-13", "tt", connector.Person{Email: janeEmail})
	require.NoError(t, err)
	clk.Add(48 * time.Hour)
	for _, due := range connector.DueForReminder([]connector.Task{task}, clk.Now(), 36*time.Hour) {
		task, err = m.Remind(context.Background(), due)
		require.NoError(t, err)
	}
	require.Len(t, fm.sent, 2)
	rem := fm.sent[1]
	assert.True(t, strings.HasPrefix(rem.Subject, "Reminder: privacy request req-13"))
	assert.NotContains(t, rem.Text, janeEmail, "a reminder does not repeat who the person is")
	assert.Equal(t, clk.Now(), task.RemindedAt)
	fresh := linkRE.FindString(rem.Text)
	require.NotEmpty(t, fresh)
	assert.NotEqual(t, linkRE.FindString(fm.sent[0].Text), fresh)
	u, _ := url.Parse(fresh)
	form := url.Values{"t": {u.Query().Get("t")}}
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Len(t, *done, 1)
	assert.Empty(t, connector.DueForReminder([]connector.Task{task}, clk.Now(), 36*time.Hour))
}

func TestOverdueReminderLinkWorks(t *testing.T) {
	m, h, fm, clk, done, sys := manualRig(t)
	task, err := m.Start(context.Background(), sys, system.Erase, "req-14", "tt", connector.Person{Email: janeEmail})
	require.NoError(t, err)
	clk.Add(72*time.Hour + 10*24*time.Hour) // past the due date and the grace week of the first link
	task, err = m.Remind(context.Background(), task)
	require.NoError(t, err)
	require.Len(t, fm.sent, 2)
	assert.True(t, strings.HasPrefix(fm.sent[1].Subject, "Overdue:"))

	clk.Add(6 * 24 * time.Hour) // within a week of the reminder
	u, _ := url.Parse(linkRE.FindString(fm.sent[1].Text))
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(url.Values{"t": {u.Query().Get("t")}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code, "the fresh link in an overdue reminder still works")
	assert.Len(t, *done, 1)
}
