package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/setup/console"
	"github.com/productionflow/privacy-desk/shared/setup/edge"
)

// TestTheFirstRequestFindsTheClient: building the console makes no AWS
// call (its cold start), so it succeeds with Cognito out of reach; while
// the app client cannot be looked up, the console answers 503 with
// Retry-After and says why, never the cause's detail.
func TestTheFirstRequestFindsTheClient(t *testing.T) {
	for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "test",
		"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_MAX_ATTEMPTS": "1", "AWS_EC2_METADATA_DISABLED": "true"} {
		t.Setenv(k, v)
	}
	env := map[string]string{"TABLE_NAME": "desk", "SENDER_ADDRESS": "privacy@example.com", "TEAM_ADDRESS": "privacy-team@example.com",
		"USER_POOL_ID": "us-east-1_test", "USER_POOL_SIGN_IN_URL": "https://auth.example.com"}
	h, err := console.Handler(context.Background(), func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
	require.NoError(t, err, "no call at cold start: an unreachable Cognito does not stop it")

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/console/", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "5", rec.Header().Get("Retry-After"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	assert.Contains(t, rec.Body.String(), "cannot reach its sign-in service or its settings")
	assert.NotContains(t, rec.Body.String(), "127.0.0.1", "the cause stays in the log")
}

// TestTheConsoleAnswersOnlyThroughTheDistribution: with the distribution's
// secret configured (the console at PublicFormUrl), the first request
// reads it with the app client, and a request without the origin header
// gets 403 before the console sees it; one with it reaches the console.
func TestTheConsoleAnswersOnlyThroughTheDistribution(t *testing.T) {
	const origin = "cloudfront-origin-secret-0123456789abcdef"
	aws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		switch r.Header.Get("X-Amz-Target") {
		case "AWSCognitoIdentityProviderService.ListUserPoolClients":
			_, _ = io.WriteString(w, `{"UserPoolClients":[{"ClientId":"client-1","ClientName":"console","UserPoolId":"us-east-1_test"}]}`)
		case "secretsmanager.GetSecretValue":
			_, _ = io.WriteString(w, `{"Name":"privacy-desk/origin-verify","SecretString":"`+origin+`"}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer aws.Close()
	for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "test",
		"AWS_ENDPOINT_URL": aws.URL, "AWS_MAX_ATTEMPTS": "1", "AWS_EC2_METADATA_DISABLED": "true"} {
		t.Setenv(k, v)
	}
	env := map[string]string{"TABLE_NAME": "desk", "SENDER_ADDRESS": "privacy@example.com", "TEAM_ADDRESS": "privacy-team@example.com",
		"USER_POOL_ID": "us-east-1_test", "USER_POOL_SIGN_IN_URL": "https://auth.example.com", "ORIGIN_VERIFY_SECRET": "privacy-desk/origin-verify"}
	h, err := console.Handler(context.Background(), func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
	require.NoError(t, err)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/console/", nil))
	assert.Equal(t, http.StatusForbidden, rec.Code, "straight to the API's address")

	req := httptest.NewRequest(http.MethodGet, "/console/", nil)
	req.Header.Set(edge.OriginHeader, origin)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.NotEqual(t, http.StatusForbidden, rec.Code, "through the distribution")
	assert.NotEqual(t, http.StatusServiceUnavailable, rec.Code)
	assert.NotContains(t, rec.Body.String(), origin)
}
