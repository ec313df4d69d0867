package console_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/request"
)

// TestBouncedMailIsShown: a permanent bounce of the acknowledgement puts
// the request on the work list as needing attention because mail to the
// requester bounced; its page says so in plain words, beside the mail
// that bounced, and offers neither a re-run nor a step by hand (no step
// failed). A complaint and an owner's bounced task are named in words on
// the trail, and mark nothing.
func TestBouncedMailIsShown(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	d.Fulfilment = &fakeFulfilment{}
	seedWork(d)
	r := d.add("PR-BNCE-AAAA-AAAA-AAAA", 2, request.InProgress, request.Deletion)
	seedTrail(d, r)
	at := d.now.Add(-time.Hour)
	for _, ev := range []request.Event{
		{Action: request.ActionRequesterUnreachable, Reason: "mail to the requester bounced permanently: the desk cannot reach them by mail",
			Data: map[string]string{"messageId": "ses-ack", "mail": request.ActionAcknowledged, "to": "requester", "bounceType": "Permanent", "bounceSubType": "General"}},
		{Action: request.ActionMailComplaint, Reason: "the recipient marked the mail as spam",
			Data: map[string]string{"messageId": "ses-rem", "mail": request.ActionReminderSent, "to": "privacy team", "complaintType": "abuse"}},
		{Action: request.ActionMailBounced, Reason: "SES reported the mail bounced (Transient)",
			Data: map[string]string{"messageId": "ses-task", "mail": request.ActionTaskMailed, "to": "owner", "system": "support-desk", "bounceType": "Transient", "bounceSubType": "MailboxFull"}},
	} {
		ev.RequestID, ev.At, ev.Actor = r.ID, at, "system:mail-events"
		require.NoError(t, d.store.AppendEvent(ctx, ev))
	}

	wl, err := d.WorkList(ctx, console.Filter{})
	require.NoError(t, err)
	marks := map[string][2]bool{}
	for _, row := range wl.Rows {
		marks[row.ID] = [2]bool{row.Attention, row.MailBounced}
	}
	assert.Equal(t, [2]bool{true, true}, marks[r.ID], "needs attention: mail to the requester bounced")
	assert.Equal(t, [2]bool{true, false}, marks["PR-SOON-DDDD-DDDD-DDDD"], "a failed step is not a bounce")
	assert.Equal(t, 2, wl.Counts.Attention)

	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	list := b.do("GET", "/console/", nil).Body.String()
	assert.Regexp(t, `PR-BNCE-AAAA-AAAA-AAAA</a> <strong class="overdue">needs attention: mail to the requester bounced</strong>`, list)
	assert.Regexp(t, `PR-SOON-DDDD-DDDD-DDDD</a> <strong class="overdue">needs attention</strong></th>`, list)

	w := b.do("GET", "/console/requests/"+r.ID, nil)
	require.Equal(t, http.StatusOK, w.Code)
	page := w.Body.String()
	for _, want := range []string{
		"needs attention</strong> (mail to the requester bounced permanently: reach the requester another way)",
		"requester-unreachable<br><span class=\"hint\">The acknowledgement to the requester bounced permanently (General): the desk cannot reach the requester by mail.</span>",
		"mail-complaint<br><span class=\"hint\">The recipient of the deadline reminder to the privacy team marked it as spam (abuse).</span>",
		"mail-bounced<br><span class=\"hint\">The task to the owner of support-desk bounced for now (SES stopped retrying) (MailboxFull).</span>",
		`<td>requester</td><td>acknowledged</td><td>ses-ack</td><td><strong class="overdue">bounced permanently</strong></td>`,
		`<td>privacy team</td><td>reminder-sent</td><td>ses-rem</td><td><strong class="overdue">marked as spam</strong></td>`,
	} {
		assert.Contains(t, page, want)
	}
	assert.NotContains(t, page, "/rerun-fulfilment\"", "no step failed: nothing to run again")
	soon := b.do("GET", "/console/requests/PR-SOON-DDDD-DDDD-DDDD", nil).Body.String()
	assert.Contains(t, soon, "/rerun-fulfilment\"", "a failed step is run again")

	// A bounce after a failed step takes the mark; the failure is still
	// run again and finished by hand.
	failed := d.failed("PR-FAIL-BBBB-BBBB-BBBB")
	require.NoError(t, d.store.AppendEvent(ctx, request.Event{RequestID: failed.ID, At: d.now, Actor: "system:mail-events",
		Action: request.ActionRequesterUnreachable, Data: map[string]string{"messageId": "ses-x", "mail": "unknown", "to": "requester", "bounceType": "Permanent"}}))
	both := b.do("GET", "/console/requests/"+failed.ID, nil).Body.String()
	assert.Contains(t, both, "mail to the requester bounced permanently")
	assert.Contains(t, both, "/rerun-fulfilment\"")
	assert.Contains(t, both, "/finish-step\"")
	assert.NotContains(t, page, "/finish-step\"", "no step to finish by hand")
}
