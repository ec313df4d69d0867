package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
)

// TestAppendEventOpen: an event appended before a write that finds its
// request open is swept up by a later close like every other event; when
// that write fails because the request closed, ExpireIfClosed gives the
// event the request's expiry, and it leaves an open request's trail alone.
func TestAppendEventOpen(t *testing.T) {
	ctx := context.Background()
	st, client := newStore(t)
	received := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ttlOf := func(id string) map[string]bool {
		out, err := client.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String(st.Table), KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :e)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": avS("REQ#" + id), ":e": avS("EVT#")}, ConsistentRead: aws.Bool(true),
		})
		require.NoError(t, err)
		got := map[string]bool{}
		for _, it := range out.Items {
			_, has := it[dynamo.AttrTTL]
			got[it["action"].(*types.AttributeValueMemberS).Value] = has
		}
		return got
	}
	ack := func(id string) request.Event {
		return request.Event{RequestID: id, At: received, Actor: "system:intake-web", Action: request.ActionAcknowledged, Once: request.ActionAcknowledged}
	}

	t.Run("appended, then the acknowledgement marked, then closed", func(t *testing.T) {
		_, _, err := st.Create(ctx, sample("PR-OPEN-1", "one@example.com", received))
		require.NoError(t, err)
		require.NoError(t, st.AppendEventOpen(ctx, ack("PR-OPEN-1")))
		require.NoError(t, st.MarkAcknowledged(ctx, "PR-OPEN-1", received, "msg-1", received.AddDate(0, 0, 45)))
		require.NoError(t, st.ExpireIfClosed(ctx, "PR-OPEN-1"))
		assert.Equal(t, map[string]bool{request.ActionAcknowledged: false}, ttlOf("PR-OPEN-1"), "open: kept without expiry")
		require.NoError(t, st.SetStatus(ctx, "PR-OPEN-1", request.Acknowledged, request.Withdrawn, received.Add(time.Hour)))
		assert.Equal(t, map[string]bool{request.ActionAcknowledged: true}, ttlOf("PR-OPEN-1"), "closing's sweep finds it")
	})

	t.Run("closed before the acknowledgement could be marked", func(t *testing.T) {
		_, _, err := st.Create(ctx, sample("PR-OPEN-2", "two@example.com", received))
		require.NoError(t, err)
		require.NoError(t, st.SetStatus(ctx, "PR-OPEN-2", request.Received, request.Withdrawn, received.Add(time.Minute)))
		require.NoError(t, st.AppendEventOpen(ctx, ack("PR-OPEN-2")))
		assert.Equal(t, map[string]bool{request.ActionAcknowledged: false}, ttlOf("PR-OPEN-2"), "no read after the put")
		require.Error(t, st.MarkAcknowledged(ctx, "PR-OPEN-2", received, "msg-2", received.AddDate(0, 0, 45)))
		require.NoError(t, st.ExpireIfClosed(ctx, "PR-OPEN-2"))
		assert.Equal(t, map[string]bool{request.ActionAcknowledged: true}, ttlOf("PR-OPEN-2"), "expires with the request")
	})
}
