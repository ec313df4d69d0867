package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Two presses at once send one withdrawal notice; one whose sender died
// is sent after the lease; once sent, never again — and the request still
// reads as before.
func TestWithdrawalNoticeIsClaimedOnce(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	t0 := time.Date(2026, 11, 27, 15, 4, 5, 0, time.UTC)
	r := sample("PR-WDRW", "ada@example.com", t0)
	_, _, err := st.Create(ctx, r)
	require.NoError(t, err)
	require.NoError(t, st.SetStatus(ctx, r.ID, request.Received, request.Withdrawn, t0))

	won, err := st.ClaimWithdrawalNotice(ctx, r.ID, t0, time.Minute)
	require.NoError(t, err)
	assert.True(t, won, "the first press claims the notice")
	won, err = st.ClaimWithdrawalNotice(ctx, r.ID, t0.Add(time.Second), time.Minute)
	require.NoError(t, err)
	assert.False(t, won, "a second press while the first sends does not")
	won, err = st.ClaimWithdrawalNotice(ctx, r.ID, t0.Add(2*time.Minute), time.Minute)
	require.NoError(t, err)
	assert.True(t, won, "after the lease, a retry sends it (the first sender died)")
	require.NoError(t, st.ReleaseWithdrawalNotice(ctx, r.ID, t0.Add(time.Minute)), "another sender's lease (taken at t0) is not this one's")
	won, err = st.ClaimWithdrawalNotice(ctx, r.ID, t0.Add(2*time.Minute+time.Second), time.Minute)
	require.NoError(t, err)
	assert.False(t, won, "still held")
	require.NoError(t, st.ReleaseWithdrawalNotice(ctx, r.ID, t0.Add(3*time.Minute)), "the sender's mail did not go out")
	won, err = st.ClaimWithdrawalNotice(ctx, r.ID, t0.Add(2*time.Minute+time.Second), time.Minute)
	require.NoError(t, err)
	assert.True(t, won, "released: the next press sends it at once")

	require.NoError(t, st.MarkWithdrawalNoticeSent(ctx, r.ID, t0.Add(2*time.Minute), "ses-1"))
	won, err = st.ClaimWithdrawalNotice(ctx, r.ID, t0.Add(time.Hour), time.Minute)
	require.NoError(t, err)
	assert.False(t, won, "once sent, never again")
	require.NoError(t, st.ReleaseWithdrawalNotice(ctx, r.ID, t0.Add(3*time.Minute)), "a release after the mark changes nothing")
	won, err = st.ClaimWithdrawalNotice(ctx, r.ID, t0.Add(2*time.Hour), time.Minute)
	require.NoError(t, err)
	assert.False(t, won)

	got, err := st.Get(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, request.Withdrawn, got.Status)

	_, err = st.ClaimWithdrawalNotice(ctx, "PR-NONE", t0, time.Minute)
	assert.ErrorIs(t, err, request.ErrNotFound)
}
