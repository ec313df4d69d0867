// Package pages renders every page the desk shows people in a browser —
// the request form and its receipt, the verification and download pages,
// the system owners' task page and the pages that explain a problem — from
// the templates in templates/, each page in English and in Spanish, all
// through one layout: the head, the site's header with the link to the
// other language, the stylesheet (form.css, with the focus ring), the
// page's lang attribute and its <main>.
//
// A page is the template named <page>.<lang> ("verify.es"); it opens with
// {{template "top" (title . "Its title")}} and ends with
// {{template "bottom" .}}. Partials start with an underscore.
package pages

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/productionflow/privacy-desk/shared/mail"
)

// The languages pages are written in.
const (
	English = "en"
	Spanish = "es"
)

// Languages are the languages every page is written in.
var Languages = []string{English, Spanish}

//go:embed templates/*.html templates/form.css
var files embed.FS

// set is every page's template, parsed when a page is first rendered (not
// at a function's cold start: most functions render none). The sync.Once
// sits in a variable of its own, not in a sync.OnceValue made when the
// package starts: that would reach the templates from the package's
// initialisation, linking them (and the embedded files) into every
// function that links the package without rendering a page.
func set() *template.Template {
	parsed.Do(func() { parsed.t = parse() })
	return parsed.t
}

var parsed struct {
	sync.Once
	t *template.Template
}

func parse() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"title": func(v View, title string) View { v.Title = title; return v },
		"field": func(id, label, value, auto string, errs map[string]string, required bool) Field {
			typ := "text"
			switch {
			case strings.HasSuffix(auto, "email"):
				typ = "email"
			case strings.HasSuffix(auto, "tel"):
				typ = "tel"
			}
			return Field{ID: id, Label: label, Value: value, Type: typ, Auto: auto, Error: errs[id], Required: required}
		},
		"label":    func(f Field, label string) Field { f.Label = label; return f },
		"contains": func(list any, v any) bool { return containsString(list, v) },
	}).ParseFS(files, "templates/*.html"))
}

// Field is one text input of a form: its id (also its name), label, value,
// type, autocomplete token and error.
type Field struct {
	ID, Label, Value, Type, Auto, Error string
	Required                            bool
}

// View is what the layout needs of a page, and the page's own data. Build
// it with Site.View.
type View struct {
	// Lang is the page's language, English or Spanish.
	Lang string
	// Title is the page's title; its template sets it with title.
	Title string
	// Root is the way from the page's address back to the site's root:
	// "./" at the root, "../" one folder down. The stylesheet and the links
	// to the form start with it.
	Root string
	// Other is the address of this page in the other language, or of the
	// request form in it when OtherIsForm (a page that answered a POST
	// cannot be asked for again); "" for no link.
	Other       string
	OtherIsForm bool
	// NoIndex asks search engines not to index the page.
	NoIndex bool
	// Team is the privacy team's address, for questions.
	Team     string
	Location *time.Location
	Data     any
}

// Spanish reports whether the page is in Spanish.
func (v View) Spanish() bool { return v.Lang == Spanish }

// OtherLang is the language the page's language link leads to.
func (v View) OtherLang() string {
	if v.Lang == Spanish {
		return English
	}
	return Spanish
}

// Date writes t's day in the business time zone, in the page's language:
// "Monday, January 11, 2027" or "lunes, 11 de enero de 2027"; "" for zero.
func (v View) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(v.loc())
	if v.Lang == Spanish {
		return mail.SpanishDate(t)
	}
	return t.Format("Monday, January 2, 2006")
}

// DateTime writes t in the business time zone, in the page's language:
// "Monday, December 7, 2026 at 3:00 PM EST" or "lunes, 7 de diciembre de
// 2026 a las 3:00 p. m. EST"; "" for zero.
func (v View) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(v.loc())
	if v.Lang == Spanish {
		return mail.SpanishDateTime(t)
	}
	return t.Format("Monday, January 2, 2006 at 3:04 PM MST")
}

func (v View) loc() *time.Location {
	if v.Location == nil {
		return time.UTC
	}
	return v.Location
}

// Site is what every page of one site shares.
type Site struct {
	// Location is the business time zone dates are written in (UTC when nil).
	Location *time.Location
	// Team is the privacy team's address.
	Team string
}

// View is the view of a page answering r in lang with data. Its language
// link leads to the same address in the other language for a GET (or
// HEAD), to the request form in it otherwise.
func (s Site) View(r *http.Request, lang string, data any) View {
	v := View{Lang: Language(lang), Root: Root(r.URL.EscapedPath()), Team: s.Team, Location: s.Location, Data: data}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return v.At(r.URL.Query())
	}
	return v.ToForm()
}

// At makes the page's language link lead to the page's own address with
// query q, in the other language.
func (v View) At(q url.Values) View {
	q = maps.Clone(q)
	if q == nil {
		q = url.Values{}
	}
	q.Set("lang", v.OtherLang())
	v.Other, v.OtherIsForm = "?"+q.Encode(), false
	return v
}

// ToForm makes the page's language link lead to the request form in the
// other language: for a page whose address carries what it must not show
// again (a link's token it explains the problem of).
func (v View) ToForm() View {
	v.Other = v.Root + "?lang=" + v.OtherLang()
	v.OtherIsForm = true
	return v
}

// Root is the relative way from a page at escapedPath (as the browser sent
// it) back to the site's root: "./" at the root, "../" for each folder
// below it. It holds wherever the site is mounted (an API stage prefix
// included); <base> is not an option, as the pages' CSP sets base-uri
// 'none'.
func Root(escapedPath string) string {
	depth := strings.Count(strings.TrimPrefix(escapedPath, "/"), "/")
	if depth == 0 {
		return "./"
	}
	return strings.Repeat("../", depth)
}

// ErrNoPage is returned for a page name no template has.
var ErrNoPage = errors.New("pages: no such page")

// Execute writes page name in v's language.
func Execute(buf *bytes.Buffer, name string, v View) error {
	v.Lang = Language(v.Lang)
	t := set().Lookup(name + "." + v.Lang)
	if t == nil || strings.HasPrefix(name, "_") {
		return fmt.Errorf("%w: %s.%s", ErrNoPage, name, v.Lang)
	}
	return t.Execute(buf, v)
}

// Render answers with page name in v's language and status. A page that
// does not render is answered 500 "internal error" and the error returned
// for the caller to log.
func Render(w http.ResponseWriter, status int, name string, v View) error {
	var buf bytes.Buffer
	if err := Execute(&buf, name, v); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return fmt.Errorf("render page %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", v.Lang)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// Names lists the pages, each written in every language.
func Names() []string {
	var out []string
	for _, t := range set().Templates() {
		name, ok := strings.CutSuffix(t.Name(), "."+English)
		if ok && !strings.HasPrefix(name, "_") {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Stylesheet serves form.css, the one stylesheet of every page.
func Stylesheet(w http.ResponseWriter, _ *http.Request) {
	css, _ := files.ReadFile("templates/form.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(css)
}

// containsString reports whether slice list has an element written as v
// is ("checked" boxes: a []request.Kind holding a kind).
func containsString(list, v any) bool {
	want := fmt.Sprint(v)
	l := reflect.ValueOf(list)
	if l.Kind() != reflect.Slice {
		return false
	}
	for i := range l.Len() {
		if fmt.Sprint(l.Index(i).Interface()) == want {
			return true
		}
	}
	return false
}
