package connector_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
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
	"github.com/productionflow/privacy-desk/shared/request"
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

// fakeAnswers records owners' answers; a second answer to one task is
// refused as the store would.
type fakeAnswers struct {
	mu      sync.Mutex
	answers []connector.TaskAnswer
	err     error
}

func (f *fakeAnswers) AnswerTask(_ context.Context, a connector.TaskAnswer) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	for _, x := range f.answers {
		if x.RequestID == a.RequestID && x.System == a.System && x.Action == a.Action {
			return connector.ErrAlreadyAnswered
		}
	}
	f.answers = append(f.answers, a)
	return nil
}

var eastern, _ = time.LoadLocation("America/New_York")

func manualRig(t *testing.T) (*connector.Manual, *connector.ConfirmHandler, *fakeMail, *clock, *fakeAnswers, *system.System) {
	t.Helper()
	reg := loadRegistry(t, manualYAML)
	sys, _ := reg.Lookup("paper-archive")
	clk := &clock{now: t0}
	store := token.NewMemStore()
	fm := &fakeMail{}
	log, _ := logBuffer()
	m := &connector.Manual{
		Mail: fm, Tokens: store, Issuer: &token.Issuer{Now: clk.Now}, Now: clk.Now, Log: log,
		ConfirmURL: "https://privacy.productionflow.com/tasks/confirm", ReplyTo: "privacy@productionflow.com", Location: eastern,
	}
	answers := &fakeAnswers{}
	h := &connector.ConfirmHandler{Tokens: store, Requests: &fakeRequests{}, Registry: reg, Answers: answers, Now: clk.Now, Log: log, Location: eastern}
	return m, h, fm, clk, answers, sys
}

func task(sys *system.System, id string, a system.Action) connector.Task {
	return connector.Task{RequestID: id, System: sys.Name, Action: a, Owner: sys.Owner, Due: t0.Add(72 * time.Hour), State: connector.TaskOpen}
}

var linkRE = regexp.MustCompile(`https://privacy\.productionflow\.com/tasks/confirm\?t=[A-Za-z0-9_-]+`)

func postForm(h http.Handler, form url.Values) (int, string) {
	req := httptest.NewRequest(http.MethodPost, "/tasks/confirm", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

func postFile(t *testing.T, h http.Handler, form url.Values, name, content string) (int, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, vs := range form {
		for _, v := range vs {
			require.NoError(t, w.WriteField(k, v))
		}
	}
	if name != "" {
		fw, err := w.CreateFormFile("file", name)
		require.NoError(t, err)
		_, _ = io.WriteString(fw, content)
	}
	require.NoError(t, w.Close())
	req := httptest.NewRequest(http.MethodPost, "/tasks/confirm", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

func TestManualTaskMailAndAnswer(t *testing.T) {
	m, h, fm, clk, answers, sys := manualRig(t)
	ctx := context.Background()
	require.NoError(t, m.Send(ctx, sys, task(sys, "req-9", system.Erase), connector.Subject{Email: "<b>jane</b>@example.com"}))

	require.Len(t, fm.sent, 1)
	msg := fm.sent[0]
	assert.Equal(t, []string{"archivist@productionflow.com"}, msg.To)
	assert.Equal(t, []string{"privacy@productionflow.com"}, msg.ReplyTo)
	assert.Contains(t, msg.Text, "Shred the signed contract & note the shredding batch.")
	assert.Contains(t, msg.Text, "For whom: the person with the email address <b>jane</b>@example.com")
	assert.Contains(t, msg.Text, "By when: Thursday, November 5, 2026 at 4:00 AM EST", "the due time in the business time zone, in words")
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

	t.Run("GET shows the task and its three answers, and changes nothing", func(t *testing.T) {
		for range 2 {
			code, body := get(raw)
			assert.Equal(t, http.StatusOK, code)
			assert.Contains(t, body, "Paper archive &lt;basement&gt;")
			assert.Contains(t, body, "req-9")
			assert.Contains(t, body, "Thursday, November 5, 2026 at 4:00 AM EST")
			for _, v := range []string{`value="done"`, `value="nothing-held"`, `value="cannot"`} {
				assert.Contains(t, body, v)
			}
		}
		assert.Empty(t, answers.answers)
	})
	t.Run("a bad link", func(t *testing.T) {
		code, body := get("not-a-token")
		assert.Equal(t, http.StatusNotFound, code)
		assert.Contains(t, body, "This link is not valid")
	})
	t.Run("no answer chosen, a note too long, cannot without a reason: refused and the link still works", func(t *testing.T) {
		for _, form := range []url.Values{
			{"t": {raw}},
			{"t": {raw}, "outcome": {"done"}, "note": {strings.Repeat("x", connector.MaxNoteLength+1)}},
			{"t": {raw}, "outcome": {"cannot"}},
		} {
			code, _ := postForm(h, form)
			assert.Equal(t, http.StatusBadRequest, code)
		}
		assert.Empty(t, answers.answers)
	})
	t.Run("POST answers once", func(t *testing.T) {
		clk.Add(time.Hour)
		code, body := postForm(h, url.Values{"t": {raw}, "outcome": {"done"}, "note": {"Batch <42> shredded"}})
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "Thank you")
		require.Len(t, answers.answers, 1)
		assert.Equal(t, connector.TaskAnswer{RequestID: "req-9", System: "paper-archive", Action: system.Erase, State: connector.TaskDone, Note: "Batch <42> shredded"}, answers.answers[0])
	})
	t.Run("a used link gets a clear page", func(t *testing.T) {
		code, body := postForm(h, url.Values{"t": {raw}, "outcome": {"done"}})
		assert.Equal(t, http.StatusGone, code)
		assert.Contains(t, body, "This link no longer works")
		code, _ = get(raw)
		assert.Equal(t, http.StatusGone, code)
		assert.Len(t, answers.answers, 1)
	})
}

func TestTaskMailNamesTheChildAndWhatToCorrect(t *testing.T) {
	m, _, fm, _, _, sys := manualRig(t)
	p := connector.Subject{Email: "leo@example.com", Name: "Leo", Account: "leo-77", Child: true,
		Corrections: []request.CorrectionItem{{Item: "Postal address", Wrong: "1 Old Rd", Right: "2 New St"}}}
	require.NoError(t, m.Send(context.Background(), sys, task(sys, "req-c", system.Erase), p))
	text := fm.sent[0].Text
	assert.Contains(t, text, "a child (under 18) reported by a parent: the person with the email address leo@example.com, named Leo, account leo-77")
	assert.Contains(t, text, `- Postal address: now "1 Old Rd", should be "2 New St"`)
	assert.Contains(t, fm.sent[0].HTML, "2 New St")
}

func TestTaskPageAnswers(t *testing.T) {
	reg := loadRegistry(t, `systems:
  - name: crm
    title: Sales CRM
    owner: sales@productionflow.com
    categories: [contact, deals]
    actions:
      export: {kind: manual, task: Export the contact.}
`)
	sys, _ := reg.Lookup("crm")
	newLink := func(t *testing.T, m *connector.Manual, fm *fakeMail) string {
		require.NoError(t, m.Send(context.Background(), sys, task(sys, "req-x", system.Export), connector.Subject{Email: janeEmail}))
		u, _ := url.Parse(linkRE.FindString(fm.sent[len(fm.sent)-1].Text))
		return u.Query().Get("t")
	}
	cases := []struct {
		name     string
		form     url.Values
		file     string
		content  string
		code     int
		want     connector.TaskState
		contains string
	}{
		{"an export needs the file", url.Values{"outcome": {"done"}}, "", "", 400, "", "An export needs the file"},
		{"a JSON export", url.Values{"outcome": {"done"}}, "crm.json", `{"contact":[{"name":"Jane"}]}`, 200, connector.TaskDone, "recorded as done"},
		{"a CSV export with its category", url.Values{"outcome": {"done"}, "category": {"deals"}}, "deals.csv", "id,amount\n1,20\n", 200, connector.TaskDone, "recorded as done"},
		{"a file of another type", url.Values{"outcome": {"done"}}, "crm.xlsx", "PK", 400, "", "must be JSON (.json) or CSV (.csv)"},
		{"holds nothing", url.Values{"outcome": {"nothing-held"}}, "", "", 200, connector.TaskNothingHeld, "holds nothing"},
		{"holds nothing with a file", url.Values{"outcome": {"nothing-held"}}, "crm.json", "{}", 400, "", "choose one"},
		{"cannot, because", url.Values{"outcome": {"cannot"}, "reason": {"The CRM is being migrated"}}, "", "", 200, connector.TaskCannot, "privacy team has your reason"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, h, fm, _, answers, _ := manualRig(t)
			h.Registry = reg
			raw := newLink(t, m, fm)
			tc.form.Set("t", raw)
			code, body := postFile(t, h, tc.form, tc.file, tc.content)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, body, tc.contains)
			if tc.code != 200 {
				assert.Empty(t, answers.answers)
				code, _ := postForm(h, url.Values{"t": {raw}, "outcome": {"nothing-held"}})
				assert.Equal(t, 200, code, "a refused answer leaves the link working")
				return
			}
			require.Len(t, answers.answers, 1)
			a := answers.answers[0]
			assert.Equal(t, tc.want, a.State)
			if tc.file != "" {
				require.NotNil(t, a.Upload)
				assert.Equal(t, tc.content, string(a.Upload.Body))
				assert.Equal(t, tc.form.Get("category"), a.Upload.Category)
			}
			if tc.want == connector.TaskCannot {
				assert.Equal(t, "The CRM is being migrated", a.Reason)
			}
		})
	}
	t.Run("a file the service refuses is named and the link still works", func(t *testing.T) {
		m, h, fm, _, answers, _ := manualRig(t)
		h.Registry = reg
		raw := newLink(t, m, fm)
		answers.err = &connector.UploadError{Problem: `"orders" is not a category of this system.`}
		code, body := postFile(t, h, url.Values{"t": {raw}, "outcome": {"done"}}, "crm.json", `{"orders":[1]}`)
		assert.Equal(t, http.StatusBadRequest, code)
		assert.Contains(t, body, "is not a category of this system")
		answers.err = nil
		code, _ = postForm(h, url.Values{"t": {raw}, "outcome": {"nothing-held"}})
		assert.Equal(t, http.StatusOK, code)
	})
	t.Run("an upload over the limit is refused", func(t *testing.T) {
		m, h, fm, _, answers, _ := manualRig(t)
		h.Registry = reg
		raw := newLink(t, m, fm)
		code, body := postFile(t, h, url.Values{"t": {raw}, "outcome": {"done"}}, "big.json", strings.Repeat("x", connector.MaxUploadBytes+1))
		assert.Equal(t, http.StatusBadRequest, code)
		assert.Contains(t, body, "under 5 MB")
		assert.Empty(t, answers.answers)
	})
}

func TestManualLinkExpires(t *testing.T) {
	m, h, fm, clk, answers, sys := manualRig(t)
	require.NoError(t, m.Send(context.Background(), sys, task(sys, "req-10", system.Erase), connector.Subject{Email: janeEmail}))
	u, _ := url.Parse(linkRE.FindString(fm.sent[0].Text))
	raw := u.Query().Get("t")

	clk.Add(72*time.Hour + 7*24*time.Hour) // due date plus the grace week
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?t="+raw, nil))
	assert.Equal(t, http.StatusGone, rec.Code)
	code, _ := postForm(h, url.Values{"t": {raw}, "outcome": {"done"}})
	assert.Equal(t, http.StatusGone, code)
	assert.Empty(t, answers.answers)
}

func TestConfirmPageEscapesEveryValue(t *testing.T) {
	store := token.NewMemStore()
	iss := &token.Issuer{Now: func() time.Time { return t0 }}
	raw, rec, err := iss.Issue(token.ManualTask, `req"><script>alert(1)</script>`, "", time.Hour,
		map[string]string{"system": "<script>alert(2)</script>", "action": "erase", "due": "<img src=x onerror=alert(3)>"})
	require.NoError(t, err)
	require.NoError(t, store.Put(context.Background(), rec))
	log, _ := logBuffer()
	h := &connector.ConfirmHandler{Tokens: store, Requests: &fakeRequests{}, Now: func() time.Time { return t0 }, Log: log}
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
	answers := &fakeAnswers{}
	h := &connector.ConfirmHandler{Tokens: store, Requests: &fakeRequests{}, Answers: answers, Now: func() time.Time { return t0 }, Log: log}

	rw := httptest.NewRecorder()
	h.ServeHTTP(rw, httptest.NewRequest(http.MethodGet, "/?t="+raw, nil))
	assert.Equal(t, http.StatusNotFound, rw.Code)
	code, _ := postForm(h, url.Values{"t": {raw}, "outcome": {"done"}})
	assert.Equal(t, http.StatusNotFound, code)
	assert.Empty(t, answers.answers)
	got, err := store.Consume(ctx, rec.Hash, t0)
	require.NoError(t, err, "the requester's verification link still works")
	assert.Equal(t, "verify-task", got.TaskToken)
}

func TestAnswerNotRecordedKeepsTheLink(t *testing.T) {
	m, h, fm, _, answers, sys := manualRig(t)
	require.NoError(t, m.Send(context.Background(), sys, task(sys, "req-11", system.Erase), connector.Subject{Email: janeEmail}))
	u, _ := url.Parse(linkRE.FindString(fm.sent[0].Text))
	raw := u.Query().Get("t")
	answers.err = errors.New("store down")
	code, body := postForm(h, url.Values{"t": {raw}, "outcome": {"done"}})
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Contains(t, body, "was not recorded")
	answers.err = nil
	code, _ = postForm(h, url.Values{"t": {raw}, "outcome": {"done"}})
	assert.Equal(t, http.StatusOK, code, "the owner can try again with the same link")
}

func TestManualMailFailureIsRetryable(t *testing.T) {
	m, _, fm, _, _, sys := manualRig(t)
	fm.err = errors.New("throttled")
	err := m.Send(context.Background(), sys, task(sys, "req-12", system.Erase), connector.Subject{Email: janeEmail})
	assert.Equal(t, "RetryableError", typeName(err))
	fm.err = mail.ErrRecipient
	err = m.Send(context.Background(), sys, task(sys, "req-12", system.Erase), connector.Subject{Email: janeEmail})
	assert.Equal(t, "PermanentError", typeName(err))
}

func TestDueForReminder(t *testing.T) {
	mailed := t0
	due := t0.Add(5 * 24 * time.Hour)
	open := connector.Task{RequestID: "r", System: "s", Due: due, MailedAt: mailed, State: connector.TaskOpen}
	reminded := func(at time.Time) connector.Task { x := open; x.RemindedAt = at; return x }
	answered := open
	answered.State = connector.TaskDone
	short := connector.Task{RequestID: "r", System: "s", Due: t0.Add(16 * time.Hour), MailedAt: mailed, State: connector.TaskOpen}
	cases := []struct {
		name string
		task connector.Task
		now  time.Time
		want bool
	}{
		{"well before the due time", open, t0, false},
		{"a day before the due time", open, due.Add(-24 * time.Hour), true},
		{"already reminded in the last day", reminded(due.Add(-23 * time.Hour)), due.Add(-time.Hour), false},
		{"reminded before the last day", reminded(t0), due.Add(-time.Hour), true},
		{"overdue, reminded before due", reminded(due.Add(-time.Hour)), due.Add(time.Hour), true},
		{"overdue, already reminded after due", reminded(due.Add(time.Minute)), due.Add(time.Hour), false},
		{"overdue, three days after the overdue reminder", reminded(due.Add(time.Minute)), due.Add(72*time.Hour + time.Minute), true},
		{"answered tasks are never reminded", answered, due.Add(time.Hour), false},
		{"a 16-hour task is reminded at half time", short, t0.Add(8 * time.Hour), true},
		{"a 16-hour task, not before half time", short, t0.Add(7 * time.Hour), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := connector.DueForReminder([]connector.Task{tc.task}, tc.now)
			assert.Equal(t, tc.want, len(got) == 1)
		})
	}
}

func TestRemindMailsAFreshLink(t *testing.T) {
	m, h, fm, clk, answers, sys := manualRig(t)
	tk := task(sys, "req-13", system.Erase)
	require.NoError(t, m.Send(context.Background(), sys, tk, connector.Subject{Email: janeEmail}))
	clk.Add(48 * time.Hour)
	require.NoError(t, m.Remind(context.Background(), sys, tk))
	require.Len(t, fm.sent, 2)
	rem := fm.sent[1]
	assert.True(t, strings.HasPrefix(rem.Subject, "Reminder: privacy request req-13"))
	assert.Contains(t, rem.Text, "Due: Thursday, November 5, 2026 at 4:00 AM EST")
	assert.NotContains(t, rem.Text, janeEmail, "a reminder does not repeat who the person is")
	fresh := linkRE.FindString(rem.Text)
	require.NotEmpty(t, fresh)
	assert.NotEqual(t, linkRE.FindString(fm.sent[0].Text), fresh)
	u, _ := url.Parse(fresh)
	code, _ := postForm(h, url.Values{"t": {u.Query().Get("t")}, "outcome": {"done"}})
	assert.Equal(t, http.StatusOK, code)
	assert.Len(t, answers.answers, 1)
}

func TestOverdueReminderLinkWorks(t *testing.T) {
	m, h, fm, clk, answers, sys := manualRig(t)
	tk := task(sys, "req-14", system.Erase)
	require.NoError(t, m.Send(context.Background(), sys, tk, connector.Subject{Email: janeEmail}))
	clk.Add(72*time.Hour + 10*24*time.Hour) // past the due date and the grace week of the first link
	require.NoError(t, m.Remind(context.Background(), sys, tk))
	require.Len(t, fm.sent, 2)
	assert.True(t, strings.HasPrefix(fm.sent[1].Subject, "Overdue:"))

	clk.Add(6 * 24 * time.Hour) // within a week of the reminder
	u, _ := url.Parse(linkRE.FindString(fm.sent[1].Text))
	code, _ := postForm(h, url.Values{"t": {u.Query().Get("t")}, "outcome": {"done"}})
	assert.Equal(t, http.StatusOK, code, "the fresh link in an overdue reminder still works")
	assert.Len(t, answers.answers, 1)
}

// TestDigestListsEveryTaskWithItsOwnLink: one mail to the owner; a new task
// names the person (escaped in HTML) and a reminder does not; each link
// answers its own task, once.
func TestDigestListsEveryTaskWithItsOwnLink(t *testing.T) {
	m, h, fm, clk, answers, sys := manualRig(t)
	ctx := context.Background()
	clk.Add(24 * time.Hour)
	older := task(sys, "req-1", system.Erase)
	older.MailedAt = t0
	items := []connector.DigestItem{
		{System: sys, Task: task(sys, "req-2", system.Erase), Subject: &connector.Subject{Email: "<b>jane</b>@example.com"}},
		{System: sys, Task: older},
	}
	require.NoError(t, m.Digest(ctx, sys.Owner, "Tuesday, November 3, 2026", items))
	require.Len(t, fm.sent, 1, "one mail for both tasks")
	msg := fm.sent[0]
	assert.Equal(t, []string{"archivist@productionflow.com"}, msg.To)
	assert.Equal(t, "Privacy requests: 2 tasks for you, Tuesday, November 3, 2026", msg.Subject)
	assert.Contains(t, msg.Text, "--- New: erase in Paper archive <basement>, request req-2")
	assert.Contains(t, msg.Text, "For whom: the person with the email address <b>jane</b>@example.com")
	assert.Contains(t, msg.Text, "--- Due soon: erase in Paper archive <basement>, request req-1, as described in the first mail")
	assert.Equal(t, 1, strings.Count(msg.Text, "jane"), "the reminder does not name the person again")
	assert.Contains(t, msg.HTML, "&lt;b&gt;jane&lt;/b&gt;@example.com")
	assert.NotContains(t, msg.HTML, "<b>jane")
	assert.NotContains(t, msg.Subject, "jane")

	links := linkRE.FindAllString(msg.Text, -1)
	require.Len(t, links, 2)
	for i, id := range []string{"req-2", "req-1"} {
		u, _ := url.Parse(links[i])
		code, _ := postForm(h, url.Values{"t": {u.Query().Get("t")}, "outcome": {"done"}})
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, id, answers.answers[i].RequestID, "each link answers its own task")
		code, _ = postForm(h, url.Values{"t": {u.Query().Get("t")}, "outcome": {"done"}})
		assert.Equal(t, http.StatusGone, code, "once")
	}

	t.Run("a person who cannot be named refuses the whole mail", func(t *testing.T) {
		bad := []connector.DigestItem{items[1], {System: sys, Task: task(sys, "req-3", system.Erase), Subject: &connector.Subject{}}}
		var perm *connector.PermanentError
		require.ErrorAs(t, m.Digest(ctx, sys.Owner, "Tuesday, November 3, 2026", bad), &perm)
		assert.Len(t, fm.sent, 1, "nothing more is sent")
	})
}
