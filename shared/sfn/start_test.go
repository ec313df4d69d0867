package sfn_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/sfn"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/states"
)

// A workflow that waits an hour on a clock that only moves when told: its
// executions stay running until the test advances it.
const waitAnHour = `{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":3600,"End":true}}}`

// TestStartThroughTheSDK starts executions in the local Step Functions
// runtime through the real sfn client over HTTP.
func TestStartThroughTheSDK(t *testing.T) {
	ctx := context.Background()
	clk := states.NewManualClock(time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC))
	rt := states.New(states.Options{Clock: clk})
	t.Cleanup(rt.Close)
	machine, err := rt.Register("deadline-watch", []byte(waitAnHour), nil)
	require.NoError(t, err)
	srv := httptest.NewServer(rt.APIHandler())
	t.Cleanup(srv.Close)
	client := awssfn.NewFromConfig(standin.Config(), func(o *awssfn.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	s := &sfn.Starter{API: client, StateMachineARN: machine}

	input := map[string]any{"requestId": "PR-AAAA-BBBB-CCCC-DDDD", "reminders": []any{}}
	first, err := s.Start(ctx, "PR-AAAA-BBBB-CCCC-DDDD", input)
	require.NoError(t, err)
	want := "arn:aws:states:us-east-1:123456789012:execution:deadline-watch:PR-AAAA-BBBB-CCCC-DDDD"
	assert.Equal(t, want, first)

	tests := []struct {
		name  string
		input any
		edit  func()
	}{
		{name: "the same start again while it runs", input: input},
		{name: "another input for the same request", input: map[string]any{"requestId": "PR-AAAA-BBBB-CCCC-DDDD", "reminders": []any{map[string]string{"at": "2026-12-01T00:00:00Z"}}}},
		{name: "after the execution ended", input: input, edit: func() {
			// Let the execution reach its Wait (its timer set) before the
			// clock moves: no race with the machine's speed.
			require.NoError(t, clk.WaitIdle(ctx))
			clk.Advance(2 * time.Hour)
			info, err := rt.Wait(ctx, want)
			require.NoError(t, err)
			require.Equal(t, states.StatusSucceeded, info.Status)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.edit != nil {
				tt.edit()
			}
			arn, err := s.Start(ctx, "PR-AAAA-BBBB-CCCC-DDDD", tt.input)
			require.NoError(t, err)
			assert.Equal(t, first, arn)
		})
	}
	assert.Len(t, rt.List(machine, ""), 1, "one execution for the request")

	t.Run("the input goes through as JSON", func(t *testing.T) {
		info, err := rt.Describe(first)
		require.NoError(t, err)
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(info.Input), &got))
		assert.Equal(t, "PR-AAAA-BBBB-CCCC-DDDD", got["requestId"])
	})

	t.Run("an unknown state machine is an error", func(t *testing.T) {
		bad := &sfn.Starter{API: client, StateMachineARN: rt.StateMachineARN("nope")}
		_, err := bad.Start(ctx, "PR-1", input)
		assert.ErrorContains(t, err, "StateMachineDoesNotExist")
	})

	t.Run("a request ID that cannot name an execution", func(t *testing.T) {
		for _, id := range []string{"", "PR 1", "PR/1", string(make([]byte, 81))} {
			_, err := s.Start(ctx, id, input)
			assert.ErrorIs(t, err, sfn.ErrName)
		}
	})
}

func TestExecutionARN(t *testing.T) {
	tests := []struct{ machine, want string }{
		{"arn:aws:states:eu-west-1:111122223333:stateMachine:deadline-watch", "arn:aws:states:eu-west-1:111122223333:execution:deadline-watch:PR-1"},
		{"arn:aws-us-gov:states:us-gov-west-1:111122223333:stateMachine:w", "arn:aws-us-gov:states:us-gov-west-1:111122223333:execution:w:PR-1"},
		{"arn:aws:lambda:us-east-1:111122223333:function:f", ""},
	}
	for _, tt := range tests {
		t.Run(tt.machine, func(t *testing.T) {
			got, err := sfn.ExecutionARN(tt.machine, "PR-1")
			if tt.want == "" {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
