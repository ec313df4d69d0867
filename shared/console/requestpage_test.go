package console_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
)

// seedTrail gives r a trail as the desk writes it: acknowledged, verified,
// one system erased with proof and a hold, a reply, a reminder.
func seedTrail(d *desk, r *request.Request) {
	at := r.ReceivedAt
	for i, ev := range []request.Event{
		{Actor: "system:intake-web", Action: request.ActionCreated, Data: map[string]string{"channel": "web"}},
		{Actor: "system:intake-web", Action: request.ActionAcknowledged, Data: map[string]string{"messageId": "ses-ack"}},
		{Actor: "system:verify", Action: request.ActionVerificationSent, Data: map[string]string{"method": "email-link"}},
		{Actor: "requester", Action: request.ActionVerified, Data: map[string]string{"method": "email-link"}},
		{Actor: "system:accounts", Action: request.ActionStepDone, Data: map[string]string{"system": "accounts", "action": "erase", "outcome": "erased"}},
		{Actor: "system:accounts", Action: request.ActionErasureProof, Reason: "the system no longer finds the person", Data: map[string]string{"system": "accounts", "found": "false"}},
		{Actor: "system:factoring", Action: request.ActionErasureWithheld, Reason: "kept under commercial law", Data: map[string]string{"system": "factoring", "law": "HGB §257", "until": "10 years"}},
		{Actor: "requester", Action: request.ActionReplyReceived, Data: map[string]string{"messageId": "reply-1"}},
		{Actor: "system:deadline-sweep", Action: request.ActionReminderSent, Data: map[string]string{"clock": "response", "messageId": "ses-rem"}},
	} {
		ev.RequestID, ev.At = r.ID, at.Add(time.Duration(i)*time.Hour)
		_ = d.store.AppendEvent(context.Background(), ev)
	}
}

func TestRequestPage(t *testing.T) {
	d := newDesk(t)
	r := d.add("PR-PAGE-AAAA-AAAA-AAAA", 10, request.InProgress, request.Deletion, request.OptOutSale)
	r.Requester = request.Identity{Name: "Ada <script>alert(1)</script> Lovelace", Email: "ada@example.com", Phone: "555 0100", State: "CA"}
	r.Details = "Please delete my account."
	d.store.put(r)
	seedTrail(d, r)
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")

	w := b.do("GET", "/console/requests/PR-PAGE-AAAA-AAAA-AAAA", nil)
	require.Equal(t, http.StatusOK, w.Code)
	body := w.Body.String()
	for _, want := range []string{
		"<h1>Request PR-PAGE-AAAA-AAAA-AAAA</h1>",
		"<dd>in-progress</dd>",
		"<dd>deletion, opt-out-sale</dd>",
		"<dd>ada@example.com</dd>", "<dd>555 0100</dd>",
		"Please delete my account.",
		// every clock with its days
		"acknowledgement", "opt-out", "response", "extended response",
		"35 days left", // the answer: 45 days from 10 days ago
		// verification
		"verification-sent", "verified",
		// each system's step and proof
		"<h3>accounts</h3>", "fulfilment-step", "erasure-proof — the system no longer finds the person",
		"<h3>factoring</h3>", "erasure-withheld — kept under commercial law (law: HGB §257; system: factoring; until: 10 years)",
		// mail sent and replies
		"<td>requester</td><td>acknowledged</td><td>ses-ack</td>",
		"<td>privacy team</td><td>reminder-sent</td><td>ses-rem</td>",
		"(messageId: reply-1)",
		// the trail
		"<td>system:intake-web</td><td>created</td>",
		`href="../../form.css"`,
	} {
		assert.Contains(t, body, want)
	}
	assert.Contains(t, body, "Ada &lt;script&gt;alert(1)&lt;/script&gt; Lovelace", "what the requester wrote is escaped")
	assert.NotContains(t, body, "<script>")
	assert.Regexp(t, `(?s)acknowledgement<br>.*?<td>met</td>.*opt-out<br>.*?13 days left.*?<td>open</td>`, body, "the acknowledgement went out; the opt-out is open")
	assert.Regexp(t, `(?s)extended response<br>.*?<td>not running</td>`, body, "not extended")

	t.Run("an unknown request", func(t *testing.T) {
		w := b.do("GET", "/console/requests/PR-NONE-ZZZZ-ZZZZ-ZZZZ", nil)
		assert.Equal(t, http.StatusNotFound, w.Code)
		assert.Contains(t, w.Body.String(), "There is no request PR-NONE-ZZZZ-ZZZZ-ZZZZ")
	})
	t.Run("not signed in", func(t *testing.T) {
		w := newBrowser(t, h, "desk.example").do("GET", "/console/requests/PR-PAGE-AAAA-AAAA-AAAA", nil)
		assert.Equal(t, http.StatusSeeOther, w.Code)
		assert.NotContains(t, w.Body.String(), "ada@example.com")
	})
}

// TestTheAttentionMarkIsSaidInWords: a request needing attention says why
// in words, not by the mark's code.
func TestTheAttentionMarkIsSaidInWords(t *testing.T) {
	d := newDesk(t)
	r := d.add("PR-ATTN-AAAA-AAAA-AAAA", 10, request.InProgress, request.Deletion)
	r.Attention = request.ActionNeedsAttention
	d.store.put(r)
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	body := b.do("GET", "/console/requests/"+r.ID, nil).Body.String()
	assert.Contains(t, body, "needs attention</strong> (a system could not act: see the trail")
	assert.NotContains(t, body, "(needs-attention)")
}

// TestAnExtendedRequestsResponseClockSaysExtended: once extended, the
// 45-day clock reads "extended", not "not running".
func TestAnExtendedRequestsResponseClockSaysExtended(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-EXTC-AAAA-AAAA-AAAA", 30, request.InProgress, request.Deletion)
	_, err := d.Extend(ctx, alice, r.ID, "slow systems")
	require.NoError(t, err)
	v, err := d.Request(ctx, r.ID)
	require.NoError(t, err)
	states := map[string]string{}
	for _, c := range v.Clocks {
		states[c.Title] = c.State
	}
	assert.Equal(t, "extended", states["answer the request (45 calendar days)"], "%v", states)
	assert.Equal(t, "open", states["answer the extended request (90 calendar days in all)"])
}
