package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
)

// TestSetConsumerOnDynalite: an agent's request with no consumer named is
// marked for the team; naming the consumer makes them the requester, found
// by their address, and lifts that mark, once; a request whose consumer is
// known, or closed, is refused.
func TestSetConsumerOnDynalite(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	t0 := time.Date(2026, 11, 27, 15, 4, 5, 0, time.UTC)
	r := sample("PR-AGNT-1", "alex@agency.example", t0)
	r.Channel = request.Email
	r.Agent = &request.Agent{Name: "Alex Agent", Email: "alex@agency.example"}
	_, _, err := st.Create(ctx, r)
	require.NoError(t, err)
	require.NoError(t, st.AppendEvent(ctx, request.Event{RequestID: r.ID, At: t0, Actor: "system:intake-email",
		Action: request.ActionAgentConsumerUnknown, Once: request.ActionAgentConsumerUnknown}))
	got, err := st.Get(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, request.ActionAgentConsumerUnknown, got.Attention)

	require.NoError(t, st.SetConsumer(ctx, r.ID, request.Identity{Name: "John Client", Email: "john@example.com"}, t0.Add(time.Hour)))
	got, err = st.Get(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, request.Identity{Name: "John Client", Email: "john@example.com"}, got.Requester)
	assert.Equal(t, "alex@agency.example", got.Agent.Email, "the agent stays the contact")
	assert.Empty(t, got.Attention)
	assert.False(t, got.ConsumerUnknown())
	ids, err := st.EarlierRequests(ctx, "john@example.com")
	require.NoError(t, err)
	assert.Equal(t, []string{r.ID}, ids, "found by the consumer's address")
	ids, err = st.EarlierRequests(ctx, "alex@agency.example")
	require.NoError(t, err)
	assert.Empty(t, ids)

	err = st.SetConsumer(ctx, r.ID, request.Identity{Email: "other@example.com"}, t0.Add(2*time.Hour))
	assert.ErrorIs(t, err, request.ErrConflict, "named once")

	bounced := sample("PR-AGNT-2", "alex@agency.example", t0)
	bounced.Agent = &request.Agent{Name: "Alex Agent", Email: "alex@agency.example"}
	_, _, err = st.Create(ctx, bounced)
	require.NoError(t, err)
	require.NoError(t, st.AppendEvent(ctx, request.Event{RequestID: bounced.ID, At: t0, Actor: "system:mail-events",
		Action: request.ActionRequesterUnreachable, Once: request.ActionRequesterUnreachable}))
	require.NoError(t, st.SetConsumer(ctx, bounced.ID, request.Identity{Name: "Jo", Email: "jo@example.com"}, t0.Add(time.Hour)))
	got, err = st.Get(ctx, bounced.ID)
	require.NoError(t, err)
	assert.Equal(t, "jo@example.com", got.Requester.Email)
	assert.Equal(t, request.ActionRequesterUnreachable, got.Attention, "another mark stays")
}
