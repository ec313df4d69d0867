package fulfil_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

// TestACorrectionInWordsIsNotSentToASystem: a correction asked by mail is
// in the requester's own words; the system's correct step does not send
// them to the system but fails for the team with what to do, and once the
// team has written the correction as systems take it, the step runs.
func TestACorrectionInWordsIsNotSentToASystem(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, request.Correction)
	r := e.store.requests["PR-1"]
	r.Corrections = []request.CorrectionItem{{Item: request.CorrectionInWords, Right: "Please correct my phone number, it is 555 0101 now"}}
	e.store.requests["PR-1"] = r
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	steps := []fulfil.StepRef{{RequestID: "PR-1", System: "customer-accounts", Action: system.Correct}}
	out, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1"})
	require.NoError(t, err)
	assert.Empty(t, e.systems.calls, "the requester's words reach no system")
	require.Len(t, out.Results, 1)
	require.True(t, out.Results[0].Failed)
	assert.Contains(t, out.Results[0].Error.Cause, "Write the correction for the systems")

	r = e.store.requests["PR-1"]
	r.Corrections = []request.CorrectionItem{{Item: "Phone", Right: "555 0101"}}
	e.store.requests["PR-1"] = r
	e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
		return &connector.Result{System: sys.Name, Action: a, Status: 200, At: t0, Found: true}, nil
	}
	out, err = e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1-rerun-1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"customer-accounts correct"}, e.systems.calls)
	require.Len(t, out.Results, 1)
	assert.False(t, out.Results[0].Failed)
}
