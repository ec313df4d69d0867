package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCapsOnDynalite: the per-address counters and the re-send claim are
// single conditional writes, right under concurrency.
func TestCapsOnDynalite(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	t0 := time.Date(2026, 11, 27, 15, 4, 5, 0, time.UTC)

	t.Run("at most max acknowledgements per address and day, however many at once", func(t *testing.T) {
		var ok atomic.Int64
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				won, err := st.CountAcknowledgement(ctx, "Ada@Example.com", "2026-11-27", fmt.Sprintf("PR-ACK-%d", i), 3, t0)
				assert.NoError(t, err)
				if won {
					ok.Add(1)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int64(3), ok.Load())
		won, err := st.CountAcknowledgement(ctx, "ada@example.com", "2026-11-28", "PR-ACK-1", 3, t0.Add(24*time.Hour))
		require.NoError(t, err)
		assert.True(t, won, "a new day counts afresh")
		won, err = st.CountAcknowledgement(ctx, "grace@example.com", "2026-11-27", "PR-ACK-1", 3, t0)
		require.NoError(t, err)
		assert.True(t, won, "another address counts on its own")
	})

	t.Run("the same mail counted again is one count, within the cap as before", func(t *testing.T) {
		for range 3 { // a retry of a call that counted, then failed
			won, err := st.CountAcknowledgement(ctx, "lin@example.com", "2026-11-27", "PR-RETRY-1", 2, t0)
			require.NoError(t, err)
			assert.True(t, won)
		}
		won, err := st.CountAcknowledgement(ctx, "lin@example.com", "2026-11-27", "PR-RETRY-2", 2, t0)
		require.NoError(t, err)
		assert.True(t, won, "the retries took one place of two")
		won, err = st.CountAcknowledgement(ctx, "lin@example.com", "2026-11-27", "PR-RETRY-3", 2, t0)
		require.NoError(t, err)
		assert.False(t, won, "a third mail is past the cap")
		won, err = st.CountAcknowledgement(ctx, "lin@example.com", "2026-11-27", "PR-RETRY-1", 2, t0)
		require.NoError(t, err)
		assert.True(t, won, "a mail counted is still within it")
	})

	t.Run("a re-send is claimed once per window", func(t *testing.T) {
		r := sample("PR-CAPS-1", "ada@example.com", t0)
		_, _, err := st.Create(ctx, r)
		require.NoError(t, err)
		won, err := st.ClaimResend(ctx, r.ID, t0, time.Hour)
		require.NoError(t, err)
		assert.True(t, won)
		won, err = st.ClaimResend(ctx, r.ID, t0.Add(59*time.Minute), time.Hour)
		require.NoError(t, err)
		assert.False(t, won)
		won, err = st.ClaimResend(ctx, r.ID, t0.Add(61*time.Minute), time.Hour)
		require.NoError(t, err)
		assert.True(t, won)
	})

	t.Run("a capped acknowledgement is recorded on the request", func(t *testing.T) {
		r := sample("PR-CAPS-2", "ada@example.com", t0)
		_, _, err := st.Create(ctx, r)
		require.NoError(t, err)
		require.NoError(t, st.MarkAckCapped(ctx, r.ID, t0))
		got, err := st.Get(ctx, r.ID)
		require.NoError(t, err)
		assert.True(t, got.AckCappedAt.Equal(t0))
		assert.True(t, got.AcknowledgedAt.IsZero())
	})
}
