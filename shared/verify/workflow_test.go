package verify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/handover"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/sesmail"
	"github.com/productionflow/privacy-desk/shared/sfn"
	"github.com/productionflow/privacy-desk/shared/standin"
	sesoutbox "github.com/productionflow/privacy-desk/shared/standin/outbox"
	"github.com/productionflow/privacy-desk/shared/states"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
	"github.com/productionflow/privacy-desk/shared/webform"
)

const (
	startARN = "arn:aws:lambda:us-east-1:123456789012:function:VerifyStartFunction"
	closeARN = "arn:aws:lambda:us-east-1:123456789012:function:VerifyCloseFunction"
	// fulfilARN stands for FulfilStartFunction: the hand-over to fulfilment.
	fulfilARN = "arn:aws:lambda:us-east-1:123456789012:function:FulfilStartFunction"
	answerARN = "arn:aws:lambda:us-east-1:123456789012:function:FulfilAnswerFunction"
	table     = "privacy-desk"
)

// newTable starts dynalite with the desk's table.
func newTable(t *testing.T) *dynamodb.Client {
	t.Helper()
	db := standin.Dynalite(t)
	ddb := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(db.URL) })
	require.NoError(t, dynamo.EnsureTable(context.Background(), ddb, table))
	return ddb
}

// stack is the request workflow in the local runtime on a virtual clock,
// with both functions backed by the real Service on dynalite and
// aws-ses-v2-local, and the confirm page completing the task through the
// runtime's Step Functions API.
type stack struct {
	rt     *states.Runtime
	clk    *states.VirtualClock
	arn    string
	store  *dynamo.Store
	sesURL string
	page   http.Handler
	svc    *verify.Service

	mu     sync.Mutex
	handed []string // requests handed over to fulfilment
}

// Start records the start of a fulfil execution (handover.WorkflowStarter).
func (s *stack) Start(_ context.Context, requestID string, _ any) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handed = append(s.handed, requestID)
	return "arn:aws:states:us-east-1:123456789012:execution:fulfil:" + requestID, nil
}

func (s *stack) handedOver() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.handed...)
}

func newStack(t *testing.T) *stack {
	t.Helper()
	ddb := newTable(t)
	ses := standin.SES(t)
	s := &stack{store: &dynamo.Store{API: ddb, Table: table}, sesURL: ses.URL}
	s.clk = states.NewVirtualClock(t0)
	s.rt = states.New(states.Options{Clock: s.clk})
	t.Cleanup(s.rt.Close)
	api := httptest.NewServer(s.rt.APIHandler())
	t.Cleanup(api.Close)

	s.svc = &verify.Service{
		Store: s.store, Tokens: &dynamo.Tokens{API: ddb, Table: table}, Issuer: token.Issuer{Now: s.clk.Now},
		Mail: &sesmail.Sender{API: sesv2.NewFromConfig(standin.Config(), func(o *sesv2.Options) { o.BaseEndpoint = aws.String(ses.URL) }),
			From: "privacy-desk@productionflow.example"},
		Tasks:    &sfn.Tasks{API: awssfn.NewFromConfig(standin.Config(), func(o *awssfn.Options) { o.BaseEndpoint = aws.String(api.URL) })},
		Now:      s.clk.Now,
		LinkBase: linkBase, FormURL: formURL, TeamAddress: team,
	}
	// The functions' entry points are the service's methods, as in their mains.
	s.rt.RegisterLambda(startARN, s.svc.Start)
	s.rt.RegisterLambda(closeARN, s.svc.Close)
	// The hand-over is the real launcher (it refuses a request it may not
	// fulfil); only the fulfil workflow's start is recorded.
	launcher := &handover.Launcher{Store: s.store, Workflow: s, Log: slog.New(slog.DiscardHandler)}
	s.rt.RegisterLambda(fulfilARN, launcher.Start)
	// Nothing here gets stuck: telling the team fails the test.
	s.rt.RegisterLambda(answerARN, func(_ context.Context, in map[string]any) (map[string]any, error) {
		t.Errorf("the team was told of a stuck request: %v", in["stage"])
		return map[string]any{}, nil
	})
	def, err := os.ReadFile(filepath.Join("..", "..", "workflows", "request.asl.json"))
	require.NoError(t, err)
	s.arn, err = s.rt.Register("request", def, map[string]string{"VerifyStartFunctionArn": startARN, "VerifyCloseFunctionArn": closeARN, "FulfilStartFunctionArn": fulfilARN,
		"FulfilAnswerFunctionArn": answerARN})
	require.NoError(t, err)
	s.page = webform.New(nil, webform.Config{Location: time.UTC, TeamAddress: team, Verifier: s.svc})
	return s
}

func (s *stack) start(t *testing.T, r request.Request, verifyIt bool) string {
	t.Helper()
	_, _, err := s.store.Create(context.Background(), &r)
	require.NoError(t, err)
	in, err := json.Marshal(map[string]any{"requestId": r.ID, "verify": verifyIt, "optOuts": len(r.OptOutKinds()) > 0})
	require.NoError(t, err)
	info, err := s.rt.Start(s.arn, r.ID, string(in))
	require.NoError(t, err)
	return info.ExecutionARN
}

// entered lists the states the execution entered, in order.
func (s *stack) entered(t *testing.T, arn string) []string {
	t.Helper()
	hist, err := s.rt.History(arn)
	require.NoError(t, err)
	var names []string
	for _, e := range hist {
		if strings.HasSuffix(e.Type, "StateEntered") {
			names = append(names, fmt.Sprint(e.Details["name"]))
		}
	}
	return names
}

func (s *stack) wait(t *testing.T, arn string) states.ExecutionInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	info, err := s.rt.Wait(ctx, arn)
	require.NoError(t, err)
	require.Equal(t, states.StatusSucceeded, info.Status, info.Error+": "+info.Cause)
	return info
}

func (s *stack) mailsAbout(t *testing.T, id string) []sesoutbox.Email {
	t.Helper()
	all, err := sesoutbox.Read(context.Background(), s.sesURL)
	require.NoError(t, err)
	var out []sesoutbox.Email
	for _, m := range all {
		if strings.Contains(m.Subject, id) {
			out = append(out, m)
		}
	}
	return out
}

func (s *stack) status(t *testing.T, id string) request.Status {
	t.Helper()
	r, err := s.store.Get(context.Background(), id)
	require.NoError(t, err)
	return r.Status
}

func (s *stack) serve(r *http.Request) (int, string) {
	w := httptest.NewRecorder()
	s.page.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

// linkIn finds the confirm link in a mail's text.
func linkIn(t *testing.T, text string) *url.URL {
	t.Helper()
	i := strings.Index(text, linkBase+"?")
	require.GreaterOrEqual(t, i, 0, "no link in:\n%s", text)
	u, err := url.Parse(strings.Fields(text[i:])[0])
	require.NoError(t, err)
	assert.Equal(t, []string{"t"}, keys(u.Query()), "the link carries the token and nothing else")
	return u
}

func keys(v url.Values) []string {
	var out []string
	for k := range v {
		out = append(out, k)
	}
	return out
}

func TestWorkflowRequesterConfirms(t *testing.T) {
	s := newStack(t)
	r := acknowledged("PR-WFLW-0000-0000-0001", request.Deletion)
	release := s.clk.Hold() // the requester clicks within the week: keep the clock still
	defer release()
	arn := s.start(t, r, true)

	var mails []sesoutbox.Email
	require.Eventually(t, func() bool { mails = s.mailsAbout(t, r.ID); return len(mails) == 1 }, 10*time.Second, 20*time.Millisecond)
	m := mails[0]
	assert.Equal(t, []string{requester}, m.To)
	link := linkIn(t, m.Text)
	raw := link.Query().Get("t")

	code, body := s.serve(httptest.NewRequest(http.MethodGet, "/verify?"+link.RawQuery, nil))
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, "Confirm your privacy request "+r.ID)
	assert.Equal(t, request.Verifying, s.status(t, r.ID), "opening the link verifies nothing")

	post := httptest.NewRequest(http.MethodPost, "/verify", strings.NewReader(url.Values{"t": {raw}}.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	code, body = s.serve(post)
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, "Thank you, you are verified")
	release()

	info := s.wait(t, arn)
	assert.Equal(t, request.Verified, s.status(t, r.ID))
	var out struct {
		Verification struct {
			RequestID  string    `json:"requestId"`
			VerifiedAt time.Time `json:"verifiedAt"`
		} `json:"verification"`
	}
	require.NoError(t, json.Unmarshal([]byte(info.Output), &out))
	assert.Equal(t, r.ID, out.Verification.RequestID)
	assert.Equal(t, t0, out.Verification.VerifiedAt)
	assert.Equal(t, []string{r.ID}, s.handedOver(), "a verified request is handed to fulfilment, once")
	assert.Equal(t, []string{"NeedsVerification", "Verify", "Verified"}, s.entered(t, arn), "a deletion has no opt-outs to run at once: three transitions")
	assert.NotContains(t, info.Output, requester, "no personal data in the workflow state")
	assert.NotContains(t, info.Output, raw)

	code, _ = s.serve(httptest.NewRequest(http.MethodGet, "/verify?"+link.RawQuery, nil))
	assert.Equal(t, http.StatusGone, code, "the link worked once")
}

func TestWorkflowNobodyConfirms(t *testing.T) {
	s := newStack(t)
	r := acknowledged("PR-WFLW-0000-0000-0002", request.Deletion)
	arn := s.start(t, r, true)
	info := s.wait(t, arn)

	assert.Equal(t, t0.Add(7*24*time.Hour+time.Hour), s.clk.Now(), "the task timed out after 7 days and an hour")
	assert.Equal(t, request.Unverified, s.status(t, r.ID))
	assert.JSONEq(t, `{"closed":true,"noticeSent":true,"verified":false}`, mustField(t, info.Output, "close"))
	assert.Empty(t, s.handedOver(), "an unverified request is never fulfilled")
	mails := s.mailsAbout(t, r.ID)
	require.Len(t, mails, 2, "the link, then the notice")
	notice := mails[1]
	assert.Equal(t, []string{requester}, notice.To)
	assert.Contains(t, notice.Text, "never confirmed")
	assert.Contains(t, notice.Text, "Do not sell or share my data", "a deletion is offered an opt-out of sale instead")
	assert.Contains(t, notice.Text, formURL)

	code, body := s.serve(httptest.NewRequest(http.MethodGet, "/verify?"+linkIn(t, mails[0].Text).RawQuery, nil))
	assert.Equal(t, http.StatusGone, code)
	assert.Contains(t, body, "expired")

	evs, err := s.store.Events(context.Background(), r.ID)
	require.NoError(t, err)
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	assert.Equal(t, []string{verify.ActionSent, verify.ActionUnverified, verify.ActionNoticeSent}, actions)
}

// TestWorkflowVerifiedButTaskNeverCompleted: the requester used the link
// in time but completing the task failed and was never retried. When the
// wait times out, the close path finds the request verified and the
// workflow hands it to fulfilment instead of leaving it verified forever.
func TestWorkflowVerifiedButTaskNeverCompleted(t *testing.T) {
	s := newStack(t)
	r := acknowledged("PR-WFLW-0000-0000-0004", request.Deletion)
	release := s.clk.Hold()
	defer release()
	arn := s.start(t, r, true)
	require.Eventually(t, func() bool { return len(s.mailsAbout(t, r.ID)) == 1 }, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, s.store.SetStatus(context.Background(), r.ID, request.Verifying, request.Verified, t0.Add(time.Hour)))
	release()

	info := s.wait(t, arn)
	assert.Equal(t, request.Verified, s.status(t, r.ID))
	assert.JSONEq(t, `{"closed":false,"noticeSent":false,"verified":true}`, mustField(t, info.Output, "close"))
	assert.Equal(t, []string{r.ID}, s.handedOver())
	assert.Len(t, s.mailsAbout(t, r.ID), 1, "no closing notice")
}

func TestWorkflowOnlyOptOuts(t *testing.T) {
	s := newStack(t)
	r := acknowledged("PR-WFLW-0000-0000-0003", request.OptOutSale)
	r.Status = request.Received
	info := s.wait(t, s.start(t, r, false))
	assert.Equal(t, t0, s.clk.Now(), "succeeded at once")
	assert.Empty(t, s.mailsAbout(t, r.ID))
	assert.Equal(t, request.Received, s.status(t, r.ID))
	assert.NotContains(t, info.Output, "verification")
	assert.Equal(t, []string{r.ID}, s.handedOver(), "opt-outs are carried out without verification")
	assert.Equal(t, []string{"NeedsVerification", "Verified"}, s.entered(t, info.ExecutionARN), "straight to fulfilment")
}

// TestWorkflowOptOutsAndMoreRunTheOptOutsAtOnce: a request with opt-outs
// and a deletion hands its opt-outs over before verification.
func TestWorkflowOptOutsAndMoreRunTheOptOutsAtOnce(t *testing.T) {
	s := newStack(t)
	r := acknowledged("PR-WFLW-0000-0000-0009", request.OptOutSale, request.Deletion)
	release := s.clk.Hold()
	arn := s.start(t, r, true)
	require.Eventually(t, func() bool { return len(s.handedOver()) == 1 }, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, []string{"NeedsVerification", "OptOutsAtOnce", "Verify"}, s.entered(t, arn))
	release()
}

func TestWorkflowWithdrawnOptOutIsNotHandedOver(t *testing.T) {
	s := newStack(t)
	r := acknowledged("PR-WFLW-0000-0000-0005", request.OptOutSale)
	r.Status = request.Withdrawn
	info := s.wait(t, s.start(t, r, false))
	assert.Empty(t, s.handedOver(), "a withdrawn request is not carried out")
	assert.Contains(t, mustField(t, info.Output, "closed"), "RequestStateError")
}

func mustField(t *testing.T, doc, field string) string {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(doc), &m))
	return string(m[field])
}

// TestConcurrentConfirmsUseTheLinkOnce sends five confirmations of one link
// at once against the dynamo token store: one wins.
func TestConcurrentConfirmsUseTheLinkOnce(t *testing.T) {
	ctx := context.Background()
	ddb := newTable(t)
	store := &dynamo.Store{API: ddb, Table: table}
	r := acknowledged("PR-CONC-0000-0000-0001", request.Deletion)
	_, _, err := store.Create(ctx, &r)
	require.NoError(t, err)
	out, tk := &outbox{}, &tasks{}
	now := func() time.Time { return t0 }
	svc := &verify.Service{Store: store, Tokens: &dynamo.Tokens{API: ddb, Table: table}, Issuer: token.Issuer{Now: now},
		Mail: out, Tasks: tk, Now: now, LinkBase: linkBase, TeamAddress: team}
	_, err = svc.Start(ctx, verify.StartInput{RequestID: r.ID, TaskToken: "task-conc"})
	require.NoError(t, err)
	raw := rawToken(out.messages()[0].Text)

	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() { _, errs[i] = svc.Confirm(ctx, raw) })
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		assert.ErrorIs(t, err, verify.ErrLinkUsed)
	}
	assert.Equal(t, 1, wins)
	assert.Equal(t, 1, tk.count(), "the workflow is told once")
	got, err := store.Get(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, request.Verified, got.Status)
}

// TestSampleEvents feeds events/verify-start.json and verify-close.json
// through the functions' entry points as Lambda decodes them.
func TestSampleEvents(t *testing.T) {
	ctx := context.Background()
	ddb := newTable(t)
	store := &dynamo.Store{API: ddb, Table: table}
	out := &outbox{}
	now := t0
	svc := &verify.Service{Store: store, Tokens: &dynamo.Tokens{API: ddb, Table: table}, Issuer: token.Issuer{Now: func() time.Time { return now }},
		Mail: out, Tasks: &tasks{}, Now: func() time.Time { return now }, LinkBase: linkBase, FormURL: formURL, TeamAddress: team}
	for _, name := range []string{"verify-start.json", "verify-close.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "events", name))
		require.NoError(t, err)
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		var in map[string]any
		require.NoError(t, dec.Decode(&in), name)
		id, _ := in["requestId"].(string)
		require.NotEmpty(t, id)
		if _, err := store.Get(ctx, id); errors.Is(err, request.ErrNotFound) {
			r := acknowledged(id, request.Deletion)
			_, _, err := store.Create(ctx, &r)
			require.NoError(t, err)
		}
	}
	startEvent, err := os.ReadFile(filepath.Join("..", "..", "events", "verify-start.json"))
	require.NoError(t, err)
	res, serr := states.LambdaHandler(svc.Start)(ctx, startEvent)
	require.Nil(t, serr)
	assert.Contains(t, string(res), `"mailed":true`)

	now = t0.Add(verify.DefaultTTL + time.Hour)
	closeEvent, err := os.ReadFile(filepath.Join("..", "..", "events", "verify-close.json"))
	require.NoError(t, err)
	res, serr = states.LambdaHandler(svc.Close)(ctx, closeEvent)
	require.Nil(t, serr)
	assert.JSONEq(t, `{"requestId":"PR-ABCD-EFGH-IJKL-MNOP","closed":true,"noticeSent":true,"verified":false}`, string(res))
	assert.Len(t, out.messages(), 2)
}
