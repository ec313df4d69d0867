package token_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/token"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func TestIssueStoresOnlyTheHash(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, 32)
	iss := &token.Issuer{Random: bytes.NewReader(seed), Now: func() time.Time { return t0 }}
	raw, rec, err := iss.Issue(token.ManualTask, "req-1", "task-token", 72*time.Hour, map[string]string{"system": "crm"})
	require.NoError(t, err)

	assert.Equal(t, base64.RawURLEncoding.EncodeToString(seed), raw)
	sum := sha256.Sum256(seed)
	assert.Equal(t, hex.EncodeToString(sum[:]), rec.Hash)
	assert.NotContains(t, rec.Hash, raw)
	assert.Equal(t, t0.Add(72*time.Hour), rec.ExpiresAt)
	assert.Equal(t, token.ManualTask, rec.Purpose)
	assert.False(t, rec.Used)

	h, err := token.Hash(raw)
	require.NoError(t, err)
	assert.Equal(t, rec.Hash, h)
}

func TestIssueFailsWithoutRandomness(t *testing.T) {
	iss := &token.Issuer{Random: bytes.NewReader([]byte{1, 2}), Now: func() time.Time { return t0 }}
	_, _, err := iss.Issue(token.Verify, "r", "", time.Hour, nil)
	assert.Error(t, err)
}

func TestHashRejectsMalformed(t *testing.T) {
	for _, raw := range []string{"", "abc", "!!!!", base64.RawURLEncoding.EncodeToString(make([]byte, 16))} {
		_, err := token.Hash(raw)
		assert.ErrorIs(t, err, token.ErrMalformed, raw)
	}
}

func TestConsume(t *testing.T) {
	ctx := context.Background()
	iss := &token.Issuer{Now: func() time.Time { return t0 }}
	cases := []struct {
		name string
		at   time.Time
		pre  bool // consume once before
		want error
	}{
		{"first use", t0.Add(time.Hour), false, nil},
		{"second use", t0.Add(time.Hour), true, token.ErrUsed},
		{"expired", t0.Add(73 * time.Hour), false, token.ErrExpired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := token.NewMemStore()
			_, rec, err := iss.Issue(token.ManualTask, "req-1", "tt", 72*time.Hour, nil)
			require.NoError(t, err)
			require.NoError(t, s.Put(ctx, rec))
			if tc.pre {
				_, err := s.Consume(ctx, rec.Hash, tc.at)
				require.NoError(t, err)
			}
			got, err := s.Consume(ctx, rec.Hash, tc.at)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
				return
			}
			require.NoError(t, err)
			assert.True(t, got.Used)
			assert.Equal(t, "tt", got.TaskToken)
		})
	}
	_, err := token.NewMemStore().Consume(ctx, "nope", t0)
	assert.ErrorIs(t, err, token.ErrNotFound)
}

func TestConsumeIsSingleUseUnderRace(t *testing.T) {
	ctx := context.Background()
	s := token.NewMemStore()
	_, rec, err := (&token.Issuer{Now: func() time.Time { return t0 }}).Issue(token.Verify, "r", "", time.Hour, nil)
	require.NoError(t, err)
	require.NoError(t, s.Put(ctx, rec))
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 20 {
		wg.Go(func() {
			if _, err := s.Consume(ctx, rec.Hash, t0); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, wins)
}

func TestMemStoreKeepsItsOwnCopy(t *testing.T) {
	ctx := context.Background()
	s := token.NewMemStore()
	_, rec, err := (&token.Issuer{Now: func() time.Time { return t0 }}).Issue(token.ManualTask, "r", "tt", time.Hour, map[string]string{"system": "crm"})
	require.NoError(t, err)
	require.NoError(t, s.Put(ctx, rec))
	rec.Data["system"] = "changed after Put"

	got, err := s.Get(ctx, rec.Hash)
	require.NoError(t, err)
	got.Data["system"] = "changed after Get"
	used, err := s.Consume(ctx, rec.Hash, t0)
	require.NoError(t, err)
	assert.Equal(t, "crm", used.Data["system"])
	used.Data["system"] = "changed after Consume"
	again, err := s.Get(ctx, rec.Hash)
	require.NoError(t, err)
	assert.Equal(t, "crm", again.Data["system"])
}
