// Package pages renders every page the desk shows people in a browser —
// the request form and its receipt, the verification and download pages,
// the system owners' task page and the pages that explain a problem — each
// page in English and in Spanish, all through one layout: the head, the
// site's header with the link to the other language, the stylesheet
// (form.css, with the focus ring), the page's lang attribute and its
// <main>.
//
// The pages are quicktemplate templates (*.qtpl), compiled to Go
// (*.qtpl.go, by go generate): a page is a func <page><LANG> ("verifyES")
// that opens with top(v, "Its title") and closes with bottom(v). Execute
// finds it by its name and checks the View's Data is what it shows (data.go).
package pages

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	qt "github.com/valyala/quicktemplate"

	"github.com/productionflow/privacy-desk/shared/mail"
)

// The languages pages are written in.
const (
	English = "en"
	Spanish = "es"
)

// Languages are the languages every page is written in.
var Languages = []string{English, Spanish}

// View is what the layout needs of a page, and the page's own data. Build
// it with Site.View.
type View struct {
	// Lang is the page's language, English or Spanish.
	Lang string
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

// ISODate is t's date in the business time zone as a <time datetime>
// attribute writes it ("2006-01-02"): the day Date names; "" for zero.
func (v View) ISODate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(v.loc()).Format(time.DateOnly)
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

// ErrNoPage is returned for a page name no page has.
var ErrNoPage = errors.New("pages: no such page")

// Execute writes page name in v's language. It fails, writing nothing, for
// a name no page has and for Data that is not what the page shows.
func Execute(buf *bytes.Buffer, name string, v View) error {
	qw := qt.AcquireWriter(buf)
	defer qt.ReleaseWriter(qw)
	return write(qw, name, &v)
}

// Render answers with page name in v's language and status. A page that
// does not render is answered 500 "internal error" and the error returned
// for the caller to log.
func Render(w http.ResponseWriter, status int, name string, v View) error {
	buf := qt.AcquireByteBuffer()
	defer qt.ReleaseByteBuffer(buf)
	qw := qt.AcquireWriter(buf)
	err := write(qw, name, &v)
	qt.ReleaseWriter(qw)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return fmt.Errorf("render page %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", v.Lang)
	w.WriteHeader(status)
	_, _ = w.Write(buf.B)
	return nil
}

// names are the pages, each written in every language; write has a case
// for each.
var names = []string{
	"confirm-failed", "confirm-unreadable", "download", "download-expired", "download-failed", "download-unknown",
	"download-unreadable", "download-used", "form", "link-expired", "link-unknown", "link-used", "not-allowed",
	"not-found", "receipt", "request-already-open", "request-capped", "request-closed", "request-failed",
	"request-thanks", "request-too-long", "request-unreadable", "status", "status-gone", "status-unknown", "task",
	"task-already", "task-answered", "task-closed", "task-completed", "task-failed", "task-finished", "task-gone", "task-invalid", "task-not-allowed",
	"task-not-recorded", "task-too-large", "task-unreadable", "verified", "verify", "withdraw-confirm", "withdraw-refused", "withdrawn",
}

// Names lists the pages, each written in every language.
func Names() []string { return slices.Clone(names) }

// write writes page name as v, in v's language (English unless it is
// Spanish).
func write(qw *qt.Writer, name string, v *View) error {
	v.Lang = Language(v.Lang)
	switch name {
	case "form":
		return page(qw, v, streamformEN, streamformES)
	case "receipt":
		return page(qw, v, streamreceiptEN, streamreceiptES)
	case "request-capped":
		if d, ok := v.Data.(Submitted); ok && d.Request == nil {
			return fmt.Errorf("pages: %s shows a request, and has none", name)
		}
		return page(qw, v, streamrequestCappedEN, streamrequestCappedES)
	case "request-already-open":
		return page(qw, v, streamrequestAlreadyOpenEN, streamrequestAlreadyOpenES)
	case "verify":
		return page(qw, v, streamverifyEN, streamverifyES)
	case "verified":
		return page(qw, v, streamverifiedEN, streamverifiedES)
	case "withdraw-confirm":
		return page(qw, v, streamwithdrawConfirmEN, streamwithdrawConfirmES)
	case "withdrawn":
		return page(qw, v, streamwithdrawnEN, streamwithdrawnES)
	case "withdraw-refused":
		return page(qw, v, streamwithdrawRefusedEN, streamwithdrawRefusedES)
	case "download":
		return page(qw, v, streamdownloadEN, streamdownloadES)
	case "status":
		return page(qw, v, streamstatusPageEN, streamstatusPageES)
	case "task":
		return page(qw, v, streamtaskEN, streamtaskES)
	case "task-answered":
		return page(qw, v, streamtaskAnsweredEN, streamtaskAnsweredES)
	case "task-too-large":
		return page(qw, v, streamtaskTooLargeEN, streamtaskTooLargeES)
	case "link-expired":
		return page(qw, v, streamlinkExpiredEN, streamlinkExpiredES)
	case "request-closed":
		return page(qw, v, streamrequestClosedEN, streamrequestClosedES)
	case "download-used":
		return page(qw, v, streamdownloadUsedEN, streamdownloadUsedES)
	case "download-expired":
		return page(qw, v, streamdownloadExpiredEN, streamdownloadExpiredES)
	case "status-unknown":
		plain(qw, v, streamstatusUnknownEN, streamstatusUnknownES)
	case "status-gone":
		plain(qw, v, streamstatusGoneEN, streamstatusGoneES)
	case "not-found":
		plain(qw, v, streamnotFoundEN, streamnotFoundES)
	case "not-allowed":
		plain(qw, v, streamnotAllowedEN, streamnotAllowedES)
	case "request-unreadable":
		plain(qw, v, streamrequestUnreadableEN, streamrequestUnreadableES)
	case "request-too-long":
		plain(qw, v, streamrequestTooLongEN, streamrequestTooLongES)
	case "request-thanks":
		plain(qw, v, streamrequestThanksEN, streamrequestThanksES)
	case "request-failed":
		plain(qw, v, streamrequestFailedEN, streamrequestFailedES)
	case "confirm-unreadable":
		plain(qw, v, streamconfirmUnreadableEN, streamconfirmUnreadableES)
	case "link-unknown":
		plain(qw, v, streamlinkUnknownEN, streamlinkUnknownES)
	case "link-used":
		plain(qw, v, streamlinkUsedEN, streamlinkUsedES)

	case "confirm-failed":
		plain(qw, v, streamconfirmFailedEN, streamconfirmFailedES)
	case "download-unreadable":
		plain(qw, v, streamdownloadUnreadableEN, streamdownloadUnreadableES)
	case "download-unknown":
		plain(qw, v, streamdownloadUnknownEN, streamdownloadUnknownES)
	case "download-failed":
		plain(qw, v, streamdownloadFailedEN, streamdownloadFailedES)
	case "task-invalid":
		plain(qw, v, streamtaskInvalidEN, streamtaskInvalidES)
	case "task-gone":
		plain(qw, v, streamtaskGoneEN, streamtaskGoneES)
	case "task-closed":
		plain(qw, v, streamtaskClosedEN, streamtaskClosedES)
	case "task-completed":
		plain(qw, v, streamtaskCompletedEN, streamtaskCompletedES)
	case "task-already":
		plain(qw, v, streamtaskAlreadyEN, streamtaskAlreadyES)
	case "task-finished":
		plain(qw, v, streamtaskFinishedEN, streamtaskFinishedES)
	case "task-not-recorded":
		plain(qw, v, streamtaskNotRecordedEN, streamtaskNotRecordedES)
	case "task-failed":
		plain(qw, v, streamtaskFailedEN, streamtaskFailedES)
	case "task-not-allowed":
		plain(qw, v, streamtaskNotAllowedEN, streamtaskNotAllowedES)
	case "task-unreadable":
		plain(qw, v, streamtaskUnreadableEN, streamtaskUnreadableES)
	default:
		return fmt.Errorf("%w: %s.%s", ErrNoPage, name, v.Lang)
	}
	return nil
}

// page writes a page that shows a D, v's Data, with en or es.
func page[D any](qw *qt.Writer, v *View, en, es func(*qt.Writer, View, D)) error {
	d, ok := v.Data.(D)
	if !ok {
		return wrongData(v.Data, d)
	}
	if v.Lang == Spanish {
		es(qw, *v, d)
	} else {
		en(qw, *v, d)
	}
	return nil
}

// plain writes a page that shows nothing of its own (it ignores v's Data)
// with en or es.
func plain(qw *qt.Writer, v *View, en, es func(*qt.Writer, View)) {
	if v.Lang == Spanish {
		es(qw, *v)
	} else {
		en(qw, *v)
	}
}

func wrongData(got, want any) error {
	return fmt.Errorf("pages: the page shows a %T, not %T", want, got)
}

// field is the text input id of the request form, with its label, value,
// autocomplete token (which gives it its type) and error.
func field(id, label, value, auto string, errs map[string]string, required bool) Field {
	typ := "text"
	switch {
	case strings.HasSuffix(auto, "email"):
		typ = "email"
	case strings.HasSuffix(auto, "tel"):
		typ = "tel"
	}
	return Field{ID: id, Label: label, Value: value, Type: typ, Auto: auto, Error: errs[id], Required: required}
}

// labelled is f with label.
func (f Field) labelled(label string) Field {
	f.Label = label
	return f
}

//go:embed form.css
var stylesheet string

// Stylesheet serves form.css, the one stylesheet of every page.
func Stylesheet(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = io.WriteString(w, stylesheet)
}
