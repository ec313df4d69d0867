package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

var alice = console.Member{Username: "alice", SessionID: "s-alice"}

// statusEvent is the event that recorded r's move to status to.
func statusEvent(t *testing.T, d *desk, id string, to request.Status) request.Event {
	t.Helper()
	for _, ev := range d.store.events[id] {
		if ev.Action == request.StatusAction(to) {
			return ev
		}
	}
	t.Fatalf("no %s event on %s", request.StatusAction(to), id)
	return request.Event{}
}

func eventsOf(d *desk, id, action string) []request.Event {
	var out []request.Event
	for _, ev := range d.store.events[id] {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

func TestSetKinds(t *testing.T) {
	ctx := context.Background()
	t.Run("an unclear mail gets its kinds, deadlines from its receipt, the acknowledgement and its workflow", func(t *testing.T) {
		d := newDesk(t)
		r := d.add("PR-UNCL-AAAA-AAAA-AAAA", 3, request.Acknowledged, request.Unclear)
		got, err := d.SetKinds(ctx, alice, r.ID, console.Triage{Kinds: []request.Kind{request.Deletion, request.Deletion, request.OptOutSale}, Note: "asks to be forgotten"})
		require.NoError(t, err)
		assert.Equal(t, []request.Kind{request.Deletion, request.OptOutSale}, got.Kinds)
		stored := d.store.requests[r.ID]
		assert.Equal(t, []request.Kind{request.Deletion, request.OptOutSale}, stored.Kinds)
		assert.Equal(t, d.cal.Deadlines(r.ReceivedAt, stored.Kinds, request.Normal), stored.Due, "counted from the day the mail came")
		set := eventsOf(d, r.ID, request.ActionKindsSet)
		require.Len(t, set, 1)
		assert.Equal(t, "team:alice", set[0].Actor)
		assert.Equal(t, "asks to be forgotten", set[0].Reason)
		assert.Equal(t, "deletion,opt-out-sale", set[0].Data["kinds"])
		acks := d.mail.to(r.Requester.Email)
		require.Len(t, acks, 1)
		assert.Contains(t, acks[0].Text, "Delete your personal data", "acknowledged in the words of its kinds")
		assert.Len(t, eventsOf(d, r.ID, request.ActionAcknowledgedClarified), 1)
		assert.Equal(t, []string{r.ID + " deletion,opt-out-sale"}, d.intake.started, "its workflows start")

		_, err = d.SetKinds(ctx, alice, r.ID, console.Triage{Kinds: []request.Kind{request.Portability}})
		assert.ErrorIs(t, err, console.ErrNotAllowed, "its kinds are known now")
		assert.Len(t, d.mail.to(r.Requester.Email), 1)
	})
	t.Run("a child's data needs the child", func(t *testing.T) {
		d := newDesk(t)
		r := d.add("PR-CHLD-AAAA-AAAA-AAAA", 1, request.Acknowledged, request.Unclear)
		_, err := d.SetKinds(ctx, alice, r.ID, console.Triage{Kinds: []request.Kind{request.ChildData}})
		var fe console.FormError
		require.ErrorAs(t, err, &fe)
		assert.Contains(t, fe["child"], "the child's email address or account")
		got, err := d.SetKinds(ctx, alice, r.ID, console.Triage{Kinds: []request.Kind{request.ChildData}, Child: &request.Subject{Email: " leo@example.com "}})
		require.NoError(t, err)
		assert.Equal(t, request.Expedited, got.Priority)
		assert.Equal(t, &request.Subject{Email: "leo@example.com"}, d.store.requests[r.ID].Subject)
	})
	t.Run("a correction needs what to correct", func(t *testing.T) {
		d := newDesk(t)
		r := d.add("PR-CORR-AAAA-AAAA-AAAA", 1, request.Acknowledged, request.Unclear)
		_, err := d.SetKinds(ctx, alice, r.ID, console.Triage{Kinds: []request.Kind{request.Correction}})
		var fe console.FormError
		require.ErrorAs(t, err, &fe)
		assert.Contains(t, fe["correction"], "which data to correct and what it should say")
		for name, bad := range map[string]console.Triage{
			"a line break in which data": {Kinds: []request.Kind{request.Correction}, Correction: request.CorrectionItem{Item: "postal\naddress", Right: "1 New Street"}},
			"a control character":        {Kinds: []request.Kind{request.Correction}, Correction: request.CorrectionItem{Item: "postal address", Right: "1 New\x00Street"}},
			"too long":                   {Kinds: []request.Kind{request.Correction}, Correction: request.CorrectionItem{Item: strings.Repeat("é", 201), Right: "x"}},
			"fields without the kind":    {Kinds: []request.Kind{request.Deletion}, Correction: request.CorrectionItem{Item: "postal address", Right: "1 New Street"}},
		} {
			_, err := d.SetKinds(ctx, alice, r.ID, bad)
			require.ErrorAs(t, err, &fe, name)
			assert.NotEmpty(t, fe["correction"], name)
		}
		_, err = d.SetKinds(ctx, alice, r.ID, console.Triage{Kinds: []request.Kind{request.Correction},
			Correction: request.CorrectionItem{Item: strings.Repeat("é", 200), Right: "Ñandú"}})
		require.NoError(t, err, "200 characters, not bytes")
		r = d.add("PR-COR2-AAAA-AAAA-AAAA", 1, request.Acknowledged, request.Unclear)
		got, err := d.SetKinds(ctx, alice, r.ID, console.Triage{Kinds: []request.Kind{request.Correction},
			Correction: request.CorrectionItem{Item: " postal address ", Right: "1 New Street "}})
		require.NoError(t, err)
		want := []request.CorrectionItem{{Item: "postal address", Right: "1 New Street"}}
		assert.Equal(t, want, got.Corrections)
		assert.Equal(t, want, d.store.requests[r.ID].Corrections, "stored: the systems' correct actions read it")
	})
	t.Run("refused", func(t *testing.T) {
		d := newDesk(t)
		clear := d.add("PR-CLER-AAAA-AAAA-AAAA", 1, request.Acknowledged, request.Deletion)
		unclear := d.add("PR-UNCL-AAAA-AAAA-AAAA", 1, request.Acknowledged, request.Unclear)
		_, err := d.SetKinds(ctx, alice, clear.ID, console.Triage{Kinds: []request.Kind{request.Deletion}})
		assert.ErrorIs(t, err, console.ErrNotAllowed)
		// A correction without what to correct is refused too.
		for _, kinds := range [][]request.Kind{nil, {request.Unclear}, {"no-such-kind"}, {request.Correction}} {
			_, err = d.SetKinds(ctx, alice, unclear.ID, console.Triage{Kinds: kinds})
			var fe console.FormError
			assert.ErrorAs(t, err, &fe, "%v", kinds)
		}
		assert.Empty(t, d.intake.started)
		assert.Empty(t, d.mail.sent)
	})
}

func TestExtend(t *testing.T) {
	ctx := context.Background()
	t.Run("once, before the answer date, with the notice", func(t *testing.T) {
		d := newDesk(t)
		r := d.add("PR-EXTD-AAAA-AAAA-AAAA", 30, request.InProgress, request.AccessCategories)
		by, err := d.Extend(ctx, alice, r.ID, "  Two of our systems answer slowly.  ")
		require.NoError(t, err)
		assert.True(t, by.Equal(r.Due.Extended))
		stored := d.store.requests[r.ID]
		assert.Equal(t, request.Extended, stored.Status)
		assert.True(t, stored.NextDue.Equal(r.Due.Extended), "the work list follows the new date")
		ev := statusEvent(t, d, r.ID, request.Extended)
		assert.Equal(t, "team:alice", ev.Actor)
		assert.Equal(t, "Two of our systems answer slowly.", ev.Reason)
		assert.Equal(t, string(request.InProgress), ev.Data["from"])

		notices := d.mail.to(r.Requester.Email)
		require.Len(t, notices, 1)
		n := notices[0]
		assert.Contains(t, n.Subject, "We need more time to answer your privacy request "+r.ID)
		assert.Contains(t, n.Text, "Why we need more time: Two of our systems answer slowly.")
		// Received Sunday, November 1, 2026: 90 days later.
		assert.Contains(t, n.Text, "received\non Sunday, November 1, 2026")
		assert.Contains(t, n.Text, "We will\nanswer you by Saturday, January 30, 2027.")
		assert.Contains(t, n.HTML, "Two of our systems answer slowly.")
		sent := eventsOf(d, r.ID, request.ActionExtensionNoticeSent)
		require.Len(t, sent, 1)
		assert.Equal(t, "ses-1", sent[0].Data["messageId"])

		_, err = d.Extend(ctx, alice, r.ID, "again")
		assert.ErrorIs(t, err, console.ErrNotAllowed, "a request is extended once")
		assert.Len(t, d.mail.sent, 1)
	})
	t.Run("in Spanish for a Spanish request", func(t *testing.T) {
		d := newDesk(t)
		r := d.add("PR-ESPA-AAAA-AAAA-AAAA", 10, request.Verified, request.Deletion)
		r.Language = "es"
		d.store.put(r)
		_, err := d.Extend(ctx, alice, r.ID, "Necesitamos la respuesta de un proveedor.")
		require.NoError(t, err)
		n := d.mail.to(r.Requester.Email)[0]
		assert.Equal(t, "es", n.Headers[mail.HeaderContentLanguage])
		assert.Contains(t, n.Text, "Por qué necesitamos más tiempo: Necesitamos la respuesta de un proveedor.")
		assert.Contains(t, n.Text, "Le responderemos a más tardar el")
	})
	t.Run("a notice that failed goes out when the form is sent again", func(t *testing.T) {
		d := newDesk(t)
		r := d.add("PR-FAIL-AAAA-AAAA-AAAA", 30, request.InProgress, request.Deletion)
		d.mail.fail = 1
		_, err := d.Extend(ctx, alice, r.ID, "slow systems")
		require.Error(t, err)
		assert.Equal(t, request.Extended, d.store.requests[r.ID].Status)
		assert.Empty(t, eventsOf(d, r.ID, request.ActionExtensionNoticeSent))
		view, err := d.Request(ctx, r.ID)
		require.NoError(t, err)
		assert.True(t, view.Can(console.ActionExtend), "the page offers to send the notice")

		_, err = d.Extend(ctx, alice, r.ID, "")
		require.NoError(t, err)
		require.Len(t, d.mail.to(r.Requester.Email), 1)
		assert.Contains(t, d.mail.to(r.Requester.Email)[0].Text, "Why we need more time: slow systems", "the reason given then")
		assert.Len(t, eventsOf(d, r.ID, request.StatusAction(request.Extended)), 1)
	})
	t.Run("refused", func(t *testing.T) {
		d := newDesk(t)
		late := d.add("PR-LATE-AAAA-AAAA-AAAA", 46, request.InProgress, request.Deletion)
		verifying := d.add("PR-VRFY-AAAA-AAAA-AAAA", 5, request.Verifying, request.Deletion)
		optOut := d.add("PR-OPTO-AAAA-AAAA-AAAA", 5, request.InProgress, request.OptOutSale)
		for _, id := range []string{late.ID, verifying.ID, optOut.ID} {
			_, err := d.Extend(ctx, alice, id, "slow")
			assert.ErrorIs(t, err, console.ErrNotAllowed, id)
		}
		fresh := d.add("PR-NOWH-AAAA-AAAA-AAAA", 5, request.InProgress, request.Deletion)
		_, err := d.Extend(ctx, alice, fresh.ID, "   ")
		var fe console.FormError
		assert.ErrorAs(t, err, &fe, "a reason is required")
		assert.Equal(t, request.InProgress, d.store.requests[fresh.ID].Status)
		assert.Empty(t, d.mail.sent)
	})
}

func TestDeny(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-DENY-AAAA-AAAA-AAAA", 20, request.InProgress, request.AccessSpecific, request.Deletion)
	r.Language = "es"
	d.store.put(r)

	err := d.Deny(ctx, alice, r.ID, []mail.DenialItem{{Kind: request.AccessSpecific, Reason: mail.DenyUnverifiable}})
	var fe console.FormError
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, fe, "reason.deletion", "a reason for every kind")
	err = d.Deny(ctx, alice, r.ID, []mail.DenialItem{{Kind: request.AccessSpecific, Reason: mail.DenyUnverifiable}, {Kind: request.Deletion, Reason: mail.DenyOther}})
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, fe, "detail.deletion", "other needs the team's words")
	// "Twice in 12 months" limits requests to know, not deletions; a legal
	// obligation excepts a deletion, not access.
	err = d.Deny(ctx, alice, r.ID, []mail.DenialItem{{Kind: request.AccessSpecific, Reason: mail.DenyLegalObligation}, {Kind: request.Deletion, Reason: mail.DenyRepeated}})
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, fe, "reason.deletion")
	assert.Contains(t, fe, "reason.access-specific")
	assert.Equal(t, request.InProgress, d.store.requests[r.ID].Status)

	require.NoError(t, d.Deny(ctx, alice, r.ID, []mail.DenialItem{
		{Kind: request.AccessSpecific, Reason: mail.DenyUnverifiable},
		{Kind: request.Deletion, Reason: mail.DenyLegalObligation, Detail: "Facturas: 6 años."},
	}))
	assert.Equal(t, request.Denied, d.store.requests[r.ID].Status)
	ev := statusEvent(t, d, r.ID, request.Denied)
	assert.Equal(t, "team:alice", ev.Actor)
	assert.Equal(t, mail.DenyLegalObligation, ev.Data["reason.deletion"])
	n := d.mail.to(r.Requester.Email)
	require.Len(t, n, 1)
	assert.Equal(t, "es", n[0].Headers[mail.HeaderContentLanguage])
	assert.Contains(t, n[0].Text, mail.DenialReasonWords(mail.DenyUnverifiable, "es"))
	assert.Contains(t, n[0].Text, mail.DenialReasonWords(mail.DenyLegalObligation, "es"))
	assert.Contains(t, n[0].Text, "Facturas: 6 años.")
	assert.Contains(t, n[0].Text, "Eliminar sus datos personales")
	assert.Len(t, eventsOf(d, r.ID, request.ActionDenialNoticeSent), 1)

	wl, err := d.WorkList(ctx, console.Filter{})
	require.NoError(t, err)
	assert.Empty(t, wl.Rows, "a denied request leaves the work list")
	err = d.Deny(ctx, alice, r.ID, nil)
	assert.ErrorIs(t, err, console.ErrNotAllowed)
}

func TestWithdrawAndComplete(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	w := d.add("PR-WDRW-AAAA-AAAA-AAAA", 5, request.Verifying, request.Deletion)
	var fe console.FormError
	require.ErrorAs(t, d.Withdraw(ctx, alice, w.ID, " ", false), &fe)
	require.NoError(t, d.Withdraw(ctx, alice, w.ID, "Their mail of December 1 asks us to stop.", false))
	assert.Equal(t, request.Withdrawn, d.store.requests[w.ID].Status)
	assert.Equal(t, "Their mail of December 1 asks us to stop.", statusEvent(t, d, w.ID, request.Withdrawn).Reason)
	assert.ErrorIs(t, d.Withdraw(ctx, alice, w.ID, "again", false), console.ErrNotAllowed)

	c := d.add("PR-CMPL-AAAA-AAAA-AAAA", 20, request.InProgress, request.Deletion)
	assert.ErrorIs(t, d.Complete(ctx, alice, c.ID, "done", true), console.ErrNotAllowed, "only a request that needs attention")
	require.NoError(t, d.store.AppendEvent(ctx, request.Event{RequestID: c.ID, At: d.now, Actor: "system:fulfil", Action: request.ActionNeedsAttention}))
	require.ErrorAs(t, d.Complete(ctx, alice, c.ID, "Erased in the billing system by hand.", false), &fe)
	assert.Contains(t, fe, "answered")
	require.NoError(t, d.Complete(ctx, alice, c.ID, "Erased in the billing system by hand.", true))
	stored := d.store.requests[c.ID]
	assert.Equal(t, request.Completed, stored.Status)
	assert.Empty(t, stored.Attention, "no longer needs attention")
	ev := statusEvent(t, d, c.ID, request.Completed)
	assert.Equal(t, "team:alice", ev.Actor)
	assert.Equal(t, request.ActionNeedsAttention, ev.Data["attention"])
	require.Len(t, d.mail.sent, 1, "withdrawing mails the requester its notice; completing mails nobody")
	assert.Equal(t, []string{"pr-wdrw-aaaa-aaaa-aaaa@example.com"}, d.mail.sent[0].To)
}

// TestNotAPrivacyRequest: unclear mail the team finds to ask nothing of
// anyone's personal data is closed as such, with what it asks instead on
// the trail and no mail; a request whose kinds are known is not, and the
// yearly figures count it nowhere.
func TestNotAPrivacyRequest(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	q := d.add("PR-NREQ-AAAA-AAAA-AAAA", 2, request.Acknowledged, request.Unclear)
	var fe console.FormError
	require.ErrorAs(t, d.NotARequest(ctx, alice, q.ID, " "), &fe)
	require.NoError(t, d.NotARequest(ctx, alice, q.ID, "Asks when an order ships."))
	stored := d.store.requests[q.ID]
	assert.Equal(t, request.NotARequest, stored.Status)
	assert.True(t, stored.Status.Closed(), "its deadlines stop")
	assert.Equal(t, "Asks when an order ships.", statusEvent(t, d, q.ID, request.NotARequest).Reason)
	assert.ErrorIs(t, d.NotARequest(ctx, alice, q.ID, "again"), console.ErrNotAllowed)
	clear := d.add("PR-CLER-AAAA-AAAA-AAAA", 2, request.Acknowledged, request.Deletion)
	assert.ErrorIs(t, d.NotARequest(ctx, alice, clear.ID, "no"), console.ErrNotAllowed, "a privacy request is answered, not closed so")
	assert.Empty(t, d.mail.sent)

	m, err := (&console.Yearly{Trails: d.store, Location: time.UTC, Years: years{*d.store.requests[q.ID], *d.store.requests[clear.ID]}}).Metrics(ctx, d.store.requests[q.ID].ReceivedAt.Year())
	require.NoError(t, err)
	for _, km := range m.Kinds {
		assert.NotEqual(t, request.Unclear, km.Kind, "not counted as a request")
	}
	assert.Equal(t, 1, m.Requests, "nor in the year's total")
}

// TestActionsOverHTTP sends each action's form as a browser does: each is
// refused without the session's CSRF token, and each done is on the trail
// under the member's name.
func TestActionsOverHTTP(t *testing.T) {
	tests := []struct {
		action string
		setup  func(d *desk) *request.Request
		form   url.Values
		status request.Status
		done   string
	}{
		{console.ActionSetKinds, func(d *desk) *request.Request {
			return d.add("PR-UNCL-AAAA-AAAA-AAAA", 2, request.Acknowledged, request.Unclear)
		}, url.Values{"kinds": {"deletion"}}, request.Acknowledged, "now asks for: Delete your personal data."},
		{console.ActionExtend, func(d *desk) *request.Request {
			return d.add("PR-EXTD-AAAA-AAAA-AAAA", 30, request.InProgress, request.Deletion)
		}, url.Values{"reason": {"slow systems"}}, request.Extended, "The request is extended"},
		{console.ActionDeny, func(d *desk) *request.Request {
			return d.add("PR-DENY-AAAA-AAAA-AAAA", 30, request.InProgress, request.Deletion)
		}, url.Values{"reason.deletion": {mail.DenyExcessive}}, request.Denied, "The request is denied"},
		{console.ActionWithdraw, func(d *desk) *request.Request {
			return d.add("PR-WDRW-AAAA-AAAA-AAAA", 3, request.Verifying, request.Deletion)
		}, url.Values{"note": {"by mail"}}, request.Withdrawn, "The request is withdrawn"},
		{console.ActionNotARequest, func(d *desk) *request.Request {
			return d.add("PR-NREQ-AAAA-AAAA-AAAA", 2, request.Acknowledged, request.Unclear)
		}, url.Values{"note": {"a question about an order"}}, request.NotARequest, "The mail is closed: not a privacy request"},
		{console.ActionComplete, func(d *desk) *request.Request {
			r := d.add("PR-CMPL-AAAA-AAAA-AAAA", 30, request.InProgress, request.Deletion)
			_ = d.store.AppendEvent(context.Background(), request.Event{RequestID: r.ID, At: d.now, Action: request.ActionStageFailed})
			return r
		}, url.Values{"note": {"finished by hand"}, "answered": {"yes"}}, request.Completed, "The request is completed"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			d := newDesk(t)
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
			token := csrf(t, confirm.Body.String())

			for name, bad := range map[string]url.Values{"no token": {}, "a wrong token": {"csrf": {"forged"}}} {
				form := url.Values{}
				for k, v := range tt.form {
					form[k] = v
				}
				for k, v := range bad {
					form[k] = v
				}
				w := b.do("POST", target, form)
				assert.Equal(t, http.StatusForbidden, w.Code, name)
				assert.Equal(t, r.Status, d.store.requests[r.ID].Status, "%s: nothing changed", name)
				assert.Len(t, d.store.events[r.ID], before, "%s: nothing recorded", name)
			}
			outsider := newBrowser(t, h, "desk.example")
			outsider.cookies["console_session"] = &http.Cookie{Name: "console_session", Value: bobToken}
			form := url.Values{"csrf": {token}}
			for k, v := range tt.form {
				form[k] = v
			}
			assert.Equal(t, http.StatusForbidden, outsider.do("POST", target, form).Code, "someone outside the team")
			assert.Len(t, d.store.events[r.ID], before)

			w := b.do("POST", target, form)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), tt.done)
			assert.Equal(t, tt.status, d.store.requests[r.ID].Status)
			var mine int
			for _, ev := range d.store.events[r.ID][before:] {
				assert.Equal(t, "team:alice", ev.Actor, "%s is the member's", ev.Action)
				mine++
			}
			assert.NotZero(t, mine, "the action is on the audit trail")

			again := b.do("POST", target, form)
			assert.Equal(t, http.StatusConflict, again.Code, "not open twice")
		})
	}
}

func TestActionPages(t *testing.T) {
	d := newDesk(t)
	r := d.add("PR-PAGE-AAAA-AAAA-AAAA", 30, request.InProgress, request.Deletion, request.Portability)
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")

	w := b.do("GET", "/console/requests/"+r.ID+"/extend", nil)
	require.Equal(t, http.StatusOK, w.Code)
	body := w.Body.String()
	assert.Contains(t, body, "must then be answered by <strong><time datetime=\""+r.Due.Extended.UTC().Format(time.RFC3339)+"\">")
	assert.Contains(t, body, `<label for="reason">`)

	w = b.do("GET", "/console/requests/"+r.ID+"/deny", nil)
	body = w.Body.String()
	for _, k := range []string{"deletion", "portability"} {
		assert.Contains(t, body, `<label for="reason-`+k+`">`)
		assert.Contains(t, body, `<label for="detail-`+k+`">`)
	}
	assert.Contains(t, body, mail.DenialReasonWords(mail.DenyRepeated, ""))

	w = b.do("POST", "/console/requests/"+r.ID+"/deny", url.Values{"csrf": {csrf(t, body)}, "reason.deletion": {mail.DenyOther}})
	assert.Equal(t, http.StatusBadRequest, w.Code)
	body = w.Body.String()
	assert.Contains(t, body, "Please correct the form")
	assert.Contains(t, body, "Say why, in words the requester will read.")
	assert.Contains(t, body, "Choose why this is denied.")
	assert.Contains(t, body, `<option value="other" selected>`, "what was sent is kept")

	w = b.do("GET", "/console/requests/"+r.ID+"/set-kinds", nil)
	assert.Equal(t, http.StatusConflict, w.Code, "its kinds are known")
	assert.Contains(t, w.Body.String(), "its kinds are known")
	w = b.do("GET", "/console/requests/"+r.ID+"/nonsense", nil)
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.True(t, strings.Contains(w.Body.String(), "The console has no action &quot;nonsense&quot; for a request."), w.Body.String())
}

// TestADenialLeavesOptOutsCarriedOut: a request whose opt-outs were
// carried out (opt-out:done) is denied for the rest only: the opt-outs
// stand, get no reason, are not in the notice, and count as complied with.
func TestADenialLeavesOptOutsCarriedOut(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-DNOO-AAAA-AAAA-AAAA", 20, request.InProgress, request.Deletion, request.OptOutSale)
	require.NoError(t, d.store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: d.now, Actor: "system:fulfil", Action: request.ActionOptOutDone, Once: request.ActionOptOutDone}))

	var fe console.FormError
	require.ErrorAs(t, d.Deny(ctx, alice, r.ID, []mail.DenialItem{{Kind: request.Deletion, Reason: mail.DenyExcessive},
		{Kind: request.OptOutSale, Reason: mail.DenyExcessive}}), &fe)
	assert.Contains(t, fe["reason.opt-out-sale"], "carried out already")
	require.NoError(t, d.Deny(ctx, alice, r.ID, []mail.DenialItem{{Kind: request.Deletion, Reason: mail.DenyExcessive}}),
		"a reason for the deletion only")
	require.Len(t, d.mail.sent, 1)
	notice := d.mail.sent[0]
	assert.Contains(t, notice.Text, request.Deletion.Title())
	assert.NotContains(t, notice.Text, request.OptOutSale.Title(), "the opt-out is not refused")

	m, err := (&console.Yearly{Trails: d.store, Location: time.UTC, Years: years{*d.store.requests[r.ID]}}).Metrics(ctx, d.store.requests[r.ID].ReceivedAt.Year())
	require.NoError(t, err)
	require.Len(t, m.Kinds, 2)
	for _, km := range m.Kinds {
		switch km.Kind {
		case request.OptOutSale:
			assert.Equal(t, 1, km.Complied)
			assert.Zero(t, km.Denied)
		case request.Deletion:
			assert.Equal(t, 1, km.Denied)
		}
	}
}

// TestNothingLeftToDeny: a request of opt-outs alone, carried out, offers
// no denial.
func TestNothingLeftToDeny(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-DNON-AAAA-AAAA-AAAA", 5, request.InProgress, request.OptOutSale)
	require.NoError(t, d.store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: d.now, Actor: "system:fulfil", Action: request.ActionOptOutDone, Once: request.ActionOptOutDone}))
	assert.ErrorIs(t, d.Deny(ctx, alice, r.ID, nil), console.ErrNotAllowed)
	assert.Empty(t, d.mail.sent)
}

// TestWriteCorrection: a correction asked in words is rewritten by the team
// item by item for the systems; the trail says the team wrote it, never the
// values; a request asking no correction, or closed, is refused.
func TestWriteCorrection(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-WCOR-AAAA-AAAA-AAAA", 3, request.InProgress, request.Correction)
	r.Corrections = []request.CorrectionItem{{Item: "as described in the message", Right: "Please correct my postal address, it should be 1 New Street."}}
	d.store.put(r)
	var fe console.FormError
	require.ErrorAs(t, d.WriteCorrection(ctx, alice, r.ID, request.CorrectionItem{Item: "postal address"}, ""), &fe)
	assert.NotEmpty(t, fe["correction"])
	require.NoError(t, d.WriteCorrection(ctx, alice, r.ID, request.CorrectionItem{Item: " postal address ", Right: "1 New Street"}, ""))
	assert.Equal(t, []request.CorrectionItem{{Item: "postal address", Right: "1 New Street"}}, d.store.requests[r.ID].Corrections)
	evs := eventsOf(d, r.ID, request.ActionCorrectionWritten)
	require.Len(t, evs, 1)
	assert.Equal(t, "team:alice", evs[0].Actor)
	assert.NotContains(t, fmt.Sprint(evs[0]), "1 New Street", "no personal data on the trail")

	other := d.add("PR-WDEL-AAAA-AAAA-AAAA", 3, request.InProgress, request.Deletion)
	assert.ErrorIs(t, d.WriteCorrection(ctx, alice, other.ID, request.CorrectionItem{Item: "x", Right: "y"}, ""), console.ErrNotAllowed)
	closed := d.add("PR-WCLO-AAAA-AAAA-AAAA", 3, request.Completed, request.Correction)
	assert.ErrorIs(t, d.WriteCorrection(ctx, alice, closed.ID, request.CorrectionItem{Item: "x", Right: "y"}, ""), console.ErrNotAllowed)
	assert.Empty(t, d.mail.sent)
}

// TestWriteCorrectionOverHTTP: the request page offers the action, its
// page posts with the session's token, and the correction is written (a
// second time too: the team may write it again).
func TestWriteCorrectionOverHTTP(t *testing.T) {
	d := newDesk(t)
	r := d.add("PR-WCOR-BBBB-BBBB-BBBB", 3, request.InProgress, request.Correction)
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	page := b.do("GET", "/console/requests/"+r.ID, nil)
	require.Equal(t, http.StatusOK, page.Code)
	assert.Contains(t, page.Body.String(), `href="../requests/`+r.ID+`/`+console.ActionWriteCorrection+`"`)
	target := "/console/requests/" + r.ID + "/" + console.ActionWriteCorrection
	for _, right := range []string{"1 New Street", "2 New Street"} {
		confirm := b.do("GET", target, nil)
		require.Equal(t, http.StatusOK, confirm.Code, confirm.Body.String())
		w := b.do("POST", target, url.Values{"csrf": {csrf(t, confirm.Body.String())}, "correctionItem": {"postal address"}, "correctionRight": {right}})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Contains(t, w.Body.String(), "The correction is written")
		assert.Equal(t, right, d.store.requests[r.ID].Corrections[0].Right)
	}
	assert.Equal(t, http.StatusForbidden, b.do("POST", target, url.Values{"correctionItem": {"x"}, "correctionRight": {"y"}}).Code, "no token")
}

// TestDenyAgainWhenTheReasonsWereLost: the status moves before the denial's
// event (with its reasons) is written; a request left denied without that
// event asks for the reasons again, records them without moving the status,
// and sends the notice with them, once. One whose reasons are on the trail
// sends those without asking.
func TestDenyAgainWhenTheReasonsWereLost(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-DNLS-AAAA-AAAA-AAAA", 20, request.Denied, request.Deletion)
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")

	w := b.do("GET", "/console/requests/"+r.ID+"/deny", nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "its reasons were not recorded")
	assert.Contains(t, w.Body.String(), `<label for="reason-deletion">`, "the reasons are asked again")

	var fe console.FormError
	require.ErrorAs(t, d.Deny(ctx, alice, r.ID, nil), &fe)
	assert.Contains(t, fe, "reason.deletion")
	assert.Empty(t, d.mail.sent)

	require.NoError(t, d.Deny(ctx, alice, r.ID, []mail.DenialItem{{Kind: request.Deletion, Reason: mail.DenyLegalObligation, Detail: "Invoices: 6 years."}}))
	assert.Equal(t, request.Denied, d.store.requests[r.ID].Status)
	ev := statusEvent(t, d, r.ID, request.Denied)
	assert.Equal(t, mail.DenyLegalObligation, ev.Data["reason.deletion"])
	n := d.mail.to(r.Requester.Email)
	require.Len(t, n, 1)
	assert.Contains(t, n[0].Text, "Invoices: 6 years.")
	assert.Len(t, eventsOf(d, r.ID, request.ActionDenialNoticeSent), 1)
	assert.ErrorIs(t, d.Deny(ctx, alice, r.ID, nil), console.ErrNotAllowed, "the notice went out")

	kept := d.add("PR-DNKP-AAAA-AAAA-AAAA", 20, request.Denied, request.Deletion)
	require.NoError(t, d.store.AppendEvent(ctx, request.Event{RequestID: kept.ID, At: d.now, Actor: "team:alice", Action: request.StatusAction(request.Denied),
		Once: request.StatusAction(request.Denied), Data: map[string]string{"reason.deletion": mail.DenyExcessive}}))
	w = b.do("GET", "/console/requests/"+kept.ID+"/deny", nil)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), "with the reasons given then")
	assert.NotContains(t, w.Body.String(), `<label for="reason-deletion">`)
	require.NoError(t, d.Deny(ctx, alice, kept.ID, nil))
	n = d.mail.to(kept.Requester.Email)
	require.Len(t, n, 1)
	assert.Contains(t, n[0].Text, mail.DenialReasonWords(mail.DenyExcessive, ""))
}

// TestActionPagesSayWhatHappens: the extend page says who is mailed, in
// which language, and what reminds the team (the hourly sweep); the deny
// page offers a deletion's security reason in the deletion's words.
func TestActionPagesSayWhatHappens(t *testing.T) {
	d := newDesk(t)
	r := d.add("PR-WRDS-AAAA-AAAA-AAAA", 30, request.InProgress, request.Deletion, request.AccessSpecific)
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	body := b.do("GET", "/console/requests/"+r.ID+"/extend", nil).Body.String()
	assert.Contains(t, body, "mailed the notice in English at once, at the requester's address")
	assert.Contains(t, body, "hourly deadline sweep")
	assert.NotContains(t, body, "deadline watch")
	body = b.do("GET", "/console/requests/"+r.ID+"/deny", nil).Body.String()
	assert.Contains(t, body, mail.DenialReasonWordsFor(mail.DenySecurity, request.Deletion, ""))
	assert.Contains(t, body, mail.DenialReasonWordsFor(mail.DenySecurity, request.AccessSpecific, ""))
}

// TestUnclearMailHeldBackIsAcknowledgedFirst: unclear mail whose
// acknowledgement the daily cap held back is not triaged before that
// acknowledgement goes out (only sending it marks the request
// acknowledged; triaging first left the acknowledgement clock to run out).
func TestUnclearMailHeldBackIsAcknowledgedFirst(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-HUNC-AAAA-AAAA-AAAA", 0, request.Received, request.Unclear)
	r.Channel, r.AckCappedAt = request.Email, r.ReceivedAt
	d.store.put(r)
	_, err := d.SetKinds(ctx, alice, r.ID, console.Triage{Kinds: []request.Kind{request.Deletion}})
	assert.ErrorIs(t, err, console.ErrNotAllowed)
	assert.Contains(t, err.Error(), "send the acknowledgement first")
	assert.Empty(t, d.mail.sent)

	r.AcknowledgedAt, r.Status = d.now, request.Acknowledged
	d.store.put(r)
	_, err = d.SetKinds(ctx, alice, r.ID, console.Triage{Kinds: []request.Kind{request.Deletion}})
	assert.NoError(t, err, "once acknowledged")
}

// TestTriageRefusesTheSendersOwnAddressAsTheChilds: naming a child's-data
// request, the child's address must be an address and not the sender's
// own, as the public form requires: otherwise the parent's data would be
// the one deleted.
func TestTriageRefusesTheSendersOwnAddressAsTheChilds(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-CHLD-AAAA-AAAA-AAAA", 2, request.Acknowledged, request.Unclear)
	for _, email := range []string{r.Requester.Email, strings.ToUpper(r.Requester.Email), "not an address"} {
		_, err := d.SetKinds(ctx, alice, r.ID, console.Triage{Kinds: []request.Kind{request.ChildData}, Child: &request.Subject{Email: email}})
		var fe console.FormError
		require.ErrorAs(t, err, &fe, email)
		assert.Contains(t, fe, "child", email)
	}
	assert.Empty(t, d.intake.started)
	_, err := d.SetKinds(ctx, alice, r.ID, console.Triage{Kinds: []request.Kind{request.ChildData}, Child: &request.Subject{Email: "leo@example.com"}})
	require.NoError(t, err)
	assert.Equal(t, "leo@example.com", d.store.requests[r.ID].Subject.Email)
}
