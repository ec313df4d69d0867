package verify_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
)

// linkedInAcknowledgement is a request whose acknowledgement went out with
// the verification link, as intake stores it.
func linkedInAcknowledgement(id string) request.Request {
	r := acknowledged(id, request.Deletion)
	r.AcknowledgedAt, r.VerifyLinkUntil = t0, t0.Add(verify.DefaultTTL)
	return r
}

// awaitingStore keeps the workflow's wait on the request, with its move to
// verifying, as *dynamo.Store's AwaitVerification does; hook, when set,
// runs once before it: a concurrent actor.
type awaitingStore struct {
	*memStore
	hook func()
}

func (a *awaitingStore) AwaitVerification(_ context.Context, id, taskToken string, at time.Time) error {
	if h := a.hook; h != nil {
		a.hook = nil
		h()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.requests[id]
	if !ok {
		return request.ErrNotFound
	}
	switch r.Status {
	case request.Received, request.Acknowledged, request.Verifying:
	default:
		return request.ErrConflict
	}
	r.Status, r.VerifyTaskToken, r.UpdatedAt = request.Verifying, taskToken, at
	a.requests[id] = r
	return nil
}

// waitKept runs a test with the wait kept in a record of its own and with
// the wait kept on the request (AwaitVerification).
func waitKept(t *testing.T, test func(t *testing.T, f *fixture, race func(func()))) {
	t.Run("in a record of its own", func(t *testing.T) {
		f := newFixture(t)
		test(t, f, func(h func()) { f.store.beforeSet = h })
	})
	t.Run("on the request", func(t *testing.T) {
		f := newFixture(t)
		aw := &awaitingStore{memStore: f.store}
		f.svc.Store = aw
		test(t, f, func(h func()) { aw.hook = h })
	})
}

// ackLink issues the acknowledgement's link as intake does and returns its
// raw token.
func (f *fixture) ackLink(t *testing.T, id string) string {
	t.Helper()
	links := &verify.Links{Tokens: f.tokens, Issuer: f.svc.Issuer, Base: linkBase}
	link, err := links.Issue(context.Background(), id, t0.Add(verify.DefaultTTL))
	require.NoError(t, err)
	u, err := url.Parse(link)
	require.NoError(t, err)
	return u.Query().Get("t")
}

// TestStartMailsNothingWhenTheAcknowledgementCarriedTheLink: the one-mail
// path. Start records the wait and moves the request to verifying; it
// mails nothing and records no mail, retried or not; the link confirms and
// completes the workflow's task.
func TestStartMailsNothingWhenTheAcknowledgementCarriedTheLink(t *testing.T) {
	waitKept(t, func(t *testing.T, f *fixture, _ func(func())) {
		startMailsNothing(t, f)
	})
}

func startMailsNothing(t *testing.T, f *fixture) {
	ctx := context.Background()
	const id = "PR-ONEM-0000-0000-0001"
	f.store.requests[id] = linkedInAcknowledgement(id)
	raw := f.ackLink(t, id)
	in := verify.StartInput{RequestID: id, TaskToken: "task-token-1"}

	for range 3 { // the task and two Lambda retries of it
		out, err := f.svc.Start(ctx, in)
		require.NoError(t, err)
		assert.False(t, out.Mailed)
		assert.Equal(t, verify.SkippedInAcknowledgement, out.Skipped)
	}
	assert.Empty(t, f.out.messages(), "no second mail")
	assert.Equal(t, request.Verifying, f.store.status(id))
	assert.Empty(t, f.store.actions(id), "no mail went out here; the acknowledged event says the link went with it")
	assert.Zero(t, f.tasks.count())

	// The team can resend the link: the wait is known, until the
	// acknowledgement's link ends.
	until, err := f.svc.Resend(ctx, id, "team:alice")
	require.NoError(t, err)
	assert.Equal(t, t0.Add(verify.DefaultTTL), until)
	require.Len(t, f.out.messages(), 1, "the team's resend")

	l, err := f.svc.Lookup(ctx, raw)
	require.NoError(t, err)
	assert.Equal(t, id, l.RequestID)
	_, err = f.svc.Confirm(ctx, raw)
	require.NoError(t, err)
	assert.Equal(t, request.Verified, f.store.status(id))
	require.Equal(t, 1, f.tasks.count())
	assert.Equal(t, "task-token-1", f.tasks.calls[0].TaskToken, "the task the workflow waits on")
}

// TestConfirmedBeforeTheWorkflowWaits: the race. The requester confirms
// from the acknowledgement before the workflow reaches its verification
// step: the request is verified, no task can be completed yet; then Start
// completes the task at once, mails nothing, and a retry of it completes
// it again harmlessly and still mails nothing.
func TestConfirmedBeforeTheWorkflowWaits(t *testing.T) {
	waitKept(t, func(t *testing.T, f *fixture, _ func(func())) {
		confirmedBeforeTheWait(t, f)
	})
}

func confirmedBeforeTheWait(t *testing.T, f *fixture) {
	ctx := context.Background()
	const id = "PR-ONEM-0000-0000-0002"
	f.store.requests[id] = linkedInAcknowledgement(id)
	raw := f.ackLink(t, id)

	f.now = t0.Add(time.Minute)
	l, err := f.svc.Lookup(ctx, raw)
	require.NoError(t, err, "the page shows before the workflow waits")
	assert.Equal(t, id, l.RequestID)
	c, err := f.svc.Confirm(ctx, raw)
	require.NoError(t, err)
	assert.Equal(t, f.now, c.VerifiedAt)
	assert.Equal(t, request.Verified, f.store.status(id))
	assert.Zero(t, f.tasks.count(), "no task waits yet")

	out, err := f.svc.Start(ctx, verify.StartInput{RequestID: id, TaskToken: "task-token-2"})
	require.NoError(t, err)
	assert.Equal(t, verify.SkippedConfirmed, out.Skipped)
	assert.False(t, out.Mailed)
	require.Equal(t, 1, f.tasks.count(), "completed at once")
	assert.Equal(t, "task-token-2", f.tasks.calls[0].TaskToken)
	assert.Contains(t, f.tasks.calls[0].Output, id)

	f.tasks.err = verify.ErrTaskTimedOut // already completed
	_, err = f.svc.Start(ctx, verify.StartInput{RequestID: id, TaskToken: "task-token-2"})
	require.NoError(t, err, "a retry of a completed task is not an error")
	assert.Empty(t, f.out.messages(), "no mail at all")
	assert.Equal(t, []string{verify.ActionVerified}, f.store.actions(id))

	_, err = f.svc.Confirm(ctx, raw)
	assert.ErrorIs(t, err, verify.ErrLinkUsed, "the link works once")
}

// TestConfirmWhileStartRecordsTheWait: the confirmation lands between
// Start's record of the wait and its status change (Start's SetStatus
// finds the request moved): whichever of the two comes second completes
// the task, so it is completed (here by both; the second is refused
// harmlessly), and nothing is mailed.
func TestConfirmWhileStartRecordsTheWait(t *testing.T) {
	waitKept(t, func(t *testing.T, f *fixture, race func(func())) {
		ctx := context.Background()
		const id = "PR-ONEM-0000-0000-0003"
		f.store.requests[id] = linkedInAcknowledgement(id)
		raw := f.ackLink(t, id)
		race(func() {
			_, err := f.svc.Confirm(ctx, raw)
			assert.NoError(t, err)
		})
		confirmWhileWaiting(t, f, id)
	})
}

func confirmWhileWaiting(t *testing.T, f *fixture, id string) {
	ctx := context.Background()
	out, err := f.svc.Start(ctx, verify.StartInput{RequestID: id, TaskToken: "task-token-3"})
	require.NoError(t, err)
	assert.Equal(t, verify.SkippedConfirmed, out.Skipped)
	assert.Equal(t, request.Verified, f.store.status(id))
	require.GreaterOrEqual(t, f.tasks.count(), 1, "the task is completed")
	for _, c := range f.tasks.calls {
		assert.Equal(t, "task-token-3", c.TaskToken)
	}
	assert.Empty(t, f.out.messages())
}

// TestStartStillMailsWithoutALinkInTheAcknowledgement: a request whose
// acknowledgement had no link (triaged later, capped, or its link already
// expired) gets the verification mail from Start, as before.
func TestStartStillMailsWithoutALinkInTheAcknowledgement(t *testing.T) {
	tests := []struct {
		name string
		req  func(*request.Request)
		at   time.Time
	}{
		{"no link", func(r *request.Request) { r.VerifyLinkUntil = time.Time{} }, t0},
		{"acknowledgement held back by the cap", func(r *request.Request) { r.AcknowledgedAt, r.Status = time.Time{}, request.Received }, t0},
		{"the link expired before the workflow waited", func(*request.Request) {}, t0.Add(verify.DefaultTTL)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const id = "PR-ONEM-0000-0000-0004"
			r := linkedInAcknowledgement(id)
			tt.req(&r)
			f := newFixture(t, r)
			f.now = tt.at
			out, err := f.svc.Start(context.Background(), verify.StartInput{RequestID: id, TaskToken: "task-token-4"})
			require.NoError(t, err)
			assert.True(t, out.Mailed)
			require.Len(t, f.out.messages(), 1)
			assert.NotEmpty(t, rawToken(f.out.messages()[0].Text))
		})
	}
}

// TestAcknowledgementLinkStoredHashed: the link intake puts in the
// acknowledgement keeps only the hash, for verification, single use.
func TestAcknowledgementLinkStoredHashed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, linkedInAcknowledgement("PR-ONEM-0000-0000-0005"))
	raw := f.ackLink(t, "PR-ONEM-0000-0000-0005")
	hash, err := token.Hash(raw)
	require.NoError(t, err)
	rec, err := f.tokens.Get(ctx, hash)
	require.NoError(t, err)
	assert.Equal(t, token.Verify, rec.Purpose)
	assert.Equal(t, t0.Add(verify.DefaultTTL), rec.ExpiresAt)
	assert.False(t, rec.Used)
}

// TestStartBetweenTheConfirmationsTwoSteps: the workflow records its wait
// (on the request) after the confirmation moved the request to verifying
// and before it verified it: the confirmation then finds the wait and
// completes the task, once, and nothing is mailed.
func TestStartBetweenTheConfirmationsTwoSteps(t *testing.T) {
	ctx := context.Background()
	const id = "PR-ONEM-0000-0000-0006"
	f := newFixture(t, linkedInAcknowledgement(id))
	f.svc.Store = &awaitingStore{memStore: f.store}
	raw := f.ackLink(t, id)
	var out verify.StartOutput
	f.store.beforeSet = func() { // before acknowledged → verifying
		f.store.beforeSet = func() { // before verifying → verified
			var err error
			out, err = f.svc.Start(ctx, verify.StartInput{RequestID: id, TaskToken: "task-token-6"})
			assert.NoError(t, err)
		}
	}
	_, err := f.svc.Confirm(ctx, raw)
	require.NoError(t, err)
	assert.Equal(t, verify.SkippedInAcknowledgement, out.Skipped, "the workflow found the request still verifying")
	assert.Equal(t, request.Verified, f.store.status(id))
	require.Equal(t, 1, f.tasks.count(), "completed once, by the confirmation")
	assert.Equal(t, "task-token-6", f.tasks.calls[0].TaskToken)
	assert.Empty(t, f.out.messages())
}
