package fulfil_test

import (
	"context"
	"fmt"
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

// awaitingOwners is ownersEnv with request PR-1 planned and its owners'
// wait on task token "w" (every owner mailed their task).
func awaitingOwners(t *testing.T, kinds ...request.Kind) (*env, *movingClock) {
	t.Helper()
	ctx := context.Background()
	e, clk := ownersEnv(t, kinds...)
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "w"})
	require.NoError(t, err)
	return e, clk
}

// byHand records on PR-1's trail, as the console's "Finish a step by
// hand" does, that the team did action in sys at time at; nothingHeld:
// the system held nothing about the person.
func (e *env) byHand(t *testing.T, at time.Time, sys string, action system.Action, nothingHeld bool) {
	t.Helper()
	data := map[string]string{"system": sys, "action": string(action), "outcome": request.OutcomeByHand}
	if nothingHeld {
		data["found"] = "false"
	}
	require.NoError(t, e.store.AppendEvent(context.Background(), request.Event{RequestID: "PR-1", At: at, Actor: "team:alice",
		Action: request.ActionStepDone, Once: "step-" + sys + "-" + string(action), Reason: "done by the team", Data: data}))
}

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
	require.Len(t, e.mail.to(team), 1)
	cannot := e.mail.to(team)[0]
	assert.Equal(t, "An owner cannot do a step: privacy request PR-1", cannot.Subject)
	assert.Contains(t, cannot.Text, "System 6 (erase): the owner (owner-6@productionflow.example) cannot do it: the archive is off site")
	assert.Contains(t, cannot.Text, `choose "Finish a step by hand"`)
	assert.NotContains(t, cannot.Text, "succeeded", "no count of steps that did not run yet")

	clk.now = t0.Add(72 * time.Hour)
	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "remind"})
	require.NoError(t, err)
	require.Len(t, e.mail.to(team), 2)
	overdue := e.mail.to(team)[1]
	assert.Equal(t, "Overdue owner's task: privacy request PR-1", overdue.Subject)
	assert.Contains(t, overdue.Text, "An owner has not answered their task for privacy request PR-1 in time:\n  - System 7 (erase): the owner (owner-7@productionflow.example) has not answered")
	assert.Contains(t, overdue.Text, "stops reminding its owner")
	assert.NotContains(t, overdue.Text, "failed")
	reminded := len(e.owners.reminded)

	clk.now = t0.Add(73 * time.Hour)
	for _, sys := range []string{"sys-6", "sys-7"} {
		require.NoError(t, e.store.AppendEvent(ctx, request.Event{RequestID: "PR-1", At: clk.now, Actor: "team:alice", Action: request.ActionStepDone,
			Once: "step-" + sys + "-erase", Reason: "done in the admin screen",
			Data: map[string]string{"system": sys, "action": "erase", "outcome": request.OutcomeByHand}}))
	}
	clk.now = t0.Add(200 * time.Hour)
	out, err := e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "remind"})
	require.NoError(t, err)
	assert.Zero(t, out.Open, "nothing is left open")
	assert.Len(t, e.owners.reminded, reminded, "no owner is reminded of a step the team did")
	assert.Len(t, e.mail.to(team), 2, "nor the team told again")

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

// TestAManualErasureKeepsItsHoldsOnTheTrail: an owner's erase task done
// on a system with a legal hold puts the kept category on the trail, as
// an automatic erasure does, once, with its reason, law and period.
func TestAManualErasureKeepsItsHoldsOnTheTrail(t *testing.T) {
	ctx := context.Background()
	e, _ := ownersEnv(t, request.Deletion)
	reg, err := system.Load(strings.NewReader(`systems:
  - name: call-recordings
    title: Call recordings
    owner: calls@productionflow.example
    categories: [recordings, support-tickets]
    actions:
      erase: {kind: manual, task: Delete the person's recordings., dueIn: 72h}
    holds:
      - category: support-tickets
        reason: Call records are kept for dispute resolution.
        law: Contract disputes
        until: 2 years
`), system.Options{})
	require.NoError(t, err)
	e.svc.Registry = reg
	_, err = e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "w"})
	require.NoError(t, err)
	require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "call-recordings", Action: system.Erase, State: connector.TaskDone}))
	var kept []request.Event
	for _, ev := range e.store.events {
		if ev.Action == request.ActionErasureWithheld {
			kept = append(kept, ev)
		}
	}
	require.Len(t, kept, 1)
	assert.Equal(t, map[string]string{"system": "call-recordings", "category": "support-tickets", "law": "Contract disputes", "until": "2 years"}, kept[0].Data)
	assert.Equal(t, "Call records are kept for dispute resolution.", kept[0].Reason)

	// The answer says what was done: deleted by hand, the hold kept.
	_, err = e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Owners: e.done.done["w"]})
	require.NoError(t, err)
	answer := e.mail.to("jane.doe+privacy@example.com")
	require.NotEmpty(t, answer)
	text := strings.Join(strings.Fields(answer[len(answer)-1].Text), " ")
	assert.Contains(t, text, "Call recordings: deleted by hand, but for what the law requires us to keep (see below)")
	assert.Contains(t, text, "Call records are kept for dispute resolution.")
}

// TestAnOwnerCannotAnswerATaskTheTeamFinished: once the team finished an
// owner's task by hand, the owner's late answer ("holds nothing") is
// refused as already answered: it would have replaced the team's.
func TestAnOwnerCannotAnswerATaskTheTeamFinished(t *testing.T) {
	ctx := context.Background()
	e, clk := ownersEnv(t, request.Deletion)
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	require.NoError(t, e.store.AppendEvent(ctx, request.Event{RequestID: "PR-1", At: clk.now, Actor: "team:alice", Action: request.ActionStepDone,
		Once: "step-sys-1-erase", Reason: "deleted by hand", Data: map[string]string{"system": "sys-1", "action": "erase", "outcome": request.OutcomeByHand}}))
	err = e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Erase, State: connector.TaskNothingHeld})
	require.ErrorIs(t, err, connector.ErrAlreadyAnswered)
	require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-2", Action: system.Erase, State: connector.TaskDone}))
}

// TestARerunAsksAnOwnerWhoCouldNotAgain: an owner answered "cannot"; the
// team fixed the cause and runs the fulfilment again. The re-run's plan
// opens the task again with a new due time, the owner is mailed it again,
// and their "done" this time lets the request be answered. A task the team
// finished by hand is not reopened.
func TestARerunAsksAnOwnerWhoCouldNotAgain(t *testing.T) {
	ctx := context.Background()
	e, clk := ownersEnv(t, request.Deletion)
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "w1"})
	require.NoError(t, err)
	for i := 1; i <= 5; i++ {
		require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: fmt.Sprintf("sys-%d", i), Action: system.Erase, State: connector.TaskDone}))
	}
	for _, sys := range []string{"sys-6", "sys-7"} {
		require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: sys, Action: system.Erase,
			State: connector.TaskCannot, Reason: "the key is lost"}))
	}
	require.NoError(t, e.store.AppendEvent(ctx, request.Event{RequestID: "PR-1", At: clk.now, Actor: "team:alice", Action: request.ActionStepDone,
		Once: "step-sys-7-erase", Reason: "done by hand", Data: map[string]string{"system": "sys-7", "action": "erase", "outcome": request.OutcomeByHand}}))
	mailed := len(e.owners.sent)

	clk.now = t0.Add(100 * time.Hour)
	_, err = e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"}) // a plan that is no re-run (retried) asks nobody again
	require.NoError(t, err)
	_, err = e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1", Rerun: 1}) // the team's re-run
	require.NoError(t, err)
	_, err = e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1", Rerun: 1}) // and its plan retried
	require.NoError(t, err)
	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "w2"})
	require.NoError(t, err)
	assert.Equal(t, []string{"sys-6 erase"}, e.owners.sent[mailed:], "only the owner who could not is asked again")
	tasks, err := e.tasks.List(ctx, "PR-1")
	require.NoError(t, err)
	for _, tk := range tasks {
		if tk.System == "sys-6" {
			assert.True(t, tk.AskedAgain)
			assert.Equal(t, "the key is lost", tk.EarlierReason, "the mail that asks again quotes the owner's earlier words")
		}
	}
	assert.Empty(t, e.done.done["w2"], "the re-run waits for that owner")
	require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-6", Action: system.Erase, State: connector.TaskDone}))
	res := e.done.done["w2"]
	require.Len(t, res, 7)
	for _, r := range res {
		assert.False(t, r.Failed, "%s/%s", r.System, r.Action)
	}
	reopened, answered := 0, 0
	for _, ev := range e.store.events {
		switch {
		case ev.Action == request.ActionTaskReopened:
			reopened++
		case ev.Action == fulfil.ActionTaskAnswered && ev.Data["system"] == "sys-6":
			answered++
		}
	}
	assert.Equal(t, 1, reopened, "once per re-run")
	assert.Equal(t, 2, answered, "the owner's second answer is on the trail too, not taken for the first")
}

// TestTheLastOwnersCannotIsToldOnce: when the last open task is answered
// "cannot", the fulfilment goes on to its notice of the steps not done,
// which carries the owner's reason: the team gets that one mail, not the
// owner's notice too a moment before. When the wait cannot be completed
// (none is kept), the owner's notice goes out at once as for any other.
func TestTheLastOwnersCannotIsToldOnce(t *testing.T) {
	ctx := context.Background()
	answerAll := func(t *testing.T, e *env) {
		t.Helper()
		for i := 1; i <= 6; i++ {
			require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: fmt.Sprintf("sys-%d", i), Action: system.Erase, State: connector.TaskDone}))
		}
		require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-7", Action: system.Erase,
			State: connector.TaskCannot, Reason: "the archive is off site"}))
	}

	t.Run("the wait is completed", func(t *testing.T) {
		e, _ := awaitingOwners(t, request.Deletion)
		answerAll(t, e)
		require.Contains(t, e.done.done, "w")
		assert.Empty(t, e.mail.to(team), "the fulfilment's notice follows")

		out, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Owners: e.done.done["w"]})
		require.NoError(t, err)
		assert.True(t, out.NeedsAttention)
		notices := e.mail.to(team)
		require.Len(t, notices, 1)
		assert.Contains(t, notices[0].Text, "the owner (owner-7@productionflow.example) cannot do it: the archive is off site")
	})
	t.Run("no wait to complete", func(t *testing.T) {
		e, _ := ownersEnv(t, request.Deletion)
		_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
		require.NoError(t, err)
		answerAll(t, e)
		assert.Empty(t, e.done.done)
		notices := e.mail.to(team)
		require.Len(t, notices, 1)
		assert.Equal(t, "An owner cannot do a step: privacy request PR-1", notices[0].Subject)
		assert.Contains(t, notices[0].Text, "cannot do it: the archive is off site")
	})
}

// TestARerunAsksForAnUploadNoLongerKept: the team's re-run more than 100
// days after an owner's export finds the file gone (the bucket deletes
// parts 100 days after they are made): the owner is asked for it again,
// and the answer is built from the new file, instead of the answer failing
// on the missing part. An owner whose system erased the person since is not
// asked (they would find nothing); a file still kept is not asked again.
func TestARerunAsksForAnUploadNoLongerKept(t *testing.T) {
	ctx := context.Background()
	e, clk := ownersEnv(t, request.AccessSpecific, request.Deletion)
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "w1"})
	require.NoError(t, err)
	upload := func(sys, name string) {
		t.Helper()
		require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: sys, Action: system.Export, State: connector.TaskDone,
			Upload: &connector.Upload{Format: "csv", Category: "contact", Body: []byte("name\n" + name + "\n")}}))
	}
	for i := 1; i <= 7; i++ {
		upload(fmt.Sprintf("sys-%d", i), "Jane")
	}
	// sys-1 erases; sys-2..7 cannot yet (the team re-runs later).
	require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Erase, State: connector.TaskDone}))
	for i := 2; i <= 7; i++ {
		require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: fmt.Sprintf("sys-%d", i), Action: system.Erase,
			State: connector.TaskCannot, Reason: "the admin is away"}))
	}
	// 101 days on, the parts of sys-1 and sys-2 are gone; sys-3's is kept.
	e.parts.mu.Lock()
	for i := 1; i <= 7; i++ {
		if i != 3 {
			delete(e.parts.parts, fmt.Sprintf("PR-1/sys-%d", i))
		}
	}
	e.parts.mu.Unlock()
	clk.now = t0.Add(101 * 24 * time.Hour)
	mailed := len(e.owners.sent)
	_, err = e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1", Rerun: 1})
	require.NoError(t, err)
	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "w2"})
	require.NoError(t, err)
	asked := e.owners.sent[mailed:]
	assert.Contains(t, asked, "sys-2 export", "the file is gone: its owner is asked again")
	assert.NotContains(t, asked, "sys-1 export", "sys-1 erased the person since")
	assert.NotContains(t, asked, "sys-3 export", "sys-3's file is kept")
	reopened := 0
	for _, ev := range e.store.events {
		if ev.Action == request.ActionTaskReopened && ev.Data["action"] == "export" {
			reopened++
			assert.Contains(t, ev.Reason, "no longer kept")
		}
	}
	assert.Equal(t, 5, reopened, "sys-2 and sys-4..7")

	for i := 2; i <= 7; i++ {
		if i != 3 {
			upload(fmt.Sprintf("sys-%d", i), "Jane again")
		}
	}
	d, err := e.parts.part(ctx, "PR-1", "sys-2")
	require.NoError(t, err)
	assert.True(t, d.Found, "the new file is the part")
}

// TestAnOwnerTicksTheKindsHeldForACategoriesRequest: for a request that
// asks only which categories are held, an owner answers the export by
// ticking the kinds their system holds (no file): the part keeps which,
// never a record, the trail says which, and the answer names them. The
// same answer to a request for a copy is refused: that needs the file.
func TestAnOwnerTicksTheKindsHeldForACategoriesRequest(t *testing.T) {
	ctx := context.Background()
	e, _ := awaitingOwners(t, request.AccessCategories)
	var ue *connector.UploadError
	require.ErrorAs(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Export,
		State: connector.TaskDone, Held: []string{"health"}}), &ue, "a kind the system does not hold")
	require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Export,
		State: connector.TaskDone, Held: []string{"contact", "contact"}}))
	for i := 2; i <= 7; i++ {
		require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: fmt.Sprintf("sys-%d", i), Action: system.Export, State: connector.TaskNothingHeld}))
	}
	d, err := e.parts.part(ctx, "PR-1", "sys-1")
	require.NoError(t, err)
	assert.True(t, d.Found)
	assert.Len(t, d.Data["contact"], 1)
	var held []string
	for _, ev := range e.store.events {
		if ev.Action == fulfil.ActionTaskAnswered && ev.Data["system"] == "sys-1" {
			held = append(held, ev.Data["held"])
		}
	}
	assert.Equal(t, []string{"contact"}, held)

	require.Contains(t, e.done.done, "w")
	_, err = e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Owners: e.done.done["w"]})
	require.NoError(t, err)
	answer := e.mail.to("jane.doe+privacy@example.com")
	require.NotEmpty(t, answer)
	text := strings.Join(strings.Fields(answer[len(answer)-1].Text), " ")
	assert.Contains(t, text, "System 1: we found data about you here (what kinds: below)")
	assert.Contains(t, text, "What we found about you, system by system: - System 1 Kinds of data: contact")

	copyReq, _ := ownersEnv(t, request.AccessSpecific)
	_, err = copyReq.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	err = copyReq.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Export,
		State: connector.TaskDone, Held: []string{"contact"}})
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, ue.Problem, "asks for a copy")
}

// TestTheTeamFindsASystemHoldsNothing: the team finishes an owner's stuck
// task by hand saying the system holds nothing about the person: the
// answer says it held no data (not "deleted by hand"), no hold is said to
// be kept, and a re-run's automatic step so finished says the same.
func TestTheTeamFindsASystemHoldsNothing(t *testing.T) {
	ctx := context.Background()
	e, clk := awaitingOwners(t, request.Deletion)
	for i := 1; i <= 6; i++ {
		require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: fmt.Sprintf("sys-%d", i), Action: system.Erase, State: connector.TaskDone}))
	}
	e.byHand(t, clk.now, "sys-7", system.Erase, true)
	out, err := e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "w2"})
	require.NoError(t, err)
	assert.Zero(t, out.Open)
	require.Contains(t, e.done.done, "w2")
	_, err = e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Owners: e.done.done["w2"]})
	require.NoError(t, err)
	answer := e.mail.to("jane.doe+privacy@example.com")
	require.NotEmpty(t, answer)
	text := answer[len(answer)-1].Text
	assert.Contains(t, text, "  - System 7: it held no data about you\n")
	assert.Contains(t, text, "  - System 1: deleted by hand\n")

	// An automatic step the team found nothing in, on a re-run.
	a := newEnv(t, request.Deletion)
	_, err = a.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	require.NoError(t, a.store.AppendEvent(ctx, request.Event{RequestID: "PR-1", At: t0, Actor: "team:alice", Action: request.ActionStepDone,
		Once: "step-customer-accounts-erase", Reason: "looked: nothing",
		Data: map[string]string{"system": "customer-accounts", "action": "erase", "outcome": request.OutcomeByHand, "found": "false"}}))
	run, err := a.svc.Run(ctx, fulfil.RunInput{RequestID: "PR-1", Execution: "PR-1-rerun-1",
		Steps: []fulfil.StepRef{{RequestID: "PR-1", System: "customer-accounts", Action: system.Erase}}})
	require.NoError(t, err)
	require.Len(t, run.Results, 1)
	assert.Equal(t, "not-found", run.Results[0].Outcome)
	assert.False(t, run.Results[0].Found)
	assert.Empty(t, a.systems.calls, "not asked of the system")
}

// TestACategoriesExportFinishedByHand: for a request of categories, an
// export the team finished by hand (after its owner could not) names the
// system among those that hold the person, with every kind it holds about
// people, said to be unchecked; one the team found holds nothing is named
// as holding no data.
func TestACategoriesExportFinishedByHand(t *testing.T) {
	ctx := context.Background()
	e, clk := awaitingOwners(t, request.AccessCategories)
	for i := 3; i <= 7; i++ {
		require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: fmt.Sprintf("sys-%d", i), Action: system.Export, State: connector.TaskNothingHeld}))
	}
	e.byHand(t, clk.now, "sys-1", system.Export, false)
	e.byHand(t, clk.now, "sys-2", system.Export, true)
	_, err := e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "w2"})
	require.NoError(t, err)
	require.Contains(t, e.done.done, "w2")
	_, err = e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Owners: e.done.done["w2"]})
	require.NoError(t, err)
	answer := e.mail.to("jane.doe+privacy@example.com")
	require.NotEmpty(t, answer)
	text := answer[len(answer)-1].Text
	assert.Contains(t, text, "  - System 1: we found data about you here (what kinds: below)\n")
	assert.Contains(t, text, "  - System 1\n    Kinds of data it holds about people (it held data about you; which of these kinds was not checked): contact\n")
	assert.Contains(t, text, "  - System 2: it held no data about you\n")
	assert.NotContains(t, text, "done by hand")
}

// TestACopyWithAnExportFoundEmptyByHand: for a request for a copy, an
// export the team finished by hand saying the system holds nothing (no
// part written) is packaged as holding nothing, and the requester is
// answered, instead of the answer failing on the missing part.
func TestACopyWithAnExportFoundEmptyByHand(t *testing.T) {
	ctx := context.Background()
	e, clk := awaitingOwners(t, request.AccessSpecific)
	for i := 2; i <= 7; i++ {
		require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: fmt.Sprintf("sys-%d", i), Action: system.Export, State: connector.TaskNothingHeld}))
	}
	e.byHand(t, clk.now, "sys-1", system.Export, true)
	_, err := e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "w2"})
	require.NoError(t, err)
	require.Contains(t, e.done.done, "w2")
	out, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Owners: e.done.done["w2"]})
	require.NoError(t, err)
	assert.True(t, out.Completed)
	require.Len(t, e.packages.packages, 1)
	var sys1 *bool
	for _, sd := range e.packages.packages[0].Systems {
		if sd.System == "sys-1" {
			found := sd.Found
			sys1 = &found
		}
	}
	require.NotNil(t, sys1, "the system is in the package")
	assert.False(t, *sys1, "as holding nothing")
	answer := e.mail.to("jane.doe+privacy@example.com")
	require.NotEmpty(t, answer)
	assert.Contains(t, answer[len(answer)-1].Text, "  - System 1: it held no data about you\n")
}
