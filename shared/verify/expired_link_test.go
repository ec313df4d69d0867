package verify_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/verify"
)

// TestAnExpiredLinkSaysWhereItsRequestStands: the page of an expired link
// learns where its request stands (closed or still waiting), its language
// and whether its opt-outs were carried out, from Lookup and from Confirm
// alike, so it does not say a closed request "will be closed", nor that
// nothing was done when its opt-outs were.
func TestAnExpiredLinkSaysWhereItsRequestStands(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		done   bool // opt-out:done on the trail
		closed bool // the workflow closed it unverified
		want   request.Status
	}{
		{"closed, its opt-out done", true, true, request.Unverified},
		{"closed, its opt-out still running", false, true, request.Unverified},
		{"still waiting, its opt-out done", true, false, request.Verifying},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := acknowledged("PR-AAAA-0000-0000-0077", request.Deletion, request.OptOutSale)
			r.Language = "es"
			f := newFixture(t, r)
			raw := f.start(t, r.ID, "task-77")
			if tc.done {
				require.NoError(t, f.store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: t0.Add(time.Minute), Actor: "system:fulfil",
					Action: request.ActionOptOutDone, Once: request.ActionOptOutDone}))
			}
			f.now = t0.Add(verify.DefaultTTL) // the link expires
			if tc.closed {
				f.now = t0.Add(verify.DefaultTTL + time.Hour)
				_, err := f.svc.Close(ctx, verify.CloseInput{RequestID: r.ID, Reason: verify.ReasonNotInTime})
				require.NoError(t, err)
			}
			l, err := f.svc.Lookup(ctx, raw)
			require.ErrorIs(t, err, verify.ErrLinkExpired)
			assert.Equal(t, verify.Link{RequestID: r.ID, Kinds: r.Kinds, Language: "es", Status: tc.want, OptOutsDone: tc.done}, l)
			c, err := f.svc.Confirm(ctx, raw)
			require.ErrorIs(t, err, verify.ErrLinkExpired)
			assert.Equal(t, verify.Confirmation{RequestID: r.ID, Language: "es", Status: tc.want, OptOutsDone: tc.done}, c)
			assert.Equal(t, tc.want, f.store.status(r.ID), "an expired link changes nothing")
		})
	}
	t.Run("a request that cannot be read: the ID alone", func(t *testing.T) {
		r := acknowledged("PR-AAAA-0000-0000-0078", request.Deletion)
		f := newFixture(t, r)
		raw := f.start(t, r.ID, "task-78")
		f.now = t0.Add(verify.DefaultTTL)
		f.store.failGet = assert.AnError
		l, err := f.svc.Lookup(ctx, raw)
		require.ErrorIs(t, err, verify.ErrLinkExpired)
		assert.Equal(t, verify.Link{RequestID: r.ID}, l)
	})
}

// TestAClosedRequestsLinkSaysItsOptOutsWereDone: the link of a request closed
// unverified whose opt-outs were carried out says so to the page.
func TestAClosedRequestsLinkSaysItsOptOutsWereDone(t *testing.T) {
	ctx := context.Background()
	r := acknowledged("PR-AAAA-0000-0000-0079", request.Deletion, request.OptOutMarketing)
	f := newFixture(t, r)
	raw := f.start(t, r.ID, "task-79")
	require.NoError(t, f.store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: t0.Add(time.Minute), Actor: "system:fulfil",
		Action: request.ActionOptOutDone, Once: request.ActionOptOutDone}))
	require.NoError(t, f.store.SetStatus(ctx, r.ID, request.Verifying, request.Withdrawn, t0.Add(time.Hour)))
	l, err := f.svc.Lookup(ctx, raw)
	require.ErrorIs(t, err, verify.ErrRequestClosed)
	assert.Equal(t, request.Withdrawn, l.Status)
	assert.True(t, l.OptOutsDone)
}
