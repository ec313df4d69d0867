package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/downstream"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
	"github.com/productionflow/privacy-desk/shared/system"
)

type stack struct {
	store  *dynamo.Store
	sesURL string
	env    map[string]string
}

// startStack starts dynalite and aws-ses-v2-local, creates the table, and
// points the standard AWS environment at them.
func startStack(t *testing.T) *stack {
	t.Helper()
	db, ses := standin.Dynalite(t), standin.SES(t)
	// The key that signs the form's submission IDs, as Secrets Manager
	// holds it on AWS.
	secrets, err := downstream.StartSecrets(context.Background(), []downstream.Secret{
		{Source: system.SecretsManager, Name: "privacy-desk/submission-key", Value: submissionKey}})
	require.NoError(t, err)
	t.Cleanup(secrets.Close)
	client := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(db.URL) })
	require.NoError(t, dynamo.EnsureTable(context.Background(), client, "privacy-desk"))
	env := map[string]string{
		"TABLE_NAME": "privacy-desk", "SENDER_ADDRESS": "privacy-desk@productionflow.example",
		"TEAM_ADDRESS": "privacy@productionflow.example", "BUSINESS_TIME_ZONE": "America/New_York",
		"SUBMISSION_KEY_SECRET": "privacy-desk/submission-key",
	}
	for k, v := range map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": db.URL, "AWS_ENDPOINT_URL_SESV2": ses.URL, "AWS_ENDPOINT_URL_SECRETS_MANAGER": secrets.URL(),
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
	} {
		t.Setenv(k, v)
	}
	return &stack{store: &dynamo.Store{API: client, Table: "privacy-desk"}, sesURL: ses.URL, env: env}
}

func (s *stack) getenv(k string) string { return s.env[k] }

// submissionKey is the tests' key that signs the form's submission IDs.
const submissionKey = "intake-web-test-key-0123456789-abcdefghij"

var signedID = regexp.MustCompile(`name="submissionId" value="([^"]+)"`)

// formSubmissionID opens the form through the entry point, as a browser
// does, and returns the submission ID it carries.
func formSubmissionID(t *testing.T, handle entry) string {
	t.Helper()
	res, err := handle(context.Background(), getEvent("/"))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	m := signedID.FindStringSubmatch(res.Body)
	require.Len(t, m, 2, "the form carries a submission ID")
	return m[1]
}

func getEvent(path string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: path, Headers: map[string]string{"accept": "text/html"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet, Path: path, Protocol: "HTTP/1.1", SourceIP: "127.0.0.1"}}}
}

func loadEvent(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	require.NoError(t, err)
	var ev events.APIGatewayV2HTTPRequest
	require.NoError(t, json.Unmarshal(b, &ev))
	return ev
}

func TestSampleEventsThroughTheLambdaEntryPoint(t *testing.T) {
	s := startStack(t)
	handle, err := newEntry(context.Background(), s.getenv, slog.New(slog.DiscardHandler))
	require.NoError(t, err)

	res, err := handle(context.Background(), loadEvent(t, "intake-web-get-form.json"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, res.Body, `<form method="post" action="requests"`)

	res, err = handle(context.Background(), loadEvent(t, "intake-web-post-form.json"))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	id := request.WebID("web-sample-event-0001", "jordan@example.com")
	assert.Contains(t, res.Body, id)

	got, err := s.store.Get(context.Background(), id)
	require.NoError(t, err)
	assert.True(t, got.GPC, "the sample carries Sec-GPC: 1")
	assert.Contains(t, got.Kinds, request.OptOutSale)
}

func TestMisconfiguredColdStartFailsClearly(t *testing.T) {
	_, err := newEntry(context.Background(), func(string) string { return "" }, slog.New(slog.DiscardHandler))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TABLE_NAME is required")
	assert.Contains(t, err.Error(), "SENDER_ADDRESS is required")
}

// TestEndToEnd posts the form over HTTP to the running handler and follows
// the request into DynamoDB and the local outbox.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	s := startStack(t)
	handle, err := newEntry(ctx, s.getenv, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	// Serve the Lambda entry point over real HTTP, as API Gateway would.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		headers := map[string]string{}
		for k := range r.Header {
			headers[strings.ToLower(k)] = r.Header.Get(k)
		}
		res, err := handle(r.Context(), events.APIGatewayV2HTTPRequest{
			Version: "2.0", RawPath: r.URL.Path, RawQueryString: r.URL.RawQuery, Headers: headers, Body: string(body),
			RequestContext: events.APIGatewayV2HTTPRequestContext{Stage: "$default",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: r.Method, Path: r.URL.Path, Protocol: "HTTP/1.1", SourceIP: "127.0.0.1"}},
		})
		if err != nil {
			http.Error(w, "entry point failed", 502)
			return
		}
		for k, v := range res.Headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(res.StatusCode)
		_, _ = io.WriteString(w, res.Body)
	}))
	defer srv.Close()

	page, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	b, _ := io.ReadAll(page.Body)
	page.Body.Close()
	m := signedID.FindStringSubmatch(string(b))
	require.Len(t, m, 2, "the form carries a submission ID")
	submissionID := m[1]
	form := url.Values{
		"submissionId": {submissionID}, "kinds": {"deletion"},
		"name": {"Grace <b>Hopper</b>"}, "email": {"grace@example.com"}, "state": {"NY"},
	}
	post := func() string {
		res, err := http.PostForm(srv.URL+"/requests", form)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		require.Equal(t, http.StatusOK, res.StatusCode, string(b))
		return string(b)
	}
	receipt := post()
	id := request.WebID(submissionID, "grace@example.com")
	assert.Contains(t, receipt, id)

	// In DynamoDB with its clocks and audit events.
	got, err := s.store.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, request.Acknowledged, got.Status)
	assert.Equal(t, "grace@example.com", got.Requester.Email)
	assert.False(t, got.Due.Acknowledge.IsZero())
	untilDue := got.Due.Response.Sub(got.ReceivedAt)
	assert.True(t, untilDue > 44*24*time.Hour && untilDue <= 46*24*time.Hour, "response due 45 days on, got %v", untilDue)
	assert.True(t, got.Due.Extended.After(got.Due.Response))
	evs, err := s.store.Events(ctx, id)
	require.NoError(t, err)
	require.Len(t, evs, 2)
	assert.Equal(t, "created", evs[0].Action)
	assert.Equal(t, "acknowledged", evs[1].Action)

	// The acknowledgement is in the local outbox, to the requester, with the ID.
	mails, err := outbox.Read(ctx, s.sesURL)
	require.NoError(t, err)
	require.Len(t, mails, 1)
	assert.Contains(t, mails[0].To, "grace@example.com")
	assert.Contains(t, mails[0].Text, id)
	assert.Contains(t, mails[0].HTML, id)
	assert.NotContains(t, mails[0].HTML, "<b>Hopper</b>", "requester values are escaped in mail")

	// The same submission posted again: one request, one acknowledgement.
	receipt = post()
	assert.Contains(t, receipt, id)
	mails, err = outbox.Read(ctx, s.sesURL)
	require.NoError(t, err)
	assert.Len(t, mails, 1)
	ids, err := s.store.EarlierRequests(ctx, "grace@example.com")
	require.NoError(t, err)
	assert.Equal(t, []string{id}, ids)
}

// TestChildDataAndAReusedSubmissionID follows a child's-data request from
// the form into DynamoDB and the team's mail, then sends other content
// under the same submission ID through the JSON API.
func TestChildDataAndABorrowedSubmissionID(t *testing.T) {
	ctx := context.Background()
	s := startStack(t)
	handle, err := newEntry(ctx, s.getenv, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	submissionID := formSubmissionID(t, handle)
	post := func(contentType, body string) events.APIGatewayV2HTTPResponse {
		res, err := handle(ctx, events.APIGatewayV2HTTPRequest{
			Version: "2.0", RawPath: "/requests", Headers: map[string]string{"content-type": contentType}, Body: body,
			RequestContext: events.APIGatewayV2HTTPRequestContext{Stage: "$default",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodPost, Path: "/requests", Protocol: "HTTP/1.1", SourceIP: "127.0.0.1"}},
		})
		require.NoError(t, err)
		return res
	}
	form := url.Values{
		"submissionId": {submissionID}, "kinds": {"child-data"},
		"name": {"Grace Hopper"}, "email": {"grace@example.com"},
		"childName": {"Sam Hopper"}, "childAccount": {"sam-2012"},
	}
	res := post("application/x-www-form-urlencoded", form.Encode())
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	id := request.WebID(submissionID, "grace@example.com")
	got, err := s.store.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, &request.Subject{Name: "Sam Hopper", Account: "sam-2012"}, got.Subject)
	assert.Equal(t, request.Expedited, got.Priority)

	mails, err := outbox.Read(ctx, s.sesURL)
	require.NoError(t, err)
	require.Len(t, mails, 2, "the acknowledgement and the team's notice")
	for _, m := range mails {
		assert.NotContains(t, m.Text+m.HTML, "Sam Hopper", "no child's name in mail to an unproven address, nor to the team")
		assert.NotContains(t, m.Text+m.HTML, "sam-2012")
		if slices.Contains(m.To, "privacy@productionflow.example") {
			assert.Contains(t, m.Text, id)
			assert.NotContains(t, m.Text+m.HTML, "grace@example.com")
		}
	}

	// The same submission ID with the same address but other content is
	// refused; with another address it names another request.
	res = post("application/json", `{"submissionId":"`+submissionID+`","kinds":["deletion"],"name":"Grace Hopper","email":"grace@example.com"}`)
	assert.Equal(t, http.StatusConflict, res.StatusCode)
	assert.NotContains(t, res.Body, id, "nothing of the earlier request")
	mails, err = outbox.Read(ctx, s.sesURL)
	require.NoError(t, err)
	assert.Len(t, mails, 2, "no mail for the refused submission")
	res = post("application/json", `{"submissionId":"`+submissionID+`","kinds":["deletion"],"name":"Eve","email":"eve@example.com"}`)
	assert.Equal(t, http.StatusCreated, res.StatusCode, "a request of Eve's own")
	assert.NotContains(t, res.Body, id, "nothing of the earlier request")
	assert.NotContains(t, res.Body, "child-data")
	again, err := s.store.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, got, again, "the earlier request is unchanged")
}

// TestFormSubmissionIDsAreSignedByTheDesk: a form post whose submission
// ID the desk did not sign is refused (400, the form again in the page's
// language) and opens nothing; the form's own ID is accepted; the key is
// never logged.
func TestFormSubmissionIDsAreSignedByTheDesk(t *testing.T) {
	ctx := context.Background()
	s := startStack(t)
	var logs bytes.Buffer
	handle, err := newEntry(ctx, s.getenv, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	require.NoError(t, err)
	post := func(submissionID, lang string) events.APIGatewayV2HTTPResponse {
		body := url.Values{"submissionId": {submissionID}, "kinds": {"deletion"}, "name": {"Ada Example"},
			"email": {"ada@example.com"}, "lang": {lang}}.Encode()
		res, err := handle(ctx, events.APIGatewayV2HTTPRequest{
			Version: "2.0", RawPath: "/requests", Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}, Body: body,
			RequestContext: events.APIGatewayV2HTTPRequestContext{Stage: "$default",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodPost, Path: "/requests", Protocol: "HTTP/1.1", SourceIP: "127.0.0.1"}},
		})
		require.NoError(t, err)
		return res
	}
	for _, forged := range []string{"web-e2e-forged-000001", "web-AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		res := post(forged, "es")
		assert.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Contains(t, res.Body, "Este formulario no proviene de nuestro sitio")
		_, err := s.store.Get(ctx, request.WebID(forged, "ada@example.com"))
		assert.Error(t, err, "no request for a forged ID")
	}
	mails, err := outbox.Read(ctx, s.sesURL)
	require.NoError(t, err)
	assert.Empty(t, mails, "nothing sent for a refused post")

	id := formSubmissionID(t, handle)
	res := post(id, "en")
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	assert.Contains(t, res.Body, request.WebID(id, "ada@example.com"))
	assert.NotContains(t, logs.String(), submissionKey, "the key is never logged")
	assert.NotContains(t, logs.String(), "ada@example.com")
}
