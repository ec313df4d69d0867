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

func TestResend(t *testing.T) {
	ctx := context.Background()
	t.Run("a new link completes the same wait, until the wait ends, recorded under the team member", func(t *testing.T) {
		f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0010", request.Deletion))
		first := f.start(t, "PR-AAAA-0000-0000-0010", "task-token-10")
		f.now = t0.Add(2 * 24 * time.Hour)
		until, err := f.svc.Resend(ctx, "PR-AAAA-0000-0000-0010", "team:alice")
		require.NoError(t, err)
		assert.Equal(t, t0.Add(verify.DefaultTTL), until, "the new link works as long as the workflow waits, no longer")
		msgs := f.out.messages()
		require.Len(t, msgs, 2)
		assert.Equal(t, []string{requester}, msgs[1].To)
		second := rawToken(msgs[1].Text)
		require.NotEmpty(t, second)
		assert.NotEqual(t, first, second)

		var resent request.Event
		for _, ev := range f.store.events {
			if ev.Action == verify.ActionSent && ev.Data["resent"] == "true" {
				resent = ev
			}
		}
		assert.Equal(t, "team:alice", resent.Actor)

		_, err = f.svc.Confirm(ctx, second)
		require.NoError(t, err)
		require.Equal(t, 1, f.tasks.count())
		assert.Equal(t, "task-token-10", f.tasks.calls[0].TaskToken, "the resent link completes the workflow's wait")
		assert.Equal(t, request.Verified, f.store.status("PR-AAAA-0000-0000-0010"))
	})
	t.Run("refused when not verifying, or when the wait is over", func(t *testing.T) {
		f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0011", request.Deletion))
		_, err := f.svc.Resend(ctx, "PR-AAAA-0000-0000-0011", "team:alice")
		assert.ErrorIs(t, err, verify.ErrNotVerifying)
		f.start(t, "PR-AAAA-0000-0000-0011", "task-token-11")
		f.now = t0.Add(verify.DefaultTTL)
		_, err = f.svc.Resend(ctx, "PR-AAAA-0000-0000-0011", "team:alice")
		assert.ErrorIs(t, err, verify.ErrWaitOver)
		assert.Len(t, f.out.messages(), 1)
	})
}
