package pages

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/status"
)

// Throwaway: the compiled pages write what the html/template pages wrote.
const hostile = "<script>\"'&+ \r\n\u202e\x00é"

func TestCompiledPagesMatchTemplates(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	at := time.Date(2027, 1, 11, 17, 0, 0, 0, time.UTC)
	allKinds := []request.Kind{request.AccessCategories, request.AccessSpecific, request.Deletion, request.Correction,
		request.Portability, request.OptOutSale, request.OptOutMarketing, request.ChildData, request.Unclear, request.Kind(hostile)}
	rels := []string{"customer", "former-customer", "supplier", "job-applicant", "website-visitor", "employee", "other", hostile}
	states := []string{"AL", "CA", "outside-us", hostile}
	row := func(i int, val, err string) Correction {
		f := func(part string) Field {
			return Field{ID: fmt.Sprintf("correction-%d-%s", i, part), Value: val, Type: "text", Auto: "off", Error: err}
		}
		return Correction{N: i, Item: f("item"), Wrong: f("wrong"), Right: f("right")}
	}
	allErrs := map[string]string{}
	var order []FieldError
	for _, f := range strings.Fields("kinds name email phone address company relationship state agentName agentEmail child childName childEmail childAccount corrections details declaration submissionId priority channel other<x>") {
		allErrs[f] = hostile + f
		order = append(order, FieldError{Field: f, Anchor: "a-" + strings.ToLower(f[:4]), Message: hostile})
	}
	for _, p := range []string{"item", "wrong", "right"} {
		order = append(order, FieldError{Field: "corrections[1]." + p, Anchor: "correction-2-" + p, Message: "bad", Row: 2, Part: p})
	}
	filled := FormValues{Kinds: []request.Kind{request.Correction, request.Kind(hostile)}, Name: hostile, Email: hostile, Phone: hostile,
		Address: hostile, Company: hostile, Relationship: "other", State: "outside-us", Details: hostile, AgentName: hostile,
		AgentEmail: hostile, ChildName: hostile, ChildEmail: hostile, ChildAccount: hostile, IsAgent: true, Declaration: true}
	forms := []any{
		Form{Kinds: allKinds[:8], Relationships: rels[:7], States: states[:3], SubmissionID: "web-1",
			Corrections: []Correction{row(1, "", ""), row(2, "", ""), row(3, "", "")}},
		Form{Kinds: allKinds, Relationships: rels, States: states, SubmissionID: hostile, Values: filled, Errors: allErrs,
			ErrorOrder: order, Corrections: []Correction{row(1, hostile, ""), row(2, hostile, hostile)}, Reused: true, NotIssued: true},
		Form{Values: FormValues{Relationship: hostile, State: hostile}, Relationships: rels, States: states, Reused: true},
		Form{},
	}
	req := func(kinds []request.Kind, link time.Time, optOut time.Time) *request.Request {
		return &request.Request{ID: hostile, Kinds: kinds, VerifyLinkUntil: link, Due: request.Due{Response: at, Extended: at.Add(800 * time.Hour), OptOut: optOut}}
	}
	submitted := []any{
		Submitted{Request: req(allKinds, time.Time{}, time.Time{})},
		Submitted{Request: req(allKinds[:3], at, at)},
		Submitted{Request: req([]request.Kind{request.OptOutSale}, time.Time{}, at), Resent: true},
		Submitted{Request: req([]request.Kind{request.OptOutSale, request.OptOutMarketing}, at, at)},
		Submitted{Request: req(nil, time.Time{}, time.Time{})},
	}
	var statuses []any
	for _, st := range []request.Status{request.Received, request.Acknowledged, request.Verifying, request.Verified, request.InProgress,
		request.Extended, request.Completed, request.Denied, request.Unverified, request.Withdrawn, request.Status(hostile)} {
		for i := range 8 {
			sv := status.View{RequestID: hostile, Kinds: allKinds, Status: st, Unclear: i&1 != 0, Verify: i&2 != 0, LinkSent: i&4 != 0, Received: at}
			if i&1 != 0 {
				sv.AnswerBy, sv.ExtendedTo, sv.OptOutBy, sv.Closed = at, at.Add(time.Hour), at.Add(48*time.Hour), at.Add(-time.Hour)
			}
			statuses = append(statuses, sv)
		}
	}
	var tasks []any
	for _, p := range []string{"", "too-long", "needs-file", "file-and-nothing", "needs-reason", "file-type", "choose", hostile} {
		for _, a := range []string{"find", "erase", "export", "correct", "suppress", "optOut", hostile} {
			tasks = append(tasks, Task{System: hostile, Action: a, RequestID: hostile, Due: at, Token: hostile, MaxNote: 1000, MaxUploadMB: 5,
				Export: a == "export", Categories: []string{"contracts", hostile}, Problem: p, State: a})
		}
	}
	for _, s := range []string{"done", "nothing-held", "cannot", "", hostile} {
		tasks = append(tasks, Task{DueText: hostile, Upload: hostile, State: s, Problem: "too-long", MaxNote: 5})
	}
	links := []any{Link{Days: 7, GraceMinutes: 15}, Link{}}
	data := map[string][]any{
		"form": forms, "receipt": submitted, "request-capped": submitted, "request-already-open": submitted,
		"verify":   {Verify{RequestID: hostile, Kinds: allKinds, Expires: at, Token: hostile}, Verify{}},
		"verified": {Verified{RequestID: hostile, AnswerBy: at}, Verified{RequestID: "PR-1"}},
		"download": {Download{RequestID: hostile, Expires: at, Token: hostile}, Download{}},
		"status":   statuses, "task": tasks, "task-answered": tasks, "task-too-large": tasks,
		"link-expired": links, "download-used": links, "download-expired": links,
	}
	var views []View
	for _, target := range []string{"/", "/tasks/confirm?t=tok&x=" + url.QueryEscape(hostile) + "%3Cb%3E", "/a/b?lang=es"} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			for _, team := range []string{"", "privacy+desk@productionflow.example"} {
				for _, lang := range []string{"", "en", "es", "es-MX", "fr"} {
					r := httptest.NewRequest(method, target, nil)
					v := Site{Location: ny, Team: team}.View(r, lang, nil)
					v.Lang = lang
					views = append(views, v)
				}
			}
		}
	}
	views[3].NoIndex, views[4].NoIndex, views[5].Location = true, true, nil
	same, normalised, cases, errs := 0, 0, 0, 0
	for _, name := range Names() {
		ds := data[name]
		if ds == nil {
			ds = []any{nil, Link{Days: 3}, Task{MaxUploadMB: 5}}
		} else {
			ds = append(ds, nil, Submitted{}, Link{Days: 2}, 7)
		}
		for _, d := range ds {
			for _, v := range views {
				v.Data = d
				cases++
				var old, neu bytes.Buffer
				oerr := executeOld(&old, name, v)
				nerr := Execute(&neu, name, v)
				if d == nil && data[name] != nil {
					// The templates wrapped such a page in {{with .Data}}: a
					// page without its data was a bare layout; now it fails.
					if nerr == nil {
						t.Errorf("%s without data: no error", name)
					}
					errs++
					continue
				}
				if oerr != nil || nerr != nil {
					if (oerr == nil) != (nerr == nil) {
						t.Errorf("%s %#v: old error %v, new error %v", name, d, oerr, nerr)
					}
					if nerr != nil && neu.Len() != 0 {
						t.Errorf("%s: wrote %d bytes before failing", name, neu.Len())
					}
					errs++
					continue
				}
				if old.String() == neu.String() {
					same++
					continue
				}
				o := strings.NewReplacer("&#34;", "&quot;", "&#43;", "+").Replace(old.String())
				n := strings.ReplaceAll(neu.String(), "\x00", "\uFFFD")
				if o == n {
					normalised++
					continue
				}
				t.Errorf("%s in %q: differs\n%s", name, v.Lang, firstDiff(o, n))
				return
			}
		}
	}
	t.Logf("%d renderings: %d byte-identical, %d identical but for the spelling of escapes, %d failing in both", cases, same, normalised, errs)
	for _, name := range []string{"nope", "_back", "top"} {
		var neu bytes.Buffer
		if err := Execute(&neu, name, View{}); err == nil || neu.Len() != 0 {
			t.Errorf("%s: no error", name)
		}
	}
}

func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return fmt.Sprintf("old: %q\nnew: %q", a[lo:min(len(a), i+200)], b[lo:min(len(b), i+200)])
}
