package dynamo_test

import (
	"context"
	"strconv"
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

// TestRetention closes requests on dynalite (which keeps expired items:
// it does not delete by TTL) and checks that the record and every event of
// its trail, those appended after closing too, expire 24 months after the
// closing, and that the personal data the record no longer needs is gone
// while what the record of the request needs stays.
func TestRetention(t *testing.T) {
	ctx := context.Background()
	st, client := newStore(t)
	received := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	closed := time.Date(2026, 4, 10, 16, 30, 0, 0, time.UTC)
	wantTTL := strconv.FormatInt(time.Date(2028, 4, 10, 16, 30, 0, 0, time.UTC).Unix(), 10)

	r := sample("PR-KEEP", "ada@example.com", received)
	r.Kinds = []request.Kind{request.Correction, request.ChildData}
	r.Requester.Phone, r.Requester.Address, r.Requester.Company = "+1 555 0100", "1 Main St, Springfield", "Analytical Engines"
	r.Requester.State = "CA"
	r.Agent = &request.Agent{Name: "Charles Babbage", Email: "charles@example.com"}
	r.Details = "my phone number is wrong"
	r.Corrections = []request.CorrectionItem{{Item: "phone", Wrong: "+1 555 0199", Right: "+1 555 0100"}}
	r.Subject = &request.Subject{Name: "Byron", Email: "byron@example.com"}
	_, _, err := st.Create(ctx, r)
	require.NoError(t, err)
	_, _, err = st.Create(ctx, sample("PR-OPEN", "grace@example.com", received))
	require.NoError(t, err)
	for _, id := range []string{"PR-KEEP", "PR-OPEN"} {
		require.NoError(t, st.AppendEvent(ctx, request.Event{RequestID: id, At: received, Actor: "system:intake-web", Action: "created"}))
	}
	require.NoError(t, st.AppendEvent(ctx, request.Event{RequestID: "PR-KEEP", At: received, Actor: "system:intake-web", Action: "acknowledged", Once: "acknowledged"}))

	require.NoError(t, st.SetStatus(ctx, "PR-KEEP", request.Received, request.Denied, closed))
	require.NoError(t, st.AppendEvent(ctx, request.Event{RequestID: "PR-KEEP", At: closed, Actor: "team:alice", Action: request.StatusAction(request.Denied)}),
		"an event after closing")
	require.NoError(t, st.AppendEvent(ctx, request.Event{RequestID: "PR-KEEP", At: closed, Actor: "team:alice", Action: request.ActionDenialNoticeSent, Once: request.ActionDenialNoticeSent}))

	items := func(id string) []map[string]types.AttributeValue {
		out, err := client.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String(st.Table), KeyConditionExpression: aws.String("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": avS("REQ#" + id)}, ConsistentRead: aws.Bool(true),
		})
		require.NoError(t, err)
		return out.Items
	}

	t.Run("the record and its whole trail expire 24 months after closing", func(t *testing.T) {
		all := items("PR-KEEP")
		require.Len(t, all, 5, "the record and four events")
		for _, it := range all {
			ttl, ok := it[dynamo.AttrTTL].(*types.AttributeValueMemberN)
			require.True(t, ok, "%v has an expiry", it["SK"])
			assert.Equal(t, wantTTL, ttl.Value, "%v", it["SK"])
		}
	})
	t.Run("an open request and its trail do not expire", func(t *testing.T) {
		for _, it := range items("PR-OPEN") {
			assert.NotContains(t, it, dynamo.AttrTTL, "%v", it["SK"])
		}
	})
	t.Run("closing minimises the record", func(t *testing.T) {
		got, err := st.Get(ctx, "PR-KEEP")
		require.NoError(t, err)
		assert.Empty(t, got.Details)
		assert.Empty(t, got.Corrections)
		assert.Nil(t, got.Subject)
		assert.Equal(t, request.Identity{Name: "Ada Lovelace", Email: "ada@example.com", State: "CA"}, got.Requester,
			"the name and address the answer went to, and the state whose law applied; no phone, postal address or company")
		assert.Equal(t, r.Agent, got.Agent)
		assert.Equal(t, r.Kinds, got.Kinds)
		assert.Equal(t, request.Denied, got.Status)
		assert.True(t, got.ReceivedAt.Equal(received))
		assert.True(t, got.ClosedAt.Equal(closed))
		assert.Equal(t, time.Date(2028, 4, 10, 16, 30, 0, 0, time.UTC), got.KeptUntil(), "the record says when it goes")
		assert.True(t, got.Due.Response.Equal(r.Due.Response))
		ids, err := st.EarlierRequests(ctx, "ADA@example.com")
		require.NoError(t, err)
		assert.Equal(t, []string{"PR-KEEP"}, ids, "still found by the address's hash")
	})
}
