package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
)

// TestWriteAll writes a request's created and acknowledged events, thirty
// tokens (more than one BatchWriteItem takes) and a sent-mail record
// together, and reads each back as its own reader does; writing the same
// again changes nothing; it refuses events that must be written with a
// condition or a mark.
func TestWriteAll(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	tokens := &dynamo.Tokens{API: st.API, Table: st.Table}
	t0 := time.Date(2026, 11, 27, 15, 4, 5, 0, time.UTC)
	r := sample("PR-BATCH", "ada@example.com", t0)
	_, _, err := st.Create(ctx, r)
	require.NoError(t, err)

	events := []request.Event{
		{RequestID: r.ID, At: t0, Actor: "system:intake-web", Action: request.ActionCreated, Once: request.ActionCreated,
			Data: map[string]string{"channel": "web"}},
		{RequestID: r.ID, At: t0.Add(time.Second), Actor: "system:intake-web", Action: request.ActionAcknowledged,
			Once: request.ActionAcknowledged + ":ses-1", Data: map[string]string{"messageId": "ses-1"}},
	}
	issuer := token.Issuer{Now: func() time.Time { return t0 }}
	var recs []token.Record
	for i := range 30 {
		_, rec, err := issuer.Issue(token.Status, r.ID, "", time.Hour, map[string]string{"n": fmt.Sprint(i)})
		require.NoError(t, err)
		recs = append(recs, rec)
	}
	sent := []mail.Sent{{MessageID: "ses-1", RequestID: r.ID, At: t0.Add(time.Second)}}
	require.NoError(t, st.WriteAll(ctx, events, recs, sent))
	require.NoError(t, st.WriteAll(ctx, events, nil, sent), "written again: the same records")

	trail, err := st.Events(ctx, r.ID)
	require.NoError(t, err)
	require.Len(t, trail, 2)
	assert.Equal(t, request.ActionCreated, trail[0].Action)
	assert.Equal(t, "ses-1", trail[1].Data["messageId"])
	for _, rec := range recs {
		got, err := tokens.Get(ctx, rec.Hash)
		require.NoError(t, err)
		assert.Equal(t, rec.Data, got.Data)
		assert.Equal(t, r.ID, got.RequestID)
		assert.False(t, got.Used)
	}
	id, err := st.SentRequest(ctx, "ses-1")
	require.NoError(t, err)
	assert.Equal(t, r.ID, id)

	good := request.Event{RequestID: r.ID, At: t0, Actor: "system:intake-web", Action: request.ActionTeamNotified, Once: request.ActionTeamNotified}
	for _, bad := range []request.Event{
		{RequestID: r.ID, At: t0, Action: "note"},                               // no Once key: a second write would add a second event
		{RequestID: r.ID, At: t0, Action: request.ActionStageFailed, Once: "x"}, // needs the team's mark
	} {
		assert.Error(t, st.WriteAll(ctx, []request.Event{good, bad}, nil, nil), bad.Action)
	}
	trail, err = st.Events(ctx, r.ID)
	require.NoError(t, err)
	assert.Len(t, trail, 2, "a refused write writes nothing, not even its good events")
}
