package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
)

func TestExtend(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	t0 := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	r := sample("PR-EXT", "ext@example.com", t0)
	_, _, err := st.Create(ctx, r)
	require.NoError(t, err)
	require.NoError(t, st.SetStatus(ctx, r.ID, request.Received, request.InProgress, t0))

	var te *request.TransitionError
	require.ErrorAs(t, st.Extend(ctx, r.ID, request.Received, r.Due.Extended, t0), &te, "only along an allowed transition")
	assert.ErrorIs(t, st.Extend(ctx, r.ID, request.Verified, r.Due.Extended, t0), request.ErrConflict, "from the status it is in")

	require.NoError(t, st.Extend(ctx, r.ID, request.InProgress, r.Due.Extended, t0.Add(time.Hour)))
	got, err := st.Get(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, request.Extended, got.Status)
	assert.True(t, got.NextDue.Equal(r.Due.Extended), "the open-work index follows the extended date")
	open, err := st.OpenWork(ctx)
	require.NoError(t, err)
	require.Len(t, open, 1)
	assert.True(t, open[0].NextDue.Equal(r.Due.Extended))

	// Back in progress, it still cannot be extended again.
	require.NoError(t, st.SetStatus(ctx, r.ID, request.Extended, request.InProgress, t0.Add(2*time.Hour)))
	assert.ErrorIs(t, st.Extend(ctx, r.ID, request.InProgress, r.Due.Extended, t0.Add(3*time.Hour)), request.ErrConflict, "once")
	assert.ErrorIs(t, st.Extend(ctx, "PR-NONE", request.InProgress, r.Due.Extended, t0), request.ErrNotFound)
}

// TestSetCorrections: the team's correction replaces an open request's;
// a closed request's is not changed, a missing one is not found.
func TestSetCorrections(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	t0 := time.Date(2026, 11, 27, 15, 4, 5, 0, time.UTC)
	r := sample("PR-CORR", "ada@example.com", t0)
	r.Kinds = []request.Kind{request.Correction}
	r.Corrections = []request.CorrectionItem{{Item: "as described in the message", Right: "it is 1 New Street now"}}
	_, _, err := st.Create(ctx, r)
	require.NoError(t, err)
	want := []request.CorrectionItem{{Item: "postal address", Right: "1 New Street"}}
	require.NoError(t, st.SetCorrections(ctx, r.ID, want, t0.Add(time.Hour)))
	got, err := st.Get(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, want, got.Corrections)

	require.NoError(t, st.SetStatus(ctx, r.ID, request.Received, request.Withdrawn, t0.Add(2*time.Hour)))
	assert.ErrorIs(t, st.SetCorrections(ctx, r.ID, []request.CorrectionItem{{Item: "x", Right: "y"}}, t0), request.ErrConflict)
	assert.ErrorIs(t, st.SetCorrections(ctx, "PR-NONE", want, t0), request.ErrNotFound)
}
