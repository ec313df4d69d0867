package states

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDeskFlowRunsFortyFiveDaysInMilliseconds runs testdata/desk-flow.asl.json:
// Choice, a waitForTaskToken task completed through the SDK client, a Map
// with MaxConcurrency 2 over a Task with Retry and Catch, a Wait on a
// TimestampPath 45 days out and a bare-ARN Lambda task.
func TestDeskFlowRunsFortyFiveDaysInMilliseconds(t *testing.T) {
	wall := NewRealClock()
	began := wall.Now()

	r, clk := rtNew(t, Options{})
	srv := httptest.NewServer(r.APIHandler())
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_SFN", srv.URL)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	require.NoError(t, err)
	client := sfn.NewFromConfig(cfg)

	// Verification: the requester "clicks the link" from another goroutine,
	// through the SDK. Hold keeps the virtual clock from racing 7 days
	// ahead to the task timeout before the click lands.
	var sendErr error
	var sent sync.WaitGroup
	r.RegisterFunction("verify", func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
		var in struct{ RequestID, TaskToken string }
		if err := json.Unmarshal(p, &in); err != nil {
			return nil, err
		}
		release := clk.Hold()
		sent.Add(1)
		go func() {
			defer sent.Done()
			defer release()
			_, sendErr = client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{
				TaskToken: aws.String(in.TaskToken), Output: aws.String(`{"verified":true}`),
			})
		}()
		return nil, nil
	})

	var cur, peak atomic.Int32
	var mu sync.Mutex
	billingCalls := []time.Duration{}
	r.RegisterFunction("erase", func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
		n := cur.Add(1)
		defer cur.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(2 * time.Millisecond) // let the iterations overlap
		var in struct{ System string }
		if err := json.Unmarshal(p, &in); err != nil {
			return nil, err
		}
		switch in.System {
		case "billing":
			mu.Lock()
			billingCalls = append(billingCalls, clk.Now().Sub(rtStart))
			calls := len(billingCalls)
			mu.Unlock()
			if calls <= 2 {
				return nil, &RetryableError{Msg: "billing API busy"}
			}
		case "support":
			return nil, PermanentError{}
		}
		return json.Marshal(map[string]any{"system": in.System, "erased": true})
	})
	r.RegisterFunction("answer", func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
		var in map[string]any
		if err := json.Unmarshal(p, &in); err != nil {
			return nil, err
		}
		in["answeredAt"] = clk.Now().Format(time.RFC3339)
		return json.Marshal(in)
	})
	arn, err := r.Register("desk-flow", rtReadFile(t, "testdata/desk-flow.asl.json"), map[string]string{
		"VerifyFunction": "verify", "EraseFunction": "erase", "AnswerFunction": "answer",
	})
	require.NoError(t, err)

	remindAt := rtStart.Add(45 * 24 * time.Hour)
	input := `{"requestId":"req-42","kind":"deletion","systems":["accounts","billing","support","marketing"],"remindAt":"` + remindAt.Format(time.RFC3339) + `"}`
	started, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("req-42"), Input: aws.String(input)})
	require.NoError(t, err)

	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	info, err := r.Wait(wctx, aws.ToString(started.ExecutionArn))
	require.NoError(t, err)
	sent.Wait()
	require.NoError(t, sendErr)
	elapsed := wall.Now().Sub(began)

	d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusSucceeded, d.Status, info.Error+": "+info.Cause)
	assert.JSONEq(t, `{"requestId":"req-42","verified":true,"answeredAt":"2026-04-16T09:00:00Z","erasure":[
	  {"system":"accounts","erased":true},
	  {"system":"billing","erased":true},
	  {"system":"support","erased":false,"error":"PermanentError"},
	  {"system":"marketing","erased":true}]}`, aws.ToString(d.Output))
	assert.Equal(t, remindAt, d.StopDate.UTC(), "the execution ends on the virtual day 45")
	assert.LessOrEqual(t, peak.Load(), int32(2), "MaxConcurrency 2")
	require.Len(t, billingCalls, 3)
	assert.Equal(t, 60*time.Second, billingCalls[1]-billingCalls[0], "first retry after IntervalSeconds")
	assert.Equal(t, 120*time.Second, billingCalls[2]-billingCalls[1], "second retry after BackoffRate 2")
	// Route, verify, map, 4 erases + 2 retries + 1 AskOwner, wait, answer = 12.
	assert.Equal(t, 12, info.Transitions)
	assert.Less(t, elapsed, 5*time.Second)
	t.Logf("45 virtual days in %v of wall time", elapsed)

	t.Run("another kind goes to the Fail state", func(t *testing.T) {
		s, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(`{"kind":"access"}`)})
		require.NoError(t, err)
		info, err := r.Wait(wctx, aws.ToString(s.ExecutionArn))
		require.NoError(t, err)
		assert.Equal(t, StatusFailed, info.Status)
		assert.Equal(t, "UnsupportedKind", info.Error)
	})
}
