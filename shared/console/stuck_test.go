package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/request"
)

// TestFinishAnOwnersStuckTaskByHand: while the fulfilment waits for the
// owners, one owner's task is overdue and another owner cannot do theirs.
// The team is told so by mail and asked to finish such a step by hand in
// the console: the console offers exactly those steps (not one an owner
// answered since), records the one chosen, and says the fulfilment goes
// on by itself.
func TestFinishAnOwnersStuckTaskByHand(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-STUK-AAAA-AAAA-AAAA", 30, request.InProgress, request.Deletion)
	for _, ev := range []request.Event{
		{Action: request.ActionTaskOverdue, Data: map[string]string{"system": "paper-archive", "action": "erase", "due": "2026-11-20T17:00:00Z"}},
		{Action: request.ActionTaskConfirmed, Data: map[string]string{"system": "call-recordings", "action": "erase", "answer": "cannot", "reason": "off site"}},
		{Action: request.ActionTaskOverdue, Data: map[string]string{"system": "ledger", "action": "erase", "due": "2026-11-20T17:00:00Z"}},
		{Action: request.ActionTaskConfirmed, Data: map[string]string{"system": "ledger", "action": "erase", "answer": "done"}},
		{Action: request.ActionTaskConfirmed, Data: map[string]string{"system": "tape-backups", "action": "erase", "answer": "cannot"}},
		{Action: request.ActionTaskReopened, Data: map[string]string{"system": "tape-backups", "action": "erase"}},
	} {
		ev.RequestID, ev.At, ev.Actor = r.ID, d.now, "system:fulfil"
		require.NoError(t, d.store.AppendEvent(ctx, ev))
	}
	waker := &fakeWaker{err: request.ErrTaskGone}
	d.Owners = waker
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")

	page := b.do("GET", "/console/requests/"+r.ID+"/finish-step", nil)
	require.Equal(t, http.StatusOK, page.Code, page.Body.String())
	body := page.Body.String()
	assert.Contains(t, body, `value="paper-archive/erase"`)
	assert.Contains(t, body, `value="call-recordings/erase"`)
	assert.Contains(t, body, "paper-archive / erase (overdue: its owner has not answered)")
	assert.Contains(t, body, "call-recordings / erase (its owner cannot do it)")
	assert.NotContains(t, body, `value="ledger/erase"`, "its owner answered since")
	assert.NotContains(t, body, `value="tape-backups/erase"`, "asked of its owner again by a re-run")
	assert.Contains(t, body, "The fulfilment is waiting for owners' tasks, and these are stuck")
	assert.NotContains(t, body, "answer the requester yourself and complete the request", "the desk answers the requester itself")
	assert.Contains(t, body, "The fulfilment is woken to count it done by hand at once")

	w := b.do("POST", "/console/requests/"+r.ID+"/finish-step", url.Values{"csrf": {csrf(t, body)}, "step": {"call-recordings/erase"}, "note": {"Deleted from the recorder by hand."}, "found": {"yes"}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "The fulfilment is still waiting for the owners&#39; tasks: it counts this one done by hand when it next wakes",
		"no wait to wake: the words say when it is counted")
	assert.Equal(t, []string{r.ID}, waker.woken)
	events, err := d.store.Events(ctx, r.ID)
	require.NoError(t, err)
	byHand := 0
	for _, ev := range events {
		if ev.Action == request.ActionStepDone && ev.Data["outcome"] == request.OutcomeByHand && ev.Data["system"] == "call-recordings" {
			byHand++
		}
	}
	assert.Equal(t, 1, byHand)

	var fe console.FormError
	require.ErrorAs(t, d.finish(ctx, alice, r.ID, "call-recordings", "erase", "again"), &fe)
	waker.err = nil
	page = b.do("GET", "/console/requests/"+r.ID+"/finish-step", nil)
	w = b.do("POST", "/console/requests/"+r.ID+"/finish-step", url.Values{"csrf": {csrf(t, page.Body.String())}, "step": {"paper-archive/erase"}, "note": {"Shredded by the team."}, "found": {"yes"}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "the fulfilment, which was waiting for the owners&#39; tasks, counts it now")
	assert.NotContains(t, w.Body.String(), "when it next wakes")
	assert.Equal(t, []string{r.ID, r.ID}, waker.woken, "the fulfilment's wait is woken")
	var ae *console.ActionError
	assert.ErrorAs(t, d.finish(ctx, alice, r.ID, "ledger", "erase", "by hand"), &ae, "nothing is stuck any more: the console offers nothing")
}

// fakeWaker records the requests whose owners' wait it woke, and answers
// err.
type fakeWaker struct {
	woken []string
	err   error
}

func (f *fakeWaker) WakeOwners(_ context.Context, id string) error {
	f.woken = append(f.woken, id)
	return f.err
}

// TestTheTeamFinishesAnExportBeforeItsErase: as an owner's task page
// refuses it, the console does not take a system's erase done by hand
// while the same request's export in that system is not done: erasing
// first deletes what the export sends.
func TestTheTeamFinishesAnExportBeforeItsErase(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-EXFI-AAAA-AAAA-AAAA", 30, request.InProgress, request.Deletion, request.AccessSpecific)
	for _, ev := range []request.Event{
		{Action: request.ActionTaskCreated, Data: map[string]string{"system": "paper-archive", "action": "export"}},
		{Action: request.ActionTaskCreated, Data: map[string]string{"system": "paper-archive", "action": "erase"}},
		{Action: request.ActionTaskOverdue, Data: map[string]string{"system": "paper-archive", "action": "export", "due": "2026-11-20T17:00:00Z"}},
		{Action: request.ActionTaskOverdue, Data: map[string]string{"system": "paper-archive", "action": "erase", "due": "2026-11-20T17:00:00Z"}},
	} {
		ev.RequestID, ev.At, ev.Actor = r.ID, d.now, "system:fulfil"
		require.NoError(t, d.store.AppendEvent(ctx, ev))
	}
	var fe console.FormError
	require.ErrorAs(t, d.finish(ctx, alice, r.ID, "paper-archive", "erase", "shredded"), &fe)
	assert.Contains(t, fe["system"], "finish paper-archive / export first")
	assert.Empty(t, eventsOf(d, r.ID, request.ActionStepDone), "nothing recorded")

	require.NoError(t, d.finish(ctx, alice, r.ID, "paper-archive", "export", "scanned and sent by the team"))
	require.NoError(t, d.finish(ctx, alice, r.ID, "paper-archive", "erase", "shredded"))
	assert.Len(t, eventsOf(d, r.ID, request.ActionStepDone), 2)

	// An export asked of its owner again (its file no longer kept) is not
	// done until answered again; an erase that found nothing waits for it
	// too (an export that then found data would go undeleted).
	again := d.add("PR-EXFI-BBBB-AAAA-AAAA", 30, request.InProgress, request.Deletion, request.AccessSpecific)
	for _, ev := range []request.Event{
		{Action: request.ActionTaskConfirmed, Data: map[string]string{"system": "paper-archive", "action": "export", "answer": "done"}},
		{Action: request.ActionTaskReopened, Data: map[string]string{"system": "paper-archive", "action": "export"}},
		{Action: request.ActionTaskOverdue, Data: map[string]string{"system": "paper-archive", "action": "erase", "due": "2026-11-20T17:00:00Z"}},
		{Action: request.ActionTaskOverdue, Data: map[string]string{"system": "paper-archive", "action": "export", "due": "2026-11-27T17:00:00Z"}},
	} {
		ev.RequestID, ev.At, ev.Actor = again.ID, d.now, "system:fulfil"
		require.NoError(t, d.store.AppendEvent(ctx, ev))
	}
	require.ErrorAs(t, d.finish(ctx, alice, again.ID, "paper-archive", "erase", "shredded"), &fe, "the export is asked again")
	_, err := d.FinishStep(ctx, alice, again.ID, "paper-archive", "erase", "looked: nothing of theirs", true, false)
	require.ErrorAs(t, err, &fe, "nothing held waits for the export too")
	assert.Contains(t, fe["system"], "finish paper-archive / export first")
	_, err = d.FinishStep(ctx, alice, again.ID, "paper-archive", "export", "looked: nothing", true, false)
	require.NoError(t, err)

	// The trail now says the archive held nothing: its erase done with
	// data would contradict it, and the answer would say both.
	_, err = d.FinishStep(ctx, alice, again.ID, "paper-archive", "erase", "shredded", false, false)
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, fe["found"], "The trail already says paper-archive held nothing about the person")
	assert.Contains(t, fe["found"], "answer the requester yourself")
	_, err = d.FinishStep(ctx, alice, again.ID, "paper-archive", "erase", "looked: nothing of theirs", true, false)
	require.NoError(t, err)

	// Found nothing after another step found data is possible (the data
	// may have gone since): taken.
	gone := d.add("PR-EXFI-CCCC-AAAA-AAAA", 30, request.InProgress, request.Deletion, request.AccessSpecific)
	for _, ev := range []request.Event{
		{Action: request.ActionTaskConfirmed, Data: map[string]string{"system": "paper-archive", "action": "export", "answer": "done"}},
		{Action: request.ActionTaskOverdue, Data: map[string]string{"system": "paper-archive", "action": "erase", "due": "2026-11-20T17:00:00Z"}},
	} {
		ev.RequestID, ev.At, ev.Actor = gone.ID, d.now, "system:fulfil"
		require.NoError(t, d.store.AppendEvent(ctx, ev))
	}
	_, err = d.FinishStep(ctx, alice, gone.ID, "paper-archive", "erase", "looked: the folder is gone", true, false)
	require.NoError(t, err)
}
