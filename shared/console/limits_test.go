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
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// signedIn is a browser signed in as alice on a console over d.
func signedIn(t *testing.T, d *desk) *browser {
	t.Helper()
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	return b
}

// TestAFormOverTheSizeLimitIsTooLarge: a body over the console's limit is
// answered 413 "The form is too large", saying the fields' bounds, not
// "This form has expired"; nothing is recorded.
func TestAFormOverTheSizeLimitIsTooLarge(t *testing.T) {
	d := newDesk(t)
	r := d.add("PR-HUGE-AAAA-AAAA-AAAA", 3, request.InProgress, request.Deletion)
	b := signedIn(t, d)
	target := "/console/requests/" + r.ID + "/" + console.ActionNote
	page := b.do("GET", target, nil)
	require.Equal(t, http.StatusOK, page.Code)
	before := len(d.store.events[r.ID])

	w := b.do("POST", target, url.Values{"csrf": {csrf(t, page.Body.String())}, "note": {strings.Repeat("x", 130<<10)}})
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	body := w.Body.String()
	assert.Contains(t, body, "The form is too large")
	assert.Contains(t, body, "The form was larger than the console accepts (128 KiB), so nothing was changed. A note takes at most 4,000 characters, and words the requester reads (a reason, a denial&#39;s detail) at most 1,000: shorten what you wrote and send the form again.")
	assert.NotContains(t, body, "This form has expired")
	assert.Contains(t, body, `href="../../requests/`+r.ID+`"`, "the way back to the request")
	assert.Len(t, d.store.events[r.ID], before, "nothing recorded")
}

// TestTheLargestFormFits: a denial of every kind, each with a detail at
// its bound in 4-byte characters, is under the body's limit: the bounds,
// not the body's size, refuse what the team writes.
func TestTheLargestFormFits(t *testing.T) {
	d := newDesk(t)
	r := d.add("PR-BIGD-AAAA-AAAA-AAAA", 20, request.InProgress, request.Kinds...)
	b := signedIn(t, d)
	target := "/console/requests/" + r.ID + "/" + console.ActionDeny
	page := b.do("GET", target, nil)
	require.Equal(t, http.StatusOK, page.Code)
	form := url.Values{"csrf": {csrf(t, page.Body.String())}}
	detail := strings.Repeat("😀", console.MaxForRequester)
	for _, k := range request.Kinds {
		form.Set("reason."+string(k), mail.DenyOther)
		form.Set("detail."+string(k), detail)
	}
	require.Greater(t, len(form.Encode()), 64<<10, "larger than the console's former limit")
	w := b.do("POST", target, form)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, request.Denied, d.store.requests[r.ID].Status)
	require.Len(t, d.mail.to(r.Requester.Email), 1)
	assert.Contains(t, d.mail.to(r.Requester.Email)[0].Text, detail)
}

// TestFreeTextIsBounded: every field the team writes freely has a bound in
// characters (not bytes): words the requester reads 1,000, notes 4,000, a
// step's system and action 200. Over it, the form comes back with the
// field's problem and nothing is done or mailed; at it, the action is done.
func TestFreeTextIsBounded(t *testing.T) {
	ctx := context.Background()
	over := func(n int) string { return strings.Repeat("é", n+1) } // 2 bytes each: characters are counted
	at := func(n int) string { return strings.Repeat("é", n) }
	const forRequester = "Write at most 1,000 characters: the requester reads this in a mail (this has 1,001)."
	const note = "Write at most 4,000 characters (this has 4,001)."
	failed := func(d *desk, id string) {
		_ = d.store.AppendEvent(ctx, request.Event{RequestID: id, At: d.now, Actor: "system:fulfil", Action: request.ActionNeedsAttention,
			Data: map[string]string{"failed": "[crm/erase: timeout]"}})
	}
	tests := []struct {
		name    string
		status  request.Status
		kinds   []request.Kind
		setup   func(d *desk, id string)
		do      func(d *desk, id string, v func(int) string) error
		field   string
		problem string
	}{
		{"an extension's reason", request.InProgress, []request.Kind{request.Deletion}, nil,
			func(d *desk, id string, v func(int) string) error {
				_, err := d.Extend(ctx, alice, id, v(console.MaxForRequester))
				return err
			}, "reason", forRequester},
		{"a denial's detail", request.InProgress, []request.Kind{request.Deletion}, nil,
			func(d *desk, id string, v func(int) string) error {
				return d.Deny(ctx, alice, id, []mail.DenialItem{{Kind: request.Deletion, Reason: mail.DenyOther, Detail: v(console.MaxForRequester)}})
			}, "detail.deletion", forRequester},
		{"a withdrawal's note", request.Verifying, []request.Kind{request.Deletion}, nil,
			func(d *desk, id string, v func(int) string) error {
				return d.Withdraw(ctx, alice, id, v(console.MaxNote), false)
			}, "note", note},
		{"not a request's note", request.Acknowledged, []request.Kind{request.Unclear}, nil,
			func(d *desk, id string, v func(int) string) error {
				return d.NotARequest(ctx, alice, id, v(console.MaxNote))
			}, "note", note},
		{"a completion's note", request.InProgress, []request.Kind{request.Deletion}, failed,
			func(d *desk, id string, v func(int) string) error {
				return d.Complete(ctx, alice, id, v(console.MaxNote), true)
			}, "note", note},
		{"a step's note", request.InProgress, []request.Kind{request.Deletion}, failed,
			func(d *desk, id string, v func(int) string) error {
				return d.finish(ctx, alice, id, "crm", "erase", v(console.MaxNote))
			}, "note", note},
		{"a step's system", request.InProgress, []request.Kind{request.Deletion}, failed,
			func(d *desk, id string, v func(int) string) error {
				system := v(console.MaxStepName)
				if len(system) == 2*console.MaxStepName {
					system = "crm" // at the bound: the step the trail names
				}
				return d.finish(ctx, alice, id, system, "erase", "done by hand")
			}, "system", "Write at most 200 characters (this has 201)."},
		{"a duplicate's note", request.InProgress, []request.Kind{request.Deletion},
			func(d *desk, _ string) { d.add("PR-OTHR-AAAA-AAAA-AAAA", 5, request.InProgress, request.Deletion) },
			func(d *desk, id string, v func(int) string) error {
				return d.MarkDuplicate(ctx, alice, id, "PR-OTHR-AAAA-AAAA-AAAA", v(console.MaxNote))
			}, "note", note},
		{"a note", request.InProgress, []request.Kind{request.Deletion}, nil,
			func(d *desk, id string, v func(int) string) error {
				return d.AddNote(ctx, alice, id, v(console.MaxNote))
			}, "note", note},
		{"why the status links stop", request.InProgress, []request.Kind{request.Deletion}, nil,
			func(d *desk, id string, v func(int) string) error {
				return d.RevokeStatusLinks(ctx, alice, id, v(console.MaxNote))
			}, "note", note},
		{"a written correction's note", request.InProgress, []request.Kind{request.Correction}, nil,
			func(d *desk, id string, v func(int) string) error {
				return d.WriteCorrection(ctx, alice, id, request.CorrectionItem{Item: "postal address", Right: "1 New Street"}, v(console.MaxNote))
			}, "note", note},
		{"the triage's note", request.Acknowledged, []request.Kind{request.Unclear}, nil,
			func(d *desk, id string, v func(int) string) error {
				_, err := d.SetKinds(ctx, alice, id, console.Triage{Kinds: []request.Kind{request.Deletion}, Note: v(console.MaxNote)})
				return err
			}, "note", note},
		{"the child's name", request.Acknowledged, []request.Kind{request.Unclear}, nil,
			func(d *desk, id string, v func(int) string) error {
				_, err := d.SetKinds(ctx, alice, id, console.Triage{Kinds: []request.Kind{request.ChildData},
					Child: &request.Subject{Name: v(200), Email: "sam@example.com"}})
				return err
			}, "child", "The child's name takes at most 200 characters, the email address 254 and the account 128."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDesk(t)
			r := d.add("PR-LONG-AAAA-AAAA-AAAA", 20, tt.status, tt.kinds...)
			if tt.setup != nil {
				tt.setup(d, r.ID)
			}
			before := len(d.store.events[r.ID])
			err := tt.do(d, r.ID, over)
			var fe console.FormError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tt.problem, fe[tt.field])
			assert.Len(t, d.store.events[r.ID], before, "nothing recorded")
			assert.Equal(t, tt.status, d.store.requests[r.ID].Status, "nothing moved")
			assert.Empty(t, d.mail.sent, "nothing mailed")

			require.NoError(t, tt.do(d, r.ID, at), "at the bound, in characters of two bytes")
		})
	}
}

// TestALongFieldComesBackNamedAndKept: over HTTP, a too-long field is the
// form's problem, named beside the field, with what was written kept.
func TestALongFieldComesBackNamedAndKept(t *testing.T) {
	d := newDesk(t)
	r := d.add("PR-KEEP-AAAA-AAAA-AAAA", 30, request.InProgress, request.Deletion)
	b := signedIn(t, d)
	for _, tt := range []struct {
		action, field, value, problem string
	}{
		{console.ActionExtend, "reason", strings.Repeat("a", 20000), "Write at most 1,000 characters: the requester reads this in a mail (this has 20,000)."},
		{console.ActionNote, "note", strings.Repeat("b", 30000), "Write at most 4,000 characters (this has 30,000)."},
		{console.ActionMarkDuplicate, "note", strings.Repeat("c", 4001), "Write at most 4,000 characters (this has 4,001)."},
	} {
		t.Run(tt.action, func(t *testing.T) {
			target := "/console/requests/" + r.ID + "/" + tt.action
			page := b.do("GET", target, nil)
			require.Equal(t, http.StatusOK, page.Code)
			form := url.Values{"csrf": {csrf(t, page.Body.String())}, tt.field: {tt.value}}
			if tt.action == console.ActionMarkDuplicate {
				form.Set("of", r.ID)
			}
			w := b.do("POST", target, form)
			require.Equal(t, http.StatusBadRequest, w.Code)
			body := w.Body.String()
			assert.Contains(t, body, "Please correct the form")
			assert.Contains(t, body, `<p class="field-error" id="`+tt.field+`-error">`+strings.ReplaceAll(tt.problem, "'", "&#39;")+`</p>`, "named beside the field")
			assert.Contains(t, body, ">"+tt.value+"</textarea>", "what was written is kept")
		})
	}
	assert.Empty(t, d.mail.sent)
	assert.Equal(t, request.InProgress, d.store.requests[r.ID].Status)
}
