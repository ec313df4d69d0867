package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
	setupmailevents "github.com/productionflow/privacy-desk/shared/setup/mailevents"
	"github.com/productionflow/privacy-desk/shared/standin"
)

// TestSampleEventThroughTheLambdaEntryPoint feeds events/mail-events.json
// (what the queue sends: a permanent bounce of an acknowledgement, as the
// configuration set publishes it) to the handler main starts, as Lambda
// would, against dynalite, twice: the request's trail says once that the
// requester cannot be reached, without the address, and the request
// needs the team's attention. A message that is not an SES event is
// handed back to the queue alone.
func TestSampleEventThroughTheLambdaEntryPoint(t *testing.T) {
	ctx := context.Background()
	db := standin.Dynalite(t)
	client := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(db.URL) })
	require.NoError(t, dynamo.EnsureTable(ctx, client, "privacy-desk"))
	for k, v := range map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": db.URL,
		"AWS_CONFIG_FILE":           filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
	} {
		t.Setenv(k, v)
	}
	env := map[string]string{"TABLE_NAME": "privacy-desk"}

	const id, sesID = "PR-AAAA-BBBB-CCCC-DDDD", "0100018c5b6f7a3e-1f2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b-000000"
	received := time.Now().Add(-time.Hour)
	store := &dynamo.Store{API: client, Table: "privacy-desk"}
	_, _, err := store.Create(ctx, &request.Request{ID: id, SourceID: "sample", Kinds: []request.Kind{request.Deletion},
		Status: request.Received, Channel: request.Web, Priority: request.Normal,
		Requester: request.Identity{Name: "No Body", Email: "Nobody@example.com"}, ReceivedAt: received, UpdatedAt: received})
	require.NoError(t, err)
	require.NoError(t, store.RecordSent(ctx, sesID, id, received))
	require.NoError(t, store.AppendEvent(ctx, request.Event{RequestID: id, At: received, Actor: "system:intake-web",
		Action: request.ActionAcknowledged, Data: map[string]string{"messageId": sesID}}))

	event, err := os.ReadFile(filepath.Join("..", "..", "events", "mail-events.json"))
	require.NoError(t, err)
	handler, err := setupmailevents.Handler(ctx, func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	for range 2 {
		out, err := lambda.NewHandler(handler).Invoke(ctx, event)
		require.NoError(t, err)
		var res events.SQSEventResponse
		require.NoError(t, json.Unmarshal(out, &res))
		assert.Empty(t, res.BatchItemFailures, "recorded: the queue may drop it")
	}

	trail, err := store.Events(ctx, id)
	require.NoError(t, err)
	var bounced []request.Event
	for _, ev := range trail {
		if ev.Action == request.ActionRequesterUnreachable {
			bounced = append(bounced, ev)
		}
	}
	require.Len(t, bounced, 1, "a redelivered event records once")
	assert.Equal(t, map[string]string{"messageId": sesID, "mail": request.ActionAcknowledged, "to": "requester",
		"bounceType": "Permanent", "bounceSubType": "General", "reportedAt": "2026-03-02T14:59:58Z"}, bounced[0].Data)
	raw, err := json.Marshal(bounced[0])
	require.NoError(t, err)
	assert.NotContains(t, strings.ToLower(string(raw)), "nobody@example.com")
	r, err := store.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, request.ActionRequesterUnreachable, r.Attention, "the team must reach the requester another way")

	bad := events.SQSEvent{Records: []events.SQSMessage{{MessageId: "bad-1", Body: "not an SES event"}}}
	res, err := handler(ctx, bad)
	require.NoError(t, err)
	assert.Equal(t, []events.SQSBatchItemFailure{{ItemIdentifier: "bad-1"}}, res.BatchItemFailures,
		"kept by the queue, then its dead-letter queue")
}

func TestColdStartFailsOnMissingConfiguration(t *testing.T) {
	_, err := setupmailevents.Handler(context.Background(), func(string) string { return "" }, slog.New(slog.DiscardHandler))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TABLE_NAME")
}
