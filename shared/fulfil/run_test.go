package fulfil_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
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

// TestRunAfterAnAttemptLeftHalfway: the help desk's erase stops between
// its two calls (the user moved to the deleted users, not purged) and
// asks for ten minutes. Run again in the same round (the function stopped
// before the workflow had its answer), it does not call the system again
// and keeps the wait. The next round's erase no longer finds the person:
// that is not proof, and the team is told instead of the requester being
// told the data is gone.
func TestRunAfterAnAttemptLeftHalfway(t *testing.T) {
	e := newEnv(t, request.Deletion)
	ctx := context.Background()
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	erases := 0
	e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
		if a == system.Erase {
			erases++
			if erases == 1 {
				return nil, &connector.RetryableError{System: sys.Name, Action: a, Status: 503, RetryAfter: 10 * time.Minute,
					Reason: "unavailable", Partial: true}
			}
		}
		return &connector.Result{System: sys.Name, Action: a, Status: 404, At: t0, Found: false}, nil
	}
	steps := []fulfil.StepRef{{RequestID: "PR-1", System: "support-desk", Action: system.Erase}}

	first, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1"})
	require.NoError(t, err)
	require.Equal(t, steps, first.Pending)
	assert.Equal(t, 600, first.RetryIn, "the wait the system asked for")

	again, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1"})
	require.NoError(t, err)
	assert.Equal(t, 1, erases, "the round run again does not call the system again")
	assert.Equal(t, first.Pending, again.Pending)
	assert.Equal(t, 600, again.RetryIn, "and the wait stands")

	second, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: first.Pending, Results: first.Results, Round: first.Round, Execution: "PR-1"})
	require.NoError(t, err)
	assert.Equal(t, 2, erases)
	require.Len(t, second.Results, 1)
	res := second.Results[0]
	assert.True(t, res.Failed)
	require.NotNil(t, res.Error)
	assert.Equal(t, "ErasureNotProvenError", res.Error.Error)
	assert.Contains(t, res.Error.Cause, "stopped between support-desk's erase calls")

	var failed []request.Event
	for _, ev := range e.store.events {
		if ev.Action == fulfil.ActionStepFailed {
			failed = append(failed, ev)
		}
	}
	require.Len(t, failed, 2, "one event per attempt, the replayed round not twice")
	assert.Equal(t, "true", failed[0].Data["partial"])
	assert.Equal(t, t0.Add(10*time.Minute).UTC().Format(time.RFC3339), failed[0].Data["notBefore"])
	assert.Equal(t, "false", failed[1].Data["retry"])
}

// TestARerunCallsEverySystemAfresh: the team's re-run of a failed
// fulfilment (an execution of its own) calls the systems again from its
// first round, whatever the first execution's rounds recorded.
func TestARerunCallsEverySystemAfresh(t *testing.T) {
	e := newEnv(t, request.Deletion)
	ctx := context.Background()
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	erases := 0
	down := true
	e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
		if a == system.Erase {
			erases++
			if down {
				return nil, &connector.RetryableError{System: sys.Name, Action: a, Status: 503, Reason: "unavailable"}
			}
			return &connector.Result{System: sys.Name, Action: a, Status: 204, At: t0, Found: true}, nil
		}
		return &connector.Result{System: sys.Name, Action: a, Status: 404, At: t0, Found: false}, nil
	}
	steps := []fulfil.StepRef{{RequestID: "PR-1", System: "customer-accounts", Action: system.Erase}}
	in := fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1"}
	for range fulfil.MaxRounds {
		out, err := e.svc.Run(ctx, in)
		require.NoError(t, err)
		in.Steps, in.Results, in.Round = out.Pending, out.Results, out.Round
	}
	require.Len(t, in.Results, 1)
	require.True(t, in.Results[0].Failed, "down for every round of the first execution")
	assert.Equal(t, fulfil.MaxRounds, erases)

	down = false
	out, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1-rerun-1"})
	require.NoError(t, err)
	assert.Equal(t, fulfil.MaxRounds+1, erases, "the re-run called the system")
	require.Len(t, out.Results, 1)
	assert.False(t, out.Results[0].Failed)
}

// TestARoundOutOfTimeStartsNothing: an invocation whose deadline is
// within RunMargin calls no system; its steps wait for the next round,
// with nothing on the trail.
func TestARoundOutOfTimeStartsNothing(t *testing.T) {
	e := newEnv(t, request.Deletion)
	ctx := context.Background()
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	before := len(e.systems.calls)
	steps := []fulfil.StepRef{{RequestID: "PR-1", System: "customer-accounts", Action: system.Erase},
		{RequestID: "PR-1", System: "support-desk", Action: system.Erase}}
	late, cancel := context.WithTimeout(ctx, fulfil.RunMargin/2)
	defer cancel()
	out, err := e.svc.Run(late, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1"})
	require.NoError(t, err)
	assert.Equal(t, steps, out.Pending)
	assert.Empty(t, out.Results)
	assert.Positive(t, out.RetryIn)
	assert.Len(t, e.systems.calls, before, "no system was called")
	for _, ev := range e.store.events {
		assert.NotEqual(t, fulfil.ActionStepFailed, ev.Action, "nothing was attempted")
	}
}

// TestASystemIsReadBeforeItIsErased: a request for a copy and a deletion
// reads each system before erasing it, in the same round; when the read
// must be tried again, the erase waits for it.
func TestASystemIsReadBeforeItIsErased(t *testing.T) {
	e := newEnv(t, request.Deletion, request.AccessCategories)
	ctx := context.Background()
	plan, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	exportDown := true
	e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
		if a == system.Export && sys.Name == "support-desk" && exportDown {
			return nil, &connector.RetryableError{System: sys.Name, Action: a, Status: 503, Reason: "unavailable"}
		}
		res := &connector.Result{System: sys.Name, Action: a, Status: 200, At: t0, Found: a != system.Find}
		if a == system.Export {
			res.Data = map[string][]json.RawMessage{sys.Categories[0]: {json.RawMessage(`{"id":1}`)}}
		}
		return res, nil
	}
	first, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: plan.Steps, Execution: "PR-1"})
	require.NoError(t, err)
	order := func() map[string][]string {
		by := map[string][]string{}
		for _, c := range e.systems.calls {
			sys, action, _ := strings.Cut(c, " ")
			if action == string(system.Export) || action == string(system.Erase) {
				by[sys] = append(by[sys], action)
			}
		}
		return by
	}
	erased := 0
	for sys, actions := range order() {
		if slices.Contains(actions, "erase") && slices.Contains(actions, "export") {
			assert.Less(t, slices.Index(actions, "export"), slices.Index(actions, "erase"), "%s is read before it is erased", sys)
			erased++
		}
	}
	assert.Positive(t, erased)
	assert.NotContains(t, order()["support-desk"], "erase", "its export is to be tried again: the erase waits")
	assert.ElementsMatch(t, []fulfil.StepRef{
		{RequestID: "PR-1", System: "support-desk", Action: system.Export},
		{RequestID: "PR-1", System: "support-desk", Action: system.Erase},
	}, first.Pending)

	exportDown = false
	_, err = e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: first.Pending, Results: first.Results, Round: first.Round, Execution: "PR-1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"export", "export", "erase"}, order()["support-desk"], "tried, read, then erased")
}

// TestErasingWhatWasNeverThereIsNotADeletion: a system that did not hold
// the person is reported as holding nothing, not as having deleted it.
func TestErasingWhatWasNeverThereIsNotADeletion(t *testing.T) {
	e := newEnv(t, request.Deletion)
	ctx := context.Background()
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
		// The find says nothing is there, so the erase does nothing.
		return &connector.Result{System: sys.Name, Action: a, Status: 404, At: t0, Found: false}, nil
	}
	out, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: "customer-accounts", Action: system.Erase})
	require.NoError(t, err)
	assert.Equal(t, mail.OutcomeNotFound, out.Outcome)
	assert.False(t, out.Found)

	e.systems.do = nil // found, erased, then no longer found
	out, err = e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: "customer-accounts", Action: system.Erase})
	require.NoError(t, err)
	assert.Equal(t, mail.OutcomeErased, out.Outcome)
	assert.True(t, out.Found)
}

// TestARetriedEraseKeepsItsHolds: an erase whose proof failed is tried
// again in the next round; that attempt finds nobody (the first erased
// them), and the answer still lists what the system's holds kept.
func TestARetriedEraseKeepsItsHolds(t *testing.T) {
	e := newEnv(t, request.Deletion)
	ctx := context.Background()
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	erased, finds := false, 0
	e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
		switch a {
		case system.Erase:
			found := !erased
			erased = true
			return &connector.Result{System: sys.Name, Action: a, Status: map[bool]int{true: 200, false: 404}[found], At: t0, Found: found}, nil
		default: // the proof: unavailable the first time
			if finds++; finds == 1 {
				return nil, &connector.RetryableError{System: sys.Name, Action: a, Status: 503, Reason: "unavailable"}
			}
			return &connector.Result{System: sys.Name, Action: a, Status: 404, At: t0}, nil
		}
	}
	steps := []fulfil.StepRef{{RequestID: "PR-1", System: "payments", Action: system.Erase}}
	first, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1"})
	require.NoError(t, err)
	require.Equal(t, steps, first.Pending, "the proof failed: tried again")
	second, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: first.Pending, Results: first.Results, Round: first.Round, Execution: "PR-1"})
	require.NoError(t, err)
	require.Len(t, second.Results, 1)
	assert.Equal(t, mail.OutcomeErasedKept, second.Results[0].Outcome)
	assert.Equal(t, []string{"charges"}, second.Results[0].Withheld)
}

// TestARunAgainLeavesAStepDoneByHand: a step the team finished by hand
// (console: finish a step) is not asked of the system again when the
// fulfilment runs again; it counts as done by hand, the others run.
func TestARunAgainLeavesAStepDoneByHand(t *testing.T) {
	e := newEnv(t, request.Deletion)
	ctx := context.Background()
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	require.NoError(t, e.store.AppendEvent(ctx, request.Event{RequestID: "PR-1", At: t0, Actor: "team:alice", Action: request.ActionStepDone,
		Once: "step-support-desk-erase", Reason: "deleted in the admin screen",
		Data: map[string]string{"system": "support-desk", "action": "erase", "outcome": request.OutcomeByHand}}))
	steps := []fulfil.StepRef{{RequestID: "PR-1", System: "support-desk", Action: system.Erase}, {RequestID: "PR-1", System: "customer-accounts", Action: system.Erase}}
	out, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1-rerun-1"})
	require.NoError(t, err)
	assert.NotContains(t, e.systems.calls, "support-desk erase", "not asked again")
	assert.Contains(t, e.systems.calls, "customer-accounts erase")
	require.Len(t, out.Results, 2)
	assert.Equal(t, mail.OutcomeConfirmed, out.Results[0].Outcome)
	assert.NotEmpty(t, out.Results[0].ConfirmedAt)
}

// TestARerunLeavesWhatAnEarlierRunDid: the team runs a failed fulfilment
// again (an execution of its own). The steps the first run did are not
// asked of their systems again — asked again, an erased system holds
// nothing and the answer would say it "held no data about you", and an
// export would overwrite the part the first one wrote with nothing: their
// results come from the trail, holds kept included; the failed step runs.
func TestARerunLeavesWhatAnEarlierRunDid(t *testing.T) {
	e := newEnv(t, request.Deletion, request.AccessSpecific)
	ctx := context.Background()
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	erased, refuse := map[string]bool{}, true
	e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
		switch {
		case sys.Name == "support-desk" && a == system.Erase && refuse:
			return nil, &connector.PermanentError{System: sys.Name, Action: a, Reason: "refused"}
		case a == system.Export:
			if erased[sys.Name] {
				return &connector.Result{System: sys.Name, Action: a, Status: 404, At: t0}, nil
			}
			return &connector.Result{System: sys.Name, Action: a, Status: 200, At: t0, Found: true,
				Data: map[string][]json.RawMessage{"profile": {json.RawMessage(`{"name":"Jane Doe"}`)}}}, nil
		case a == system.Erase:
			found := !erased[sys.Name]
			erased[sys.Name] = true
			return &connector.Result{System: sys.Name, Action: a, Status: map[bool]int{true: 200, false: 404}[found], At: t0, Found: found}, nil
		}
		return &connector.Result{System: sys.Name, Action: a, Status: 404, At: t0}, nil
	}
	steps := []fulfil.StepRef{
		{RequestID: "PR-1", System: "customer-accounts", Action: system.Export},
		{RequestID: "PR-1", System: "customer-accounts", Action: system.Erase},
		{RequestID: "PR-1", System: "payments", Action: system.Erase},
		{RequestID: "PR-1", System: "support-desk", Action: system.Erase},
	}
	first, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1"})
	require.NoError(t, err)
	require.Empty(t, first.Pending)
	require.True(t, first.Results[3].Failed, "support-desk refused")
	calls := len(e.systems.calls)

	refuse = false
	again, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1-rerun-1"})
	require.NoError(t, err)
	asked := e.systems.calls[calls:]
	assert.Contains(t, asked, "support-desk erase", "the failed step is asked again")
	for _, done := range []string{"customer-accounts export", "customer-accounts erase", "payments erase"} {
		assert.NotContains(t, asked, done, "a step the first run did is not")
	}
	require.Len(t, again.Results, 4)
	assert.Equal(t, mail.OutcomeExported, again.Results[0].Outcome)
	assert.True(t, again.Results[0].Found)
	assert.Equal(t, mail.OutcomeErased, again.Results[1].Outcome)
	assert.Equal(t, mail.OutcomeErasedKept, again.Results[2].Outcome)
	assert.Equal(t, []string{"charges"}, again.Results[2].Withheld, "what the holds kept, from the trail")
	assert.False(t, again.Results[3].Failed)
	part, err := e.parts.part(ctx, "PR-1", "customer-accounts")
	require.NoError(t, err)
	assert.True(t, part.Found, "the first export's part stands")
	assert.NotEmpty(t, part.Data)
}

// TestARerunAfterTheCopyExpired: the team re-runs a fulfilment more than 8
// days after the first run, when its export parts are gone. A system that
// still holds the person is exported again; one that erased the person
// since cannot be, and fails for the team in words instead of the answer
// failing on a missing part for ever.
func TestARerunAfterTheCopyExpired(t *testing.T) {
	e := newEnv(t, request.Deletion, request.AccessSpecific)
	ctx := context.Background()
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
		switch a {
		case system.Export:
			return &connector.Result{System: sys.Name, Action: a, Status: 200, At: t0, Found: true,
				Data: map[string][]json.RawMessage{"profile": {json.RawMessage(`{"name":"Jane Doe"}`)}}}, nil
		case system.Erase:
			return &connector.Result{System: sys.Name, Action: a, Status: 200, At: t0, Found: true}, nil
		}
		return &connector.Result{System: sys.Name, Action: a, Status: 404, At: t0}, nil
	}
	steps := []fulfil.StepRef{
		{RequestID: "PR-1", System: "customer-accounts", Action: system.Export},
		{RequestID: "PR-1", System: "customer-accounts", Action: system.Erase},
		{RequestID: "PR-1", System: "support-desk", Action: system.Export},
	}
	_, err = e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1"})
	require.NoError(t, err)
	e.parts.mu.Lock()
	e.parts.parts = map[string][]byte{} // the bucket's lifecycle rule deleted them
	e.parts.mu.Unlock()
	calls := len(e.systems.calls)

	again, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1-rerun-1"})
	require.NoError(t, err)
	asked := e.systems.calls[calls:]
	assert.Contains(t, asked, "support-desk export", "still held: exported again")
	assert.NotContains(t, asked, "customer-accounts export", "erased since: not asked")
	assert.NotContains(t, asked, "customer-accounts erase")
	require.Len(t, again.Results, 3)
	require.True(t, again.Results[0].Failed)
	assert.Contains(t, again.Results[0].Error.Cause, "no longer kept")
	assert.False(t, again.Results[1].Failed)
	assert.False(t, again.Results[2].Failed)
	_, err = e.parts.part(ctx, "PR-1", "support-desk")
	require.NoError(t, err, "its part is there again")
}

// TestARerunThatCannotTellWhetherACopyIsKept: a re-run that cannot look
// up whether an earlier run's copy is still kept (the store fails) asks
// again next round, and once the rounds are spent fails the step for the
// team in words, instead of waiting for ever.
func TestARerunThatCannotTellWhetherACopyIsKept(t *testing.T) {
	e := newEnv(t, request.AccessSpecific)
	ctx := context.Background()
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	steps := []fulfil.StepRef{{RequestID: "PR-1", System: "customer-accounts", Action: system.Export}}
	_, err = e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1"})
	require.NoError(t, err)
	e.parts.mu.Lock()
	e.parts.keptErr = errors.New("AccessDenied")
	e.parts.mu.Unlock()

	first, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1-rerun-1"})
	require.NoError(t, err)
	assert.Equal(t, steps, first.Pending, "asked again next round")
	last, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1-rerun-1", Round: fulfil.MaxRounds - 1})
	require.NoError(t, err)
	assert.Empty(t, last.Pending)
	require.Len(t, last.Results, 1)
	require.True(t, last.Results[0].Failed)
	assert.Contains(t, last.Results[0].Error.Cause, "could not look up whether the copy an earlier run made is still kept")
	assert.Equal(t, "PermanentError", last.Results[0].Error.Error)
}

// TestAnEraseWaitsForItsExport: a system's erase is not done in a round
// whose export of the same system failed: pending while the export is
// tried again, failed for the team in words once the export failed for
// good — erasing would delete what the export is to send.
func TestAnEraseWaitsForItsExport(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, request.Deletion, request.AccessSpecific)
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
		if a == system.Export {
			return nil, &connector.PermanentError{System: sys.Name, Action: a, Status: 400, Reason: "bad request"}
		}
		return &connector.Result{System: sys.Name, Action: a, Status: 200, At: t0, Found: true}, nil
	}
	steps := []fulfil.StepRef{
		{RequestID: "PR-1", System: "customer-accounts", Action: system.Export},
		{RequestID: "PR-1", System: "customer-accounts", Action: system.Erase},
	}
	out, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1"})
	require.NoError(t, err)
	require.Len(t, out.Results, 2)
	assert.True(t, out.Results[0].Failed)
	require.True(t, out.Results[1].Failed, "not erased")
	assert.Contains(t, out.Results[1].Error.Cause, "not erased: this system's export failed")
	assert.NotContains(t, e.systems.calls, "customer-accounts erase", "the system is not asked to erase")
}

// TestAnErasureAfterAnExportThatFoundThePersonSaysNothingWasLeft: a
// system's export found the person and its erase then found nothing (the
// data gone since): the answer says nothing was left to delete, never
// that the system held no data about them beside the copy of it.
func TestAnErasureAfterAnExportThatFoundThePersonSaysNothingWasLeft(t *testing.T) {
	e := newEnv(t, request.Deletion, request.AccessSpecific)
	ctx := context.Background()
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
		if a == system.Export {
			return &connector.Result{System: sys.Name, Action: a, Status: 200, At: t0, Found: true,
				Data: map[string][]json.RawMessage{"profile": {json.RawMessage(`{"name":"Jane Doe"}`)}}}, nil
		}
		return &connector.Result{System: sys.Name, Action: a, Status: 404, At: t0}, nil
	}
	steps := []fulfil.StepRef{
		{RequestID: "PR-1", System: "customer-accounts", Action: system.Export},
		{RequestID: "PR-1", System: "customer-accounts", Action: system.Erase},
		{RequestID: "PR-1", System: "payments", Action: system.Erase},
	}
	run, err := e.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Steps: steps, Execution: "PR-1"})
	require.NoError(t, err)
	require.Equal(t, mail.OutcomeNotFound, run.Results[1].Outcome, "the erase found nothing")
	_, err = e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: run.Results})
	require.NoError(t, err)
	require.NotEmpty(t, e.mail.sent)
	text := e.mail.sent[len(e.mail.sent)-1].Text
	assert.Contains(t, text, "  - Customer accounts: a copy of your data is in the download below; also there was nothing left to delete by the time we came to delete it\n")
	assert.Contains(t, text, "Payment processor (Stripe): it held no data about you", "a system with no export that found nothing held nothing")
}
