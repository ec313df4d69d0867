package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
)

const (
	linkBase  = "https://privacy.productionflow.example/verify"
	formURL   = "https://privacy.productionflow.example/"
	team      = "privacy@productionflow.example"
	requester = "ana.requester@example.org"
)

var t0 = time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)

// memStore is an in-memory request store with the dynamo store's rules:
// conditional status changes and Once events recorded once per time.
type memStore struct {
	mu       sync.Mutex
	requests map[string]request.Request
	events   []request.Event
	once     map[string]bool
	failGet  error
	// beforeSet, when set, runs once before the next status change: a
	// concurrent actor.
	beforeSet func()
}

var _ verify.Store = (*memStore)(nil)

func newMemStore(rs ...request.Request) *memStore {
	m := &memStore{requests: map[string]request.Request{}, once: map[string]bool{}}
	for _, r := range rs {
		m.requests[r.ID] = r
	}
	return m
}

func (m *memStore) Get(_ context.Context, id string) (*request.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failGet != nil {
		return nil, m.failGet
	}
	r, ok := m.requests[id]
	if !ok {
		return nil, request.ErrNotFound
	}
	return &r, nil
}

func (m *memStore) SetStatus(_ context.Context, id string, from, to request.Status, at time.Time) error {
	m.mu.Lock()
	if race := m.beforeSet; race != nil {
		m.beforeSet = nil
		m.mu.Unlock()
		race()
		m.mu.Lock()
	}
	defer m.mu.Unlock()
	if err := request.CheckTransition(from, to); err != nil {
		return err
	}
	r, ok := m.requests[id]
	if !ok {
		return request.ErrNotFound
	}
	if r.Status != from {
		return request.ErrConflict
	}
	r.Status, r.UpdatedAt = to, at
	m.requests[id] = r
	return nil
}

func (m *memStore) AppendEvent(_ context.Context, ev request.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ev.Once != "" {
		key := ev.RequestID + ev.At.UTC().String() + ev.Once
		if m.once[key] {
			return nil
		}
		m.once[key] = true
	}
	m.events = append(m.events, ev)
	return nil
}

func (m *memStore) status(id string) request.Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.requests[id].Status
}

func (m *memStore) actions(id string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, e := range m.events {
		if e.RequestID == id {
			out = append(out, e.Action)
		}
	}
	return out
}

// outbox records sent mail; fail, when set, fails every send.
type outbox struct {
	mu   sync.Mutex
	sent []mail.Message
	fail error
}

func (o *outbox) Send(_ context.Context, m mail.Message) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil {
		return "", o.fail
	}
	o.sent = append(o.sent, m)
	return "msg-" + string(rune('a'+len(o.sent))), nil
}

func (o *outbox) messages() []mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]mail.Message(nil), o.sent...)
}

// completion is one Complete call.
type completion struct {
	TaskToken string
	Output    string
}

// tasks records Complete calls; err is returned when set.
type tasks struct {
	mu    sync.Mutex
	calls []completion
	err   error
}

var _ verify.TaskCompleter = (*tasks)(nil)

func (f *tasks) Complete(_ context.Context, taskToken string, output json.RawMessage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, completion{TaskToken: taskToken, Output: string(output)})
	return f.err
}

func (f *tasks) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

type fixture struct {
	svc    *verify.Service
	store  *memStore
	tokens *token.MemStore
	out    *outbox
	tasks  *tasks
	now    time.Time
	logs   *bytes.Buffer
}

func acknowledged(id string, kinds ...request.Kind) request.Request {
	return request.Request{
		ID: id, Kinds: kinds, Status: request.Acknowledged, Channel: request.Web,
		Requester:  request.Identity{Name: "Ana Requester", Email: requester},
		ReceivedAt: t0, Due: request.Due{Response: t0.Add(45 * 24 * time.Hour), Extended: t0.Add(90 * 24 * time.Hour)},
	}
}

func newFixture(t *testing.T, rs ...request.Request) *fixture {
	t.Helper()
	f := &fixture{store: newMemStore(rs...), tokens: token.NewMemStore(), out: &outbox{}, tasks: &tasks{}, now: t0, logs: &bytes.Buffer{}}
	now := func() time.Time { return f.now }
	f.svc = &verify.Service{
		Store: f.store, Tokens: f.tokens, Issuer: token.Issuer{Now: now}, Mail: f.out, Tasks: f.tasks, Now: now,
		LinkBase: linkBase, FormURL: formURL, TeamAddress: team,
		Log: slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	t.Cleanup(func() {
		// Logs never carry a link's token or the requester's address.
		for _, m := range f.out.messages() {
			if raw := rawToken(m.Text); raw != "" {
				assert.NotContains(t, f.logs.String(), raw)
			}
		}
		assert.NotContains(t, f.logs.String(), requester)
	})
	return f
}

// rawToken takes the token out of the link in a verification mail.
func rawToken(text string) string {
	i := strings.Index(text, linkBase+"?")
	if i < 0 {
		return ""
	}
	line := strings.Fields(text[i:])[0]
	u, err := url.Parse(line)
	if err != nil {
		return ""
	}
	return u.Query().Get("t")
}

func (f *fixture) start(t *testing.T, id, taskToken string) string {
	t.Helper()
	_, err := f.svc.Start(context.Background(), verify.StartInput{RequestID: id, TaskToken: taskToken})
	require.NoError(t, err)
	msgs := f.out.messages()
	require.NotEmpty(t, msgs)
	raw := rawToken(msgs[len(msgs)-1].Text)
	require.NotEmpty(t, raw)
	return raw
}

func TestStartMailsTheRequesterOncePerTask(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0001", request.Deletion))
	in := verify.StartInput{RequestID: "PR-AAAA-0000-0000-0001", TaskToken: "task-token-1"}

	first, err := f.svc.Start(ctx, in)
	require.NoError(t, err)
	assert.True(t, first.Mailed)
	assert.Equal(t, t0.Add(verify.DefaultTTL), first.ExpiresAt)
	for range 3 { // Lambda retries of the same task
		again, err := f.svc.Start(ctx, in)
		require.NoError(t, err)
		assert.False(t, again.Mailed)
		assert.Equal(t, "already-mailed", again.Skipped)
	}
	msgs := f.out.messages()
	require.Len(t, msgs, 1, "one mail per task token")
	m := msgs[0]
	assert.Equal(t, []string{requester}, m.To)
	assert.Equal(t, []string{team}, m.ReplyTo)
	assert.Contains(t, m.Subject, "PR-AAAA-0000-0000-0001")
	assert.Contains(t, m.Text, request.Deletion.Title())

	// The link is the confirm page with the token and nothing else.
	raw := rawToken(m.Text)
	require.NotEmpty(t, raw)
	assert.Contains(t, m.HTML, `href="`+linkBase+"?t="+raw+`"`)
	hash, err := token.Hash(raw)
	require.NoError(t, err)
	rec, err := f.tokens.Get(ctx, hash)
	require.NoError(t, err, "only the hash is stored, and it finds the record")
	assert.Equal(t, "task-token-1", rec.TaskToken)
	assert.Equal(t, token.Verify, rec.Purpose)
	assert.False(t, rec.Used)

	assert.Equal(t, request.Verifying, f.store.status(in.RequestID))
	assert.Equal(t, []string{verify.ActionSent}, f.store.actions(in.RequestID), "recorded once")
	f.store.mu.Lock()
	sentEv := f.store.events[len(f.store.events)-1]
	f.store.mu.Unlock()
	assert.Equal(t, "msg-b", sentEv.Data["messageId"], "the mail's ID, which its bounce names")

	t.Run("a new task of the same request mails a new link", func(t *testing.T) {
		_, err := f.svc.Start(ctx, verify.StartInput{RequestID: in.RequestID, TaskToken: "task-token-2"})
		require.NoError(t, err)
		msgs := f.out.messages()
		require.Len(t, msgs, 2)
		assert.NotEqual(t, raw, rawToken(msgs[1].Text))
	})
}

func TestStartWritesInTheRequestersLanguage(t *testing.T) {
	r := acknowledged("PR-AAAA-0000-0000-0002", request.AccessCategories)
	r.Language = "es"
	f := newFixture(t, r)
	f.start(t, r.ID, "task-es")
	m := f.out.messages()[0]
	assert.Contains(t, m.Subject, "Confirme su solicitud")
	assert.Equal(t, "es", m.Headers[mail.HeaderContentLanguage])
	assert.Contains(t, m.Text, "funciona una sola vez")
}

func TestStartErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("a store failure is a TransientError, unwrapped", func(t *testing.T) {
		f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0003", request.Deletion))
		f.store.failGet = errors.New("ProvisionedThroughputExceeded")
		_, err := f.svc.Start(ctx, verify.StartInput{RequestID: "PR-AAAA-0000-0000-0003", TaskToken: "x"})
		_, direct := err.(*verify.TransientError)
		assert.True(t, direct, "Lambda names the type TransientError: %v", err)
	})
	t.Run("a failed send is retried and then mails once", func(t *testing.T) {
		f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0004", request.Deletion))
		f.out.fail = errors.New("Throttling")
		_, err := f.svc.Start(ctx, verify.StartInput{RequestID: "PR-AAAA-0000-0000-0004", TaskToken: "x"})
		_, direct := err.(*verify.TransientError)
		require.True(t, direct, "%v", err)
		f.out.fail = nil
		_, err = f.svc.Start(ctx, verify.StartInput{RequestID: "PR-AAAA-0000-0000-0004", TaskToken: "x"})
		require.NoError(t, err)
		assert.Len(t, f.out.messages(), 1)
	})
	t.Run("a closed request is a ClosedError and mails nothing", func(t *testing.T) {
		r := acknowledged("PR-AAAA-0000-0000-0005", request.Deletion)
		r.Status = request.Withdrawn
		f := newFixture(t, r)
		_, err := f.svc.Start(ctx, verify.StartInput{RequestID: r.ID, TaskToken: "x"})
		_, direct := err.(*verify.ClosedError)
		assert.True(t, direct, "%v", err)
		assert.Empty(t, f.out.messages())
	})
}

func TestLookupChangesNothing(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0010", request.Deletion, request.AccessCategories))
	raw := f.start(t, "PR-AAAA-0000-0000-0010", "task-10")
	for range 3 { // a mail scanner, then the person, then a reload
		l, err := f.svc.Lookup(ctx, raw)
		require.NoError(t, err)
		assert.Equal(t, "PR-AAAA-0000-0000-0010", l.RequestID)
		assert.Equal(t, []request.Kind{request.Deletion, request.AccessCategories}, l.Kinds)
		assert.Equal(t, t0.Add(verify.DefaultTTL), l.ExpiresAt)
	}
	assert.Equal(t, request.Verifying, f.store.status("PR-AAAA-0000-0000-0010"))
	assert.Zero(t, f.tasks.count())
	_, err := f.svc.Confirm(ctx, raw)
	assert.NoError(t, err, "the link still works after any number of GETs")
}

// TestAnUnusedLinkOfAMovedOnRequest: the link of a request verified by
// another link and carried on since reads as used, as Confirm answers it;
// that of a closed request as closed, with the status it closed in (the
// page says why).
func TestAnUnusedLinkOfAMovedOnRequest(t *testing.T) {
	ctx := context.Background()
	for status, want := range map[request.Status]error{
		request.InProgress: verify.ErrLinkUsed, request.Completed: verify.ErrLinkUsed,
		request.Denied: verify.ErrRequestClosed, request.Withdrawn: verify.ErrRequestClosed, request.Unverified: verify.ErrRequestClosed,
	} {
		f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0016", request.Deletion))
		raw := f.start(t, "PR-AAAA-0000-0000-0016", "task-16")
		f.store.mu.Lock()
		r := f.store.requests["PR-AAAA-0000-0000-0016"]
		r.Status = status
		f.store.requests[r.ID] = r
		f.store.mu.Unlock()
		l, err := f.svc.Lookup(ctx, raw)
		assert.ErrorIs(t, err, want, status)
		assert.Equal(t, status, l.Status)
		c, err := f.svc.Confirm(ctx, raw)
		assert.ErrorIs(t, err, want, status)
		if want == verify.ErrRequestClosed {
			assert.Equal(t, status, c.Status)
		}
	}
}

func TestLinkAndConfirmationCarryTheRequestLanguage(t *testing.T) {
	ctx := context.Background()
	for _, lang := range []string{"es", "en", ""} {
		t.Run("language "+lang, func(t *testing.T) {
			r := acknowledged("PR-AAAA-0000-0000-0015", request.Deletion)
			r.Language = lang
			f := newFixture(t, r)
			raw := f.start(t, r.ID, "task-15")
			l, err := f.svc.Lookup(ctx, raw)
			require.NoError(t, err)
			assert.Equal(t, lang, l.Language)
			c, err := f.svc.Confirm(ctx, raw)
			require.NoError(t, err)
			assert.Equal(t, lang, c.Language)
			l, err = f.svc.Lookup(ctx, raw)
			assert.ErrorIs(t, err, verify.ErrLinkUsed)
			assert.Empty(t, l.Language, "a used link's lookup reads no request")
		})
	}
}

func TestConfirm(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0020", request.Deletion))
	raw := f.start(t, "PR-AAAA-0000-0000-0020", "task-20")
	f.now = t0.Add(2 * time.Hour)

	c, err := f.svc.Confirm(ctx, raw)
	require.NoError(t, err)
	assert.Equal(t, "PR-AAAA-0000-0000-0020", c.RequestID)
	assert.Equal(t, f.now, c.VerifiedAt)
	assert.Equal(t, t0.Add(45*24*time.Hour), c.AnswerBy, "the response date: the request is not extended")
	assert.Equal(t, request.Verified, f.store.status(c.RequestID))

	require.Equal(t, 1, f.tasks.count())
	call := f.tasks.calls[0]
	assert.Equal(t, "task-20", call.TaskToken)
	assert.JSONEq(t, `{"requestId":"PR-AAAA-0000-0000-0020","verifiedAt":"2026-11-30T17:00:00Z"}`, call.Output)

	var verified *request.Event
	for i, e := range f.store.events {
		if e.Action == verify.ActionVerified {
			verified = &f.store.events[i]
		}
	}
	require.NotNil(t, verified)
	assert.Equal(t, verify.ActorRequester, verified.Actor)
	assert.Equal(t, verify.MethodEmailLink, verified.Data["method"])

	_, err = f.svc.Confirm(ctx, raw)
	assert.ErrorIs(t, err, verify.ErrLinkUsed, "a link works once")
	_, err = f.svc.Lookup(ctx, raw)
	assert.ErrorIs(t, err, verify.ErrLinkUsed)
	assert.Equal(t, 1, f.tasks.count())
}

func TestConfirmResumesAfterAFailure(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0025", request.Deletion))
	raw := f.start(t, "PR-AAAA-0000-0000-0025", "task-25")
	f.tasks.err = errors.New("ThrottlingException")
	_, err := f.svc.Confirm(ctx, raw)
	require.Error(t, err, "the page says: try again in a few minutes")
	assert.NotErrorIs(t, err, verify.ErrLinkUsed)
	f.tasks.err = nil

	_, err = f.svc.Confirm(ctx, raw)
	assert.ErrorIs(t, err, verify.ErrLinkUsed, "a second press at once is a concurrent one")
	f.now = f.now.Add(verify.ResumeAfter)
	c, err := f.svc.Confirm(ctx, raw)
	require.NoError(t, err, "a retry finishes what the first left undone")
	assert.Equal(t, t0, c.VerifiedAt, "verified when the link was used")
	assert.Equal(t, 2, f.tasks.count())
	assert.Equal(t, request.Verified, f.store.status(c.RequestID))
	assert.Equal(t, []string{verify.ActionSent, verify.ActionVerified}, f.store.actions(c.RequestID))

	f.tasks.err = fmt.Errorf("complete task: %w", verify.ErrTaskGone) // Step Functions' InvalidToken
	f.now = f.now.Add(time.Hour)
	_, err = f.svc.Confirm(ctx, raw)
	assert.ErrorIs(t, err, verify.ErrLinkUsed, "once done, the link reads as used")

	f.tasks.err = nil
	require.NoError(t, f.store.SetStatus(ctx, c.RequestID, request.Verified, request.InProgress, f.now))
	f.now = f.now.Add(time.Hour)
	calls := f.tasks.count()
	_, err = f.svc.Confirm(ctx, raw)
	assert.ErrorIs(t, err, verify.ErrLinkUsed, "being carried out, the link reads as used, not as a closed request")
	assert.Equal(t, request.InProgress, f.store.status(c.RequestID))
	assert.Equal(t, calls, f.tasks.count(), "the task is not completed again")
}

func TestBadLinks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0030", request.Deletion), acknowledged("PR-AAAA-0000-0000-0031", request.Deletion))
	expiring := f.start(t, "PR-AAAA-0000-0000-0030", "task-30")

	// A manual-task token is no verification link, and is not used up by trying.
	manualRaw, manual, err := (&token.Issuer{Now: func() time.Time { return t0 }}).Issue(token.ManualTask, "PR-AAAA-0000-0000-0031", "task-31", time.Hour*24, nil)
	require.NoError(t, err)
	require.NoError(t, f.tokens.Put(ctx, manual))
	unknown, _, err := (&token.Issuer{Now: func() time.Time { return t0 }}).Issue(token.Verify, "x", "y", time.Hour, nil)
	require.NoError(t, err)

	f.now = t0.Add(verify.DefaultTTL) // the moment the link expires
	tests := []struct {
		name string
		raw  string
		want error
	}{
		{"expired", expiring, verify.ErrLinkExpired},
		{"unknown", unknown, verify.ErrLinkUnknown},
		{"malformed", "<script>alert(1)</script>", verify.ErrLinkUnknown},
		{"empty", "", verify.ErrLinkUnknown},
		{"another purpose", manualRaw, verify.ErrLinkPurpose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Lookup(ctx, tt.raw)
			assert.ErrorIs(t, err, tt.want)
			_, err = f.svc.Confirm(ctx, tt.raw)
			assert.ErrorIs(t, err, tt.want)
		})
	}
	rec, err := f.tokens.Get(ctx, manual.Hash)
	require.NoError(t, err)
	assert.False(t, rec.Used, "the manual-task token still works for its own page")
	assert.Equal(t, request.Verifying, f.store.status("PR-AAAA-0000-0000-0030"))
	assert.Zero(t, f.tasks.count())
}

func TestConfirmAfterTheWorkflowGaveUp(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error // nil: the page says verified
	}{
		// The link was used in time; the workflow's close path finds the
		// request verified and hands it to fulfilment.
		{"the task timed out meanwhile", fmt.Errorf("complete task: %w", verify.ErrTaskTimedOut), nil},
		{"the task is gone", fmt.Errorf("complete task: %w", verify.ErrTaskGone), verify.ErrRequestClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0040", request.Deletion))
			raw := f.start(t, "PR-AAAA-0000-0000-0040", "task-40")
			f.tasks.err = tt.err
			_, err := f.svc.Confirm(ctx, raw)
			if tt.want == nil {
				require.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.want)
			}
			assert.Equal(t, request.Verified, f.store.status("PR-AAAA-0000-0000-0040"))
			out, err := f.svc.Close(ctx, verify.CloseInput{RequestID: "PR-AAAA-0000-0000-0040"})
			require.NoError(t, err)
			assert.True(t, out.Verified, "the close path hands a verified request over")
			assert.False(t, out.Closed)
		})
	}
}

func TestConfirmRacingTheClose(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0045", request.Deletion))
	raw := f.start(t, "PR-AAAA-0000-0000-0045", "task-45")
	// The close path wins between the link's use and the status change.
	f.store.beforeSet = func() {
		_, err := f.svc.Close(ctx, verify.CloseInput{RequestID: "PR-AAAA-0000-0000-0045"})
		require.NoError(t, err)
	}
	_, err := f.svc.Confirm(ctx, raw)
	assert.ErrorIs(t, err, verify.ErrRequestClosed, "the page says closed, not an internal error")
	assert.Equal(t, request.Unverified, f.store.status("PR-AAAA-0000-0000-0045"))
	assert.Zero(t, f.tasks.count(), "a closed request's task is not completed")
	assert.NotContains(t, f.store.actions("PR-AAAA-0000-0000-0045"), verify.ActionVerified)
}

func TestClose(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		kinds    []request.Kind
		language string
		want     []string
		optOut   bool
	}{
		{"deletion is offered the opt-out of sale", []request.Kind{request.Deletion}, "", []string{"never confirmed", "within 7 days", formURL}, true},
		{"access is told how to ask again", []request.Kind{request.AccessSpecific}, "", []string{"never confirmed", "make a new request", formURL}, false},
		{"in Spanish", []request.Kind{request.Deletion}, "es", []string{"nunca fue confirmada", "7", "no vendamos ni"}, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := acknowledged("PR-AAAA-0000-0000-005"+string(rune('0'+i)), tt.kinds...)
			r.Language = tt.language
			f := newFixture(t, r)
			f.start(t, r.ID, "task-close")
			f.now = t0.Add(verify.DefaultTTL + time.Hour)
			for range 3 { // retries: closed once, mailed once
				out, err := f.svc.Close(ctx, verify.CloseInput{RequestID: r.ID, Reason: verify.ReasonNotInTime})
				require.NoError(t, err)
				assert.True(t, out.Closed)
			}
			assert.Equal(t, request.Unverified, f.store.status(r.ID))
			assert.Equal(t, []string{verify.ActionSent, verify.ActionUnverified, verify.ActionNoticeSent}, f.store.actions(r.ID))
			f.store.mu.Lock()
			noticeEv := f.store.events[len(f.store.events)-1]
			f.store.mu.Unlock()
			assert.Equal(t, verify.ActionNoticeSent, noticeEv.Action)
			assert.NotEmpty(t, noticeEv.Data["messageId"], "the notice's mail is named, so its bounce finds it")
			msgs := f.out.messages()
			require.Len(t, msgs, 2, "the verification mail and one notice")
			notice := msgs[1]
			assert.Equal(t, []string{requester}, notice.To)
			for _, w := range tt.want {
				assert.Contains(t, notice.Text, w)
			}
			label := "Do not sell or share my data" // the form's label, in the notice's language
			if tt.language == "es" {
				label = "No permitir la venta ni el intercambio de sus datos personales"
			}
			assert.Equal(t, tt.optOut, strings.Contains(notice.Text, label), notice.Text)
		})
	}
	t.Run("a request verified at the last moment stays verified", func(t *testing.T) {
		f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0060", request.Deletion))
		raw := f.start(t, "PR-AAAA-0000-0000-0060", "task-60")
		_, err := f.svc.Confirm(ctx, raw)
		require.NoError(t, err)
		out, err := f.svc.Close(ctx, verify.CloseInput{RequestID: "PR-AAAA-0000-0000-0060"})
		require.NoError(t, err)
		assert.False(t, out.Closed)
		assert.True(t, out.Verified, "the workflow hands it to fulfilment")
		assert.Equal(t, request.Verified, f.store.status("PR-AAAA-0000-0000-0060"))
		assert.Len(t, f.out.messages(), 1)
	})
}

func TestOutputsCarryNoPersonalData(t *testing.T) {
	f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0070", request.Deletion))
	out, err := f.svc.Start(context.Background(), verify.StartInput{RequestID: "PR-AAAA-0000-0000-0070", TaskToken: "t"})
	require.NoError(t, err)
	b, err := json.Marshal(out)
	require.NoError(t, err)
	assert.NotContains(t, string(b), requester)
	assert.NotContains(t, string(b), rawToken(f.out.messages()[0].Text))
}

func TestNewWorkflowInput(t *testing.T) {
	tests := []struct {
		kinds           []request.Kind
		verify, optOuts bool
	}{
		{[]request.Kind{request.OptOutSale}, false, true},
		{[]request.Kind{request.OptOutSale, request.OptOutMarketing}, false, true},
		{[]request.Kind{request.OptOutSale, request.Deletion}, true, true},
		{[]request.Kind{request.AccessCategories}, true, false},
		{[]request.Kind{request.Deletion}, true, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.kinds), func(t *testing.T) {
			r := acknowledged("PR-AAAA-0000-0000-0080", tt.kinds...)
			in := verify.NewWorkflowInput(&r)
			assert.Equal(t, verify.WorkflowInput{RequestID: r.ID, Verify: tt.verify, OptOuts: tt.optOuts}, in)
			b, err := json.Marshal(in)
			require.NoError(t, err)
			assert.NotContains(t, string(b), requester)
		})
	}
}

// TestTheLinkToAnAgentsConsumerSaysWhoMadeTheRequest: the consumer of a
// request an authorized agent made (on the form, or by mail once the team
// named them) is told someone acting as their agent made it (not the
// agent's name: their address has proven nothing) and asked to confirm
// only if they want it acted on.
func TestTheLinkToAnAgentsConsumerSaysWhoMadeTheRequest(t *testing.T) {
	r := acknowledged("PR-AAAA-0000-0000-0003", request.Deletion)
	r.Agent = &request.Agent{Name: "Alex Agent", Email: "alex@agency.example"}
	f := newFixture(t, r)
	f.start(t, r.ID, "task-agent")
	m := f.out.messages()[0]
	assert.Equal(t, []string{requester}, m.To)
	for _, part := range []string{m.Text, m.HTML} {
		assert.Contains(t, part, "Someone acting as your authorized agent made privacy request")
		assert.NotContains(t, part, "Alex Agent", "nothing the agent typed goes to the consumer's address")
		assert.Contains(t, part, "If you did not ask anyone to")
		assert.NotContains(t, part, "confirm that it was you")
		assert.Contains(t, part, "We were asked, for you, to")
		assert.NotContains(t, part, "You asked us to")
	}
	l, err := f.svc.Lookup(context.Background(), rawToken(m.Text))
	require.NoError(t, err)
	assert.True(t, l.ByAgent, "the confirm page says so too")
}

// Events is the request's trail, as *dynamo.Store reads it.
func (m *memStore) Events(_ context.Context, id string) ([]request.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []request.Event
	for _, e := range m.events {
		if e.RequestID == id {
			out = append(out, e)
		}
	}
	return out, nil
}

// TestTheUnverifiedNoticeSaysTheOptOutsWereDone: a request closed unverified
// whose opt-outs were carried out already says so, not that they are acted
// on; one whose opt-outs are still running says they are acted on.
func TestTheUnverifiedNoticeSaysTheOptOutsWereDone(t *testing.T) {
	ctx := context.Background()
	for _, done := range []bool{true, false} {
		r := acknowledged("PR-AAAA-0000-0000-0066", request.Deletion, request.OptOutSale)
		f := newFixture(t, r)
		f.start(t, r.ID, "task-optouts")
		if done {
			require.NoError(t, f.store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: t0, Actor: "system:fulfil", Action: request.ActionOptOutDone, Once: request.ActionOptOutDone}))
		}
		f.now = t0.Add(verify.DefaultTTL + time.Hour)
		_, err := f.svc.Close(ctx, verify.CloseInput{RequestID: r.ID, Reason: verify.ReasonNotInTime})
		require.NoError(t, err)
		msgs := f.out.messages()
		require.Len(t, msgs, 2)
		notice := msgs[1]
		assert.Equal(t, done, strings.Contains(notice.Text, "we have carried it out"), notice.Text)
		assert.Equal(t, !done, strings.Contains(notice.Text, "we act on it on its own"), notice.Text)
		assert.Equal(t, done, strings.Contains(notice.HTML, "we have carried it out"))
	}
}
