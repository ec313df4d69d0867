package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/setup/deadline"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
)

// TestSampleEventThroughTheLambdaEntryPoint feeds events/deadline-reminder.json
// (the hourly schedule's input) to the handler main starts, as Lambda would (JSON in, JSON out), against
// dynalite and aws-ses-v2-local.
func TestSampleEventThroughTheLambdaEntryPoint(t *testing.T) {
	ctx := context.Background()
	db, ses := standin.Dynalite(t), standin.SES(t)
	client := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(db.URL) })
	require.NoError(t, dynamo.EnsureTable(ctx, client, "privacy-desk"))
	require.NoError(t, dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 20 * time.Millisecond }).
		Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("privacy-desk")}, 10*time.Second))
	env := map[string]string{
		"TABLE_NAME": "privacy-desk", "SENDER_ADDRESS": "privacy-desk@productionflow.example",
		"TEAM_ADDRESS": "privacy@productionflow.example", "BUSINESS_TIME_ZONE": "America/New_York",
	}
	for k, v := range map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": db.URL, "AWS_ENDPOINT_URL_SESV2": ses.URL,
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
	} {
		t.Setenv(k, v)
	}

	// The request the sample event names, received 45 days before its answer is due.
	cal, err := clock.New("America/New_York")
	require.NoError(t, err)
	store := &dynamo.Store{API: client, Table: "privacy-desk"}
	received := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	kinds := []request.Kind{request.AccessSpecific}
	_, _, err = store.Create(ctx, &request.Request{
		ID: "PR-SAMP-LE00-DEAD-LINE", SourceID: "sample", Kinds: kinds, Status: request.Verifying,
		Channel: request.Email, Priority: request.Normal, Requester: request.Identity{Name: "Sam Ple", Email: "sam@example.com"},
		ReceivedAt: received, AcknowledgedAt: received, Due: cal.Deadlines(received, kinds, request.Normal), UpdatedAt: received,
	})
	require.NoError(t, err)

	remind, err := deadline.Handler(ctx, func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	event, err := os.ReadFile(filepath.Join("..", "..", "events", "deadline-reminder.json"))
	require.NoError(t, err)
	handler := lambda.NewHandler(remind)

	out, err := handler.Invoke(ctx, event)
	require.NoError(t, err)
	assert.JSONEq(t, `{"open":1,"due":1,"sent":1,"skipped":0,"failed":0}`, string(out))
	out, err = handler.Invoke(ctx, event)
	require.NoError(t, err)
	assert.JSONEq(t, `{"open":1,"due":1,"sent":0,"skipped":1,"failed":0}`, string(out), "the same run again (a retry) sends nothing")

	mails, err := outbox.Read(ctx, ses.URL)
	require.NoError(t, err)
	require.Len(t, mails, 1)
	assert.Equal(t, []string{"privacy@productionflow.example"}, mails[0].To)
	assert.Equal(t, "Final reminder: response of PR-SAMP-LE00-DEAD-LINE is due Thu Jan 14", mails[0].Subject)
	assert.NotContains(t, mails[0].Text+mails[0].HTML, "sam@example.com")

	evs, err := store.Events(ctx, "PR-SAMP-LE00-DEAD-LINE")
	require.NoError(t, err)
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	assert.Equal(t, []string{"reminder-sent"}, actions)

	t.Run("a deadline-watch execution of an earlier version is answered", func(t *testing.T) {
		// Its reminder went out with the sweep's run above: nothing again,
		// and the watch goes on.
		out, err := handler.Invoke(ctx, []byte(`{"requestId":"PR-SAMP-LE00-DEAD-LINE","clock":"response","stage":"final","at":"2027-01-11T14:00:00Z"}`))
		require.NoError(t, err)
		assert.JSONEq(t, `{"open":true,"sent":false,"skipped":"already-sent"}`, string(out))
		_, err = handler.Invoke(ctx, []byte(`{"requestId":"PR-SAMP-LE00-DEAD-LINE","clock":"answer","stage":"final"}`))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "unknown clock")
	})
	t.Run("a malformed event is refused", func(t *testing.T) {
		_, err := handler.Invoke(ctx, []byte(`{"at":"2027-01-11T14:00:00Z","since":"2027-01-11T15:00:00Z"}`))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "is not before")
		_, err = handler.Invoke(ctx, []byte(`{"at":"next tuesday"}`))
		require.Error(t, err)
	})
}

func TestColdStartFailsOnMissingConfiguration(t *testing.T) {
	_, err := deadline.Handler(context.Background(), func(string) string { return "" }, slog.New(slog.DiscardHandler))
	require.Error(t, err)
	for _, name := range []string{"TABLE_NAME", "SENDER_ADDRESS", "TEAM_ADDRESS"} {
		assert.True(t, strings.Contains(err.Error(), name), "names %s", name)
	}
}
