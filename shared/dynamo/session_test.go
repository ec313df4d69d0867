package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSessions(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	until := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)

	ended, err := st.SessionEnded(ctx, "jti-1")
	require.NoError(t, err)
	assert.False(t, ended, "a session nobody signed out")

	require.NoError(t, st.EndSession(ctx, "jti-1", until))
	require.NoError(t, st.EndSession(ctx, "jti-1", until), "signing out twice is harmless")
	ended, err = st.SessionEnded(ctx, "jti-1")
	require.NoError(t, err)
	assert.True(t, ended)

	ended, err = st.SessionEnded(ctx, "jti-2")
	require.NoError(t, err)
	assert.False(t, ended, "only the session signed out")
}
