package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/withdraw"
)

// failingOnce fails its first send, then sends through next.
type failingOnce struct {
	next   mail.Sender
	failed bool
}

func (f *failingOnce) Send(ctx context.Context, m mail.Message) (string, error) {
	if !f.failed {
		f.failed = true
		return "", errors.New("ses: throttled")
	}
	return f.next.Send(ctx, m)
}

// TestWithdrawMailsTheRequester: withdrawing in the console mails the
// requester, in their language, that the request is withdrawn and what of
// it stands (here: data a system erased), records the notice under the
// member; a notice that could not go out is offered again and sent once;
// the page says what will be mailed, and in which language.
func TestWithdrawMailsTheRequester(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-WDRW-MAIL-AAAA-AAAA", 10, request.InProgress, request.Deletion)
	d.store.mu.Lock()
	d.store.requests[r.ID].Language = "es"
	d.store.mu.Unlock()
	require.NoError(t, d.store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: d.now, Actor: "system:fulfil", Action: request.ActionStepDone,
		Data: map[string]string{"system": "crm", "action": "erase", "outcome": mail.OutcomeErased}}))

	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	target := "/console/requests/" + r.ID + "/withdraw"
	page := b.do("GET", target, nil)
	require.Equal(t, http.StatusOK, page.Code)
	assert.Contains(t, page.Body.String(), "The requester is mailed, in Spanish, that it is withdrawn and what of it stands")
	assert.Contains(t, page.Body.String(), "data already deleted, or whose deletion a system accepted (crm), cannot be undone")
	assert.Contains(t, page.Body.String(), `name="no-mail"`)

	d.Withdrawals.(*withdraw.Service).Mail = &failingOnce{next: d.mail}
	w := b.do("POST", target, url.Values{"csrf": {csrf(t, page.Body.String())}, "note": {"their reply of December 1"}})
	assert.NotEqual(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, request.Withdrawn, d.store.requests[r.ID].Status, "the withdrawal stands")
	assert.Empty(t, d.mail.sent)

	again := b.do("GET", "/console/requests/"+r.ID, nil)
	assert.Contains(t, again.Body.String(), `href="../requests/`+r.ID+`/withdraw"`, "the notice owed is offered again")
	page = b.do("GET", target, nil)
	assert.Contains(t, page.Body.String(), "Send the withdrawal notice")
	// The failed sender let its lease go: sent at once. A forged "do not
	// mail" (the owed notice's page has no such box) changes nothing.
	w = b.do("POST", target, url.Values{"csrf": {csrf(t, page.Body.String())}, "no-mail": {"yes"}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "The requester was mailed that it is withdrawn and what of it stands.")
	require.Len(t, d.mail.sent, 1)
	m := d.mail.sent[0]
	assert.Equal(t, "Su solicitud de privacidad PR-WDRW-MAIL-AAAA-AAAA fue retirada", m.Subject)
	assert.Contains(t, strings.Join(strings.Fields(m.Text), " "), "Antes de que se retirara, uno de nuestros sistemas ya había eliminado sus datos.")
	sent, ok := eventOf(d, r.ID, request.ActionWithdrawalNoticeSent)
	require.True(t, ok)
	assert.Equal(t, "team:alice", sent.Actor)
	assert.Equal(t, "their reply of December 1", statusEvent(t, d, r.ID, request.Withdrawn).Reason)

	assert.ErrorIs(t, d.Withdraw(ctx, alice, r.ID, "again", false), console.ErrNotAllowed, "sent: nothing more to do")
	assert.Len(t, d.mail.sent, 1)
}

// TestWithdrawWithoutMailing: the member may tick "do not mail the
// requester" (a request made in someone else's name): nothing is mailed,
// the page says so, the trail keeps the choice, and the action is not
// offered again.
func TestWithdrawWithoutMailing(t *testing.T) {
	d := newDesk(t)
	r := d.add("PR-WDRW-NOML-AAAA-AAAA", 2, request.Verifying, request.Deletion)
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	target := "/console/requests/" + r.ID + "/withdraw"
	page := b.do("GET", target, nil)
	w := b.do("POST", target, url.Values{"csrf": {csrf(t, page.Body.String())}, "note": {"the address's owner never asked"}, "no-mail": {"yes"}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "Nothing was mailed to the requester, as you chose.")
	assert.Equal(t, request.Withdrawn, d.store.requests[r.ID].Status)
	assert.Empty(t, d.mail.sent)
	assert.Equal(t, "not-mailed", statusEvent(t, d, r.ID, request.Withdrawn).Data["mail"])
	assert.NotContains(t, b.do("GET", "/console/requests/"+r.ID, nil).Body.String(), `href="../requests/`+r.ID+`/withdraw"`)
}

func eventOf(d *desk, id, action string) (request.Event, bool) {
	d.store.mu.Lock()
	defer d.store.mu.Unlock()
	for _, e := range d.store.events[id] {
		if e.Action == action {
			return e, true
		}
	}
	return request.Event{}, false
}
