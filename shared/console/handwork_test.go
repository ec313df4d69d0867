package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/handover"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/verify"
)

// fakeFulfilment records the fulfil executions started, by name; a name
// taken is refused as Step Functions refuses it within 90 days.
type fakeFulfilment struct {
	mu      sync.Mutex
	started map[string]handover.Input
}

var _ console.Fulfilment = (*fakeFulfilment)(nil)

func (f *fakeFulfilment) Start(_ context.Context, name string, input any) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.started == nil {
		f.started = map[string]handover.Input{}
	}
	if _, ok := f.started[name]; ok {
		return "", errors.New("execution already exists")
	}
	f.started[name] = input.(handover.Input)
	return "arn:aws:states:us-east-1:123456789012:execution:desk-fulfil:" + name, nil
}

// fakeVerifier resends as the verification service does, or fails with err.
type fakeVerifier struct {
	resent []string // request ID and actor
	err    error
	until  time.Time
}

func (f *fakeVerifier) Resend(_ context.Context, id, actor string) (time.Time, error) {
	if f.err != nil {
		return time.Time{}, f.err
	}
	f.resent = append(f.resent, id+" "+actor)
	return f.until, nil
}

// failed stores a request in progress whose fulfilment started and failed.
func (d *desk) failed(id string) *request.Request {
	r := d.add(id, 30, request.InProgress, request.Deletion)
	ctx := context.Background()
	_ = d.store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: d.now, Actor: "system:fulfil-start", Action: request.ActionFulfilmentStarted})
	_ = d.store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: d.now, Actor: "system:fulfil", Action: request.ActionNeedsAttention,
		Once: request.ActionNeedsAttention, Data: map[string]string{"failed": "[crm/erase: timed out]"}})
	return d.store.requests[r.ID]
}

func TestRerun(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	f := &fakeFulfilment{}
	d.Fulfilment = f
	r := d.failed("PR-RRUN-AAAA-AAAA-AAAA")

	name, err := d.Rerun(ctx, alice, r.ID, 1, "crm is back")
	require.NoError(t, err)
	assert.Equal(t, r.ID+"-rerun-1", name, "a name of its own: the first run's is taken for 90 days")
	assert.Equal(t, handover.Input{RequestID: r.ID, Rerun: 1}, f.started[name], "the whole request is fulfilled again, as re-run 1 (owners who could not are asked again)")
	ev := eventsOf(d, r.ID, request.ActionFulfilmentRerun)
	require.Len(t, ev, 1)
	assert.Equal(t, "team:alice", ev[0].Actor)
	assert.Equal(t, "crm is back", ev[0].Reason)
	assert.Equal(t, name, ev[0].Data["execution"])
	assert.Equal(t, r.ID, ev[0].Data["first"], "linked to the first run")

	_, err = d.Rerun(ctx, alice, r.ID, 1, "")
	assert.ErrorIs(t, err, request.ErrConflict, "a second press of the same page starts nothing")
	name, err = d.Rerun(ctx, alice, r.ID, 2, "")
	require.NoError(t, err)
	assert.Equal(t, r.ID+"-rerun-2", name)

	for _, tt := range []struct {
		name  string
		setup func(d *desk) *request.Request
		why   string
	}{
		{"nothing failed", func(d *desk) *request.Request {
			return d.add("PR-RRUN-BBBB-AAAA-AAAA", 30, request.InProgress, request.Deletion)
		}, "fulfilment failed"},
		{"closed", func(d *desk) *request.Request {
			r := d.failed("PR-RRUN-CCCC-AAAA-AAAA")
			require.NoError(t, d.Withdraw(ctx, alice, r.ID, "by phone", false))
			return r
		}, "closed"},
		{"not verified", func(d *desk) *request.Request {
			r := d.add("PR-RRUN-DDDD-AAAA-AAAA", 30, request.Verifying, request.Deletion)
			_ = d.store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: d.now, Action: request.ActionStageFailed, Once: request.ActionStageFailed})
			return r
		}, "only a verified request"},
	} {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			d := newDesk(t)
			d.Fulfilment = &fakeFulfilment{}
			r := tt.setup(d)
			_, err := d.Rerun(ctx, alice, r.ID, 1, "")
			require.ErrorIs(t, err, console.ErrNotAllowed)
			assert.Contains(t, err.Error(), tt.why)
			assert.Empty(t, d.Fulfilment.(*fakeFulfilment).started)
		})
	}
	t.Run("not offered without the fulfil workflow", func(t *testing.T) {
		d := newDesk(t)
		r := d.failed("PR-RRUN-EEEE-AAAA-AAAA")
		_, err := d.Rerun(ctx, alice, r.ID, 1, "")
		assert.ErrorIs(t, err, console.ErrNotAllowed)
	})
}

func TestFinishStep(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.failed("PR-STEP-AAAA-AAAA-AAAA")
	waker := &fakeWaker{}
	d.Owners = waker

	err := d.finish(ctx, alice, r.ID, " ", "", "")
	var fe console.FormError
	require.ErrorAs(t, err, &fe)
	assert.Len(t, fe, 3)
	// A step the fulfilment never tried is no step to finish: a typo
	// would go on the trail as done.
	require.ErrorAs(t, d.finish(ctx, alice, r.ID, "crn", "erase", "deleted by hand"), &fe)
	assert.Contains(t, fe["system"], "No step of this system and action")
	require.ErrorAs(t, d.finish(ctx, alice, r.ID, "crm", "fix", "deleted by hand"), &fe)
	assert.Contains(t, fe["system"], "No step of this system and action")
	require.ErrorAs(t, d.finish(ctx, alice, r.ID, "rm", "erase", "deleted by hand"), &fe, "a part of a failed step's name is not the step")

	require.NoError(t, d.finish(ctx, alice, r.ID, "crm", "erase", "deleted the contact in the CRM's admin screen"))
	steps := eventsOf(d, r.ID, request.ActionStepDone)
	require.Len(t, steps, 1)
	assert.Equal(t, "team:alice", steps[0].Actor)
	assert.Equal(t, map[string]string{"system": "crm", "action": "erase", "outcome": request.OutcomeByHand}, steps[0].Data)
	assert.Equal(t, "deleted the contact in the CRM's admin screen", steps[0].Reason)
	assert.Equal(t, request.InProgress, d.store.requests[r.ID].Status, "the request stays open until the team completes it")
	assert.Empty(t, waker.woken, "the fulfilment ended needing attention: no wait to wake")

	err = d.finish(ctx, alice, r.ID, "crm", "erase", "again")
	require.ErrorIs(t, err, console.ErrNotAllowed, "the only failed step is done: nothing is left to finish")
	assert.Contains(t, err.Error(), "every step that failed is done")

	// The team may find the system holds nothing about the person: the
	// trail says so, for the answer to say it held no data.
	nothing := d.failed("PR-STEP-CCCC-AAAA-AAAA")
	_, err = d.FinishStep(ctx, alice, nothing.ID, "crm", "erase", "looked: nothing of theirs", true, false)
	require.NoError(t, err)
	byHand := eventsOf(d, nothing.ID, request.ActionStepDone)
	require.Len(t, byHand, 1)
	assert.Equal(t, map[string]string{"system": "crm", "action": "erase", "outcome": request.OutcomeByHand, "found": "false"}, byHand[0].Data)

	ok := d.add("PR-STEP-BBBB-AAAA-AAAA", 30, request.InProgress, request.Deletion)
	assert.ErrorIs(t, d.finish(ctx, alice, ok.ID, "crm", "erase", "x"), console.ErrNotAllowed, "nothing to finish")
}

func TestResendLink(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	v := &fakeVerifier{until: d.now.Add(5 * 24 * time.Hour)}
	d.Verifier = v
	r := d.add("PR-LINK-AAAA-AAAA-AAAA", 2, request.Verifying, request.Deletion)
	until, err := d.ResendLink(ctx, alice, r.ID)
	require.NoError(t, err)
	assert.Equal(t, v.until, until)
	assert.Equal(t, []string{r.ID + " team:alice"}, v.resent, "through the verification service, as the member")

	v.err = verify.ErrWaitOver
	_, err = d.ResendLink(ctx, alice, r.ID)
	require.ErrorIs(t, err, console.ErrNotAllowed)
	assert.Contains(t, err.Error(), "the wait for the confirmation is over")

	verified := d.add("PR-LINK-BBBB-AAAA-AAAA", 2, request.Verified, request.Deletion)
	_, err = d.ResendLink(ctx, alice, verified.ID)
	assert.ErrorIs(t, err, console.ErrNotAllowed, "only while waiting for the confirmation")
}

func TestMarkDuplicate(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	first := d.add("PR-DUPL-AAAA-AAAA-AAAA", 10, request.InProgress, request.Deletion)
	r := d.add("PR-DUPL-BBBB-AAAA-AAAA", 2, request.Acknowledged, request.Deletion)

	for of, problem := range map[string]string{"": "other request's ID", r.ID: "cannot repeat itself", "PR-NONE-AAAA-AAAA-AAAA": "no request"} {
		err := d.MarkDuplicate(ctx, alice, r.ID, of, "")
		var fe console.FormError
		require.ErrorAs(t, err, &fe, of)
		assert.Contains(t, fe["of"], problem)
	}
	require.NoError(t, d.MarkDuplicate(ctx, alice, r.ID, " "+first.ID[:3]+"dupl-aaaa-aaaa-aaaa ", ""))
	marks := eventsOf(d, r.ID, request.ActionMarkedDuplicate)
	require.Len(t, marks, 1)
	assert.Equal(t, "team:alice", marks[0].Actor)
	assert.Equal(t, first.ID, marks[0].Data["of"])
	assert.Equal(t, request.Acknowledged, d.store.requests[r.ID].Status, "no status says duplicate: it stays open for the team to close")
	assert.ErrorIs(t, d.MarkDuplicate(ctx, alice, r.ID, first.ID, ""), console.ErrNotAllowed, "marked once")
}

func TestAddNote(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-NOTE-AAAA-AAAA-AAAA", 2, request.Completed, request.Deletion)
	var fe console.FormError
	require.ErrorAs(t, d.AddNote(ctx, alice, r.ID, "  "), &fe)
	require.NoError(t, d.AddNote(ctx, alice, r.ID, "requester called to thank us"))
	require.NoError(t, d.AddNote(ctx, alice, r.ID, "and again"))
	notes := eventsOf(d, r.ID, request.ActionNote)
	require.Len(t, notes, 2, "a closed request takes notes too, as many as the team writes")
	assert.Equal(t, "team:alice", notes[0].Actor)
	assert.Equal(t, "requester called to thank us", notes[0].Reason)
	assert.Empty(t, d.mail.sent)
}

// The actions over HTTP: offered on the request's page, a page that says
// what will happen, the CSRF token required, and the trail under the member.
func TestHandworkOverHTTP(t *testing.T) {
	tests := []struct {
		action string
		setup  func(d *desk) *request.Request
		form   url.Values
		page   string // on the action's page
		done   string
		event  string
	}{
		{console.ActionRerun, func(d *desk) *request.Request { return d.failed("PR-HRUN-AAAA-AAAA-AAAA") },
			url.Values{"run": {"1"}}, "PR-HRUN-AAAA-AAAA-AAAA-rerun-1", "The fulfilment runs again", request.ActionFulfilmentRerun},
		{console.ActionFinishStep, func(d *desk) *request.Request { return d.failed("PR-HSTP-AAAA-AAAA-AAAA") },
			url.Values{"system": {"crm"}, "action": {"erase"}, "note": {"by hand"}, "found": {"yes"}}, "crm / erase (timed out)", "The step is marked done", request.ActionStepDone},
		{console.ActionResendLink, func(d *desk) *request.Request {
			return d.add("PR-HLNK-AAAA-AAAA-AAAA", 2, request.Verifying, request.Deletion)
		}, url.Values{}, "A new link is mailed", "The verification link is sent again", ""},
		{console.ActionMarkDuplicate, func(d *desk) *request.Request {
			d.add("PR-HORG-AAAA-AAAA-AAAA", 9, request.InProgress, request.Deletion)
			return d.add("PR-HDUP-AAAA-AAAA-AAAA", 2, request.Acknowledged, request.Deletion)
		}, url.Values{"of": {"PR-HORG-AAAA-AAAA-AAAA"}}, "stays open", "marked as repeating PR-HORG-AAAA-AAAA-AAAA", request.ActionMarkedDuplicate},
		{console.ActionNote, func(d *desk) *request.Request {
			return d.add("PR-HNOT-AAAA-AAAA-AAAA", 2, request.Acknowledged, request.Deletion)
		}, url.Values{"note": {"called"}}, "never sees it", "The note is added", request.ActionNote},
		{console.ActionRevokeStatus, func(d *desk) *request.Request {
			return d.add("PR-HREV-AAAA-AAAA-AAAA", 2, request.Completed, request.Deletion)
		}, url.Values{"note": {"forwarded to a stranger"}}, "no longer works", "The status page links are stopped", request.ActionStatusLinksRevoked},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			d := newDesk(t)
			d.Fulfilment = &fakeFulfilment{}
			v := &fakeVerifier{until: d.now.Add(24 * time.Hour)}
			d.Verifier = v
			r := tt.setup(d)
			before := len(d.store.events[r.ID])
			h, auth, _ := newConsole(t, d)
			b := newBrowser(t, h, "desk.example")
			b.signIn(auth, aliceToken, "/console/")
			target := "/console/requests/" + r.ID + "/" + tt.action

			page := b.do("GET", "/console/requests/"+r.ID, nil)
			require.Equal(t, http.StatusOK, page.Code)
			assert.Contains(t, page.Body.String(), `href="../requests/`+r.ID+`/`+tt.action+`"`, "the request's page offers the action")
			confirm := b.do("GET", target, nil)
			require.Equal(t, http.StatusOK, confirm.Code, confirm.Body.String())
			assert.Contains(t, confirm.Body.String(), tt.page)
			form := url.Values{}
			for k, vs := range tt.form {
				form[k] = vs
			}
			w := b.do("POST", target, form)
			assert.Equal(t, http.StatusForbidden, w.Code, "no CSRF token")
			assert.Len(t, d.store.events[r.ID], before)
			assert.Empty(t, v.resent)

			form.Set("csrf", csrf(t, confirm.Body.String()))
			w = b.do("POST", target, form)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), tt.done)
			if tt.event == "" {
				assert.Equal(t, []string{r.ID + " team:alice"}, v.resent)
				return
			}
			evs := eventsOf(d, r.ID, tt.event)
			require.NotEmpty(t, evs, strconv.Quote(tt.event))
			assert.Equal(t, "team:alice", evs[len(evs)-1].Actor)
		})
	}
}

// statusLinks issues numbered status links.
type statusLinks struct{ n int }

func (l *statusLinks) Link(_ context.Context, id string) (string, error) {
	l.n++
	return "https://privacy.example/status?t=" + id + "-" + strconv.Itoa(l.n), nil
}

func TestNoticesCarryAStatusLink(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	d.StatusLinks = &statusLinks{}
	ext := d.add("PR-SLNK-AAAA-AAAA-AAAA", 10, request.InProgress, request.Deletion)
	_, err := d.Extend(ctx, alice, ext.ID, "many systems")
	require.NoError(t, err)
	den := d.add("PR-SLNK-BBBB-AAAA-AAAA", 10, request.InProgress, request.Deletion)
	require.NoError(t, d.Deny(ctx, alice, den.ID, []mail.DenialItem{{Kind: request.Deletion, Reason: mail.DenyLegalObligation}}))
	require.Len(t, d.mail.to(ext.Requester.Email), 1)
	assert.Contains(t, d.mail.to(ext.Requester.Email)[0].Text, "https://privacy.example/status?t="+ext.ID+"-1")
	require.Len(t, d.mail.to(den.Requester.Email), 1)
	assert.Contains(t, d.mail.to(den.Requester.Email)[0].Text, "https://privacy.example/status?t="+den.ID+"-2")
}

// TestFinishTheStepsThatFailed: the finish-step page offers the steps the
// fulfilment gave up on, as the trail names them (the team need not guess
// a system's name); once every one is finished by hand, the request page
// says what is left: answer the requester and complete it.
func TestFinishTheStepsThatFailed(t *testing.T) {
	d := newDesk(t)
	r := d.add("PR-FSTP-AAAA-AAAA-AAAA", 30, request.InProgress, request.Deletion, request.AccessSpecific)
	require.NoError(t, d.store.AppendEvent(context.Background(), request.Event{RequestID: r.ID, At: d.now, Actor: "system:fulfil", Action: request.ActionNeedsAttention,
		Once: request.ActionNeedsAttention, Data: map[string]string{"failed": "[crm/erase: timed out after 5 tries support/export: status 500: Internal Server Error]"}}))
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")

	page := b.do("GET", "/console/requests/"+r.ID+"/finish-step", nil).Body.String()
	assert.Contains(t, page, `value="crm/erase"`)
	assert.Contains(t, page, `value="support/export"`)
	assert.Contains(t, page, "crm / erase (timed out after 5 tries); support / export (status 500: Internal Server Error)", "the failures in words, each with its step")
	assert.NotContains(t, page, `name="system" value=""`, "no free text to guess")
	assert.Contains(t, page, `<input type="radio" id="found-no" name="found" value="no" required>`, "the form asks what the system held, with no default")
	w := b.do("POST", "/console/requests/"+r.ID+"/finish-step", url.Values{"csrf": {csrf(t, page)}, "step": {"crm/erase"}, "note": {"Erased in the CRM by hand."}, "found": {"maybe"}})
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.Contains(t, w.Body.String(), "Say whether the system held data about the person.")
	assert.Empty(t, eventsOf(d, r.ID, request.ActionStepDone), "nothing recorded")
	w = b.do("POST", "/console/requests/"+r.ID+"/finish-step", url.Values{"csrf": {csrf(t, page)}, "step": {"crm/erase"}, "note": {"Erased in the CRM by hand."}, "found": {"yes"}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "crm / erase is on the trail as done by hand")
	assert.Contains(t, w.Body.String(), "either run the fulfilment again (it asks only the steps not yet done, counts these done by hand and answers the requester)",
		"the re-run answers the requester: the message says so")
	page = b.do("GET", "/console/requests/"+r.ID+"/finish-step", nil).Body.String()
	assert.Contains(t, page, "crm / erase (done already)")
	assert.Contains(t, b.do("GET", "/console/requests/"+r.ID, nil).Body.String(), "a system could not act")

	w = b.do("POST", "/console/requests/"+r.ID+"/finish-step", url.Values{"csrf": {csrf(t, page)}, "step": {"support/export"}, "note": {"Exported from the help desk by hand."}})
	assert.Equal(t, http.StatusBadRequest, w.Code, "no default: the member says what the system held")
	assert.Contains(t, page, `name="copySent" value="yes"`, "a copy request: the page asks that the copy made by hand was sent")
	w = b.do("POST", "/console/requests/"+r.ID+"/finish-step", url.Values{"csrf": {csrf(t, page)}, "step": {"support/export"}, "note": {"Exported from the help desk by hand."}, "found": {"yes"}})
	assert.Equal(t, http.StatusBadRequest, w.Code, "the copy is not in the download: the member sends it")
	assert.Contains(t, w.Body.String(), "send it to them (by secure mail or post), then tick that you sent it")
	assert.Len(t, eventsOf(d, r.ID, request.ActionStepDone), 1, "nothing recorded")
	w = b.do("POST", "/console/requests/"+r.ID+"/finish-step", url.Values{"csrf": {csrf(t, page)}, "step": {"support/export"}, "note": {"Exported from the help desk by hand."}, "found": {"yes"}, "copySent": {"yes"}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "true", eventsOf(d, r.ID, request.ActionStepDone)[1].Data["copySent"])
	req := b.do("GET", "/console/requests/"+r.ID, nil).Body.String()
	assert.Contains(t, req, "every step that failed is done (by hand, or by a later run): run the fulfilment again to have the desk answer the requester, or answer them yourself and complete the request")
	assert.NotContains(t, req, "a system could not act")
}

// TestAStepARerunDidIsNotFinishedByHand: a step that failed and that a
// later run of the fulfilment did is done: it is not offered to finish by
// hand (the note would not be recorded: the run's event holds its key),
// and a request whose failed steps are all done says what is left.
func TestAStepARerunDidIsNotFinishedByHand(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.failed("PR-RDON-AAAA-AAAA-AAAA")
	require.NoError(t, d.store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: d.now, Actor: "system:crm", Action: request.ActionStepDone,
		Once: "step-crm-erase", Data: map[string]string{"system": "crm", "action": "erase", "outcome": "erased"}}))
	require.ErrorIs(t, d.finish(ctx, alice, r.ID, "crm", "erase", "by hand"), console.ErrNotAllowed, "nothing is left to finish")
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	w := b.do("GET", "/console/requests/"+r.ID+"/finish-step", nil)
	assert.Equal(t, http.StatusConflict, w.Code)
	assert.Contains(t, w.Body.String(), "every step that failed is done")
	page := b.do("GET", "/console/requests/"+r.ID, nil).Body.String()
	assert.Contains(t, page, "every step that failed is done")
	assert.NotContains(t, page, "/finish-step", "the action is not offered")
}
