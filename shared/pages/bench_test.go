package pages_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/productionflow/privacy-desk/shared/pages"
	"github.com/productionflow/privacy-desk/shared/request"
)

// discard is a ResponseWriter that keeps nothing but its header.
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) WriteHeader(int)             {}
func (d discard) Write(b []byte) (int, error) { return len(b), nil }

// benchView is the view of a page answering the form's POST in lang, as
// the web form builds it.
func benchView(lang string, data any) pages.View {
	r := httptest.NewRequest(http.MethodPost, "/requests", strings.NewReader(""))
	return pages.Site{Location: time.UTC, Team: "privacy@productionflow.example"}.View(r, lang, data)
}

// benchRender measures Render of page name with data in each language.
//
// go test -run '^$' -bench Render -benchmem ./shared/pages/ — medians of
// 5 to 7 runs on a shared 2-core machine, the html/template pages before
// (commit 4f22231), the compiled pages after:
//
//	                 ns/op            B/op            allocs/op
//	receipt, en    26,796 → 873     10,710 → 136     228 → 5
//	receipt, es    25,187 → 1,413   10,977 → 400     243 → 20
//	form, en      381,934 → 8,697  154,171 → 32    4,288 → 2
//	form, es      376,901 → 8,579  157,347 → 32    4,280 → 2
//
// What is left: Render's two header values, and the receipt's dates (one
// allocation each in English, mail.SpanishDate's in Spanish).
func benchRender(b *testing.B, name string, data any) {
	for _, lang := range pages.Languages {
		b.Run(lang, func(b *testing.B) {
			v := benchView(lang, data)
			w := discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				if err := pages.Render(w, http.StatusOK, name, v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRenderReceipt renders the page every form submission answers
// with, as the web form does.
func BenchmarkRenderReceipt(b *testing.B) {
	benchRender(b, "receipt", pages.Submitted{Request: &request.Request{ID: "PR-2026-0001", Kinds: []request.Kind{request.AccessSpecific, request.Deletion},
		VerifyLinkUntil: due.Add(-40 * 24 * time.Hour), Due: request.Due{Response: due, Extended: due.Add(45 * 24 * time.Hour)}}})
}

// BenchmarkRenderForm renders the request form as a GET shows it.
func BenchmarkRenderForm(b *testing.B) {
	rows := make([]pages.Correction, 3)
	for i := range rows {
		f := func(part string) pages.Field {
			return pages.Field{ID: "correction-" + strconv.Itoa(i+1) + "-" + part, Type: "text", Auto: "off"}
		}
		rows[i] = pages.Correction{N: i + 1, Item: f("item"), Wrong: f("wrong"), Right: f("right")}
	}
	benchRender(b, "form", pages.Form{Kinds: kind, Relationships: []string{"customer", "former-customer", "supplier", "job-applicant", "website-visitor", "employee", "other"},
		States:       strings.Fields("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC outside-us"),
		SubmissionID: "web-0123456789abcdef", Corrections: rows})
}
