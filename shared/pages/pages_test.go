package pages_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/pages"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/status"
)

var (
	due  = time.Date(2027, 1, 11, 17, 0, 0, 0, time.UTC)
	kind = []request.Kind{request.AccessCategories, request.AccessSpecific, request.Deletion, request.Correction,
		request.Portability, request.OptOutSale, request.OptOutMarketing, request.ChildData}
	field = func(id string) pages.Field { return pages.Field{ID: id, Type: "text", Auto: "off"} }
)

// samples holds data for each page, as its handler passes it; a page
// missing here fails TestEveryPageRendersInEveryLanguage.
var samples = map[string]any{
	"form": pages.Form{
		Kinds: kind, Relationships: []string{"customer", "other"}, States: []string{"CA", "outside-us"},
		SubmissionID: "web-0123456789", Reused: true,
		Values: pages.FormValues{Kinds: []request.Kind{request.Correction}, Name: "Ada", Email: "ada@example",
			Relationship: "other", State: "CA"},
		Errors: map[string]string{"email": "bad", "corrections[1].right": "bad"},
		ErrorOrder: []pages.FieldError{{Field: "email", Anchor: "email", Message: "bad"},
			{Field: "corrections[1].right", Anchor: "correction-2-right", Message: "bad", Row: 2, Part: "right"}},
		Corrections: []pages.Correction{{N: 1, Item: field("correction-1-item"), Wrong: field("correction-1-wrong"), Right: field("correction-1-right")}},
	},
	"receipt":              pages.Submitted{Request: &request.Request{ID: "PR-1", Kinds: kind, Due: request.Due{Response: due, Extended: due, OptOut: due}}},
	"request-capped":       pages.Submitted{Request: &request.Request{ID: "PR-1"}},
	"request-already-open": pages.Submitted{Resent: true},
	"verify":               pages.Verify{RequestID: "PR-1", Kinds: kind, Expires: due, Token: "tok"},
	"verified":             pages.Verified{RequestID: "PR-1", AnswerBy: due},
	"withdraw-confirm":     pages.Withdraw{RequestID: "PR-1", Kinds: kind, Token: "tok", OptOutsDone: true},
	"withdrawn":            pages.Withdraw{RequestID: "PR-1", Mailed: true},
	"withdraw-refused":     pages.Withdraw{RequestID: "PR-1", Status: request.InProgress},
	"download":             pages.Download{RequestID: "PR-1", Expires: due, Token: "tok"},
	"link-expired":         pages.Link{Days: 7},
	"request-closed":       pages.Link{Days: 7, Closed: request.Denied},
	"download-unknown":     pages.Link{Days: 7, GraceMinutes: 15},
	"download-used":        pages.Link{Days: 7, GraceMinutes: 15},
	"download-expired":     pages.Link{Days: 7, GraceMinutes: 15},
	"task": pages.Task{System: "Paper archive", Action: "export", RequestID: "PR-1", Due: due, Token: "tok",
		MaxNote: 1000, MaxUploadMB: 5, Export: true, Categories: []string{"contracts"}, Problem: "needs-file"},
	"status": status.View{RequestID: "PR-1", Kinds: kind, Status: request.Extended, Verify: true,
		Received: due, AnswerBy: due, ExtendedTo: due, OptOutBy: due},
	"status-unknown": nil,
	"status-gone":    nil,
	"task-answered":  pages.Task{State: "cannot"},
	"task-too-large": pages.Task{MaxUploadMB: 5},
}

// render renders page name in lang as its handler would, for a GET of
// /tasks/confirm?t=tok (one folder down).
func render(t *testing.T, name, lang string) string {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/tasks/confirm?t=tok", nil)
	v := pages.Site{Location: time.UTC, Team: "privacy@productionflow.example"}.View(r, lang, samples[name])
	var buf bytes.Buffer
	require.NoError(t, pages.Execute(&buf, name, v), "%s in %s", name, lang)
	return buf.String()
}

// englishWords are words of the English pages that no Spanish page shows
// (what is marked lang="en", as the language link, aside).
var englishWords = strings.Fields("the your you we us to and of is please request link data thank download confirm send answer form file")

// english lists the English words in text.
func english(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if slices.Contains(englishWords, w) {
			out = append(out, w)
		}
	}
	return out
}

// Every page is written in English and in Spanish, and renders with the one
// layout: its language, a title, the stylesheet, one main landmark and a
// link to the other language. No English is left in a Spanish page.
func TestEveryPageRendersInEveryLanguage(t *testing.T) {
	names := pages.Names()
	require.NotEmpty(t, names)
	for _, name := range names {
		for _, lang := range pages.Languages {
			t.Run(name+"."+lang, func(t *testing.T) {
				body := render(t, name, lang)
				other := map[string]string{"en": "es", "es": "en"}[lang]
				assert.Contains(t, body, `<html lang="`+lang+`">`)
				assert.Regexp(t, `<title>[^<]+ — [^<]+</title>`, body)
				assert.Contains(t, body, `<link rel="stylesheet" href="../form.css">`)
				assert.Equal(t, 1, strings.Count(body, `<main id="main">`))
				assert.Equal(t, 1, strings.Count(body, "<h1>"))
				assert.Regexp(t, `<footer><p>[^<]*<a href="mailto:privacy@productionflow.example">`, body, "the footer's team is a link")
				assert.Contains(t, body, `hreflang="`+other+`" lang="`+other+`">`)
				if lang == pages.Spanish {
					visible := withoutOtherLanguage(body)
					assert.Empty(t, english(visible), "English in the Spanish page %s", name)
				}
			})
		}
	}
	t.Run("samples name only pages", func(t *testing.T) {
		for name := range samples {
			assert.Contains(t, names, name)
		}
	})
	t.Run("no partial is a page", func(t *testing.T) {
		var buf bytes.Buffer
		assert.ErrorIs(t, pages.Execute(&buf, "_kind", pages.View{Lang: "en"}), pages.ErrNoPage)
		assert.ErrorIs(t, pages.Execute(&buf, "nope", pages.View{Lang: "es"}), pages.ErrNoPage)
	})
}

var (
	tagOrComment = regexp.MustCompile(`(?s)<[^>]*>`)
	otherLink    = regexp.MustCompile(`(?s)<a [^>]*lang="en"[^>]*>.*?</a>|<span lang="en">.*?</span>`)
)

// withoutOtherLanguage is a page's text (its title included) outside its
// tags, without what is marked lang="en".
func withoutOtherLanguage(body string) string {
	body = otherLink.ReplaceAllString(body, "")
	return tagOrComment.ReplaceAllString(body, " ")
}

// The Spanish and English pages with forms have the same controls: one
// structure, worded twice.
func TestFormsHaveTheSameControls(t *testing.T) {
	controls := regexp.MustCompile(`(?:id|name|for|aria-describedby|href|type|value)="([^"]*)"`)
	of := func(name, lang string) []string {
		var out []string
		for _, m := range controls.FindAllStringSubmatch(render(t, name, lang), -1) {
			if !strings.HasPrefix(m[1], "?lang=") && m[1] != lang {
				out = append(out, m[0])
			}
		}
		return out
	}
	for _, name := range []string{"form", "task", "verify", "download"} {
		en := of(name, pages.English)
		assert.NotEmpty(t, en)
		assert.Equal(t, en, of(name, pages.Spanish), name)
	}
}

// The Spanish pages name the request kinds as the desk's Spanish mail does.
func TestSpanishKindsAreTheMailsTitles(t *testing.T) {
	body := render(t, "verify", pages.Spanish)
	for _, k := range kind {
		assert.Contains(t, body, "<li>"+mail.KindTitle(k, mail.Spanish)+"</li>", k)
	}
	body = render(t, "verify", pages.English)
	assert.Contains(t, body, "<li>Delete your data</li>", "English names kinds as the form does")
}

// Dates are written in the business time zone, in the page's language.
func TestDates(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	at := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)
	en := pages.View{Lang: pages.English, Location: ny}
	es := pages.View{Lang: pages.Spanish, Location: ny}
	assert.Equal(t, "Monday, December 7, 2026", en.Date(at))
	assert.Equal(t, "lunes, 7 de diciembre de 2026", es.Date(at))
	assert.Equal(t, "Monday, December 7, 2026 at 3:00 PM EST", en.DateTime(at))
	assert.Equal(t, "lunes, 7 de diciembre de 2026 a las 3:00 p. m. EST", es.DateTime(at))
	assert.Empty(t, es.Date(time.Time{}))
	assert.Equal(t, "Tuesday, December 8, 2026 at 1:00 AM UTC", pages.View{}.DateTime(at.Add(5*time.Hour)), "UTC without a zone")
}

func TestLanguageChoice(t *testing.T) {
	tests := []struct {
		name, target, accept, stored, posted string
		want                                 string
	}{
		{"nothing: English", "/", "", "", "", "en"},
		{"lang=es", "/?lang=es", "", "", "", "es"},
		{"lang=es-MX", "/?lang=es-MX", "", "", "", "es"},
		{"an unknown lang is no choice", "/?lang=fr", "es", "", "", "es"},
		{"lang=en over a Spanish browser", "/?lang=en", "es-ES", "", "", "en"},
		{"lang=en over a Spanish request", "/?lang=en", "", "es", "", "en"},
		{"the request's language over the browser's", "/", "en-US", "es", "", "es"},
		{"the browser's when the request's is unknown", "/", "es-419", "", "", "es"},
		{"the form's field over its address", "/?lang=en", "", "", "es", "es"},
		{"Accept-Language by quality", "/", "en;q=0.4, es;q=0.8", "", "", "es"},
		{"Accept-Language by order", "/", "fr-CA, en-US, es", "", "", "en"},
		{"Accept-Language: q=0 refuses", "/", "es;q=0, en;q=0.1", "", "", "en"},
		{"Accept-Language of neither", "/", "fr, de;q=0.5", "", "", "en"},
		{"Accept-Language wildcard", "/", "*", "", "", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			if tt.posted != "" {
				r = httptest.NewRequest(http.MethodPost, tt.target, strings.NewReader("lang="+tt.posted))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				require.NoError(t, r.ParseForm())
			}
			if tt.accept != "" {
				r.Header.Set("Accept-Language", tt.accept)
			}
			assert.Equal(t, tt.want, pages.Choose(r, tt.stored))
		})
	}
}

// The language link: the same address for a GET (its query kept), the
// request form for a POST's answer or on request, from any folder.
func TestLanguageLink(t *testing.T) {
	site := pages.Site{}
	get := httptest.NewRequest(http.MethodGet, "/verify?t=abc", nil)
	v := site.View(get, "es", nil)
	assert.Equal(t, "?lang=en&t=abc", v.Other)
	assert.False(t, v.OtherIsForm)
	v = v.ToForm()
	assert.Equal(t, "./?lang=en", v.Other)
	assert.True(t, v.OtherIsForm)
	post := httptest.NewRequest(http.MethodPost, "/tasks/confirm", nil)
	v = site.View(post, "en", nil)
	assert.Equal(t, "../?lang=es", v.Other)
	assert.Equal(t, "../", v.Root)
	assert.Equal(t, "./", pages.Root("/"))
	assert.Equal(t, "../../", pages.Root("/a/b/c"))
	assert.Equal(t, "./", pages.Root("/a%2Fb"), "an encoded slash is no folder")
}

func TestStylesheet(t *testing.T) {
	w := httptest.NewRecorder()
	pages.Stylesheet(w, httptest.NewRequest(http.MethodGet, "/form.css", nil))
	assert.Equal(t, "text/css; charset=utf-8", w.Header().Get("Content-Type"))
	assert.Contains(t, w.Body.String(), ":focus {")
	assert.True(t, slices.Contains(pages.Languages, pages.Spanish))
}

// What a requester or a link sends reaches a page as text, escaped, never
// as markup: in the page's text, its title, a textarea and an attribute.
func TestValuesAreEscaped(t *testing.T) {
	const evil = `<script>alert("x")</script>'&`
	const escaped = `&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;`
	form := samples["form"].(pages.Form)
	form.Values.Name, form.Values.Details, form.SubmissionID = evil, evil, evil
	form.Errors = map[string]string{"name": evil}
	form.ErrorOrder = []pages.FieldError{{Field: "name", Anchor: "name", Message: evil}}
	tests := map[string]any{
		"form":    form,
		"receipt": pages.Submitted{Request: &request.Request{ID: evil, Kinds: []request.Kind{request.Kind(evil)}}},
		"verify":  pages.Verify{RequestID: evil, Token: evil, Kinds: []request.Kind{request.Deletion}},
		"status":  status.View{RequestID: evil, Status: request.Status(evil)},
		"task":    pages.Task{System: evil, Action: evil, Upload: evil, Categories: []string{evil}, DueText: evil, Token: evil},
	}
	for name, data := range tests {
		for _, lang := range pages.Languages {
			t.Run(name+"."+lang, func(t *testing.T) {
				r := httptest.NewRequest(http.MethodGet, "/verify?x="+url.QueryEscape(evil), nil)
				v := pages.Site{Team: "privacy@productionflow.example"}.View(r, lang, data)
				var buf bytes.Buffer
				require.NoError(t, pages.Execute(&buf, name, v))
				body := buf.String()
				assert.NotContains(t, body, "<script")
				assert.NotContains(t, body, `"x"`)
				assert.Contains(t, body, escaped)
			})
		}
	}
}

// TestTimeTagsNameTheDayTheyShow: a deadline is the end of a day in the
// business time zone (the next day in UTC); the status page's <time
// datetime> names the day its text does, in both languages.
func TestTimeTagsNameTheDayTheyShow(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	due := time.Date(2027, 1, 15, 4, 59, 59, 0, time.UTC) // Thursday, January 14, 11:59:59 PM in New York
	d := status.View{RequestID: "PR-1", Kinds: []request.Kind{request.Deletion}, Status: request.Verified, Verify: true,
		Received: due.AddDate(0, 0, -45), AnswerBy: due}
	for lang, text := range map[string]string{pages.English: "Thursday, January 14, 2027", pages.Spanish: "jueves, 14 de enero de 2027"} {
		r := httptest.NewRequest(http.MethodGet, "/status?t=tok", nil)
		v := pages.Site{Location: ny}.View(r, lang, d)
		var buf bytes.Buffer
		require.NoError(t, pages.Execute(&buf, "status", v))
		assert.Contains(t, buf.String(), `<time datetime="2027-01-14">`+text+`</time>`, lang)
		assert.NotContains(t, buf.String(), `datetime="2027-01-15"`, lang)
	}
}

// TestAnUnverifiedRequestsOptOutsAreNotSaidUndone: a request closed
// unconfirmed had its opt-outs carried out without the confirmation; its
// status page does not say nothing was done.
func TestAnUnverifiedRequestsOptOutsAreNotSaidUndone(t *testing.T) {
	for _, tc := range []struct {
		kinds     []request.Kind
		says, not string
	}{
		{[]request.Kind{request.AccessCategories, request.OptOutMarketing}, "Its opt-outs needed none", "closed it without acting on it."},
		{[]request.Kind{request.Deletion}, "closed it without acting on it.", "opt-outs"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/status?t=tok", nil)
		v := pages.Site{Location: time.UTC}.View(r, pages.English, status.View{RequestID: "PR-1", Kinds: tc.kinds, Status: request.Unverified, Verify: true})
		var buf bytes.Buffer
		require.NoError(t, pages.Execute(&buf, "status", v))
		assert.Contains(t, buf.String(), tc.says)
		assert.NotContains(t, buf.String(), tc.not)
	}
	// Mail the team found to be no privacy request says so, and where to
	// make one.
	for lang, words := range map[string][2]string{
		pages.English: {"it was not a privacy request", "found it asked nothing of your personal data"},
		pages.Spanish: {"no era una solicitud de privacidad", "no pedía nada sobre sus datos personales"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/status?t=tok", nil)
		v := pages.Site{Location: time.UTC}.View(r, lang, status.View{RequestID: "PR-1", Kinds: []request.Kind{request.Unclear}, Status: request.NotARequest})
		var buf bytes.Buffer
		require.NoError(t, pages.Execute(&buf, "status", v))
		assert.Contains(t, buf.String(), words[0], lang)
		assert.Contains(t, buf.String(), words[1], lang)
		assert.NotContains(t, buf.String(), "<li>", "no kinds listed: none were named")
	}
}

// TestAConfirmationAfterTheAnswerDateOwnsIt: the page after a late
// confirmation does not promise a date that has passed.
func TestAConfirmationAfterTheAnswerDateOwnsIt(t *testing.T) {
	for lang, words := range map[string]string{pages.English: "and we are late", pages.Spanish: "y vamos con retraso"} {
		r := httptest.NewRequest(http.MethodPost, "/verify", nil)
		v := pages.Site{Location: time.UTC}.View(r, lang, pages.Verified{RequestID: "PR-1", AnswerBy: time.Date(2027, 1, 14, 23, 0, 0, 0, time.UTC), Late: true})
		var buf bytes.Buffer
		require.NoError(t, pages.Execute(&buf, "verified", v))
		assert.Contains(t, buf.String(), words)
		assert.NotContains(t, buf.String(), "will answer by")
	}
}

// TestALateRequestsStatusPageOwnsIt: past its answer date and open, the
// status page does not promise that date.
func TestALateRequestsStatusPageOwnsIt(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/status?t=tok", nil)
	v := pages.Site{Location: time.UTC}.View(r, pages.English, status.View{RequestID: "PR-1", Kinds: []request.Kind{request.Deletion},
		Status: request.InProgress, Verify: true, AnswerBy: time.Date(2027, 1, 14, 23, 0, 0, 0, time.UTC), Late: true})
	var buf bytes.Buffer
	require.NoError(t, pages.Execute(&buf, "status", v))
	assert.Contains(t, buf.String(), "<dt>We should have answered by</dt>")
	assert.Contains(t, buf.String(), "We are late: we will email you the answer as soon as we can.")
	assert.NotContains(t, buf.String(), "by the date below")
}
