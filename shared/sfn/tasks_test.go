package sfn_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/sfn"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/states"
)

// A workflow that hands a task token to "Ask" and waits for it; the task
// gives up after an hour of the runtime's clock. Its result is the
// answer, or {"failed": <error name>} when the task failed.
const askAndWait = `{"StartAt":"Ask","States":{
  "Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","TimeoutSeconds":3600,
    "Parameters":{"FunctionName":"Ask","Payload":{"token.$":"$$.Task.Token"}},"ResultPath":"$.answer",
    "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.failed","Next":"Failed"}],"End":true},
  "Failed":{"Type":"Pass","End":true}}}`

// waitingTask starts an execution of askAndWait in the local runtime and
// returns it, with the token of the task it waits on.
type waitingTask struct {
	rt     *states.Runtime
	clk    *states.VirtualClock
	tasks  *sfn.Tasks
	arn    string
	tokens chan string
}

func newWaitingTask(t *testing.T) *waitingTask {
	t.Helper()
	clk := states.NewManualClock(time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC))
	rt := states.New(states.Options{Clock: clk})
	t.Cleanup(rt.Close)
	w := &waitingTask{rt: rt, clk: clk, tokens: make(chan string, 4)}
	rt.RegisterFunction("Ask", func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
		var in struct{ Token string }
		if err := json.Unmarshal(p, &in); err != nil {
			return nil, err
		}
		w.tokens <- in.Token
		return json.RawMessage(`{}`), nil
	})
	machine, err := rt.Register("ask", []byte(askAndWait), nil)
	require.NoError(t, err)
	srv := httptest.NewServer(rt.APIHandler())
	t.Cleanup(srv.Close)
	client := awssfn.NewFromConfig(standin.Config(), func(o *awssfn.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	w.tasks = &sfn.Tasks{API: client}
	arn, err := (&sfn.Starter{API: client, StateMachineARN: machine}).Start(context.Background(), "PR-1", map[string]string{"requestId": "PR-1"})
	require.NoError(t, err)
	w.arn = arn
	return w
}

func (w *waitingTask) token(t *testing.T) string {
	t.Helper()
	select {
	case tok := <-w.tokens:
		return tok
	case <-time.After(10 * time.Second):
		t.Fatal("the workflow never handed out its task token")
		return ""
	}
}

func (w *waitingTask) result(t *testing.T) map[string]any {
	t.Helper()
	info, err := w.rt.Wait(context.Background(), w.arn)
	require.NoError(t, err)
	require.Equal(t, states.StatusSucceeded, info.Status)
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(info.Output), &out))
	return out
}

// TestTasksThroughTheSDK completes and fails tasks of the local Step
// Functions runtime through the real sfn client, and checks each error of
// the service comes back as the domain's.
func TestTasksThroughTheSDK(t *testing.T) {
	ctx := context.Background()
	t.Run("complete: the workflow receives the output", func(t *testing.T) {
		w := newWaitingTask(t)
		tok := w.token(t)
		require.NoError(t, w.tasks.Complete(ctx, tok, json.RawMessage(`{"verified":true}`)))
		assert.Equal(t, map[string]any{"verified": true}, w.result(t)["answer"])

		err := w.tasks.Complete(ctx, tok, json.RawMessage(`{}`))
		assert.ErrorIs(t, err, request.ErrTaskTimedOut, "a task completed already is reported as timed out, as Step Functions does")
	})
	t.Run("fail: the workflow's Catch receives the error name", func(t *testing.T) {
		w := newWaitingTask(t)
		require.NoError(t, w.tasks.Fail(ctx, w.token(t), "OwnerRefused", "the owner cannot do it"))
		failed, _ := w.result(t)["failed"].(map[string]any)
		assert.Equal(t, "OwnerRefused", failed["Error"])
	})
	t.Run("the wait ended first", func(t *testing.T) {
		w := newWaitingTask(t)
		tok := w.token(t)
		require.NoError(t, w.clk.WaitIdle(ctx))
		w.clk.Advance(2 * time.Hour)
		failed, _ := w.result(t)["failed"].(map[string]any)
		require.Equal(t, "States.Timeout", failed["Error"])
		assert.ErrorIs(t, w.tasks.Complete(ctx, tok, json.RawMessage(`{}`)), request.ErrTaskTimedOut)
		assert.ErrorIs(t, w.tasks.Fail(ctx, tok, "X", ""), request.ErrTaskTimedOut)
	})
	t.Run("no task has the token", func(t *testing.T) {
		w := newWaitingTask(t)
		w.token(t)
		assert.ErrorIs(t, w.tasks.Complete(ctx, "no-such-token", json.RawMessage(`{}`)), request.ErrTaskGone)
		assert.ErrorIs(t, w.tasks.Fail(ctx, "no-such-token", "X", ""), request.ErrTaskGone)
	})
}

// fakeTaskAPI answers every call with err.
type fakeTaskAPI struct{ err error }

func (f fakeTaskAPI) SendTaskSuccess(context.Context, *awssfn.SendTaskSuccessInput, ...func(*awssfn.Options)) (*awssfn.SendTaskSuccessOutput, error) {
	return &awssfn.SendTaskSuccessOutput{}, f.err
}

func (f fakeTaskAPI) SendTaskFailure(context.Context, *awssfn.SendTaskFailureInput, ...func(*awssfn.Options)) (*awssfn.SendTaskFailureOutput, error) {
	return &awssfn.SendTaskFailureOutput{}, f.err
}

// The local runtime never answers InvalidToken; Step Functions does for a
// token it cannot read.
func TestTaskErrorsAreClassified(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error // nil: neither domain error
	}{
		{"timed out", &types.TaskTimedOut{Message: aws.String("Task Timed Out")}, request.ErrTaskTimedOut},
		{"does not exist", &types.TaskDoesNotExist{Message: aws.String("gone")}, request.ErrTaskGone},
		{"invalid token", &types.InvalidToken{Message: aws.String("Invalid Token")}, request.ErrTaskGone},
		{"throttled", errors.New("ThrottlingException"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tasks := &sfn.Tasks{API: fakeTaskAPI{err: tt.err}}
			for _, err := range []error{
				tasks.Complete(context.Background(), "token", json.RawMessage(`{}`)),
				tasks.Fail(context.Background(), "token", "X", ""),
			} {
				require.Error(t, err)
				assert.ErrorIs(t, err, tt.err, "the service's error stays reachable for the log")
				if tt.want == nil {
					assert.NotErrorIs(t, err, request.ErrTaskTimedOut)
					assert.NotErrorIs(t, err, request.ErrTaskGone)
					continue
				}
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
}

// tokens gives the kept wait token of each request.
type tokens map[string]string

func (k tokens) OwnersWakeToken(_ context.Context, id string) (string, error) { return k[id], nil }

// TestWakeTheOwnersWait: the wake fails the kept wait with OwnersWake,
// which the workflow's Catch receives; no kept wait is ErrTaskGone.
func TestWakeTheOwnersWait(t *testing.T) {
	ctx := context.Background()
	w := newWaitingTask(t)
	kept := tokens{"PR-1": w.token(t)}
	waker := &sfn.OwnersWaker{Tokens: kept, Tasks: w.tasks}
	require.NoError(t, waker.WakeOwners(ctx, "PR-1"))
	failed, _ := w.result(t)["failed"].(map[string]any)
	assert.Equal(t, sfn.OwnersWake, failed["Error"])
	assert.ErrorIs(t, waker.WakeOwners(ctx, "PR-1"), request.ErrTaskTimedOut, "the wait is over")
	assert.ErrorIs(t, waker.WakeOwners(ctx, "PR-2"), request.ErrTaskGone, "no wait kept")
}
