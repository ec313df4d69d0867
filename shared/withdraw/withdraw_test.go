package withdraw_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/withdraw"
)

// memStore is the request store in memory, with *dynamo.Store's
// conditional status move and notice lease.
type memStore struct {
	mu       sync.Mutex
	requests map[string]*request.Request
	events   map[string][]request.Event
	lease    map[string]time.Time
	sent     map[string]bool
	// beforeMove, when set, runs before a status move (a change by
	// someone else meanwhile).
	beforeMove func(r *request.Request)
}

var _ withdraw.Store = (*memStore)(nil)

func newStore(rs ...*request.Request) *memStore {
	m := &memStore{requests: map[string]*request.Request{}, events: map[string][]request.Event{}, lease: map[string]time.Time{}, sent: map[string]bool{}}
	for _, r := range rs {
		c := *r
		m.requests[r.ID] = &c
	}
	return m
}

func (m *memStore) Get(_ context.Context, id string) (*request.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.requests[id]
	if !ok {
		return nil, fmt.Errorf("get %s: %w", id, request.ErrNotFound)
	}
	c := *r
	return &c, nil
}

func (m *memStore) Events(_ context.Context, id string) ([]request.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]request.Event(nil), m.events[id]...), nil
}

func (m *memStore) AppendEvent(_ context.Context, ev request.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.events[ev.RequestID] {
		if ev.Once != "" && e.Once == ev.Once {
			return nil
		}
	}
	m.events[ev.RequestID] = append(m.events[ev.RequestID], ev)
	return nil
}

func (m *memStore) SetStatus(_ context.Context, id string, from, to request.Status, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.requests[id]
	if m.beforeMove != nil {
		m.beforeMove(r)
	}
	if err := request.CheckTransition(from, to); err != nil {
		return err
	}
	if r.Status != from {
		return fmt.Errorf("set status: %w", request.ErrConflict)
	}
	r.Status = to
	return nil
}

func (m *memStore) ClaimWithdrawalNotice(_ context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sent[id] || now.Before(m.lease[id]) {
		return false, nil
	}
	m.lease[id] = now.Add(lease)
	return true, nil
}

func (m *memStore) ReleaseWithdrawalNotice(_ context.Context, id string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.lease, id)
	return nil
}

func (m *memStore) MarkWithdrawalNoticeSent(_ context.Context, id string, _ time.Time, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent[id] = true
	return nil
}

func (m *memStore) actions(id string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, e := range m.events[id] {
		out = append(out, e.Action)
	}
	return out
}

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
	return fmt.Sprintf("ses-%d", len(o.sent)), nil
}

type links struct{}

func (links) Link(_ context.Context, id string) (string, error) {
	return "https://privacy.example/status?t=" + id, nil
}

var t0 = time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)

func sample(status request.Status, lang string, kinds ...request.Kind) *request.Request {
	return &request.Request{ID: "PR-AAAA-BBBB-CCCC-DDDD", Status: status, Kinds: kinds, Language: lang,
		Requester: request.Identity{Email: "ana@example.org"}, ReceivedAt: t0.Add(-72 * time.Hour)}
}

func service(st *memStore, out *outbox) *withdraw.Service {
	return &withdraw.Service{Store: st, Mail: out, StatusLinks: links{}, Now: func() time.Time { return t0 },
		TeamAddress: "privacy@example.com", FormURL: "https://privacy.example/"}
}

func TestTheRequesterWithdrawsAndIsMailedOnce(t *testing.T) {
	ctx := context.Background()
	r := sample(request.Verifying, "es", request.Deletion)
	st, out := newStore(r), &outbox{}
	svc := service(st, out)

	res, err := svc.Withdraw(ctx, withdraw.Withdrawal{RequestID: r.ID, Actor: "requester", Reason: "on the status page", From: withdraw.ByRequester})
	require.NoError(t, err)
	assert.Equal(t, withdraw.Result{RequestID: r.ID, Language: "es", Withdrew: true, Mailed: true}, res)
	got, _ := st.Get(ctx, r.ID)
	assert.Equal(t, request.Withdrawn, got.Status)
	ev := st.events[r.ID][0]
	assert.Equal(t, request.StatusAction(request.Withdrawn), ev.Action)
	assert.Equal(t, "requester", ev.Actor)
	assert.Equal(t, map[string]string{"from": "verifying", "mail": "requester"}, ev.Data)
	require.Len(t, out.sent, 1)
	m := out.sent[0]
	assert.Equal(t, []string{"ana@example.org"}, m.To)
	assert.Equal(t, "Su solicitud de privacidad PR-AAAA-BBBB-CCCC-DDDD fue retirada", m.Subject)
	assert.Contains(t, m.Text, "https://privacy.example/status?t="+r.ID, "the notice carries the status link")
	notice := st.events[r.ID][1]
	assert.Equal(t, request.ActionWithdrawalNoticeSent, notice.Action)
	assert.Equal(t, "requester", notice.Actor)
	assert.Equal(t, "ses-1", notice.Data["messageId"])

	t.Run("pressed again, nothing more is sent", func(t *testing.T) {
		res, err := svc.Withdraw(ctx, withdraw.Withdrawal{RequestID: r.ID, Actor: "requester", From: withdraw.ByRequester})
		require.NoError(t, err)
		assert.False(t, res.Withdrew)
		assert.True(t, res.Mailed)
		assert.Len(t, out.sent, 1)
		assert.False(t, withdraw.NoticeOwed(st.events[r.ID]))
	})
}

func TestTheRequesterMayWithdrawOnlyBeforeTheSystemsAreAsked(t *testing.T) {
	for _, s := range []request.Status{request.Received, request.Acknowledged, request.Verifying, request.Verified} {
		assert.True(t, withdraw.RequesterMay(s), s)
	}
	for _, s := range []request.Status{request.InProgress, request.Extended, request.Completed, request.Denied, request.Unverified, request.Withdrawn, request.NotARequest} {
		assert.False(t, withdraw.RequesterMay(s), s)
		t.Run(string(s), func(t *testing.T) {
			r := sample(s, "en", request.Deletion)
			st, out := newStore(r), &outbox{}
			_, err := service(st, out).Withdraw(context.Background(), withdraw.Withdrawal{RequestID: r.ID, Actor: "requester", From: withdraw.ByRequester})
			if s == request.Withdrawn {
				require.NoError(t, err, "withdrawn already: nothing to do")
				return
			}
			var se *withdraw.StateError
			require.ErrorAs(t, err, &se)
			assert.ErrorIs(t, err, withdraw.ErrNotWithdrawable)
			assert.Equal(t, s, se.Status)
			got, _ := st.Get(context.Background(), r.ID)
			assert.Equal(t, s, got.Status)
			assert.Empty(t, out.sent)
			assert.Empty(t, st.events[r.ID])
		})
	}
	t.Run("withdrawn before the notice existed: it is not sent now", func(t *testing.T) {
		r := sample(request.Withdrawn, "en", request.Deletion)
		st, out := newStore(r), &outbox{}
		require.NoError(t, st.AppendEvent(context.Background(), request.Event{RequestID: r.ID, Action: request.StatusAction(request.Withdrawn),
			Actor: "team:bob", Data: map[string]string{"from": "acknowledged"}}))
		assert.False(t, withdraw.NoticeOwed(st.events[r.ID]))
		res, err := service(st, out).Withdraw(context.Background(), withdraw.Withdrawal{RequestID: r.ID, Actor: "requester", From: withdraw.ByRequester})
		require.NoError(t, err)
		assert.False(t, res.Mailed)
		assert.Empty(t, out.sent)
	})
	t.Run("the team may withdraw one in progress", func(t *testing.T) {
		r := sample(request.InProgress, "en", request.Deletion)
		st, out := newStore(r), &outbox{}
		res, err := service(st, out).Withdraw(context.Background(), withdraw.Withdrawal{RequestID: r.ID, Actor: "team:alice", Reason: "their call"})
		require.NoError(t, err)
		assert.True(t, res.Withdrew)
		assert.Len(t, out.sent, 1)
	})
	t.Run("the fulfilment started meanwhile", func(t *testing.T) {
		r := sample(request.Verified, "en", request.Deletion)
		st, out := newStore(r), &outbox{}
		st.beforeMove = func(r *request.Request) { r.Status = request.InProgress }
		_, err := service(st, out).Withdraw(context.Background(), withdraw.Withdrawal{RequestID: r.ID, Actor: "requester", From: withdraw.ByRequester})
		var se *withdraw.StateError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, request.InProgress, se.Status)
		assert.Empty(t, out.sent)
	})
}

// The team's choice not to mail (a request made in someone else's name)
// is kept on the trail: nothing is mailed, now or on a retry.
func TestTheTeamMayWithdrawWithoutMailing(t *testing.T) {
	ctx := context.Background()
	r := sample(request.Acknowledged, "en", request.Deletion)
	st, out := newStore(r), &outbox{}
	svc := service(st, out)
	w := withdraw.Withdrawal{RequestID: r.ID, Actor: "team:alice", Reason: "made in someone else's name", NoMail: true}
	res, err := svc.Withdraw(ctx, w)
	require.NoError(t, err)
	assert.True(t, res.Withdrew)
	assert.False(t, res.Mailed)
	assert.Empty(t, out.sent)
	assert.Equal(t, "not-mailed", st.events[r.ID][0].Data["mail"])
	assert.False(t, withdraw.NoticeOwed(st.events[r.ID]))
	w.NoMail = false
	_, err = svc.Withdraw(ctx, w)
	require.NoError(t, err)
	assert.Empty(t, out.sent, "a later call keeps the first choice")
}

// A notice that could not be sent is owed, and the next call sends it,
// once.
func TestAFailedNoticeIsSentOnRetry(t *testing.T) {
	ctx := context.Background()
	r := sample(request.Acknowledged, "en", request.Deletion)
	st, out := newStore(r), &outbox{fail: errors.New("ses down")}
	svc := service(st, out)
	_, err := svc.Withdraw(ctx, withdraw.Withdrawal{RequestID: r.ID, Actor: "team:alice", Reason: "by mail"})
	require.Error(t, err)
	got, _ := st.Get(ctx, r.ID)
	assert.Equal(t, request.Withdrawn, got.Status, "the withdrawal stands")
	assert.True(t, withdraw.NoticeOwed(st.events[r.ID]))

	out.fail = nil // pressed again at once: the failed sender let its lease go
	res, err := svc.Withdraw(ctx, withdraw.Withdrawal{RequestID: r.ID, Actor: "team:alice"})
	require.NoError(t, err)
	assert.True(t, res.Mailed)
	assert.Len(t, out.sent, 1)
	assert.False(t, withdraw.NoticeOwed(st.events[r.ID]))
	_, err = svc.Withdraw(ctx, withdraw.Withdrawal{RequestID: r.ID, Actor: "team:alice"})
	require.NoError(t, err)
	assert.Len(t, out.sent, 1)
}

// Ten presses at once withdraw once and send one notice.
func TestPressesAtOnceSendOneNotice(t *testing.T) {
	r := sample(request.Acknowledged, "en", request.Deletion)
	st, out := newStore(r), &outbox{}
	svc := service(st, out)
	var wg sync.WaitGroup
	withdrew := make(chan bool, 10)
	for range 10 {
		wg.Go(func() {
			res, err := svc.Withdraw(context.Background(), withdraw.Withdrawal{RequestID: r.ID, Actor: "requester", From: withdraw.ByRequester})
			assert.NoError(t, err)
			withdrew <- res.Withdrew
		})
	}
	wg.Wait()
	close(withdrew)
	n := 0
	for w := range withdrew {
		if w {
			n++
		}
	}
	assert.Equal(t, 1, n)
	assert.Len(t, out.sent, 1)
	assert.Equal(t, 1, strings.Count(strings.Join(st.actions(r.ID), " "), request.ActionWithdrawalNoticeSent))
}

// The notice says what the trail shows was done and stands: the opt-out
// carried out (its date), the systems that erased the person's data.
func TestTheNoticeSaysWhatTheTrailShowsStands(t *testing.T) {
	ctx := context.Background()
	r := sample(request.InProgress, "en", request.Deletion, request.OptOutSale)
	st, out := newStore(r), &outbox{}
	optOutAt := time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)
	for _, ev := range []request.Event{
		{Action: request.ActionStepDone, Data: map[string]string{"system": "ad-platform", "action": "optOut", "outcome": mail.OutcomeOptedOut}},
		{Action: request.ActionOptOutDone, At: optOutAt},
		{Action: request.ActionStepDone, Data: map[string]string{"system": "crm", "action": "erase", "outcome": mail.OutcomeErased}},
		{Action: request.ActionStepDone, Data: map[string]string{"system": "billing", "action": "erase", "outcome": "failed"}},
		{Action: request.ActionTaskConfirmed, Data: map[string]string{"system": "paper-files", "action": "erase", "answer": "done"}},
	} {
		ev.RequestID = r.ID
		require.NoError(t, st.AppendEvent(ctx, ev))
	}
	_, err := service(st, out).Withdraw(ctx, withdraw.Withdrawal{RequestID: r.ID, Actor: "team:alice", Reason: "their mail"})
	require.NoError(t, err)
	require.Len(t, out.sent, 1)
	text := strings.Join(strings.Fields(out.sent[0].Text), " ")
	assert.Contains(t, text, "We carried out your opt-out on Monday, November 30, 2026")
	assert.Contains(t, text, "Before it was withdrawn, 2 of our systems had already deleted your data.")
	assert.NotContains(t, text, "crm", "the registry's names are not words for the requester")

	t.Run("a deletion accepted unproven is asked, not gone", func(t *testing.T) {
		events := []request.Event{
			{Action: request.ActionStepDone, Data: map[string]string{"system": "google-analytics", "action": "erase", "outcome": mail.OutcomeErasedAsk}},
			{Action: request.ActionStepDone, Data: map[string]string{"system": "crm", "action": "erase", "outcome": mail.OutcomeErased}},
		}
		st := withdraw.Stands(events)
		assert.Equal(t, []string{"google-analytics"}, st.Asked)
		assert.Equal(t, []string{"crm"}, st.Deleted)
		assert.Equal(t, []string{"google-analytics", "crm"}, withdraw.Erased(events), "the team's list names both")
	})
	t.Run("an opt-out step done, the opt-outs not finished", func(t *testing.T) {
		st := withdraw.Stands([]request.Event{{Action: request.ActionStepDone, Data: map[string]string{"system": "newsletter", "action": "suppress", "outcome": mail.OutcomeSuppressed}}})
		assert.True(t, st.OptOutsBegun)
		assert.True(t, st.OptOutDone.IsZero())
	})
	t.Run("nothing done", func(t *testing.T) {
		assert.Equal(t, withdraw.Standing{}, withdraw.Stands([]request.Event{{Action: request.ActionStepDone, Data: map[string]string{"system": "newsletter", "action": "suppress", "outcome": "skipped"}}}))
	})
	t.Run("done by hand in systems that held nothing", func(t *testing.T) {
		events := []request.Event{
			{Action: request.ActionStepDone, Data: map[string]string{"system": "newsletter", "action": "suppress", "outcome": request.OutcomeByHand, "found": "false"}},
			{Action: request.ActionStepDone, Data: map[string]string{"system": "crm", "action": "erase", "outcome": request.OutcomeByHand, "found": "false"}},
		}
		assert.Equal(t, withdraw.Standing{}, withdraw.Stands(events), "no opt-out begun, nothing deleted")
		assert.Empty(t, withdraw.Erased(events))
	})
}

// The trail's erase steps are read by the registry's own word for them.
func TestEraseIsSpeltAsTheRegistrySpellsIt(t *testing.T) {
	assert.Equal(t, string(system.Erase), withdraw.EraseAction)
}
