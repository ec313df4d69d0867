package fulfil_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

// sevenManual declares seven systems whose erase is an owner's task, due in
// 72 hours.
func sevenManual(t *testing.T) *system.Registry {
	t.Helper()
	var b strings.Builder
	b.WriteString("systems:\n")
	for i := 1; i <= 7; i++ {
		fmt.Fprintf(&b, `  - name: sys-%[1]d
    title: System %[1]d
    owner: owner-%[1]d@productionflow.example
    categories: [contact]
    actions:
      erase: {kind: manual, task: Delete the person., dueIn: 72h}
      export: {kind: manual, task: Export the person., dueIn: 72h}
`, i)
	}
	reg, err := system.Load(strings.NewReader(b.String()), system.Options{})
	require.NoError(t, err)
	return reg
}

type movingClock struct{ now time.Time }

func (c *movingClock) Now() time.Time { return c.now }

func ownersEnv(t *testing.T, kinds ...request.Kind) (*env, *movingClock) {
	t.Helper()
	e := newEnv(t, kinds...)
	clk := &movingClock{now: t0}
	e.svc.Registry = sevenManual(t)
	e.svc.Now = clk.Now
	cal, err := clock.New("America/Los_Angeles")
	require.NoError(t, err)
	e.svc.Calendar = cal
	return e, clk
}

func TestEveryOwnerHasTheirTaskAtOnceAndIsReminded(t *testing.T) {
	ctx := context.Background()
	e, clk := ownersEnv(t, request.Deletion)
	plan, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	assert.Empty(t, plan.Steps, "no automatic steps")
	require.Len(t, plan.Manual, 7)
	assert.Equal(t, int((72*time.Hour-24*time.Hour)/time.Second), plan.Reminder.CheckIn, "the first wake is the reminder a day before the due time")

	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "wait-1"})
	require.NoError(t, err)
	assert.Len(t, e.owners.sent, 7, "all seven owners are mailed at t=0")
	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "wait-2"})
	require.NoError(t, err)
	assert.Len(t, e.owners.sent, 7, "a second wait mails nobody again")

	clk.now = t0.Add(48 * time.Hour)
	out, err := e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "remind"})
	require.NoError(t, err)
	assert.Len(t, e.owners.reminded, 7, "each owner is reminded before the due time")
	assert.Equal(t, 7, out.Open)
	assert.Equal(t, int((24*time.Hour)/time.Second), out.CheckIn, "next wake: the due time")
	assert.Empty(t, e.mail.to(team), "the team is not told before a task is overdue")

	// Six owners answer; the seventh is late.
	for i := 1; i <= 6; i++ {
		require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: fmt.Sprintf("sys-%d", i), Action: system.Erase, State: connector.TaskDone}))
	}
	assert.Empty(t, e.done.done, "the workflow waits for the last owner")
	clk.now = t0.Add(72 * time.Hour)
	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "remind"})
	require.NoError(t, err)
	assert.Equal(t, "sys-7 erase", e.owners.reminded[len(e.owners.reminded)-1], "the late owner is reminded when overdue")
	require.Len(t, e.mail.to(team), 1, "the team is told of the overdue task")
	assert.Contains(t, e.mail.to(team)[0].Text, "System 7")
	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "remind"})
	require.NoError(t, err)
	assert.Len(t, e.mail.to(team), 1, "once")

	require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-7", Action: system.Erase, State: connector.TaskNothingHeld}))
	res := e.done.done["wait-2"]
	require.Len(t, res, 7, "the last answer resumes the workflow with every task's result")
	assert.Equal(t, "confirmed", res[0].Outcome)
	assert.Equal(t, "not-found", res[6].Outcome)
	err = e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-7", Action: system.Erase, State: connector.TaskDone})
	assert.ErrorIs(t, err, connector.ErrAlreadyAnswered)
}

func TestExpeditedTasksAreDueInTwoBusinessDays(t *testing.T) {
	ctx := context.Background()
	e, _ := ownersEnv(t, request.ChildData)
	r := e.store.requests["PR-1"]
	r.Subject = &request.Subject{Email: "leo@example.com", Name: "Leo"}
	e.store.requests["PR-1"] = r
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	tasks, err := e.tasks.List(ctx, "PR-1")
	require.NoError(t, err)
	require.NotEmpty(t, tasks)
	// t0 is Monday 2026-11-02 09:00 UTC, 01:00 in Los Angeles: two business
	// days on is Wednesday 2026-11-04 01:00 there, before the 72-hour due.
	assert.Equal(t, time.Date(2026, 11, 4, 9, 0, 0, 0, time.UTC), tasks[0].Due.UTC())

	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "w"})
	require.NoError(t, err)
	for _, p := range e.owners.subjects {
		assert.Equal(t, "leo@example.com", p.Email, "the child is named, never the reporter")
		assert.True(t, p.Child)
	}
}

func TestOwnerUploadBecomesThePackagePart(t *testing.T) {
	ctx := context.Background()
	e, _ := ownersEnv(t, request.AccessSpecific)
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "w"})
	require.NoError(t, err)

	cases := []struct {
		name    string
		upload  connector.Upload
		problem string
	}{
		{"not JSON", connector.Upload{Format: "json", Body: []byte("{nope")}, "not valid JSON"},
		{"an unknown category", connector.Upload{Format: "json", Body: []byte(`{"orders":[{"id":1}]}`)}, `"orders" is not a category`},
		{"a list without its category", connector.Upload{Format: "json", Body: []byte(`[{"id":1}]`)}, "choose the category"},
		{"a CSV with only a header", connector.Upload{Format: "csv", Category: "contact", Body: []byte("name,email\n")}, "at least one record"},
		{"an empty object", connector.Upload{Format: "json", Body: []byte(`{}`)}, "no records"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Export, State: connector.TaskDone, Upload: &tc.upload})
			var ue *connector.UploadError
			require.ErrorAs(t, err, &ue)
			assert.Contains(t, ue.Problem, tc.problem)
		})
	}
	require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Export, State: connector.TaskDone,
		Upload: &connector.Upload{Format: "csv", Category: "contact", Body: []byte("name,email\nJane,jane@example.com\n")}}))
	part, err := e.parts.part(ctx, "PR-1", "sys-1")
	require.NoError(t, err)
	assert.True(t, part.Found)
	require.Len(t, part.Data["contact"], 1)
	assert.JSONEq(t, `{"name":"Jane","email":"jane@example.com"}`, string(part.Data["contact"][0]))

	require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-2", Action: system.Export, State: connector.TaskNothingHeld}))
	part, err = e.parts.part(ctx, "PR-1", "sys-2")
	require.NoError(t, err)
	assert.False(t, part.Found, "nothing held is recorded as such in the package")

	require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-3", Action: system.Export, State: connector.TaskCannot, Reason: "archive offline"}))
	told := e.mail.to(team)
	require.Len(t, told, 1, "cannot reaches the team at once")
	assert.Contains(t, told[0].Text, "archive offline")
}

func TestOptOutsRunAtOnceWithoutVerification(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, request.AccessSpecific, request.OptOutSale)
	r := e.store.requests["PR-1"]
	r.Status = request.Acknowledged // never verified
	e.store.requests["PR-1"] = r

	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	var se *fulfil.RequestStateError
	require.ErrorAs(t, err, &se, "the access part waits for verification")

	plan, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1", Scope: fulfil.ScopeOptOuts})
	require.NoError(t, err)
	assert.Equal(t, []string{"credit-factoring optOut"}, refs(plan.Steps), "every system that can stop selling or sharing, nothing else (analytics has no opt-out, only a deletion)")
	assert.Equal(t, request.Acknowledged, e.store.status("PR-1"), "the rest of the request is untouched")
	var results []fulfil.StepResult
	for _, st := range plan.Steps {
		out, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: st.System, Action: st.Action})
		require.NoError(t, err, "an opt-out runs before verification")
		results = append(results, fulfil.StepResult{System: out.System, Action: out.Action, Outcome: out.Outcome})
	}

	// The rest closes unverified meanwhile: the opt-out still stands and is told.
	r = e.store.requests["PR-1"]
	r.Status = request.Unverified
	e.store.requests["PR-1"] = r
	out, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Scope: fulfil.ScopeOptOuts, Results: results})
	require.NoError(t, err)
	assert.True(t, out.Completed)
	assert.Equal(t, request.Unverified, e.store.status("PR-1"), "answering the opt-outs completes nothing else")
	mails := e.mail.to(janeEmail)
	require.Len(t, mails, 1)
	assert.Contains(t, mails[0].Text, "it no longer sells or shares your data")
	assert.Equal(t, "The opt-outs of your privacy request PR-1 are done", mails[0].Subject, "not the whole request")
	assert.NotContains(t, mails[0].Text, "answered on its own", "the rest closed unverified meanwhile: nothing more comes")
	events, err := e.store.Events(ctx, "PR-1")
	require.NoError(t, err)
	var actions []string
	for _, ev := range events {
		actions = append(actions, ev.Action)
	}
	assert.Contains(t, actions, fulfil.ActionOptOutDone, "the deadline sweep sees the opt-out clock met")
	assert.Contains(t, actions, fulfil.ActionOptOutsStarted)
}
