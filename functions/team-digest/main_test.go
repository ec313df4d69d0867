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

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/setup/teamdigest"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
)

// TestSampleEventThroughTheLambdaEntryPoint feeds events/team-digest.json
// (what the schedule sends) to the handler main starts, as Lambda would,
// against dynalite and aws-ses-v2-local: one overdue request, one digest
// to the team, without the requester's address.
func TestSampleEventThroughTheLambdaEntryPoint(t *testing.T) {
	ctx := context.Background()
	db, ses := standin.Dynalite(t), standin.SES(t)
	client := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(db.URL) })
	require.NoError(t, dynamo.EnsureTable(ctx, client, "privacy-desk"))
	env := map[string]string{
		"TABLE_NAME": "privacy-desk", "SENDER_ADDRESS": "privacy-desk@productionflow.example",
		"TEAM_ADDRESS": "privacy@productionflow.example", "BUSINESS_TIME_ZONE": "America/New_York",
		"CONSOLE_URL": "https://desk.productionflow.example/console/",
	}
	for k, v := range map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": db.URL, "AWS_ENDPOINT_URL_SESV2": ses.URL,
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
	} {
		t.Setenv(k, v)
	}
	getenv := func(k string) string { return env[k] }

	// Nothing open: nothing to say.
	event, err := os.ReadFile(filepath.Join("..", "..", "events", "team-digest.json"))
	require.NoError(t, err)
	digest, err := teamdigest.Digest(ctx, getenv, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	out, err := lambda.NewHandler(digest).Invoke(ctx, event)
	require.NoError(t, err)
	var res console.DigestResult
	require.NoError(t, json.Unmarshal(out, &res))
	assert.False(t, res.Sent)

	// A request 60 days old, acknowledged and never answered: overdue.
	cal, err := clock.New("America/New_York")
	require.NoError(t, err)
	received := time.Now().AddDate(0, 0, -60)
	kinds := []request.Kind{request.Deletion}
	store := &dynamo.Store{API: client, Table: "privacy-desk"}
	_, _, err = store.Create(ctx, &request.Request{ID: "PR-SAMP-LE00-DIGE-STAA", SourceID: "sample", Kinds: kinds, Status: request.Received,
		Channel: request.Web, Priority: request.Normal, Requester: request.Identity{Name: "Sam Ple", Email: "sam@example.com"},
		ReceivedAt: received, Due: cal.Deadlines(received, kinds, request.Normal), UpdatedAt: received})
	require.NoError(t, err)
	require.NoError(t, store.MarkAcknowledged(ctx, "PR-SAMP-LE00-DIGE-STAA", received, "ack", cal.Deadlines(received, kinds, request.Normal).Response))
	out, err = lambda.NewHandler(digest).Invoke(ctx, event)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(out, &res))
	assert.True(t, res.Sent)
	assert.Equal(t, console.Counts{Open: 1, Overdue: 1}, res.Counts)

	mails, err := outbox.Read(ctx, ses.URL)
	require.NoError(t, err)
	require.Len(t, mails, 1)
	assert.Equal(t, []string{"privacy@productionflow.example"}, mails[0].To)
	assert.True(t, strings.HasPrefix(mails[0].Subject, "Privacy desk, "), mails[0].Subject)
	assert.Contains(t, mails[0].Text, "PR-SAMP-LE00-DIGE-STAA")
	assert.Contains(t, mails[0].Text, "https://desk.productionflow.example/console/")
	assert.NotContains(t, mails[0].Text+mails[0].HTML, "sam@example.com")
	assert.NotContains(t, mails[0].Text+mails[0].HTML, "Sam Ple")
}

func TestColdStartFailsOnMissingConfiguration(t *testing.T) {
	_, err := teamdigest.Digest(context.Background(), func(string) string { return "" }, slog.New(slog.DiscardHandler))
	require.Error(t, err)
	for _, name := range []string{"TABLE_NAME", "SENDER_ADDRESS", "TEAM_ADDRESS"} {
		assert.True(t, strings.Contains(err.Error(), name), "names %s", name)
	}
}
