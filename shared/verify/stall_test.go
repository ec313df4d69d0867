package verify_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/states"
)

// TestStuckRequestsReachTheTeam runs the request workflow with functions
// that fail for good at each stage, and checks the privacy team is told
// (the answer function in its failure mode) instead of the request being
// left unseen.
func TestStuckRequestsReachTheTeam(t *testing.T) {
	def, err := os.ReadFile(filepath.Join("..", "..", "workflows", "request.asl.json"))
	require.NoError(t, err)
	broken := errors.New("permanently broken")
	tests := []struct {
		name        string
		verify      bool
		start, hand func(context.Context, map[string]any) (map[string]any, error)
		stage       string
	}{
		{"the verification mail cannot be sent", true,
			func(context.Context, map[string]any) (map[string]any, error) { return nil, broken }, nil, "verification"},
		{"the hand-over to fulfilment fails", false, nil,
			func(context.Context, map[string]any) (map[string]any, error) { return nil, broken }, "handover"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := states.New(states.Options{Clock: states.NewVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))})
			defer rt.Close()
			var mu sync.Mutex
			var told []map[string]any
			arn := func(id string) string { return "arn:aws:lambda:us-east-1:123456789012:function:" + id }
			noop := func(context.Context, map[string]any) (map[string]any, error) { return map[string]any{}, nil }
			pick := func(f func(context.Context, map[string]any) (map[string]any, error)) func(context.Context, map[string]any) (map[string]any, error) {
				if f == nil {
					return noop
				}
				return f
			}
			rt.RegisterLambda(arn("VerifyStartFunction"), pick(tt.start))
			rt.RegisterLambda(arn("VerifyCloseFunction"), noop)
			rt.RegisterLambda(arn("FulfilStartFunction"), pick(tt.hand))
			rt.RegisterLambda(arn("FulfilAnswerFunction"), func(_ context.Context, in map[string]any) (map[string]any, error) {
				mu.Lock()
				defer mu.Unlock()
				told = append(told, in)
				return map[string]any{"needsAttention": true}, nil
			})
			machine, err := rt.Register("request", def, map[string]string{
				"VerifyStartFunctionArn": arn("VerifyStartFunction"), "VerifyCloseFunctionArn": arn("VerifyCloseFunction"),
				"FulfilStartFunctionArn": arn("FulfilStartFunction"), "FulfilAnswerFunctionArn": arn("FulfilAnswerFunction"),
			})
			require.NoError(t, err)
			input := `{"requestId":"PR-STUC-K000-0000-0001","verify":false}`
			if tt.verify {
				input = `{"requestId":"PR-STUC-K000-0000-0001","verify":true}`
			}
			x, err := rt.Start(machine, "PR-STUC-K000-0000-0001", input)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			info, err := rt.Wait(ctx, x.ExecutionARN)
			require.NoError(t, err)
			assert.Equal(t, "FAILED", info.Status)
			assert.Equal(t, "RequestStalled", info.Error)
			require.Len(t, told, 1, "the team is told once")
			assert.Equal(t, tt.stage, told[0]["stage"])
			assert.Equal(t, "PR-STUC-K000-0000-0001", told[0]["requestId"])
			failure, _ := told[0]["failure"].(map[string]any)
			assert.Equal(t, "errorString", failure["Error"], "the caught error is passed on")
		})
	}
}
