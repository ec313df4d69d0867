package dynamo_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/token"
)

func TestTokens(t *testing.T) {
	ctx := context.Background()
	st, client := newStore(t)
	tokens := &dynamo.Tokens{API: client, Table: st.Table}
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	issuer := &token.Issuer{Now: func() time.Time { return now }}

	raw, rec, err := issuer.Issue(token.ManualTask, "PR-ONE", "task-token-1", 7*24*time.Hour, map[string]string{"system": "support-desk"})
	require.NoError(t, err)
	require.NoError(t, tokens.Put(ctx, rec))
	assert.Error(t, tokens.Put(ctx, rec), "the same hash twice is refused")

	got, err := tokens.Get(ctx, rec.Hash)
	require.NoError(t, err)
	assert.Equal(t, "task-token-1", got.TaskToken)
	assert.Equal(t, "support-desk", got.Data["system"])
	assert.False(t, got.Used)
	assert.NotContains(t, got.Hash, raw, "only the hash is stored")

	t.Run("single use under concurrency", func(t *testing.T) {
		var wins atomic.Int64
		var wg sync.WaitGroup
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := tokens.Consume(ctx, rec.Hash, now.Add(time.Hour)); err == nil {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int64(1), wins.Load())
		_, err := tokens.Consume(ctx, rec.Hash, now.Add(2*time.Hour))
		assert.ErrorIs(t, err, token.ErrUsed)
	})

	t.Run("expired", func(t *testing.T) {
		_, rec2, err := issuer.Issue(token.Verify, "PR-TWO", "", time.Hour, nil)
		require.NoError(t, err)
		require.NoError(t, tokens.Put(ctx, rec2))
		_, err = tokens.Consume(ctx, rec2.Hash, now.Add(time.Hour))
		assert.ErrorIs(t, err, token.ErrExpired)
	})

	t.Run("unknown", func(t *testing.T) {
		_, err := tokens.Consume(ctx, "0000", now)
		assert.ErrorIs(t, err, token.ErrNotFound)
		_, err = tokens.Get(ctx, "0000")
		assert.ErrorIs(t, err, token.ErrNotFound)
	})

	t.Run("used by a browser session", func(t *testing.T) {
		_, rec3, err := issuer.Issue(token.Download, "PR-THREE", "", time.Hour, map[string]string{"key": "exports/PR-THREE/a.zip"})
		require.NoError(t, err)
		require.NoError(t, tokens.Put(ctx, rec3))
		used, err := tokens.ConsumeBy(ctx, rec3.Hash, now, "5e55")
		require.NoError(t, err)
		assert.Equal(t, "5e55", used.UsedBy)
		_, err = tokens.ConsumeBy(ctx, rec3.Hash, now, "0the4")
		assert.ErrorIs(t, err, token.ErrUsed)
		got, err := tokens.Get(ctx, rec3.Hash)
		require.NoError(t, err)
		assert.Equal(t, "5e55", got.UsedBy, "the first session stays recorded")
		assert.Equal(t, "exports/PR-THREE/a.zip", got.Data["key"])
	})
}
