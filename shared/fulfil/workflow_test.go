package fulfil_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/dynamo/task"
	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/s3"
	"github.com/productionflow/privacy-desk/shared/sesmail"
	"github.com/productionflow/privacy-desk/shared/standin"
	sesoutbox "github.com/productionflow/privacy-desk/shared/standin/outbox"
	"github.com/productionflow/privacy-desk/shared/states"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/webform"
)

const (
	planARN   = "arn:aws:lambda:us-east-1:123456789012:function:FulfilPlanFunction"
	stepARN   = "arn:aws:lambda:us-east-1:123456789012:function:FulfilStepFunction"
	answerARN = "arn:aws:lambda:us-east-1:123456789012:function:FulfilAnswerFunction"
	tasksARN  = "arn:aws:lambda:us-east-1:123456789012:function:FulfilTasksFunction"
)

// fakeSystem behaves like a small people API: search by email, export and
// delete by ID, 404 for an unknown person. failDeletes answers that many
// DELETEs with 500 first (503 with Retry-After when retryAfter is set);
// lying answers a DELETE 204 without deleting. now, when set, dates each
// DELETE in deleteTimes.
type fakeSystem struct {
	mu          sync.Mutex
	people      map[string]string // email → id
	failDeletes int
	retryAfter  string
	lying       bool
	deletes     int
	now         func() time.Time
	deleteTimes []time.Time
}

func (f *fakeSystem) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/") // <sys>/people[/<id>[/export]]
	switch {
	case r.Method == http.MethodGet && len(parts) == 2:
		email := r.URL.Query().Get("email")
		id, ok := f.people[email]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":"not found"}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"people": []any{map[string]string{"id": id, "email": email}}})
	case r.Method == http.MethodGet && len(parts) == 4:
		for email, id := range f.people {
			if id == parts[2] {
				_ = json.NewEncoder(w).Encode(map[string]any{"profile": map[string]string{"email": email, "name": "Jane Doe"}, "orders": []any{map[string]any{"id": "o-1", "total": 12.5}}})
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
	case r.Method == http.MethodDelete && len(parts) == 3:
		f.deletes++
		if f.now != nil {
			f.deleteTimes = append(f.deleteTimes, f.now())
		}
		if f.failDeletes > 0 {
			f.failDeletes--
			if f.retryAfter != "" {
				w.Header().Set("Retry-After", f.retryAfter)
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if !f.lying {
			for email, id := range f.people {
				if id == parts[2] {
					delete(f.people, email)
				}
			}
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusBadRequest)
	}
}

// registryFor declares three systems on the fake server: two that erase
// and export, and one under legal hold that only finds and exports.
func registryFor(t *testing.T, base string) *system.Registry {
	t.Helper()
	var b strings.Builder
	b.WriteString("systems:\n")
	for _, name := range []string{"accounts", "support"} {
		fmt.Fprintf(&b, `  - name: %[1]s
    title: The %[1]s system
    owner: %[1]s-team@productionflow.example
    categories: [contact, orders]
    actions:
      find:
        kind: http
        calls:
          - method: GET
            url: %[2]s/%[1]s/people?email={email}
            success: [200]
            notFound: [404]
            found: "$.people[0].id"
            match: {email: "$.people[0].email"}
            capture: {accountId: "$.people[0].id"}
      export:
        kind: http
        calls:
          - method: GET
            url: %[2]s/%[1]s/people/{accountId}/export
            success: [200]
            notFound: [404]
            data: {contact: "$.profile", orders: "$.orders[*]"}
      erase:
        kind: http
        calls:
          - method: DELETE
            url: %[2]s/%[1]s/people/{accountId}
            success: [204]
            notFound: [404]
`, name, base)
	}
	fmt.Fprintf(&b, `  - name: credit
    title: Credit checks and invoice factoring
    owner: credit@productionflow.example
    categories: [invoices]
    actions:
      find:
        kind: http
        calls:
          - method: GET
            url: %[1]s/credit/people?email={email}
            success: [200]
            notFound: [404]
            found: "$.people[0].id"
            match: {email: "$.people[0].email"}
            capture: {accountId: "$.people[0].id"}
    holds:
      - category: invoices
        reason: Invoices and factoring records are financial records we must keep.
        law: Financial record-keeping law (26 U.S.C. § 6001)
        until: 7 years after the invoice
  - name: analytics
    title: Analytics
    owner: web@productionflow.example
    categories: [usage]
    actions:
      correct:
        kind: manual
        task: Correct the record.
`, base)
	reg, err := system.Load(strings.NewReader(b.String()), system.Options{Template: system.TemplateOptions{AllowLocalHTTP: true}})
	require.NoError(t, err)
	return reg
}

type flow struct {
	rt      *states.Runtime
	clk     *states.VirtualClock
	arn     string
	store   *dynamo.Store
	sesURL  string
	s3      *awss3.Client
	tokens  *dynamo.Tokens
	systems map[string]*fakeSystem
	owners  *fakeOwnerMail
	svc     *fulfil.Service
	logs    *strings.Builder
	inputs  []string // every payload the workflow passed to a task
	mu      sync.Mutex
	// answerDown makes every answer to the requester fail as if the mail
	// service were down; the team's notice still goes out.
	answerDown bool
}

func newFlow(t *testing.T) *flow {
	t.Helper()
	return newFlowWith(t, nil, nil)
}

// newFlowWith runs the fulfil workflow with reg (nil: three systems on a
// fake API server and one manual) on clk (nil: a virtual clock that jumps
// whenever the runtime is idle).
func newFlowWith(t *testing.T, reg *system.Registry, clk *states.VirtualClock) *flow {
	t.Helper()
	def, err := os.ReadFile(filepath.Join("..", "..", "workflows", "fulfil.asl.json"))
	require.NoError(t, err)
	return newFlowOf(t, reg, clk, def)
}

// newFlowOf is newFlowWith on the workflow definition def.
func newFlowOf(t *testing.T, reg *system.Registry, clk *states.VirtualClock, def []byte) *flow {
	t.Helper()
	ctx := context.Background()
	db, ses := standin.Dynalite(t), standin.SES(t)
	ddb := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(db.URL) })
	require.NoError(t, dynamo.EnsureTable(ctx, ddb, "privacy-desk"))
	sesClient := sesv2.NewFromConfig(standin.Config(), func(o *sesv2.Options) { o.BaseEndpoint = aws.String(ses.URL) })

	s3srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(s3srv.Close)
	s3c := awss3.NewFromConfig(standin.Config(), func(o *awss3.Options) {
		o.BaseEndpoint = aws.String(s3srv.URL)
		o.UsePathStyle = true
	})
	_, err := s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("exports")})
	require.NoError(t, err)

	f := &flow{store: &dynamo.Store{API: ddb, Table: "privacy-desk"}, sesURL: ses.URL, s3: s3c, logs: &strings.Builder{}, systems: map[string]*fakeSystem{},
		tokens: &dynamo.Tokens{API: ddb, Table: "privacy-desk"}}
	f.owners = &fakeOwnerMail{}
	mux := http.NewServeMux()
	for _, name := range []string{"accounts", "support", "credit"} {
		fs := &fakeSystem{people: map[string]string{janeEmail: name + "-42"}}
		f.systems[name] = fs
		mux.Handle("/"+name+"/", fs)
	}
	apis := httptest.NewServer(mux)
	t.Cleanup(apis.Close)

	if clk == nil {
		clk = states.NewVirtualClock(t0)
	}
	f.clk = clk
	f.rt = states.New(states.Options{Clock: clk})
	t.Cleanup(f.rt.Close)
	log := slog.New(slog.NewJSONHandler(&syncWriter{w: f.logs, mu: &f.mu}, nil))
	if reg == nil {
		reg = registryFor(t, apis.URL)
	}
	runner := &connector.Runner{HTTP: &connector.HTTP{Client: apis.Client(), Now: clk.Now, Log: log, Template: system.TemplateOptions{AllowLocalHTTP: true}}}
	svc := &fulfil.Service{
		Store: f.store, Registry: reg, Systems: runner,
		Eraser: &connector.Eraser{Systems: runner, Audit: fulfil.RecordFunc(f.store.AppendEvent), Now: clk.Now, Log: log},
		Tasks:  &task.Store{API: ddb, Table: "privacy-desk"}, OwnerMail: f.owners,
		Complete: func(_ context.Context, tok string, out json.RawMessage) error {
			return f.rt.SendTaskSuccess(tok, string(out))
		},
		Parts: &s3.Parts{API: s3c, Bucket: "exports", KMSKeyID: "alias/privacy-desk", Prefix: s3.PartsPrefix},
		Packages: &export.Store{Packages: &s3.Packages{API: s3c, Bucket: "exports", KMSKeyID: "alias/privacy-desk"},
			Prefix: "exports/", Now: clk.Now},
		Downloads: &export.Links{Tokens: f.tokens, Issuer: &token.Issuer{Now: clk.Now}, PageURL: "https://privacy.productionflow.example/download"},
		Mail:      &sesmail.Sender{API: sesClient, From: "privacy-desk@productionflow.example"},
		Now:       clk.Now, Log: log, TeamAddress: team, Location: time.UTC,
	}
	record := func(v any) {
		b, _ := json.Marshal(v)
		f.mu.Lock()
		f.inputs = append(f.inputs, string(b))
		f.mu.Unlock()
	}
	f.rt.RegisterLambda(planARN, func(ctx context.Context, in fulfil.PlanInput) (fulfil.PlanOutput, error) {
		record(in)
		return svc.Plan(ctx, in)
	})
	f.rt.RegisterLambda(stepARN, func(ctx context.Context, in fulfil.RunInput) (fulfil.RunOutput, error) {
		record(in)
		return svc.Run(ctx, in)
	})
	f.rt.RegisterLambda(tasksARN, func(ctx context.Context, in fulfil.OwnersInput) (fulfil.OwnersOutput, error) {
		record(in)
		return svc.Owners(ctx, in)
	})
	f.svc = svc
	f.rt.RegisterLambda(answerARN, func(ctx context.Context, in fulfil.AnswerInput) (fulfil.AnswerOutput, error) {
		record(in)
		f.mu.Lock()
		down := f.answerDown
		f.mu.Unlock()
		if down && in.Failure == nil {
			return fulfil.AnswerOutput{}, &fulfil.TransientError{RequestID: in.RequestID, Op: "send answer", Err: errors.New("Throttling")}
		}
		return svc.Answer(ctx, in)
	})
	f.arn, err = f.rt.Register("fulfil", def, map[string]string{
		"FulfilPlanFunctionArn": planARN, "FulfilStepFunctionArn": stepARN, "FulfilAnswerFunctionArn": answerARN, "FulfilTasksFunctionArn": tasksARN,
	})
	require.NoError(t, err)
	return f
}

type syncWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// run stores a verified request of these kinds and runs the workflow to its end.
func (f *flow) run(t *testing.T, id string, kinds ...request.Kind) fulfil.AnswerOutput {
	t.Helper()
	return f.wait(t, f.start(t, id, kinds...))
}

// start stores a verified request of these kinds and starts the workflow.
func (f *flow) start(t *testing.T, id string, kinds ...request.Kind) string {
	t.Helper()
	_, _, err := f.store.Create(context.Background(), &request.Request{
		ID: id, SourceID: id, Kinds: kinds, Status: request.Verified, Channel: request.Web, Priority: request.Normal,
		Requester: request.Identity{Name: "Jane Doe", Email: janeEmail}, ReceivedAt: t0.Add(-72 * time.Hour),
	})
	require.NoError(t, err)
	info, err := f.rt.Start(f.arn, id, `{"requestId":"`+id+`"}`)
	require.NoError(t, err)
	return info.ExecutionARN
}

// wait waits for the execution to succeed and checks that nothing personal
// passed through it.
func (f *flow) wait(t *testing.T, arn string) fulfil.AnswerOutput {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	info, err := f.rt.Wait(ctx, arn)
	require.NoError(t, err)
	require.Equal(t, states.StatusSucceeded, info.Status, info.Error+": "+info.Cause)
	var out fulfil.AnswerOutput
	require.NoError(t, json.Unmarshal([]byte(info.Output), &out))

	// Nothing personal passes through the workflow or the logs.
	hist, err := f.rt.History(info.ExecutionARN)
	require.NoError(t, err)
	h, _ := json.Marshal(hist)
	for _, s := range []string{janeEmail, "Jane Doe"} {
		assert.NotContains(t, string(h), s)
		assert.NotContains(t, info.Output, s)
		f.mu.Lock()
		assert.NotContains(t, strings.Join(f.inputs, "\n"), s)
		assert.NotContains(t, f.logs.String(), s)
		f.mu.Unlock()
	}
	return out
}

func (f *flow) mailTo(t *testing.T, to, id string) []sesoutbox.Email {
	t.Helper()
	all, err := sesoutbox.Read(context.Background(), f.sesURL)
	require.NoError(t, err)
	var out []sesoutbox.Email
	for _, m := range all {
		if strings.Contains(m.Subject, id) && len(m.To) == 1 && m.To[0] == to {
			out = append(out, m)
		}
	}
	return out
}

func (f *flow) events(t *testing.T, id, action string) []request.Event {
	t.Helper()
	evs, err := f.store.Events(context.Background(), id)
	require.NoError(t, err)
	var out []request.Event
	for _, ev := range evs {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

func status(t *testing.T, f *flow, id string) request.Status {
	t.Helper()
	r, err := f.store.Get(context.Background(), id)
	require.NoError(t, err)
	return r.Status
}

func TestWorkflowDeletion(t *testing.T) {
	f := newFlow(t)
	f.systems["support"].failDeletes = 2

	out := f.run(t, "PR-DEL1", request.Deletion)
	assert.True(t, out.Completed)
	assert.Equal(t, request.Completed, status(t, f, "PR-DEL1"))

	proofs := f.events(t, "PR-DEL1", connector.ActionErasureProof)
	require.Len(t, proofs, 2)
	for _, p := range proofs {
		assert.Equal(t, "false", p.Data["found"], p.Data["system"])
	}
	assert.Equal(t, 3, f.systems["support"].deletes, "two 500s were retried")
	failed := f.events(t, "PR-DEL1", fulfil.ActionStepFailed)
	require.Len(t, failed, 2, "each failed attempt is on the trail")
	for i, ev := range failed {
		assert.Equal(t, "support", ev.Data["system"])
		assert.Equal(t, "RetryableError", ev.Data["error"])
		assert.Equal(t, strconv.Itoa(i+1), ev.Data["attempt"])
		assert.Equal(t, "true", ev.Data["retry"])
	}
	assert.Empty(t, f.systems["accounts"].people)
	assert.NotEmpty(t, f.systems["credit"].people, "the held system is not erased")
	withheld := f.events(t, "PR-DEL1", connector.ActionErasureWithheld)
	require.Len(t, withheld, 1)
	assert.Equal(t, "invoices", withheld[0].Data["category"])

	mails := f.mailTo(t, janeEmail, "PR-DEL1")
	require.Len(t, mails, 1)
	assert.Contains(t, mails[0].Text, "The support system: deleted; we checked afterwards")
	assert.Contains(t, mails[0].Text, "Invoices and factoring records are financial records we must keep.")
	assert.Contains(t, mails[0].Text, "Financial record-keeping law (26 U.S.C. § 6001)")
	assert.Contains(t, mails[0].Text, "Analytics", "the system the request does not concern is named")
	assert.Len(t, f.events(t, "PR-DEL1", fulfil.ActionAnswered), 1)
}

// TestWorkflowRetryAfterIsHonoured: a system that answers 503 with
// Retry-After is called again no sooner than it asked (on the virtual
// clock), and the other systems are not held back by it.
func TestWorkflowRetryAfterIsHonoured(t *testing.T) {
	f := newFlow(t)
	sup := f.systems["support"]
	sup.failDeletes, sup.retryAfter, sup.now = 2, "600", f.clk.Now

	out := f.run(t, "PR-RA1", request.Deletion)
	assert.True(t, out.Completed)
	require.Len(t, sup.deleteTimes, 3)
	for i := 1; i < len(sup.deleteTimes); i++ {
		gap := sup.deleteTimes[i].Sub(sup.deleteTimes[i-1])
		assert.GreaterOrEqual(t, gap, 600*time.Second, "attempt %d came %s after the one before", i+1, gap)
	}
	assert.Empty(t, f.systems["accounts"].people, "the other system was erased in the first round")
}

// TestWorkflowSystemDownForGood: a system failing every round is tried
// MaxRounds times, each attempt recorded, then reported to the team; the
// others are done.
func TestWorkflowSystemDownForGood(t *testing.T) {
	f := newFlow(t)
	f.systems["support"].failDeletes = 1000

	out := f.run(t, "PR-DOWN1", request.Deletion)
	assert.True(t, out.NeedsAttention)
	assert.Equal(t, fulfil.MaxRounds, f.systems["support"].deletes)
	failed := f.events(t, "PR-DOWN1", fulfil.ActionStepFailed)
	require.Len(t, failed, fulfil.MaxRounds)
	assert.Equal(t, "false", failed[len(failed)-1].Data["retry"], "the last attempt says no retry follows")
	team := f.mailTo(t, team, "PR-DOWN1")
	require.Len(t, team, 1)
	assert.Contains(t, team[0].Text, "support (erase): RetryableError")
	assert.Empty(t, f.systems["accounts"].people)
}

func TestWorkflowErasureNotProven(t *testing.T) {
	f := newFlow(t)
	f.systems["support"].lying = true

	out := f.run(t, "PR-DEL2", request.Deletion)
	assert.False(t, out.Completed)
	assert.True(t, out.NeedsAttention)
	assert.Equal(t, request.InProgress, status(t, f, "PR-DEL2"))
	assert.Empty(t, f.systems["accounts"].people, "the other systems were still erased")

	team := f.mailTo(t, team, "PR-DEL2")
	require.Len(t, team, 1)
	assert.Contains(t, team[0].Text, "support (erase): ErasureNotProvenError")
	assert.Empty(t, f.mailTo(t, janeEmail, "PR-DEL2"), "the requester is answered once the team has finished")
	assert.Len(t, f.events(t, "PR-DEL2", fulfil.ActionNeedsAttention), 1)
	var found []string
	for _, p := range f.events(t, "PR-DEL2", connector.ActionErasureProof) {
		found = append(found, p.Data["system"]+"="+p.Data["found"])
	}
	assert.ElementsMatch(t, []string{"accounts=false", "support=true"}, found)
}

// TestWorkflowAnswerCannotBeSent: the answer fails through all its
// retries. The request is not left in progress unseen: the team is told
// once, and the execution ends failed.
func TestWorkflowAnswerCannotBeSent(t *testing.T) {
	f := newFlow(t)
	f.answerDown = true
	arn := f.start(t, "PR-ANS1", request.Deletion)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	info, err := f.rt.Wait(ctx, arn)
	require.NoError(t, err)
	assert.Equal(t, states.StatusFailed, info.Status)
	assert.Equal(t, "FulfilmentFailed", info.Error)

	team := f.mailTo(t, team, "PR-ANS1")
	require.Len(t, team, 1)
	assert.Contains(t, team[0].Text, "TransientError")
	assert.Empty(t, f.mailTo(t, janeEmail, "PR-ANS1"))
	assert.Len(t, f.events(t, "PR-ANS1", fulfil.ActionStageFailed), 1)
	assert.Equal(t, request.InProgress, status(t, f, "PR-ANS1"))
	hist, err := f.rt.History(info.ExecutionARN)
	require.NoError(t, err)
	h, _ := json.Marshal(hist)
	assert.NotContains(t, string(h), janeEmail)
}

// TestWorkflowWithdrawnBeforePlan: a request withdrawn before fulfilment
// began ends the workflow quietly: nothing done, nobody told it was done.
func TestWorkflowWithdrawnBeforePlan(t *testing.T) {
	f := newFlow(t)
	_, _, err := f.store.Create(context.Background(), &request.Request{
		ID: "PR-WDN1", SourceID: "PR-WDN1", Kinds: []request.Kind{request.Deletion}, Status: request.InProgress, Channel: request.Web,
		Priority: request.Normal, Requester: request.Identity{Name: "Jane Doe", Email: janeEmail}, ReceivedAt: t0.Add(-72 * time.Hour),
	})
	require.NoError(t, err)
	require.NoError(t, f.store.AppendEvent(context.Background(), request.Event{RequestID: "PR-WDN1", At: t0, Actor: "requester", Action: "verified"}))
	require.NoError(t, f.store.SetStatus(context.Background(), "PR-WDN1", request.InProgress, request.Withdrawn, t0))
	info, err := f.rt.Start(f.arn, "PR-WDN1", `{"requestId":"PR-WDN1"}`)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	done, err := f.rt.Wait(ctx, info.ExecutionARN)
	require.NoError(t, err)
	assert.Equal(t, states.StatusSucceeded, done.Status, done.Error)
	assert.Empty(t, f.mailTo(t, janeEmail, "PR-WDN1"))
	assert.Equal(t, request.Withdrawn, status(t, f, "PR-WDN1"))
	assert.NotEmpty(t, f.systems["accounts"].people, "nothing erased")
}

func TestWorkflowAccess(t *testing.T) {
	f := newFlow(t)

	out := f.run(t, "PR-ACC1", request.AccessSpecific)
	assert.True(t, out.Completed)
	assert.Equal(t, request.Completed, status(t, f, "PR-ACC1"))

	written := f.events(t, "PR-ACC1", fulfil.ActionPackageWritten)
	require.Len(t, written, 1)
	key := written[0].Data["key"]
	assert.True(t, strings.HasPrefix(key, "exports/PR-ACC1/access-"), key)
	obj, err := f.s3.HeadObject(context.Background(), &awss3.HeadObjectInput{Bucket: aws.String("exports"), Key: aws.String(key)})
	require.NoError(t, err)
	assert.Positive(t, aws.ToInt64(obj.ContentLength))
	// The parts it was built from are deleted once the requester is
	// answered: only the package (deleted 8 days on) holds the copy.
	parts, err := f.s3.ListObjectsV2(context.Background(), &awss3.ListObjectsV2Input{Bucket: aws.String("exports"), Prefix: aws.String(s3.PartsPrefix + "PR-ACC1/")})
	require.NoError(t, err)
	assert.Empty(t, parts.Contents)
	exported := 0
	for _, ev := range f.events(t, "PR-ACC1", request.ActionStepDone) {
		if ev.Data["action"] == "export" {
			exported++
		}
	}
	assert.Positive(t, exported, "parts were written")

	mails := f.mailTo(t, janeEmail, "PR-ACC1")
	require.Len(t, mails, 1)
	text := mails[0].Text
	assert.NotContains(t, text, "X-Amz-", "no presigned S3 link in the mail: it would die with the function's credentials")
	assert.NotContains(t, text, "o-1", "the data itself is never in the mail")
	m := regexp.MustCompile(`https://privacy\.productionflow\.example/download\?t=([A-Za-z0-9_-]{43})\b`).FindStringSubmatch(text)
	require.NotNil(t, m, "the mail links to the desk's download page:\n%s", text)
	f.mu.Lock()
	assert.NotContains(t, f.logs.String(), m[1], "the token is never logged")
	f.mu.Unlock()

	// The page, as the intake function serves it: GET shows, POST opens.
	page := webform.New(nil, webform.Config{TeamAddress: team, Downloads: &export.Downloads{
		Tokens: f.tokens, Signer: &s3.Packages{Presign: s3.NewPresignClient(f.s3, f.clk.Now), Bucket: "exports"}, Prefix: "exports/",
		Now: f.clk.Now, Grace: export.DownloadGrace,
	}})
	rec := httptest.NewRecorder()
	page.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/download?t="+m[1], nil))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), "Your data is ready")
	hash, err := token.Hash(m[1])
	require.NoError(t, err)
	tr, err := f.tokens.Get(context.Background(), hash)
	require.NoError(t, err)
	assert.False(t, tr.Used, "showing the page uses nothing")
	assert.Equal(t, token.Download, tr.Purpose)

	post := httptest.NewRequest(http.MethodPost, "/download", strings.NewReader(url.Values{"t": {m[1]}}.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	page.ServeHTTP(rec, post)
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	to := rec.Header().Get("Location")
	assert.Contains(t, to, "X-Amz-Expires=600", "the file's link is signed for 10 minutes, when pressed")
	resp, err := http.Get(to)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	require.NoError(t, err, "the package itself")
	assert.NotEmpty(t, zr.File)
}

func TestWorkflowManualStepWaitsForTheOwner(t *testing.T) {
	clk := states.NewManualClock(t0)
	f := newFlowWith(t, nil, clk)
	ctx := context.Background()
	arn := f.start(t, "PR-COR1", request.Correction)
	require.NoError(t, clk.WaitIdle(ctx))
	assert.Equal(t, []string{"analytics correct"}, f.owners.sent, "the owner is mailed when fulfilment starts")
	info, err := f.rt.Describe(arn)
	require.NoError(t, err)
	assert.Equal(t, states.StatusRunning, info.Status, "the workflow waits for the owner")

	// What the task page does when the owner answers.
	require.NoError(t, f.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-COR1", System: "analytics", Action: system.Correct, State: connector.TaskDone}))
	out := f.wait(t, arn)
	assert.True(t, out.Completed)
	mails := f.mailTo(t, janeEmail, "PR-COR1")
	require.Len(t, mails, 1)
	assert.Contains(t, mails[0].Text, "Analytics: done by hand\n")
}

func TestWorkflowSevenOwnersHaveTheirTasksAtOnceAndAreReminded(t *testing.T) {
	clk := states.NewManualClock(t0)
	f := newFlowWith(t, sevenManual(t), clk)
	ctx := context.Background()
	arn := f.start(t, "PR-SEVEN", request.Deletion)
	require.NoError(t, clk.WaitIdle(ctx))
	f.owners.mu.Lock()
	assert.Len(t, f.owners.sent, 7, "every owner has their task at t=0")
	f.owners.mu.Unlock()

	clk.Advance(47 * time.Hour)
	require.NoError(t, clk.WaitIdle(ctx))
	assert.Empty(t, f.owners.reminded, "nobody is reminded two days before the due time")
	clk.Advance(time.Hour)
	require.NoError(t, clk.WaitIdle(ctx))
	f.owners.mu.Lock()
	assert.Len(t, f.owners.reminded, 7, "every owner is reminded a day before the due time")
	f.owners.mu.Unlock()

	for i := 1; i <= 7; i++ {
		require.NoError(t, f.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-SEVEN", System: fmt.Sprintf("sys-%d", i), Action: system.Erase, State: connector.TaskDone}))
	}
	out := f.wait(t, arn)
	assert.True(t, out.Completed)
	mails := f.mailTo(t, janeEmail, "PR-SEVEN")
	require.Len(t, mails, 1)
	for i := 1; i <= 7; i++ {
		assert.Contains(t, mails[0].Text, fmt.Sprintf("  - System %d: deleted by hand\n", i), "no hold: nothing said to be kept")
	}
}
