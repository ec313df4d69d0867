package states

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rtSFN serves r's API on an httptest server and returns an SDK client for it.
func rtSFN(t testing.TB, r *Runtime) *sfn.Client {
	t.Helper()
	srv := httptest.NewServer(r.APIHandler())
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
	return sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}

const tokenDef = `{"StartAt":"Ask","States":{
  "Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
    "Parameters":{"FunctionName":"Ask","Payload":{"token.$":"$$.Task.Token"}},"ResultPath":"$.answer","Next":"Done"},
  "Done":{"Type":"Succeed"}}}`

func TestAPIWithSDKClient(t *testing.T) {
	ctx := context.Background()
	r, _ := rtNew(t, Options{})
	r.RegisterFunction("Ask", echo)
	client := rtSFN(t, r)

	created, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("ask"), Definition: aws.String(tokenDef), RoleArn: aws.String("arn:aws:iam::123456789012:role/x"),
	})
	require.NoError(t, err)
	smARN := aws.ToString(created.StateMachineArn)
	assert.Equal(t, "arn:aws:states:us-east-1:123456789012:stateMachine:ask", smARN)

	_, err = client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("broken"), Definition: aws.String(`{"StartAt":"A","States":{}}`), RoleArn: aws.String("r")})
	var invalid *types.InvalidDefinition
	require.ErrorAs(t, err, &invalid)

	t.Run("StartExecution is idempotent by name and input", func(t *testing.T) {
		first, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &smARN, Name: aws.String("req-1"), Input: aws.String(`{"requestId":"req-1"}`)})
		require.NoError(t, err)
		again, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &smARN, Name: aws.String("req-1"), Input: aws.String(`{"requestId":"req-1"}`)})
		require.NoError(t, err)
		assert.Equal(t, aws.ToString(first.ExecutionArn), aws.ToString(again.ExecutionArn))
		assert.True(t, first.StartDate.Equal(*again.StartDate))

		_, err = client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &smARN, Name: aws.String("req-1"), Input: aws.String(`{"requestId":"changed"}`)})
		var exists *types.ExecutionAlreadyExists
		require.ErrorAs(t, err, &exists)

		_, err = client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smARN + "-nope"), Input: aws.String(`{}`)})
		var noSM *types.StateMachineDoesNotExist
		require.ErrorAs(t, err, &noSM)

		_, err = client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &smARN, Input: aws.String(`{not json`)})
		var badInput *types.InvalidExecutionInput
		require.ErrorAs(t, err, &badInput)
	})

	execARN := "arn:aws:states:us-east-1:123456789012:execution:ask:req-1"
	waitHistory(t, r, execARN, "TaskSubmitted", 0)

	t.Run("DescribeExecution and ListExecutions while running", func(t *testing.T) {
		d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &execARN})
		require.NoError(t, err)
		assert.Equal(t, types.ExecutionStatusRunning, d.Status)
		assert.Equal(t, "req-1", aws.ToString(d.Name))
		assert.Equal(t, rtStart, d.StartDate.UTC())
		assert.JSONEq(t, `{"requestId":"req-1"}`, aws.ToString(d.Input))

		l, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &smARN, StatusFilter: types.ExecutionStatusRunning})
		require.NoError(t, err)
		require.Len(t, l.Executions, 1)
		assert.Equal(t, execARN, aws.ToString(l.Executions[0].ExecutionArn))

		_, err = client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execARN + "x")})
		var missing *types.ExecutionDoesNotExist
		require.ErrorAs(t, err, &missing)
	})

	t.Run("task token calls", func(t *testing.T) {
		_, err := client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String("token-1")})
		require.NoError(t, err)
		_, err = client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("token-1"), Output: aws.String(`not json`)})
		var badOut *types.InvalidOutput
		require.ErrorAs(t, err, &badOut)
		_, err = client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("token-1"), Output: aws.String(`{"verified":true}`)})
		require.NoError(t, err)
		_, err = client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("token-1"), Output: aws.String(`{}`)})
		var late *types.TaskTimedOut
		require.ErrorAs(t, err, &late)
		_, err = client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String("no-such-token"), Error: aws.String("X")})
		var unknown *types.TaskDoesNotExist
		require.ErrorAs(t, err, &unknown)
	})

	info, err := r.Wait(ctx, execARN)
	require.NoError(t, err)
	require.Equal(t, StatusSucceeded, info.Status)

	t.Run("DescribeExecution after success", func(t *testing.T) {
		d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &execARN})
		require.NoError(t, err)
		assert.Equal(t, types.ExecutionStatusSucceeded, d.Status)
		assert.JSONEq(t, `{"requestId":"req-1","answer":{"verified":true}}`, aws.ToString(d.Output))
		require.NotNil(t, d.StopDate)
	})

	t.Run("GetExecutionHistory returns typed events", func(t *testing.T) {
		h, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &execARN})
		require.NoError(t, err)
		var got []types.HistoryEventType
		for _, e := range h.Events {
			got = append(got, e.Type)
			require.NotNil(t, e.Timestamp)
		}
		assert.Equal(t, []types.HistoryEventType{
			types.HistoryEventTypeExecutionStarted, types.HistoryEventTypeTaskStateEntered,
			types.HistoryEventTypeTaskScheduled, types.HistoryEventTypeTaskStarted, types.HistoryEventTypeTaskSubmitted,
			types.HistoryEventTypeTaskSucceeded, types.HistoryEventTypeTaskStateExited,
			types.HistoryEventTypeSucceedStateEntered, types.HistoryEventTypeSucceedStateExited,
			types.HistoryEventTypeExecutionSucceeded,
		}, got)
		assert.Equal(t, int64(1), h.Events[0].Id)
		assert.JSONEq(t, `{"requestId":"req-1"}`, aws.ToString(h.Events[0].ExecutionStartedEventDetails.Input))
		assert.Equal(t, "Ask", aws.ToString(h.Events[1].StateEnteredEventDetails.Name))
		assert.Equal(t, "lambda", aws.ToString(h.Events[2].TaskScheduledEventDetails.ResourceType))
		assert.Equal(t, "invoke.waitForTaskToken", aws.ToString(h.Events[2].TaskScheduledEventDetails.Resource))
		assert.JSONEq(t, `{"verified":true}`, aws.ToString(h.Events[5].TaskSucceededEventDetails.Output))
		assert.Equal(t, int64(9), h.Events[9].PreviousEventId)

		page, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &execARN, MaxResults: 4, ReverseOrder: true})
		require.NoError(t, err)
		require.Len(t, page.Events, 4)
		assert.Equal(t, types.HistoryEventTypeExecutionSucceeded, page.Events[0].Type)
		require.NotNil(t, page.NextToken)
	})

	t.Run("StopExecution aborts", func(t *testing.T) {
		s, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &smARN, Name: aws.String("req-2"), Input: aws.String(`{}`)})
		require.NoError(t, err)
		waitHistory(t, r, aws.ToString(s.ExecutionArn), "TaskSubmitted", 0)
		_, err = client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: s.ExecutionArn, Error: aws.String("Withdrawn"), Cause: aws.String("requester withdrew")})
		require.NoError(t, err)
		d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: s.ExecutionArn})
		require.NoError(t, err)
		assert.Equal(t, types.ExecutionStatusAborted, d.Status)
		assert.Equal(t, "Withdrawn", aws.ToString(d.Error))
	})
}

func TestAPIRejectsUnknownCalls(t *testing.T) {
	r, _ := rtNew(t, Options{})
	srv := httptest.NewServer(r.APIHandler())
	defer srv.Close()
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{}`))
	require.NoError(t, err)
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.DeleteStateMachine")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	var body map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	assert.Equal(t, "UnknownOperationException", body["__type"])
}

func TestLocalEndpoints(t *testing.T) {
	r, clk := rtNew(t, Options{Clock: NewManualClock(rtStart)})
	info := rtRun(t, r, `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}`, `{}`)

	srv := httptest.NewServer(r.Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/_local/executions?arn=" + info.ExecutionARN)
	require.NoError(t, err)
	var row map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&row))
	resp.Body.Close()
	assert.Equal(t, float64(2), row["transitions"])
	assert.Equal(t, "SUCCEEDED", row["status"])

	resp, err = http.Post(srv.URL+"/_local/clock/advance?by=720h", "", nil)
	require.NoError(t, err)
	var now map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&now))
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, rtStart.Add(30*24*time.Hour).Format(time.RFC3339Nano), now["now"])
	assert.Equal(t, rtStart.Add(30*24*time.Hour), clk.Now())

	resp, err = http.Post(srv.URL+"/_local/clock/advance?by=soon", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	resp, err = http.Get(srv.URL + "/_local/clock")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
