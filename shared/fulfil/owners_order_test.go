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
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

// TestAnOwnersExportComesBeforeTheErase: a request for a copy and a
// deletion gives the owner of a manual system both tasks. Their digest
// lists the export first and tells them to answer it first, and an
// erasure answered done or "holds nothing" while the export is open is
// refused (nothing recorded); once the export is answered, the erasure
// is taken — but "done" after an export that held nothing, which the
// answer would contradict.
func TestAnOwnersExportComesBeforeTheErase(t *testing.T) {
	ctx := context.Background()
	d := newDigestEnv(t)
	reg := sevenManual(t)
	d.svc.Registry, d.digest.Registry = reg, reg
	r := d.store.requests["PR-1"]
	r.Kinds = []request.Kind{request.Deletion, request.AccessSpecific}
	d.store.requests["PR-1"] = r
	plan, err := d.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	require.Len(t, plan.Manual, 14)
	_, err = d.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "w"})
	require.NoError(t, err)

	d.clk.now = time.Date(2026, 11, 3, 8, 0, 0, 0, d.ny)
	_, err = d.digest.Send(ctx)
	require.NoError(t, err)
	mails := d.sentTo("owner-1@productionflow.example")
	require.Len(t, mails, 1)
	text := mails[0].Text
	export, erase := strings.Index(text, "Export the person."), strings.Index(text, "Delete the person.")
	require.Positive(t, export)
	assert.Less(t, export, erase, "the export is listed first")
	assert.Contains(t, text, "If this request also gives you an export task in this system, answer it first")

	err = d.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Erase, State: connector.TaskDone})
	require.ErrorIs(t, err, connector.ErrExportFirst)
	tasks, err := d.tasks.List(ctx, "PR-1")
	require.NoError(t, err)
	for _, tk := range tasks {
		assert.False(t, tk.Answered(), "%s/%s: nothing recorded", tk.System, tk.Action)
	}
	err = d.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-2", Action: system.Erase, State: connector.TaskNothingHeld})
	require.ErrorIs(t, err, connector.ErrExportFirst, "'holds nothing' waits too: an upload after it would go undeleted")
	require.NoError(t, d.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-2", Action: system.Export, State: connector.TaskDone,
		Upload: &connector.Upload{Format: "csv", Category: "contact", Body: []byte("name\nJane\n")}}))
	require.NoError(t, d.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-2", Action: system.Erase, State: connector.TaskDone}))

	require.NoError(t, d.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Export, State: connector.TaskNothingHeld}))
	err = d.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Erase, State: connector.TaskDone})
	require.ErrorIs(t, err, connector.ErrExportHeldNothing, "done after 'holds nothing': the answer would say both")
	require.NoError(t, d.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Erase, State: connector.TaskNothingHeld}))
}

// TestAnAnswerToAClosedRequestsTaskIsRefused: a denial that lands between
// the task page's read and the owner's answer leaves nothing recorded.
func TestAnAnswerToAClosedRequestsTaskIsRefused(t *testing.T) {
	ctx := context.Background()
	e, _ := ownersEnv(t, request.Deletion)
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	r := e.store.requests["PR-1"]
	r.Status = request.Denied
	e.store.requests["PR-1"] = r
	err = e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Erase, State: connector.TaskDone})
	require.ErrorIs(t, err, connector.ErrTaskClosed)
	tasks, err := e.tasks.List(ctx, "PR-1")
	require.NoError(t, err)
	for _, tk := range tasks {
		assert.False(t, tk.Answered())
	}
}

// TestAnEraseWaitsWhenTheExportCannotBeDone: an owner's erase answered done
// after the same system's export was answered "cannot" is refused with its
// own reason (the team decides), and taken once the team has finished the
// export by hand.
func TestAnEraseWaitsWhenTheExportCannotBeDone(t *testing.T) {
	ctx := context.Background()
	e, clk := ownersEnv(t, request.Deletion, request.AccessSpecific)
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Export,
		State: connector.TaskCannot, Reason: "the scanner is broken"}))
	err = e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Erase, State: connector.TaskDone})
	require.ErrorIs(t, err, connector.ErrExportCannot)
	require.NoError(t, e.store.AppendEvent(ctx, request.Event{RequestID: "PR-1", At: clk.now, Actor: "team:alice", Action: request.ActionStepDone,
		Once: "step-sys-1-export", Reason: "photocopied and posted", Data: map[string]string{"system": "sys-1", "action": "export", "outcome": request.OutcomeByHand}}))
	require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Erase, State: connector.TaskDone}))
}

// TestAnExportFinishedByHandIsNotInTheDownload: the team copied a system's
// data by hand after its owner could not, and sent it (the console asks
// them to say so); the answer says so, and that the copy is not in the
// download, never that a copy is in it; the package's summary lists the
// system as sent separately.
func TestAnExportFinishedByHandIsNotInTheDownload(t *testing.T) {
	for _, sent := range []bool{true, false} {
		t.Run(fmt.Sprintf("sent apart %v", sent), func(t *testing.T) {
			ctx := context.Background()
			e, clk := ownersEnv(t, request.AccessSpecific)
			_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
			require.NoError(t, err)
			_, err = e.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-1", Op: "await", TaskToken: "w"})
			require.NoError(t, err)
			data := map[string]string{"system": "sys-1", "action": "export", "outcome": request.OutcomeByHand}
			if sent {
				data["copySent"] = "true"
			}
			require.NoError(t, e.store.AppendEvent(ctx, request.Event{RequestID: "PR-1", At: clk.now, Actor: "team:alice", Action: request.ActionStepDone,
				Once: "step-sys-1-export", Reason: "photocopied and posted", Data: data}))
			for i := 2; i <= 7; i++ {
				require.NoError(t, e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: fmt.Sprintf("sys-%d", i), Action: system.Export, State: connector.TaskNothingHeld}))
			}
			res := e.done.done["w"]
			require.Len(t, res, 7)
			_, err = e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Owners: res})
			require.NoError(t, err)
			answer := e.mail.to("jane.doe+privacy@example.com")
			require.NotEmpty(t, answer)
			text := answer[len(answer)-1].Text
			assert.NotContains(t, text, "System 1: a copy of your data is in the download below")
			require.Len(t, e.packages.packages, 1)
			for _, d := range e.packages.packages[0].Systems {
				assert.NotEqual(t, "sys-1", d.System, "not in the package")
			}
			if !sent {
				// No word on the trail that it was sent: the answer does not say so.
				assert.Contains(t, text, "System 1: copied by hand; that copy is not in the download below")
				assert.Empty(t, e.packages.packages[0].SentApart)
				return
			}
			assert.Contains(t, text, "System 1: copied by hand and sent to you separately; that copy is not in the download below")
			assert.Equal(t, []string{"sys-1"}, e.packages.packages[0].SentApart, "the summary says where its copy went")
		})
	}
}

// TestAWrongCategoryIsNamedInWords: an owner's upload with a category the
// system does not have is refused, listing the system's categories as
// words, not as a Go slice.
func TestAWrongCategoryIsNamedInWords(t *testing.T) {
	ctx := context.Background()
	e, _ := ownersEnv(t, request.AccessSpecific)
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	err = e.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "sys-1", Action: system.Export, State: connector.TaskDone,
		Upload: &connector.Upload{FileName: "x.json", Format: "json", Body: []byte(`{"orders":[{"id":1}]}`)}})
	var ue *connector.UploadError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, `"orders" is not a category of this system (its categories: contact).`, ue.Problem)
}
