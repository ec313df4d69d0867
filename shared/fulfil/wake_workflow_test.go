package fulfil_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/sfn"
	"github.com/productionflow/privacy-desk/shared/states"
)

// runtimeTasks hands task completions to the local runtime, as its
// Step Functions API does.
type runtimeTasks struct{ rt *states.Runtime }

func (r runtimeTasks) SendTaskSuccess(_ context.Context, in *awssfn.SendTaskSuccessInput, _ ...func(*awssfn.Options)) (*awssfn.SendTaskSuccessOutput, error) {
	return &awssfn.SendTaskSuccessOutput{}, r.rt.SendTaskSuccess(*in.TaskToken, *in.Output)
}

func (r runtimeTasks) SendTaskFailure(_ context.Context, in *awssfn.SendTaskFailureInput, _ ...func(*awssfn.Options)) (*awssfn.SendTaskFailureOutput, error) {
	return &awssfn.SendTaskFailureOutput{}, r.rt.SendTaskFailure(*in.TaskToken, *in.Error, *in.Cause)
}

// TestWorkflowATaskFinishedByHandIsCountedAtOnce: when the team finishes
// an owner's task by hand (the console records it and wakes the wait), the
// fulfilment counts it and answers the requester at once, not at the
// task's next reminder days later: the clock does not move.
func TestWorkflowATaskFinishedByHandIsCountedAtOnce(t *testing.T) {
	clk := states.NewManualClock(t0)
	f := newFlowWith(t, nil, clk)
	ctx := context.Background()
	arn := f.start(t, "PR-WAKE", request.Correction)
	require.NoError(t, clk.WaitIdle(ctx))
	require.Equal(t, []string{"analytics correct"}, f.owners.sent)

	// What the console's "Finish a step by hand" does.
	require.NoError(t, f.store.AppendEvent(ctx, request.Event{RequestID: "PR-WAKE", At: clk.Now(), Actor: "team:alice",
		Action: request.ActionStepDone, Once: "step-analytics-correct", Reason: "changed in the admin screen",
		Data: map[string]string{"system": "analytics", "action": "correct", "outcome": request.OutcomeByHand}}))
	waker := &sfn.OwnersWaker{Tokens: f.store, Tasks: &sfn.Tasks{API: runtimeTasks{f.rt}}}
	require.NoError(t, waker.WakeOwners(ctx, "PR-WAKE"))
	require.NoError(t, clk.WaitIdle(ctx))

	info, err := f.rt.Describe(arn)
	require.NoError(t, err)
	require.Equal(t, states.StatusSucceeded, info.Status, "answered without waiting for the next reminder")
	assert.Equal(t, t0, clk.Now())
	out := f.wait(t, arn)
	assert.True(t, out.Completed)
	mails := f.mailTo(t, janeEmail, "PR-WAKE")
	require.Len(t, mails, 1)
	assert.Empty(t, f.owners.reminded, "the owner is not reminded of a task the team finished")

	// The wait is over: a second wake is refused.
	assert.Error(t, waker.WakeOwners(ctx, "PR-WAKE"))
}

// TestWorkflowAnEarlierDefinitionsWaitIsNotWoken: an execution started on
// the definition before the wake (its wait neither says it may be woken
// nor catches OwnersWake) is not woken: the wake finds no wait to wake,
// and the execution goes on waiting, to count the task at its next wake,
// instead of failing on an error it does not catch.
func TestWorkflowAnEarlierDefinitionsWaitIsNotWoken(t *testing.T) {
	def, err := os.ReadFile(filepath.Join("..", "..", "workflows", "fulfil.asl.json"))
	require.NoError(t, err)
	earlier := strings.Replace(string(def), `"wakes": true,`, "", 1)
	earlier = strings.Replace(earlier, `"States.Timeout",
            "OwnersWake"`, `"States.Timeout"`, 1)
	require.NotEqual(t, string(def), earlier)
	require.NotContains(t, earlier, "OwnersWake\"")
	clk := states.NewManualClock(t0)
	f := newFlowOf(t, nil, clk, []byte(earlier))
	ctx := context.Background()
	arn := f.start(t, "PR-OLD1", request.Correction)
	require.NoError(t, clk.WaitIdle(ctx))

	waker := &sfn.OwnersWaker{Tokens: f.store, Tasks: &sfn.Tasks{API: runtimeTasks{f.rt}}}
	assert.ErrorIs(t, waker.WakeOwners(ctx, "PR-OLD1"), request.ErrTaskGone)
	require.NoError(t, clk.WaitIdle(ctx))
	info, err := f.rt.Describe(arn)
	require.NoError(t, err)
	assert.Equal(t, states.StatusRunning, info.Status, "still waiting for the owner, not failed")
	assert.Empty(t, f.events(t, "PR-OLD1", request.ActionNeedsAttention))
}
