package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/standin"
)

// TestColdStartAndSampleEvent builds the function as Lambda does, against
// dynalite and the Cognito stand-in (the app client found by its name at
// cold start), and sends it the sample event: a page without a session
// goes to the sign-in, which goes to the pool's sign-in page.
func TestColdStartAndSampleEvent(t *testing.T) {
	ctx := context.Background()
	db, pools := standin.Dynalite(t), standin.UserPools(t)
	client := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(db.URL) })
	require.NoError(t, dynamo.EnsureTable(ctx, client, "privacy-desk"))
	team, err := standin.SeedTeam(ctx, pools.URL, "https://privacy.productionflow.example/console/")
	require.NoError(t, err)
	env := map[string]string{
		"TABLE_NAME": "privacy-desk", "SENDER_ADDRESS": "privacy-desk@productionflow.example",
		"TEAM_ADDRESS": "privacy@productionflow.example",
	}
	for k, v := range team.Env {
		env[k] = v
	}
	delete(env, "CONSOLE_URL") // on AWS without a custom domain: from the request's host
	for k, v := range standin.AWSEnv(map[string]string{"DYNAMODB": db.URL, "COGNITO_IDENTITY_PROVIDER": pools.URL}) {
		t.Setenv(k, v)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))

	handle, err := newEntry(ctx, func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
	require.NoError(t, err)

	raw, err := os.ReadFile(filepath.Join("..", "..", "events", "console-get-worklist.json"))
	require.NoError(t, err)
	var ev events.APIGatewayV2HTTPRequest
	require.NoError(t, json.Unmarshal(raw, &ev))
	res, err := handle(ctx, ev)
	require.NoError(t, err)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/console/sign-in?next=%2Fconsole%2F", res.Headers["Location"])

	ev.RawPath, ev.RequestContext.HTTP.Path = "/console/sign-in", "/console/sign-in"
	res, err = handle(ctx, ev)
	require.NoError(t, err)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	to, err := url.Parse(res.Headers["Location"])
	require.NoError(t, err)
	assert.Equal(t, pools.URL+"/oauth2/authorize", to.Scheme+"://"+to.Host+to.Path)
	assert.Equal(t, team.ClientID, to.Query().Get("client_id"), "the console's app client, found by its name")
	assert.Equal(t, "https://privacy.productionflow.example/console/callback", to.Query().Get("redirect_uri"))
	require.Len(t, res.Cookies, 1)
	assert.True(t, strings.HasPrefix(res.Cookies[0], "console_sign_in="))
	assert.Contains(t, res.Cookies[0], "Secure")

	t.Run("a missing setting stops the cold start", func(t *testing.T) {
		delete(env, "USER_POOL_ID")
		_, err := newEntry(ctx, func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
		assert.ErrorContains(t, err, "USER_POOL_ID is required")
	})
}
