package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/request"
)

// hostile is what a requester (or a crafted link) might send: markup that
// breaks out of text and of a quoted attribute, an entity, a line break
// and a right-to-left override.
const hostile = `"><img src=x onerror=alert(1)><script>alert('x')</script>&amp;` + "\r\n\u202e"

// escaped is hostile as the pages must write it.
const escaped = `&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;` + "\r\n\u202e"

// assertEscaped checks that body carries hostile only escaped.
func assertEscaped(t *testing.T, body string, msgAndArgs ...any) {
	t.Helper()
	assert.NotContains(t, body, "<script>", msgAndArgs...)
	assert.NotContains(t, body, "<img", msgAndArgs...)
	assert.Contains(t, body, escaped, msgAndArgs...)
}

// TestPagesEscapeWhatRequestersSend fills every field a requester (or an
// email's sender) controls with markup and checks that each page writes it
// as text.
func TestPagesEscapeWhatRequestersSend(t *testing.T) {
	d := newDesk(t)
	r := d.add("PR-HOST-AAAA-AAAA-AAAA", 10, request.InProgress, request.Deletion, request.Correction)
	r.Requester = request.Identity{Name: "n" + hostile, Email: "e" + hostile, Phone: "p" + hostile, Address: "a" + hostile,
		Company: "c" + hostile, Relationship: "r" + hostile, State: "s" + hostile}
	r.Agent = &request.Agent{Name: "an" + hostile, Email: "ae" + hostile}
	r.Subject = &request.Subject{Name: "sn" + hostile, Email: "se" + hostile, Account: "sa" + hostile}
	r.Details = "the mail's text: " + hostile
	r.Corrections = []request.CorrectionItem{{Item: "i" + hostile, Wrong: "w" + hostile, Right: "r" + hostile}}
	r.Regulation = "CCPA" + hostile
	r.Attention = request.ActionNeedsAttention
	d.store.put(r)
	ctx := context.Background()
	for _, ev := range []request.Event{
		{Actor: "requester", Action: request.ActionReplyReceived, Reason: "reply" + hostile, Data: map[string]string{"subject": hostile}},
		{Actor: "system:crm", Action: request.ActionStepDone, Reason: hostile, Data: map[string]string{"system": "crm" + hostile}},
		{Actor: "system:fulfil", Action: request.ActionNeedsAttention, Data: map[string]string{"failed": "crm: " + hostile}},
		{Actor: "system:mail-events", Action: request.ActionMailBounced, Data: map[string]string{"mail": request.ActionAcknowledged, "to": "requester",
			"bounceType": "Permanent", "bounceSubType": hostile, "messageId": "m" + hostile}},
	} {
		ev.RequestID, ev.At = r.ID, d.now
		require.NoError(t, d.store.AppendEvent(ctx, ev))
	}
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")

	t.Run("the request's page", func(t *testing.T) {
		w := b.do("GET", "/console/requests/"+r.ID, nil)
		require.Equal(t, http.StatusOK, w.Code)
		body := w.Body.String()
		assertEscaped(t, body)
		for _, field := range []string{"n", "e", "p", "a", "c", "r", "s", "an", "ae", "sn", "se", "sa", "the mail's text: ", "i", "w", "CCPA", "reply"} {
			assert.Contains(t, body, strings.ReplaceAll(field, "'", "&#39;")+escaped, field)
		}
		assert.Contains(t, body, "<h3>crm"+escaped+"</h3>", "a system's name")
		assert.Contains(t, body, "(subject: "+escaped+")", "an event's data")
	})
	t.Run("an action's page and its form sent back with problems", func(t *testing.T) {
		w := b.do("GET", "/console/requests/"+r.ID+"/"+console.ActionFinishStep, nil)
		require.Equal(t, http.StatusOK, w.Code)
		assertEscaped(t, w.Body.String(), "what failed")
		w = b.do("POST", "/console/requests/"+r.ID+"/"+console.ActionFinishStep,
			url.Values{"csrf": {csrf(t, w.Body.String())}, "system": {hostile}, "note": {"</textarea>" + hostile}})
		require.Equal(t, http.StatusBadRequest, w.Code)
		body := w.Body.String()
		assertEscaped(t, body)
		assert.Contains(t, body, `name="system" value="`+escaped+`"`, "an input's value")
		assert.Contains(t, body, `rows="3" required>&lt;/textarea&gt;`+escaped+`</textarea>`, "a textarea's text")
	})
	t.Run("the work list's search box", func(t *testing.T) {
		w := b.do("GET", "/console/", nil)
		w = b.do("POST", "/console/find", url.Values{"csrf": {csrf(t, w.Body.String())}, "q": {hostile}})
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, w.Body.String(), `name="q" value="`+escaped+`"`)
		assertEscaped(t, w.Body.String())
	})
	t.Run("a message naming what the address held", func(t *testing.T) {
		w := b.do("GET", "/console/requests/"+url.PathEscape("PR-"+hostile), nil)
		require.Equal(t, http.StatusNotFound, w.Code)
		assertEscaped(t, w.Body.String())
	})
}

// TestPagesEscapeTheUserName: the pool's user name is written as text, on
// every page's header and on the page that refuses a user outside the team.
func TestPagesEscapeTheUserName(t *testing.T) {
	h, auth, _ := newConsole(t, nil)
	w := newBrowser(t, h, "desk.example").signIn(auth, outsiderMarkupToken, "/console/")
	require.Equal(t, http.StatusForbidden, w.Code)
	assertEscaped(t, w.Body.String(), "refused")

	b := newBrowser(t, h, "desk.example")
	w = b.signIn(auth, markupToken, "/console/")
	require.Equal(t, http.StatusOK, w.Code)
	assertEscaped(t, w.Body.String(), "signed in")
	w = b.do("GET", "/console/", nil)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), "Signed in as <strong>"+escaped+"</strong>")
	assertEscaped(t, w.Body.String(), "the work list's header")
}
