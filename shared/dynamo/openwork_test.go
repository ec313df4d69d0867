package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
)

// TestOpenWork reads the work list from the OpenWork index on dynalite:
// every open request, soonest next deadline first, with what the list
// shows and no personal data; a request's mark of needing attention; a
// closed request leaves the index.
func TestOpenWork(t *testing.T) {
	ctx := context.Background()
	st, client := newStore(t)
	t0 := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)

	late := sample("PR-LATE", "late@example.com", t0.AddDate(0, 0, -20))
	late.Channel = request.Email
	_, _, err := st.Create(ctx, late)
	require.NoError(t, err)
	_, _, err = st.Create(ctx, sample("PR-NEW", "new@example.com", t0))
	require.NoError(t, err)
	_, _, err = st.Create(ctx, sample("PR-GONE", "gone@example.com", t0.AddDate(0, 0, -30)))
	require.NoError(t, err)
	require.NoError(t, st.SetStatus(ctx, "PR-GONE", request.Received, request.Withdrawn, t0))
	// Acknowledged: the next deadline becomes the answer's.
	require.NoError(t, st.MarkAcknowledged(ctx, "PR-NEW", t0, "msg-1", t0.AddDate(0, 0, 45)))

	open, err := st.OpenWork(ctx)
	require.NoError(t, err)
	require.Len(t, open, 2, "closed requests are not listed")
	first := open[0]
	assert.Equal(t, "PR-LATE", first.ID, "the nearest next deadline first")
	assert.Equal(t, request.Email, first.Channel)
	assert.Equal(t, []request.Kind{request.Deletion}, first.Kinds)
	assert.Equal(t, request.Received, first.Status)
	assert.Equal(t, request.Normal, first.Priority)
	assert.True(t, first.NextDue.Equal(late.Due.Acknowledge), "not acknowledged: the acknowledgement's deadline")
	assert.True(t, first.Due.Response.Equal(late.Due.Response), "every deadline comes with it")
	assert.True(t, first.ReceivedAt.Equal(late.ReceivedAt))
	assert.Empty(t, first.Requester, "the index holds no personal data")
	assert.True(t, open[1].NextDue.Equal(t0.AddDate(0, 0, 45)))

	t.Run("a step that needs the team marks its request", func(t *testing.T) {
		require.NoError(t, st.AppendEvent(ctx, request.Event{RequestID: "PR-NEW", At: t0, Actor: "system:fulfil", Action: request.ActionNeedsAttention, Once: request.ActionNeedsAttention}))
		require.NoError(t, st.AppendEvent(ctx, request.Event{RequestID: "PR-NEW", At: t0, Actor: "system:fulfil", Action: request.ActionNeedsAttention, Once: request.ActionNeedsAttention}), "a retry")
		require.NoError(t, st.AppendEvent(ctx, request.Event{RequestID: "PR-GONE", At: t0, Actor: "system:fulfil", Action: request.ActionStageFailed}))
		open, err := st.OpenWork(ctx)
		require.NoError(t, err)
		assert.Equal(t, "", open[0].Attention)
		assert.Equal(t, request.ActionNeedsAttention, open[1].Attention)
		gone, err := st.Get(ctx, "PR-GONE")
		require.NoError(t, err)
		assert.Empty(t, gone.Attention, "a closed request is not marked")
		events, err := st.Events(ctx, "PR-GONE")
		require.NoError(t, err)
		assert.Len(t, events, 1, "its event is still recorded")
	})
	t.Run("closing clears the mark and leaves the index", func(t *testing.T) {
		require.NoError(t, st.SetStatus(ctx, "PR-NEW", request.Acknowledged, request.Withdrawn, t0))
		open, err := st.OpenWork(ctx)
		require.NoError(t, err)
		require.Len(t, open, 1)
		got, err := st.Get(ctx, "PR-NEW")
		require.NoError(t, err)
		assert.Empty(t, got.Attention)
	})
	t.Run("the index carries the work list's columns", func(t *testing.T) {
		out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(st.Table)})
		require.NoError(t, err)
		var found bool
		for _, gsi := range out.Table.GlobalSecondaryIndexes {
			if aws.ToString(gsi.IndexName) == dynamo.IndexOpenWork {
				found = true
				assert.ElementsMatch(t, dynamo.OpenWorkAttributes, gsi.Projection.NonKeyAttributes)
			}
		}
		assert.True(t, found, "dynalite has the OpenWork index")
	})
}
