package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/setup/intake/web"
)

func TestDownloadPage(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		page bool
	}{
		{"no bucket, no page", map[string]string{}, false},
		{"export bucket set", map[string]string{"EXPORT_BUCKET": "exports"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"TABLE_NAME": "desk", "SENDER_ADDRESS": "desk@productionflow.example", "TEAM_ADDRESS": "privacy@productionflow.example",
				"SUBMISSION_KEY_SECRET": "privacy-desk/submission-key"}
			for k, v := range tt.env {
				env[k] = v
			}
			cfg, err := web.LoadConfig(func(k string) string { return env[k] })
			require.NoError(t, err)
			assert.Equal(t, "exports/", cfg.Downloads.Prefix)
			d := web.DownloadPage(cfg.Downloads, aws.Config{Region: "us-east-1"}, "desk", slog.New(slog.DiscardHandler))
			assert.Equal(t, tt.page, d != nil)
		})
	}
}

// TestTheKeyIsReadByTheFirstRequest: building the web intake makes no AWS
// call (its cold start), so it succeeds with the key store out of reach;
// the requests that come while the key cannot be read get the "nothing
// was saved" page with 503 and Retry-After, in the page's language and
// with the site's headers, and an API client the same in JSON.
func TestTheKeyIsReadByTheFirstRequest(t *testing.T) {
	h := offlineHandler(t, "privacy-team@example.com")

	for _, tc := range []struct{ path, words string }{
		{"/", "Your request was not saved"},
		{"/?lang=es", "Su solicitud no se guardó"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code, tc.path)
		assert.Equal(t, "5", rec.Header().Get("Retry-After"))
		assert.Contains(t, rec.Body.String(), tc.words)
		assert.NotContains(t, rec.Body.String(), "<form", "no form is shown before the desk can sign it")
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "the site's headers")
		assert.Contains(t, rec.Header().Get("Content-Security-Policy"), "default-src 'none'")
	}
	// An API client gets JSON, as for the API's other errors.
	req := httptest.NewRequest(http.MethodPost, "/requests", strings.NewReader(`{"kinds":["deletion"]}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"error":"the desk cannot take requests just now: nothing was saved; try again in a moment"}`, rec.Body.String())
}

// TestPagesNameTheTeamByItsAddress: a TEAM_ADDRESS with a display name
// ("Privacy Team <…>", as mail headers write it) is shown and linked on
// the pages as the address alone.
func TestPagesNameTheTeamByItsAddress(t *testing.T) {
	h := offlineHandler(t, "Privacy Team <privacy-team@example.com>")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil)) // the key store is out of reach: the "not saved" page
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Contains(t, rec.Body.String(), "write to privacy-team@example.com.")
	assert.NotContains(t, rec.Body.String(), "Privacy Team")
}

// offlineHandler is the web intake with team as TEAM_ADDRESS and every AWS
// service out of reach: building it makes no AWS call (its cold start), so
// it succeeds; its first requests find the submission key unreadable.
func offlineHandler(t *testing.T, team string) http.Handler {
	t.Helper()
	for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "test",
		"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_MAX_ATTEMPTS": "1", "AWS_EC2_METADATA_DISABLED": "true"} {
		t.Setenv(k, v)
	}
	env := map[string]string{"TABLE_NAME": "desk", "SENDER_ADDRESS": "privacy@example.com", "TEAM_ADDRESS": team,
		"FORM_URL": "https://privacy.example.com/", "SUBMISSION_KEY_PARAMETER": "/desk/submission-key"}
	h, err := web.Handler(context.Background(), func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
	require.NoError(t, err, "no call at cold start: the unreachable key store does not stop it")
	return h
}
