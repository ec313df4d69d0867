package deadline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/deadline"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// memStore is an in-memory deadline.Store with the DynamoDB store's rules:
// an event with a Once key is kept once per request, time and key.
type memStore struct {
	mu       sync.Mutex
	requests map[string]request.Request
	events   map[string][]request.Event
	once     map[string]bool
	getErr   error
	eventErr error
}

var _ deadline.Store = (*memStore)(nil)

func newMemStore(rs ...*request.Request) *memStore {
	m := &memStore{requests: map[string]request.Request{}, events: map[string][]request.Event{}, once: map[string]bool{}}
	for _, r := range rs {
		m.requests[r.ID] = *r
	}
	return m
}

func (m *memStore) Get(_ context.Context, id string) (*request.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.getErr != nil {
		return nil, m.getErr
	}
	r, ok := m.requests[id]
	if !ok {
		return nil, fmt.Errorf("get request %s: %w", id, request.ErrNotFound)
	}
	return &r, nil
}

func (m *memStore) Events(_ context.Context, id string) ([]request.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]request.Event(nil), m.events[id]...), nil
}

func (m *memStore) AppendEvent(_ context.Context, ev request.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.eventErr != nil {
		return m.eventErr
	}
	if ev.Once != "" {
		key := ev.RequestID + "|" + ev.At.UTC().String() + "|" + ev.Once
		if m.once[key] {
			return nil
		}
		m.once[key] = true
	}
	m.events[ev.RequestID] = append(m.events[ev.RequestID], ev)
	return nil
}

// fakeMailer records what it sends; err, when set, fails the next sends.
type fakeMailer struct {
	mu   sync.Mutex
	sent []mail.Message
	err  error
}

var _ mail.Sender = (*fakeMailer)(nil)

func (f *fakeMailer) Send(_ context.Context, m mail.Message) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return "", f.err
	}
	f.sent = append(f.sent, m)
	return fmt.Sprintf("msg-%d", len(f.sent)), nil
}

const team = "privacy@productionflow.example"

// openRequest is a deletion received Mon 30 Nov 2026 10:00 New York time,
// acknowledged at once, with its legal dates.
func openRequest(t testing.TB) *request.Request {
	cal := newCalendar(t)
	received := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	kinds := []request.Kind{request.Deletion, request.OptOutSale}
	return &request.Request{
		ID: "PR-AAAA-BBBB-CCCC-DDDD", SourceID: "sub-1", Kinds: kinds, Status: request.InProgress,
		Channel: request.Web, Priority: request.Normal,
		Requester:  request.Identity{Name: "Grace Hopper", Email: "grace@example.com", Phone: "+1 555 0100"},
		Details:    "please delete my account and my order history",
		ReceivedAt: received, AcknowledgedAt: received.Add(time.Second),
		Due: cal.Deadlines(received, kinds, request.Normal), UpdatedAt: received,
	}
}

type fixture struct {
	store  *memStore
	mailer *fakeMailer
	svc    *deadline.Service
	now    time.Time
	logs   *bytes.Buffer
}

func newFixture(t testing.TB, r *request.Request) *fixture {
	f := &fixture{store: newMemStore(r), mailer: &fakeMailer{}, logs: &bytes.Buffer{}}
	// 09:00 New York on Wed 30 Dec 2026: the response's first reminder.
	f.now = time.Date(2026, 12, 30, 14, 0, 0, 0, time.UTC)
	f.svc = &deadline.Service{
		Store: f.store, Mail: f.mailer, Calendar: newCalendar(t), TeamAddress: team,
		Now: func() time.Time { return f.now },
		Log: slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	return f
}

func TestRemindMailsTheTeamWithoutPersonalData(t *testing.T) {
	r := openRequest(t)
	f := newFixture(t, r)
	at := f.now
	out, err := f.svc.Remind(context.Background(), deadline.Input{RequestID: r.ID, Clock: "response", Stage: "reminder", At: at})
	require.NoError(t, err)
	assert.Equal(t, deadline.Output{Open: true, Sent: true}, out)

	require.Len(t, f.mailer.sent, 1)
	m := f.mailer.sent[0]
	assert.Equal(t, []string{team}, m.To, "the team gets it, not the requester")
	assert.Equal(t, "Reminder: response of PR-AAAA-BBBB-CCCC-DDDD is due Thu Jan 14", m.Subject)
	assert.Contains(t, m.Text, "Thursday, January 14, 2027 at 11:59 PM EST")
	assert.Contains(t, m.Text, "10 business day(s), 15 calendar day(s)")
	assert.Contains(t, m.Text, "deletion, opt-out-sale")
	for _, personal := range []string{"Grace", "Hopper", "grace@example.com", "555 0100", "order history"} {
		assert.NotContains(t, m.Text+m.HTML+m.Subject, personal)
		assert.NotContains(t, f.logs.String(), personal)
	}

	evs := f.store.events[r.ID]
	require.Len(t, evs, 1)
	assert.Equal(t, "reminder-sent", evs[0].Action)
	assert.Equal(t, deadline.Actor, evs[0].Actor)
	assert.True(t, at.Equal(evs[0].At))
	assert.Equal(t, map[string]string{"clock": "response", "stage": "reminder", "due": "2027-01-15T04:59:59Z",
		"sentAt": "2026-12-30T14:00:00Z", "messageId": "msg-1"}, evs[0].Data)

	t.Run("a repeated invocation sends nothing more", func(t *testing.T) {
		out, err := f.svc.Remind(context.Background(), deadline.Input{RequestID: r.ID, Clock: "response", Stage: "reminder", At: at})
		require.NoError(t, err)
		assert.Equal(t, deadline.Output{Open: true, Skipped: "already-sent"}, out)
		assert.Len(t, f.mailer.sent, 1)
		assert.Len(t, f.store.events[r.ID], 1)
	})
}

func TestRemindSkips(t *testing.T) {
	missedAt := time.Date(2027, 1, 15, 5, 0, 0, 0, time.UTC) // 00:00 New York, 15 Jan
	tests := []struct {
		name   string
		edit   func(*request.Request, *memStore)
		in     deadline.Input
		now    time.Time
		want   deadline.Output
		action string // the audit event written, if any
	}{
		{
			name: "closed request ends the watch",
			edit: func(r *request.Request, _ *memStore) { r.Status = request.Completed },
			in:   deadline.Input{Clock: "response", Stage: "final"},
			want: deadline.Output{Open: false, Skipped: "closed"},
		},
		{
			name: "withdrawn request ends the watch",
			edit: func(r *request.Request, _ *memStore) { r.Status = request.Withdrawn },
			in:   deadline.Input{Clock: "optOut", Stage: "missed"},
			want: deadline.Output{Open: false, Skipped: "closed"},
		},
		{
			name: "unknown request ends the watch",
			in:   deadline.Input{RequestID: "PR-GONE", Clock: "response", Stage: "final"},
			want: deadline.Output{Open: false, Skipped: "not-found"},
		},
		{
			name: "acknowledged: the acknowledgement clock is met",
			in:   deadline.Input{Clock: "acknowledge", Stage: "missed"},
			now:  time.Date(2026, 12, 15, 5, 0, 0, 0, time.UTC),
			want: deadline.Output{Open: true, Skipped: "met"},
		},
		{
			name: "not acknowledged: missed",
			edit: func(r *request.Request, _ *memStore) { r.AcknowledgedAt = time.Time{}; r.Status = request.Received },
			in:   deadline.Input{Clock: "acknowledge", Stage: "missed"},
			now:  time.Date(2026, 12, 15, 5, 0, 0, 0, time.UTC),
			want: deadline.Output{Open: true, Sent: true}, action: "deadline-missed",
		},
		{
			name: "extended: the response clock is moot",
			edit: func(r *request.Request, _ *memStore) { r.Status = request.Extended },
			in:   deadline.Input{Clock: "response", Stage: "final"},
			want: deadline.Output{Open: true, Skipped: "moot"},
		},
		{
			name: "extended earlier, back in progress: the response clock stays moot",
			edit: func(r *request.Request, st *memStore) {
				st.events[r.ID] = append(st.events[r.ID], request.Event{RequestID: r.ID, Action: "status:extended"})
			},
			in:   deadline.Input{Clock: "response", Stage: "missed"},
			now:  missedAt,
			want: deadline.Output{Open: true, Skipped: "moot"},
		},
		{
			name: "not extended: the extended clock is moot",
			in:   deadline.Input{Clock: "extended", Stage: "reminder"},
			want: deadline.Output{Open: true, Skipped: "moot"},
		},
		{
			name: "extended: the extended clock reminds",
			edit: func(r *request.Request, _ *memStore) { r.Status = request.Extended },
			in:   deadline.Input{Clock: "extended", Stage: "reminder"},
			want: deadline.Output{Open: true, Sent: true}, action: "reminder-sent",
		},
		{
			name: "opt-out done: its clock is met",
			edit: func(r *request.Request, st *memStore) {
				st.events[r.ID] = append(st.events[r.ID], request.Event{RequestID: r.ID, Action: "opt-out:done"})
			},
			in:   deadline.Input{Clock: "optOut", Stage: "final"},
			want: deadline.Output{Open: true, Skipped: "met"},
		},
		{
			name: "a clock the request does not have is moot",
			edit: func(r *request.Request, _ *memStore) { r.Due.OptOut = time.Time{} },
			in:   deadline.Input{Clock: "optOut", Stage: "final"},
			want: deadline.Output{Open: true, Skipped: "moot"},
		},
		{
			name: "missed before the deadline passed: nothing yet",
			in:   deadline.Input{Clock: "response", Stage: "missed"},
			now:  missedAt.Add(-2 * time.Second),
			want: deadline.Output{Open: true, Skipped: "not-yet-due"},
		},
		{
			name: "response missed",
			in:   deadline.Input{Clock: "response", Stage: "missed"},
			now:  missedAt,
			want: deadline.Output{Open: true, Sent: true}, action: "deadline-missed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := openRequest(t)
			f := newFixture(t, r)
			if tt.edit != nil {
				tt.edit(r, f.store)
				f.store.requests[r.ID] = *r
			}
			if !tt.now.IsZero() {
				f.now = tt.now
			}
			in := tt.in
			if in.RequestID == "" {
				in.RequestID = r.ID
			}
			before := len(f.store.events[r.ID])
			out, err := f.svc.Remind(context.Background(), in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, out)
			if tt.action == "" {
				assert.Empty(t, f.mailer.sent)
				assert.Len(t, f.store.events[r.ID], before, "no audit event")
				return
			}
			require.Len(t, f.mailer.sent, 1)
			evs := f.store.events[r.ID]
			require.Len(t, evs, before+1)
			assert.Equal(t, tt.action, evs[before].Action)
			if tt.action == "deadline-missed" {
				assert.Contains(t, f.mailer.sent[0].Subject, "Deadline missed")
			}
		})
	}
}

// TestRemindAfterTheDeadlineSendsNoReminder: a sweep that runs late (a
// retried run on AWS, the local clock moved on) reaches the final reminder
// of a deadline that has already passed. No "is close" mail with days left
// goes out; the stage is recorded once, and the missed notice still goes.
func TestRemindAfterTheDeadlineSendsNoReminder(t *testing.T) {
	ctx := context.Background()
	ny := newCalendar(t).Location()
	for _, stage := range []string{"reminder", "final"} {
		t.Run(stage, func(t *testing.T) {
			r := openRequest(t)
			f := newFixture(t, r)
			planned := time.Date(2027, 1, 11, 9, 0, 0, 0, ny)
			f.now = time.Date(2027, 1, 15, 9, 0, 0, 0, ny) // the response was due Thu 14 Jan
			in := deadline.Input{RequestID: r.ID, Clock: "response", Stage: stage, At: planned}

			out, err := f.svc.Remind(ctx, in)
			require.NoError(t, err)
			assert.Equal(t, deadline.Output{Open: true, Skipped: deadline.SkippedPastDue}, out)
			assert.Empty(t, f.mailer.sent, "no reminder that the deadline is close once it has passed")
			evs := f.store.events[r.ID]
			require.Len(t, evs, 1)
			assert.Equal(t, deadline.ActionReminderSkipped, evs[0].Action)
			assert.Equal(t, deadline.Actor, evs[0].Actor)
			assert.True(t, planned.Equal(evs[0].At))
			assert.Equal(t, map[string]string{"clock": "response", "stage": stage, "due": "2027-01-15T04:59:59Z",
				"skippedAt": "2027-01-15T14:00:00Z", "reason": "past-due"}, evs[0].Data)

			out, err = f.svc.Remind(ctx, in)
			require.NoError(t, err)
			assert.Equal(t, deadline.Output{Open: true, Skipped: "already-skipped"}, out, "the recorded stage is not tried again")
			assert.Len(t, f.store.events[r.ID], 1)
			assert.Empty(t, f.mailer.sent)

			out, err = f.svc.Remind(ctx, deadline.Input{RequestID: r.ID, Clock: "response", Stage: "missed", At: time.Date(2027, 1, 15, 0, 0, 0, 0, ny)})
			require.NoError(t, err)
			assert.True(t, out.Sent)
			require.Len(t, f.mailer.sent, 1)
			assert.Equal(t, "Deadline missed: response of PR-AAAA-BBBB-CCCC-DDDD was due Thu Jan 14", f.mailer.sent[0].Subject)
		})
	}

	t.Run("on the deadline's own day the final reminder still goes", func(t *testing.T) {
		r := openRequest(t)
		f := newFixture(t, r)
		f.now = time.Date(2027, 1, 14, 23, 0, 0, 0, ny)
		out, err := f.svc.Remind(ctx, deadline.Input{RequestID: r.ID, Clock: "response", Stage: "final"})
		require.NoError(t, err)
		assert.True(t, out.Sent)
		require.Len(t, f.mailer.sent, 1)
		assert.Contains(t, f.mailer.sent[0].Text, "Days left:  0 business day(s), 0 calendar day(s) as of Thursday, January 14, 2027")
	})

	t.Run("a reminder sent before the deadline is not recorded as skipped after it", func(t *testing.T) {
		r := openRequest(t)
		f := newFixture(t, r)
		in := deadline.Input{RequestID: r.ID, Clock: "response", Stage: "final", At: time.Date(2027, 1, 11, 9, 0, 0, 0, ny)}
		f.now = in.At
		_, err := f.svc.Remind(ctx, in)
		require.NoError(t, err)
		f.now = time.Date(2027, 1, 15, 9, 0, 0, 0, ny)
		out, err := f.svc.Remind(ctx, in)
		require.NoError(t, err)
		assert.Equal(t, deadline.Output{Open: true, Skipped: "already-sent"}, out)
		assert.Len(t, f.store.events[r.ID], 1)
	})

	t.Run("a failed record is retried", func(t *testing.T) {
		r := openRequest(t)
		f := newFixture(t, r)
		f.now = time.Date(2027, 1, 15, 9, 0, 0, 0, ny)
		f.store.eventErr = errors.New("put item: throttled")
		_, err := f.svc.Remind(ctx, deadline.Input{RequestID: r.ID, Clock: "response", Stage: "final"})
		_, direct := err.(*deadline.TransientError)
		assert.True(t, direct, "%v", err)
		assert.Empty(t, f.mailer.sent)
	})
}

func TestRemindErrors(t *testing.T) {
	ctx := context.Background()
	in := func(r *request.Request) deadline.Input {
		return deadline.Input{RequestID: r.ID, Clock: "response", Stage: "final", At: time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC)}
	}

	t.Run("store failure is transient", func(t *testing.T) {
		r := openRequest(t)
		f := newFixture(t, r)
		f.store.getErr = errors.New("get request: connection reset")
		_, err := f.svc.Remind(ctx, in(r))
		var te *deadline.TransientError
		require.ErrorAs(t, err, &te)
		_, direct := err.(*deadline.TransientError)
		assert.True(t, direct, "returned unwrapped, so Lambda names it TransientError")
	})

	t.Run("mail failure is transient, and the retry sends once", func(t *testing.T) {
		r := openRequest(t)
		f := newFixture(t, r)
		f.mailer.err = errors.New("sesmail: send email: Throttling")
		_, err := f.svc.Remind(ctx, in(r))
		_, direct := err.(*deadline.TransientError)
		require.True(t, direct, "%v", err)
		assert.Empty(t, f.store.events[r.ID], "no event for a mail that did not go")

		f.mailer.err = nil
		out, err := f.svc.Remind(ctx, in(r))
		require.NoError(t, err)
		assert.True(t, out.Sent)
		out, err = f.svc.Remind(ctx, in(r))
		require.NoError(t, err)
		assert.False(t, out.Sent)
		assert.Len(t, f.mailer.sent, 1)
	})

	t.Run("audit write failure is transient", func(t *testing.T) {
		r := openRequest(t)
		f := newFixture(t, r)
		f.store.eventErr = errors.New("put item: throttled")
		_, err := f.svc.Remind(ctx, in(r))
		_, direct := err.(*deadline.TransientError)
		assert.True(t, direct, "%v", err)
	})

	t.Run("unusable team address is not retried", func(t *testing.T) {
		r := openRequest(t)
		f := newFixture(t, r)
		f.svc.TeamAddress = "team@example.com\nBcc: x@example.com"
		_, err := f.svc.Remind(ctx, in(r))
		require.ErrorIs(t, err, mail.ErrRecipient)
		var te *deadline.TransientError
		assert.False(t, errors.As(err, &te))
	})

	for _, bad := range []deadline.Input{
		{Clock: "response", Stage: "final"},
		{RequestID: "PR-X", Clock: "answer", Stage: "final"},
		{RequestID: "PR-X", Clock: "response", Stage: "late"},
	} {
		t.Run(fmt.Sprintf("invalid input %+v", bad), func(t *testing.T) {
			f := newFixture(t, openRequest(t))
			_, err := f.svc.Remind(ctx, bad)
			var ie *deadline.InputError
			assert.ErrorAs(t, err, &ie)
		})
	}
}
