package fulfil_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

// TestAnOwnersTaskFinishedByHand: one owner cannot do their step, another
// never answers; the team finishes both by hand (the console's "finish a
// step by hand"). The owners' loop — the first run's, or the re-run's
// that the team starts — counts them done by hand: it stops waiting for
// them and reminding their owners, and the answer is sent, instead of the
// re-run failing on the owner's old "cannot" for ever.
func TestAnOwnersTaskFinishedByHand(t *testing.T) {
	ctx := context.Background()
	e, clk := ownersEnv(t, request.Deletion)
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "wait-1"})
	require.NoError(t, err)
	for i := 1; i <= 5; i++ {
		require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: fmt.Sprintf("sys-%d", i), Action: system.Erase, State: connector.TaskDone}))
	}
	require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-6", Action: system.Erase,
		State: connector.TaskCannot, Reason: "the archive is off site"}))
	assert.Empty(t, e.done.done, "sys-7 has not answered")

	clk.now = t0.Add(30 * time.Hour)
	for _, sys := range []string{"sys-6", "sys-7"} {
		require.NoError(t, e.store.AppendEvent(ctx, request.Event{RequestID: "PR-1", At: clk.now, Actor: "team:alice", Action: request.ActionStepDone,
			Once: "step-" + sys + "-erase", Reason: "done in the admin screen",
			Data: map[string]string{"system": sys, "action": "erase", "outcome": request.OutcomeByHand}}))
	}
	clk.now = t0.Add(48 * time.Hour)
	out, err := e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "remind"})
	require.NoError(t, err)
	assert.Zero(t, out.Open, "nothing is left open")
	assert.Empty(t, e.owners.reminded, "no owner is reminded of a step the team did")

	// The re-run's owners' loop waits on a token of its own.
	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "rerun-wait"})
	require.NoError(t, err)
	res := e.done.done["rerun-wait"]
	require.Len(t, res, 7, "the wait completes at once")
	for _, r := range res {
		assert.False(t, r.Failed, "%s/%s", r.System, r.Action)
		assert.Equal(t, mail.OutcomeConfirmed, r.Outcome)
		assert.NotEmpty(t, r.ConfirmedAt)
	}
}
