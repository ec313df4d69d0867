package intake_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
)

// memCaps counts as *dynamo.Store does, in memory.
type memCaps struct {
	mu     sync.Mutex
	store  *memStore
	acks   map[string]map[string]bool
	resent map[string]time.Time
}

func newMemCaps(store *memStore) *memCaps {
	return &memCaps{store: store, acks: map[string]map[string]bool{}, resent: map[string]time.Time{}}
}

func (c *memCaps) CountAcknowledgement(_ context.Context, email, day, what string, max int, _ time.Time) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := request.NormalizeEmail(email) + "|" + day
	if c.acks[k][what] {
		return true, nil
	}
	if len(c.acks[k]) >= max {
		return false, nil
	}
	if c.acks[k] == nil {
		c.acks[k] = map[string]bool{}
	}
	c.acks[k][what] = true
	return true, nil
}

func (c *memCaps) ClaimResend(_ context.Context, id string, now time.Time, every time.Duration) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if at, ok := c.resent[id]; ok && !at.Before(now.Add(-every)) {
		return false, nil
	}
	c.resent[id] = now
	return true, nil
}

func (c *memCaps) MarkAckCapped(_ context.Context, id string, at time.Time) error {
	c.store.mu.Lock()
	defer c.store.mu.Unlock()
	r := c.store.reqs[id]
	r.AckCappedAt = at
	c.store.reqs[id] = r
	delete(c.store.leases, id) // as *dynamo.Store's: the claim is released
	return nil
}

func (m *memStore) count(action string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, e := range m.events {
		if e.Action == action {
			n++
		}
	}
	return n
}

// TestTenSubmissionsForOneAddressOpenOneRequest replays a flood: ten form
// posts for one address, each with its own submission ID, asking the same.
// One request is opened and acknowledged; the others join it, re-sending
// its acknowledgement at most once an hour, each visible on its trail.
func TestTenSubmissionsForOneAddressOpenOneRequest(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	svc.Caps = newMemCaps(store)
	var workflows int
	svc.StartWorkflow = func(context.Context, *request.Request) error { workflows++; return nil }

	var first string
	for i := range 10 {
		sub := validSubmission()
		sub.SourceID = fmt.Sprintf("web-flood-%04d-abcdefgh", i)
		rc, err := svc.Submit(ctx, sub)
		require.NoError(t, err)
		if i == 0 {
			require.True(t, rc.Created)
			first = rc.Request.ID
			continue
		}
		assert.True(t, rc.AlreadyOpen, "submission %d joins the open request", i)
		assert.False(t, rc.Resent, "the acknowledgement went out less than an hour ago")
		assert.Equal(t, first, rc.Request.ID)
		now = now.Add(time.Minute)
	}
	assert.Len(t, store.reqs, 1, "one request")
	assert.Len(t, mailer.sent, 1, "one acknowledgement")
	assert.Equal(t, 1, workflows, "one verification")
	assert.Equal(t, 9, store.count(request.ActionDuplicateSubmission), "each one on the trail")

	now = now.Add(time.Hour)
	sub := validSubmission()
	sub.SourceID = "web-flood-later-abcdefgh"
	rc, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	assert.True(t, rc.AlreadyOpen)
	assert.True(t, rc.Resent, "an hour later the acknowledgement is sent again")
	require.Len(t, mailer.sent, 2)
	assert.Contains(t, mailer.sent[1].Subject, first)

	// Once verified, a new submission is a new request.
	r := store.reqs[first]
	r.Status = request.Verified
	store.reqs[first] = r
	sub.SourceID = "web-after-verified-abcdefgh"
	rc, err = svc.Submit(ctx, sub)
	require.NoError(t, err)
	assert.True(t, rc.Created)
	assert.NotEqual(t, first, rc.Request.ID)
}

// TestAcknowledgementsPerAddressAreCapped: an address asking for other
// things again and again gets at most AcksPerAddressPerDay
// acknowledgements a day; the rest are stored, recorded as capped, left to
// the team (the deadline sweep reminds it), and not mailed even when retried.
func TestAcknowledgementsPerAddressAreCapped(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	svc.Caps = newMemCaps(store)
	svc.AcksPerAddressPerDay = 2
	var workflows int
	svc.StartWorkflow = func(context.Context, *request.Request) error { workflows++; return nil }

	kinds := []request.Kind{request.Deletion, request.AccessCategories, request.Portability}
	var receipts []*intake.Receipt
	for i, k := range kinds {
		sub := validSubmission()
		sub.SourceID = fmt.Sprintf("web-capped-%04d-abcdefgh", i)
		sub.Kinds = []request.Kind{k}
		rc, err := svc.Submit(ctx, sub)
		require.NoError(t, err)
		receipts = append(receipts, rc)
	}
	assert.False(t, receipts[0].Capped)
	assert.False(t, receipts[1].Capped)
	capped := receipts[2]
	require.True(t, capped.Capped, "the third acknowledgement of the day is held back")
	assert.Len(t, mailer.sent, 2)
	assert.Equal(t, 2, workflows, "no verification mail for the capped one")
	stored := store.reqs[capped.Request.ID]
	assert.Equal(t, request.Received, stored.Status)
	assert.Equal(t, now, stored.AckCappedAt)
	assert.Equal(t, 1, store.count(request.ActionAcknowledgementCapped))

	sub := validSubmission()
	sub.SourceID = "web-capped-0002-abcdefgh"
	sub.Kinds = []request.Kind{request.Portability}
	rc, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	assert.True(t, rc.Capped, "a retry stays capped")
	assert.Len(t, mailer.sent, 2, "and sends nothing")

	now = now.Add(24 * time.Hour)
	sub.SourceID = "web-next-day-abcdefgh"
	sub.Kinds = []request.Kind{request.OptOutMarketing}
	rc, err = svc.Submit(ctx, sub)
	require.NoError(t, err)
	assert.False(t, rc.Capped, "a new day, a new allowance")
	assert.Len(t, mailer.sent, 3)
}

// TestARetriedAcknowledgementCountsOnce: a call that counted the
// acknowledgement against the address's cap and then failed to send it,
// retried, counts it again as the same mail, not a second one: the
// address keeps the rest of its allowance.
func TestARetriedAcknowledgementCountsOnce(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	svc.Caps = newMemCaps(store)
	svc.AcksPerAddressPerDay = 2

	sub := validSubmission()
	sub.SourceID = "web-retried-0001-abcdefgh"
	mailer.err = errors.New("SES throttled")
	_, err := svc.Submit(ctx, sub)
	require.Error(t, err, "the acknowledgement failed after it was counted")
	mailer.err = nil
	now = now.Add(3 * time.Minute) // past the failed call's claim on the acknowledgement
	for range 2 {
		rc, err := svc.Submit(ctx, sub)
		require.NoError(t, err)
		assert.False(t, rc.Capped)
	}
	require.Len(t, mailer.sent, 1, "sent once, by the first retry")

	other := validSubmission()
	other.SourceID = "web-retried-0002-abcdefgh"
	other.Kinds = []request.Kind{request.AccessCategories}
	rc, err := svc.Submit(ctx, other)
	require.NoError(t, err)
	assert.False(t, rc.Capped, "the retries took one place of two")
	assert.Len(t, mailer.sent, 2)
}

// TestAnOpenRequestWhoseAcknowledgementNeverWentOut: when the call that
// stored a request failed before its acknowledgement went out, a new
// submission of the same joins it and sends the acknowledgement now, and
// starts its workflow; one whose acknowledgement the daily cap held back
// joins it and sends nothing.
func TestAnOpenRequestWhoseAcknowledgementNeverWentOut(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	svc.Caps = newMemCaps(store)
	svc.AcksPerAddressPerDay = 2 // the failed call's count and the resend's are one
	var started []string
	svc.StartWorkflow = func(_ context.Context, r *request.Request) error { started = append(started, r.ID); return nil }
	submit := func(source string, k request.Kind) (*intake.Receipt, error) {
		sub := validSubmission()
		sub.SourceID, sub.Kinds = source, []request.Kind{k}
		return svc.Submit(ctx, sub)
	}

	mailer.err = errors.New("SES unavailable")
	_, err := submit("web-failed-00-abcdefgh", request.Deletion)
	require.Error(t, err, "stored, not acknowledged")
	require.Empty(t, started)
	mailer.err = nil
	now = now.Add(3 * time.Minute) // past the failed call's claim
	rc, err := submit("web-again-000-abcdefgh", request.Deletion)
	require.NoError(t, err)
	assert.True(t, rc.AlreadyOpen)
	assert.True(t, rc.Resent, "its acknowledgement goes out now")
	assert.Len(t, mailer.sent, 1)
	assert.Equal(t, []string{rc.Request.ID}, started, "and what follows it starts")
	assert.False(t, store.reqs[rc.Request.ID].AcknowledgedAt.IsZero())

	_, err = submit("web-second-00-abcdefgh", request.AccessCategories) // the day's second
	require.NoError(t, err)
	capped, err := submit("web-capped-00-abcdefgh", request.Portability)
	require.NoError(t, err)
	require.True(t, capped.Capped)
	again, err := submit("web-capped-01-abcdefgh", request.Portability)
	require.NoError(t, err)
	assert.True(t, again.AlreadyOpen)
	assert.False(t, again.Resent, "held back by the cap: nothing sent")
	assert.Len(t, mailer.sent, 2)
}
