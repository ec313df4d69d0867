package webform_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/webform"
)

// fakeIntake validates like the real service and remembers what it got.
type fakeIntake struct {
	got     []intake.Submission
	err     error
	created map[string]bool
	// linkUntil, when set, is the verification link's end the
	// acknowledgement carried.
	linkUntil time.Time
	// receipt, when set, is the answer to every valid submission.
	receipt *intake.Receipt
}

var _ webform.Submitter = (*fakeIntake)(nil)

func (f *fakeIntake) Submit(_ context.Context, sub intake.Submission) (*intake.Receipt, error) {
	f.got = append(f.got, sub)
	if f.err != nil {
		return nil, f.err
	}
	if fe := sub.Validate(); fe != nil {
		return nil, fe
	}
	if f.receipt != nil {
		return f.receipt, nil
	}
	if f.created == nil {
		f.created = map[string]bool{}
	}
	id := request.NewID(sub.Channel, sub.SourceID)
	created := !f.created[id]
	f.created[id] = true
	received := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	return &intake.Receipt{Created: created, Request: &request.Request{
		ID: id, Kinds: sub.Kinds, Status: request.Acknowledged, ReceivedAt: received, VerifyLinkUntil: f.linkUntil,
		Due: request.Due{Acknowledge: received.AddDate(0, 0, 14), Response: received.AddDate(0, 0, 45), Extended: received.AddDate(0, 0, 90)},
	}}, nil
}

func newHandler(f *fakeIntake) http.Handler {
	return webform.New(f, webform.Config{Location: time.UTC, TeamAddress: "privacy@productionflow.example", SubmissionIDs: testIDs})
}

func form(values map[string][]string) *http.Request {
	body := url.Values(values).Encode()
	r := httptest.NewRequest(http.MethodPost, "/requests", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func validForm() map[string][]string {
	return map[string][]string{
		"submissionId": {formID}, "kinds": {"deletion", "access-categories"},
		"name": {"Ada Lovelace"}, "email": {"ada@example.com"}, "state": {"CA"},
	}
}

func serve(h http.Handler, r *http.Request) (*http.Response, string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestFormPage(t *testing.T) {
	res, body := serve(newHandler(&fakeIntake{}), httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, res.Header.Get("Content-Type"), "text/html")
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'none'")
	for _, want := range []string{
		`<form method="post" action="requests"`, `name="submissionId" value="web-`, `name="x-leave-empty"`, `autocomplete="section-agent email"`, `type="email" id="agentEmail"`,
		`<label for="email">`, `<label for="name">`, `<legend>What would you like us to do?`,
		`value="opt-out-sale"`, `value="child-data"`, `value="access-specific"`,
	} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, "<script", "the form works without JavaScript")
}

func TestSubmitForm(t *testing.T) {
	t.Run("receipt has the ID and due date", func(t *testing.T) {
		f := &fakeIntake{}
		res, body := serve(newHandler(f), form(validForm()))
		require.Equal(t, http.StatusOK, res.StatusCode, body)
		assert.Contains(t, body, request.NewID(request.Web, formID))
		assert.Contains(t, body, "Monday, January 11, 2027", "response due in words")
		assert.Contains(t, body, "<li>Delete your data</li>", "the receipt names kinds as the form does")
		require.Len(t, f.got, 1)
		assert.Equal(t, []request.Kind{request.Deletion, request.AccessCategories}, f.got[0].Kinds)
		assert.False(t, f.got[0].GPC)
	})
	t.Run("the receipt says where the confirmation link is", func(t *testing.T) {
		// The acknowledgement carried the link (intake minted it).
		f := &fakeIntake{linkUntil: time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)}
		_, body := serve(newHandler(f), form(validForm()))
		assert.Contains(t, body, "with a link to confirm it is you; it works until Friday, December 4, 2026 at 3:00 PM UTC")
		assert.NotContains(t, body, "We will email you a link")
		// It did not: the link comes in a mail of its own.
		_, body = serve(newHandler(&fakeIntake{}), form(validForm()))
		assert.Contains(t, body, "We will email you a link to confirm it is you.")
		assert.NotContains(t, body, "with a link to confirm")
	})
	t.Run("errors come back with values kept and escaped", func(t *testing.T) {
		v := validForm()
		v["email"] = []string{"not-an-address"}
		v["name"] = []string{`<script>alert("x")</script>`}
		v["details"] = []string{`"><img src=x onerror=alert(1)>`}
		res, body := serve(newHandler(&fakeIntake{}), form(v))
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Contains(t, body, `class="error-summary"`)
		assert.Contains(t, body, `href="#email"`)
		assert.NotContains(t, body, `href="#kinds"`, "kinds were chosen, so no kinds error")
		assert.Contains(t, body, `aria-invalid="true"`)
		assert.Contains(t, body, `value="not-an-address"`)
		assert.Contains(t, body, "&lt;script&gt;")
		assert.NotContains(t, body, "<script>alert")
		assert.NotContains(t, body, "<img src=x")
		assert.Contains(t, body, `checked`, "chosen kinds stay ticked")
	})
	t.Run("summary links land on the control to act on", func(t *testing.T) {
		v := validForm()
		delete(v, "kinds")
		res, body := serve(newHandler(&fakeIntake{}), form(v))
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Contains(t, body, `href="#kind-access-categories"`)
		assert.Contains(t, body, `id="kind-access-categories"`)
	})
	t.Run("CR/LF in a single-line field is refused", func(t *testing.T) {
		v := validForm()
		v["name"] = []string{"Ada\r\nBcc: victim@example.com"}
		res, body := serve(newHandler(&fakeIntake{}), form(v))
		assert.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Contains(t, body, "Use a single line.")
	})
	t.Run("Sec-GPC records an opt-out", func(t *testing.T) {
		f := &fakeIntake{}
		r := form(validForm())
		r.Header.Set("Sec-GPC", "1")
		res, _ := serve(newHandler(f), r)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Len(t, f.got, 1)
		assert.True(t, f.got[0].GPC)
	})
	t.Run("honeypot drops the submission quietly", func(t *testing.T) {
		f := &fakeIntake{}
		v := validForm()
		v["x-leave-empty"] = []string{"http://spam.example"}
		res, body := serve(newHandler(f), form(v))
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Contains(t, body, "Thank you")
		assert.Empty(t, f.got)
	})
	t.Run("a body over 32 KiB is 413", func(t *testing.T) {
		v := validForm()
		v["details"] = []string{strings.Repeat("x", 40<<10)}
		res, body := serve(newHandler(&fakeIntake{}), form(v))
		assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
		assert.Equal(t, 32<<10, webform.MaxBody, "the page names the limit")
		assert.Contains(t, body, "longer than the form takes (32 KiB in all), so nothing was saved")
	})
	t.Run("a store failure is a plain 500", func(t *testing.T) {
		res, body := serve(newHandler(&fakeIntake{err: errors.New("dynamodb: connection refused to table secret-name")}), form(validForm()))
		assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
		assert.NotContains(t, body, "connection refused")
	})
}

func postJSON(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/requests", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	return r
}

func TestSubmitJSON(t *testing.T) {
	good := `{"submissionId":"` + formID + `","kinds":["deletion"],"name":"Ada","email":"ada@example.com"}`
	h := newHandler(&fakeIntake{})

	res, body := serve(h, postJSON(good))
	require.Equal(t, http.StatusCreated, res.StatusCode, body)
	var rc webform.Receipt
	require.NoError(t, json.Unmarshal([]byte(body), &rc))
	assert.Equal(t, request.NewID(request.Web, formID), rc.RequestID)
	assert.False(t, rc.Due.Response.IsZero())

	res, _ = serve(h, postJSON(good))
	assert.Equal(t, http.StatusOK, res.StatusCode, "the same submission again is not created again")

	tests := []struct {
		name, body string
		status     int
		want       string
	}{
		{"field errors", `{"submissionId":"` + formID + `","kinds":[],"name":"","email":"x"}`, 400, `"email"`},
		{"unknown field", `{"submissionId":"` + formID + `","admin":true}`, 400, "unknown field"},
		{"wrong type", `{"kinds":"deletion"}`, 400, `{"error":"malformed JSON: field \"kinds\" has the wrong type"}`},
		{"wrong type inside", `{"child":{"email":7}}`, 400, `{"error":"malformed JSON: field \"child.email\" has the wrong type"}`},
		{"an array", `[]`, 400, `{"error":"the body must be a JSON object"}`},
		{"an array of the object", `[` + good + `]`, 400, `{"error":"the body must be a JSON object"}`},
		{"a string", `"deletion"`, 400, `{"error":"the body must be a JSON object"}`},
		{"a number", `42`, 400, `{"error":"the body must be a JSON object"}`},
		{"syntax", `{"kinds":`, 400, "malformed JSON"},
		{"two objects", good + good, 400, "one object"},
		{"empty", ``, 400, "malformed JSON"},
		{"too large", `{"details":"` + strings.Repeat("a", 33<<10) + `"}`, 413, "32 KiB"},
		{"null bytes", `{"submissionId":"` + formID + `","kinds":["deletion"],"name":"A\u0000","email":"ada@example.com"}`, 400, `"name"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := serve(h, postJSON(tt.body))
			assert.Equal(t, tt.status, res.StatusCode)
			assert.Contains(t, body, tt.want)
			assert.NotContains(t, body, "field  ", "a field is never named by an empty name")
			assert.NotContains(t, body, `field \"\"`)
			assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
		})
	}
}

func TestRoutes(t *testing.T) {
	h := newHandler(&fakeIntake{})
	tests := []struct {
		method, path, ct string
		status           int
	}{
		{"GET", "/healthz", "", 200},
		{"GET", "/form.css", "", 200},
		{"GET", "/nope", "", 404},
		{"GET", "/requests", "", 405},
		{"DELETE", "/", "", 405},
		{"POST", "/requests", "text/plain", 415},
		{"POST", "/requests", "multipart/form-data; boundary=x", 415},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader("x"))
			if tt.ct != "" {
				r.Header.Set("Content-Type", tt.ct)
			}
			res, _ := serve(h, r)
			assert.Equal(t, tt.status, res.StatusCode)
		})
	}
}

func FuzzSubmitNeverFails(f *testing.F) {
	f.Add(`{"submissionId":"`+formID+`","kinds":["deletion"],"name":"Ada","email":"ada@example.com"}`, "application/json")
	f.Add("kinds=deletion&name=Ada&email=ada%40example.com&submissionId=web-abcdefghijk", "application/x-www-form-urlencoded")
	f.Add("%zz=&&&", "application/x-www-form-urlencoded")
	f.Fuzz(func(t *testing.T, body, ct string) {
		h := newHandler(&fakeIntake{})
		r := httptest.NewRequest(http.MethodPost, "/requests", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		res, _ := serve(h, r)
		if res.StatusCode >= 500 {
			t.Fatalf("status %d for %q (%s)", res.StatusCode, body, ct)
		}
	})
}

func TestMountServesExtraPages(t *testing.T) {
	h := webform.New(&fakeIntake{}, webform.Config{Mount: map[string]http.Handler{
		"/tasks/confirm": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "task page") }),
	}})
	res, body := serve(h, httptest.NewRequest(http.MethodGet, "/tasks/confirm?t=x", nil))
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "task page", body)
	assert.Equal(t, "DENY", res.Header.Get("X-Frame-Options"), "mounted pages get the same security headers")
	assert.Equal(t, "max-age=63072000; includeSubDomains", res.Header.Get("Strict-Transport-Security"), "HTTPS only, remembered")
}

// TestIdempotencyKeyNamesTheSubmission: an API client's Idempotency-Key is
// its submission ID, under the same rules.
func TestIdempotencyKeyNamesTheSubmission(t *testing.T) {
	body := `{"kinds":["deletion"],"name":"Ada","email":"ada@example.com"}`
	f := &fakeIntake{}
	h := newHandler(f)
	post := func(key, body string) (*http.Response, string) {
		r := postJSON(body)
		r.Header.Set("Idempotency-Key", key)
		return serve(h, r)
	}
	res, out := post("client-key-0001", body)
	require.Equal(t, http.StatusCreated, res.StatusCode, out)
	assert.Equal(t, "client-key-0001", f.got[0].SourceID)
	res, _ = post("client-key-0001", body)
	assert.Equal(t, http.StatusOK, res.StatusCode, "the same key and content again is the same request")

	res, out = post("bad key with spaces", body)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, out, "Idempotency-Key")
	res, out = post("client-key-0002", `{"submissionId":"other-id-0002","kinds":["deletion"],"name":"Ada","email":"ada@example.com"}`)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, out, "differ")
}

// TestAlreadyOpenSaysOnlyWhatWasSent: a submission joining an open
// request is told whether its acknowledgement went out again, and nothing
// of why not (the submitter has proven nothing); the page and the API say
// the same, and neither shows the open request.
func TestAlreadyOpenSaysOnlyWhatWasSent(t *testing.T) {
	open := &request.Request{ID: "PR-OPEN-OPEN-OPEN-OPEN", Kinds: []request.Kind{request.Deletion}, Status: request.Acknowledged}
	for _, tc := range []struct {
		resent    bool
		says, not string
	}{
		{true, "We have sent its acknowledgement to that address again", "We did not send more mail"},
		{false, "We did not send more mail about it now", "sent its acknowledgement"},
	} {
		rc := intake.Receipt{Request: open, AlreadyOpen: true, Resent: tc.resent}
		h := newHandler(&fakeIntake{receipt: &rc})
		res, body := serve(h, form(validForm()))
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Contains(t, body, "This request is already open")
		assert.Contains(t, body, tc.says)
		assert.NotContains(t, body, tc.not)
		assert.NotContains(t, body, open.ID, "the open request is not shown")

		res, body = serve(h, postJSON(`{"submissionId":"`+formID+`","kinds":["deletion"],"name":"Ada","email":"ada@example.com"}`))
		assert.Equal(t, http.StatusOK, res.StatusCode)
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		assert.Equal(t, map[string]any{"status": "already-open", "resent": tc.resent, "message": got["message"]}, got, "nothing more")
		assert.Contains(t, got["message"], tc.says)
	}
}

// TestARepeatReceiptSaysWhatIsStillTrue: the same submission sent again
// (a reload, the back button) after its request was confirmed and carried
// out is not told a confirmation link is on its way; while the request
// still waits for its confirmation, the first receipt's words hold.
func TestARepeatReceiptSaysWhatIsStillTrue(t *testing.T) {
	received := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		status          request.Status
		created, capped bool
		says            string
		not             string
	}{
		{request.Completed, false, false, "It is closed now", "link to confirm"},
		{request.InProgress, false, false, "You sent this request before, on Friday, November 27, 2026", "Nothing is shown or deleted"},
		{request.Acknowledged, false, false, "with a link to confirm it is you", "We already have this request"},
		{request.Acknowledged, true, false, "with a link to confirm it is you", "We already have this request"},
		// Held back by the daily cap, and sent again later: its deadlines
		// run from its day, not the repeat's; once the team closed it, it
		// is closed.
		{request.Received, false, true, "its deadlines run from Friday, November 27, 2026", "from today"},
		{request.Denied, false, true, "It is closed now", "the privacy team will write to it"},
	} {
		rc := &intake.Receipt{Created: tc.created, Capped: tc.capped, Request: &request.Request{
			ID: "PR-ABCD-EFGH-JKLM-NPQR", Kinds: []request.Kind{request.Deletion}, Status: tc.status, ReceivedAt: received,
			VerifyLinkUntil: received.AddDate(0, 0, 7),
			Due:             request.Due{Response: received.AddDate(0, 0, 45), Extended: received.AddDate(0, 0, 90)},
		}}
		h := newHandler(&fakeIntake{receipt: rc})
		res, body := serve(h, form(validForm()))
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Contains(t, body, tc.says, tc.status)
		assert.NotContains(t, body, tc.not, tc.status)
		assert.Contains(t, body, "PR-ABCD-EFGH-JKLM-NPQR")
	}
}

// TestTheFormAsksWhatItSaysItAsks: the form says a copy of specific pieces
// needs the sworn declaration as well as the emailed link; a submission
// without the box ticked is refused on it, and one with it is taken.
func TestTheFormAsksWhatItSaysItAsks(t *testing.T) {
	h := newHandler(&fakeIntake{})
	_, page := serve(h, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Contains(t, page, "we ask you to declare, under penalty of perjury, that it is you")

	v := validForm()
	v["kinds"] = []string{"access-specific"}
	res, body := serve(h, form(v))
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, `id="declaration-error"`)
	v["declaration"] = []string{"yes"}
	res, _ = serve(h, form(v))
	assert.Equal(t, http.StatusOK, res.StatusCode)
}
