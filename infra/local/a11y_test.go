package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/webform"
)

// The accessibility audit: axe-core (the npm package in node_modules, the
// version pinned in package.json) runs in Chromium on each public page as
// the browser rendered it, with the WCAG 2.1 A and AA rules.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

var (
	axeOnce   sync.Once
	axeScript string
	axeErr    error
)

// axeSource is axe-core's browser bundle.
func axeSource(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		var b []byte
		b, axeErr = os.ReadFile(filepath.Join("node_modules", "axe-core", "axe.min.js"))
		axeScript = string(b)
	})
	if axeErr != nil {
		if standin.Required() {
			t.Fatalf("the accessibility audit needs axe-core (%v): make deps installs it", axeErr)
		}
		t.Skipf("skipping: axe-core is not installed (%v); make deps installs it", axeErr)
	}
	return axeScript
}

// axeViolation is one rule a page breaks, with the elements that break it.
type axeViolation struct {
	ID, Impact, Help string
	Targets          []string
}

func (v axeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s — %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
}

// audit runs axe-core on the page the browser shows and fails the test for
// each violation, naming the rule, its impact, its help and the elements;
// then checks the page's focus indicator (focusRing). page names the page
// in messages.
func audit(t *testing.T, b *browser, page string) {
	t.Helper()
	src := axeSource(t)
	// axe-core needs the event loop (timers, promises), which is stopped
	// while the page's JavaScript is off; the pages themselves carry no
	// script, so turning it on for the audit runs nothing of theirs.
	b.scripts(true)
	defer b.scripts(false)
	evaluate[struct{}](b, "inject axe-core", src+";undefined")
	tags := `["` + strings.Join(axeTags, `","`) + `"]`
	violations := evaluate[[]axeViolation](b, "run axe-core on "+page, `axe.run(document, {
		runOnly: {type: "tag", values: `+tags+`}, resultTypes: ["violations"]
	}).then(r => r.violations.map(v => ({ID: v.id, Impact: v.impact || "", Help: v.help,
		Targets: v.nodes.map(n => n.target.flat(Infinity).join(" "))})))`)
	var lines []string
	for _, v := range violations {
		lines = append(lines, v.String())
	}
	t.Logf("axe-core on %s: %d violations%s", page, len(violations), indent(lines))
	assert.Empty(t, violations, "axe-core (WCAG 2.1 A and AA) finds problems on %s:%s", page, indent(lines))
	focusRing(t, b, page)
}

func indent(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return "\n  " + strings.Join(lines, "\n  ")
}

// focusRing focuses the page's first control or link and checks that its
// focus indicator shows against the white page: the outermost ring has a
// contrast of at least 3:1 with white (WCAG 2.1 1.4.11).
func focusRing(t *testing.T, b *browser, page string) {
	t.Helper()
	type focused struct {
		Found                                    bool
		Tag, Style, Color, Width, Offset, Shadow string
	}
	ring := evaluate[focused](b, "focus ring", `(() => {
		const el = [...document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea")]
			.find(e => e.tabIndex >= 0 && e.getClientRects().length > 0 && !e.closest("[aria-hidden=true]"));
		if (!el) return {Found: false};
		el.focus();
		const s = getComputedStyle(el);
		return {Found: document.activeElement === el, Tag: el.tagName.toLowerCase(), Style: s.outlineStyle,
			Color: s.outlineColor, Width: s.outlineWidth, Offset: s.outlineOffset, Shadow: s.boxShadow};
	})()`)
	if !ring.Found {
		t.Logf("%s has nothing to focus", page)
		return
	}
	outer, width := "", 0.0
	if ring.Style != "none" {
		outer, width = ring.Color, px(ring.Width)+px(ring.Offset)
	}
	// A box-shadow ring "rgb(…) 0px 0px 0px 6px" beyond the outline is
	// the outermost one.
	if m := shadowRing.FindStringSubmatch(ring.Shadow); m != nil {
		if spread := px(m[2]); spread > width {
			outer, width = m[1], spread
		}
	}
	if !assert.NotEmpty(t, outer, "a focused %s on %s shows no focus ring (outline %s, box-shadow %s)", ring.Tag, page, ring.Style, ring.Shadow) {
		return
	}
	assert.GreaterOrEqual(t, width, 2.0, "the focus ring on %s is at least 2px wide", page)
	c, ok := parseRGB(outer)
	require.True(t, ok, "colour %q", outer)
	assert.GreaterOrEqual(t, contrast(c, [3]float64{255, 255, 255}), 3.0,
		"the focus ring's outer colour %s on %s contrasts at least 3:1 with the white page", outer, page)
}

var (
	shadowRing = regexp.MustCompile(`^(rgba?\([^)]*\)) 0px 0px 0px (\d+(?:\.\d+)?px)`)
	rgbColour  = regexp.MustCompile(`^rgba?\((\d+), (\d+), (\d+)`)
)

func px(s string) float64 {
	v, _ := strconv.ParseFloat(strings.TrimSuffix(s, "px"), 64)
	return v
}

func parseRGB(s string) ([3]float64, bool) {
	m := rgbColour.FindStringSubmatch(s)
	if m == nil {
		return [3]float64{}, false
	}
	var c [3]float64
	for i := range c {
		c[i], _ = strconv.ParseFloat(m[i+1], 64)
	}
	return c, true
}

// contrast is the WCAG contrast ratio of two sRGB colours.
func contrast(a, b [3]float64) float64 {
	lum := func(c [3]float64) float64 {
		var l [3]float64
		for i, v := range c {
			v /= 255
			if v <= 0.03928 {
				l[i] = v / 12.92
			} else {
				l[i] = math.Pow((v+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
	}
	la, lb := lum(a), lum(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

var downloadLink = regexp.MustCompile(`https?://\S+/download\?t=[A-Za-z0-9_-]{43}`)

// TestBrowserAccessibility opens every public page the form test does not
// reach in Chromium and audits it with axe-core: an unknown address, the
// form in Spanish with its errors and receipt, the verification pages in
// Spanish, the expired and unknown links, the download page in English and
// Spanish and its unknown and expired links, and the system owner's task
// page with its answers, in English and in Spanish.
func TestBrowserAccessibility(t *testing.T) {
	chromium := needBrowser(t)
	axeSource(t)
	addrs := startStack(t)
	b := newBrowser(t, chromium)
	outbox := strings.TrimSuffix(addrs.Outbox, "/")
	form := strings.TrimSuffix(addrs.Form, "/")
	// Each part is a subtest of its own, the browser failing that one.
	part := func(name string, f func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			parent := b.t
			b.t = t
			defer func() { b.t = parent }()
			f(t)
		})
	}

	part("an unknown address", func(t *testing.T) {
		assert.Equal(t, http.StatusNotFound, b.Navigate(form+"/no/such/page"))
		audit(t, b, "the 404 page")
		assert.Equal(t, "Page not found", b.Text("h1"))
		assert.Contains(t, b.Title(), "Page not found")
		assert.Equal(t, "en", b.Attr("html", "lang"))
		assert.Equal(t, addrs.Form, evaluate[string](b, "the link", `document.querySelector("main a").href`), "the page leads to the request form")
		assert.Equal(t, "672px", b.CSS("body", "max-width"), "the page has the site's look (form.css found from the folder)")
	})
	part("the form in Spanish", func(t *testing.T) {
		const email = "sofia.browser@example.com"
		assert.Equal(t, http.StatusOK, b.Navigate(form+"/?lang=es"))
		assert.Equal(t, "es", b.Attr("html", "lang"))
		assert.Equal(t, "Haga una solicitud de privacidad", b.Text("h1"))
		audit(t, b, "the Spanish form")
		b.Type("#name", "Sofía Ejemplo")
		b.Type("#email", "sofia@example")
		assert.Equal(t, http.StatusBadRequest, b.ClickAndLoad("form button[type=submit]"))
		assert.Equal(t, "es", b.Attr("html", "lang"))
		assert.True(t, strings.HasPrefix(b.Title(), "Error: Haga una solicitud"), "title %q", b.Title())
		summary := b.Text(".error-summary")
		assert.Contains(t, summary, "Hay un problema con su solicitud")
		assert.Contains(t, summary, "Qué desea que hagamos: Elija al menos una solicitud.")
		assert.Contains(t, summary, "Correo electrónico: Escriba un correo electrónico con la forma nombre@ejemplo.com.")
		assert.Equal(t, "Escriba un correo electrónico con la forma nombre@ejemplo.com.", b.Text("#email-error"))
		audit(t, b, "the Spanish form with errors")
		b.Click(`label[for="kind-deletion"]`)
		b.Clear("#email")
		b.Type("#email", email)
		assert.Equal(t, http.StatusOK, b.ClickAndLoad("form button[type=submit]"))
		assert.Equal(t, "es", b.Attr("html", "lang"))
		assert.Equal(t, "Recibimos su solicitud", b.Text("h1"))
		assert.Contains(t, b.Text("main"), "Eliminar sus datos personales")
		requestID := b.Text(".reference strong")
		assert.Regexp(t, requestIDPattern, requestID)
		audit(t, b, "the Spanish receipt")
		assert.Equal(t, addrs.Form+"?lang=en", evaluate[string](b, "the language link", `document.querySelector("header a[hreflang]").href`),
			"the receipt links to the form in English")

		store := &dynamo.Store{Table: deskEnv["TABLE_NAME"], API: dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String(addrs.DynamoDB)
		})}
		saved, err := store.Get(context.Background(), requestID)
		require.NoError(t, err)
		assert.Equal(t, "es", saved.Language, "the request is answered in Spanish")
		waitForLink(t, outbox, email, verifyLink)
		var subjects []string
		for _, m := range outboxFor(t, addrs.Outbox, email) {
			subjects = append(subjects, m.Subject)
		}
		assert.Contains(t, subjects, "Recibimos su solicitud de privacidad "+requestID, "the acknowledgement is in Spanish")
	})
	part("unknown links", func(t *testing.T) {
		assert.Equal(t, http.StatusNotFound, b.Navigate(form+"/verify?t=not-a-link"))
		assert.Equal(t, "We do not know this link", b.Text("h1"))
		audit(t, b, "an unknown verification link")
		assert.Equal(t, http.StatusNotFound, b.Navigate(form+"/download?t=not-a-link"))
		assert.Equal(t, "We do not know this link", b.Text("h1"))
		audit(t, b, "an unknown download link")
	})

	// Requests whose links expire at the end, when the clock moves.
	sendMail(t, addrs, "marta@example.com", "Solicitud de privacidad", "Hola, por favor borren todos mis datos personales.")
	postForm(t, form, "web-a11y-expiry-0001", "deletion", "Ed Expiry", "ed.expiry@example.com")

	part("verification in Spanish", func(t *testing.T) {
		sendMail(t, addrs, "lucia@example.com", "Solicitud CCPA", "Hola, por favor borren todos mis datos personales.")
		link := waitForLink(t, outbox, "lucia@example.com", verifyLink)
		assert.Equal(t, http.StatusOK, b.Navigate(link))
		assert.Equal(t, "es", b.Attr("html", "lang"))
		assert.Contains(t, b.Text("h1"), "Confirme su solicitud de privacidad")
		audit(t, b, "the Spanish verification page")
		assert.Equal(t, http.StatusOK, b.ClickAndLoad("form button[type=submit]"))
		assert.Equal(t, "es", b.Attr("html", "lang"))
		assert.Contains(t, b.Text("h1"), "su identidad quedó verificada")
		audit(t, b, "the Spanish verified page")
		assert.Equal(t, http.StatusGone, b.Navigate(link))
		assert.Equal(t, "es", b.Attr("html", "lang"), "a Spanish request's used link answers in Spanish")
		assert.Equal(t, "Este enlace ya se usó", b.Text("h1"))
		audit(t, b, "the Spanish used verification link")
	})

	part("the download page", func(t *testing.T) {
		const email = "grace@example.com"
		postForm(t, form, "web-a11y-download-01", "access-specific", "Grace Example", email)
		confirm(t, form, waitForLink(t, outbox, email, verifyLink))
		assert.Equal(t, http.StatusOK, b.Navigate(waitForLink(t, outbox, email, downloadLink)))
		assert.Equal(t, "Your data is ready", b.Text("h1"))
		audit(t, b, "the download page")
	})
	var spanishDownload string
	part("the download page in Spanish", func(t *testing.T) {
		const email = "ada@example.com"
		sendMail(t, addrs, email, "Mis datos", "Hola, quiero una copia de mis datos.")
		link := waitForLink(t, outbox, email, verifyLink)
		// By mail there was no form: the confirmation page asks for the
		// declaration a copy needs.
		assert.Equal(t, http.StatusOK, b.Navigate(link))
		assert.Equal(t, "Declaro bajo pena de perjurio que soy la persona a quien se refieren los datos de esta solicitud, o su agente autorizado. (Necesaria para obtener una copia de sus datos).", b.Text(`label[for="declaration-box"]`))
		audit(t, b, "the Spanish verification page with the declaration")
		confirmDeclared(t, form, link)
		spanishDownload = waitForLink(t, outbox, email, downloadLink)
		assert.Equal(t, http.StatusOK, b.Navigate(spanishDownload))
		assert.Equal(t, "es", b.Attr("html", "lang"))
		assert.Equal(t, "Sus datos están listos", b.Text("h1"))
		audit(t, b, "the Spanish download page")
	})

	part("the owner's task page", func(t *testing.T) {
		page := startTaskPage(t)
		assert.Equal(t, http.StatusOK, b.Navigate(page.export))
		assert.Equal(t, "A privacy task for you", b.Text("h1"))
		assert.Equal(t, "672px", b.CSS("body", "max-width"), "the task page has the site's look (form.css one folder up)")
		audit(t, b, "the task page of an export")

		assert.Equal(t, http.StatusOK, b.Navigate(page.erase))
		audit(t, b, "the task page of an erasure")
		assert.Contains(t, b.Text("main"), "Due: Thursday, December 3, 2026 at 5:00 PM EST", "the due time in words, in the business time zone")
		assert.Equal(t, http.StatusBadRequest, b.ClickAndLoad("form button[type=submit]"), "sent without an answer")
		assert.Contains(t, b.Text("[role=alert]"), "Please choose one answer")
		audit(t, b, "the task page sent without an answer")
		b.Click(`input[name=outcome][value=done]`)
		assert.Equal(t, http.StatusOK, b.ClickAndLoad("form button[type=submit]"))
		assert.Equal(t, "Thank you", b.Text("h1"))
		audit(t, b, "the task page's thank-you")
		assert.Equal(t, http.StatusGone, b.Navigate(page.erase))
		assert.Equal(t, "This link no longer works", b.Text("h1"))
		audit(t, b, "a used task link")
		assert.Equal(t, http.StatusNotFound, b.Navigate(page.base+"?t=not-a-link"))
		assert.Equal(t, "This link is not valid", b.Text("h1"))
		audit(t, b, "an unknown task link")
	})
	part("the owner's task page in Spanish", func(t *testing.T) {
		page := startTaskPage(t)
		assert.Equal(t, http.StatusOK, b.Navigate(page.export+"&lang=es"))
		assert.Equal(t, "es", b.Attr("html", "lang"))
		assert.Equal(t, "Una tarea de privacidad para usted", b.Text("h1"))
		audit(t, b, "the Spanish task page of an export")
		assert.Equal(t, http.StatusOK, b.Navigate(page.erase+"&lang=es"))
		assert.Contains(t, b.Text("main"), "Plazo: jueves, 3 de diciembre de 2026 a las 5:00 p. m. EST")
		audit(t, b, "the Spanish task page of an erasure")
		assert.Equal(t, http.StatusBadRequest, b.ClickAndLoad("form button[type=submit]"), "sent without an answer")
		assert.Equal(t, "es", b.Attr("html", "lang"))
		assert.Contains(t, b.Text("[role=alert]"), "Por favor, elija una respuesta")
		audit(t, b, "the Spanish task page sent without an answer")
		b.Click(`input[name=outcome][value=done]`)
		assert.Equal(t, http.StatusOK, b.ClickAndLoad("form button[type=submit]"))
		assert.Equal(t, "Gracias", b.Text("h1"))
		audit(t, b, "the Spanish task page's thank-you")
		assert.Equal(t, http.StatusGone, b.Navigate(page.erase+"&lang=es"))
		assert.Equal(t, "Este enlace ya no funciona", b.Text("h1"))
		audit(t, b, "a Spanish used task link")
	})

	part("expired verification links", func(t *testing.T) {
		spanish := waitForLink(t, outbox, "marta@example.com", verifyLink)
		english := waitForLink(t, outbox, "ed.expiry@example.com", verifyLink)
		res, err := http.Post(addrs.StepFunctions+"/_local/clock/advance?by=200h", "", nil)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusGone, b.Navigate(english))
		assert.Equal(t, "This link has expired", b.Text("h1"))
		audit(t, b, "an expired verification link")
		assert.Equal(t, http.StatusGone, b.Navigate(spanish))
		assert.Equal(t, "es", b.Attr("html", "lang"), "a Spanish request's expired link answers in Spanish")
		assert.Equal(t, "Este enlace venció", b.Text("h1"))
		audit(t, b, "a Spanish expired verification link")
		require.NotEmpty(t, spanishDownload)
		assert.Equal(t, http.StatusGone, b.Navigate(spanishDownload))
		assert.Equal(t, "es", b.Attr("html", "lang"), "a Spanish request's expired download link answers in Spanish")
		assert.Equal(t, "Este enlace de descarga venció", b.Text("h1"))
		audit(t, b, "a Spanish expired download link")
	})
}

// sendMail sends a request to the privacy address over SMTP, as a mail
// client does.
func sendMail(t *testing.T, addrs addresses, from, subject, body string) {
	t.Helper()
	msg := "From: <" + from + ">\r\nTo: privacy@productionflow.local\r\nSubject: " + encodedWord(subject) +
		"\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + body + "\r\n"
	require.NoError(t, smtp.SendMail(addrs.SMTP, nil, from, []string{"privacy@productionflow.local"}, []byte(msg)))
}

func encodedWord(s string) string {
	return "=?UTF-8?Q?" + strings.ReplaceAll(url.QueryEscape(s), "+", "_") + "?="
}

// postForm sends the request form as a browser would, without one, with
// the submission ID the form carries; label names the post in a failure.
func postForm(t *testing.T, form, label, kind, name, email string) {
	t.Helper()
	res, err := http.PostForm(form+"/requests", url.Values{
		"submissionId": {formSubmissionID(t, form)}, "kinds": {kind}, "name": {name}, "email": {email}, "declaration": {"yes"},
	})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, label)
}

// confirm presses the verification page's button for link.
func confirm(t *testing.T, form, link string) {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	res, err := http.PostForm(form+"/verify", url.Values{"t": {u.Query().Get("t")}})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
}

// confirmDeclared presses the button with the declaration ticked.
func confirmDeclared(t *testing.T, form, link string) {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	res, err := http.PostForm(form+"/verify", url.Values{"t": {u.Query().Get("t")}, "declaration": {"yes"}})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
}

// taskPage is a system owner's task page served over fakes: the shipped
// registry has no manual step, so this one declares two.
type taskPage struct {
	base, erase, export string
}

const manualRegistry = `systems:
  - name: paper-archive
    title: Paper archive
    owner: archivist@productionflow.local
    categories: [contracts]
    actions:
      erase: {kind: manual, task: Shred the signed contract., dueIn: 72h}
      export: {kind: manual, task: Scan the signed contract., dueIn: 72h}
`

// taskMail keeps the task mails the page's links come in.
type taskMail struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (m *taskMail) Send(_ context.Context, msg mail.Message) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg)
	return "task-" + strconv.Itoa(len(m.sent)), nil
}

// taskAnswers takes every answer.
type taskAnswers struct{}

func (taskAnswers) AnswerTask(context.Context, connector.TaskAnswer) error { return nil }

// openRequests is a request store whose every request is in progress.
type openRequests struct{}

func (openRequests) Get(_ context.Context, id string) (*request.Request, error) {
	return &request.Request{ID: id, Status: request.InProgress}, nil
}

// noSubmissions is the intake of a site that only serves the task page.
type noSubmissions struct{}

func (noSubmissions) Submit(context.Context, intake.Submission) (*intake.Receipt, error) {
	return nil, errors.New("no intake here")
}

var (
	_ mail.Sender            = (*taskMail)(nil)
	_ connector.TaskAnswerer = taskAnswers{}
	_ webform.Submitter      = noSubmissions{}
)

// startTaskPage serves the task page with an erasure and an export task
// mailed for one request, due Thursday, December 3, 2026 at 5:00 PM in New
// York.
func startTaskPage(t *testing.T) taskPage {
	t.Helper()
	ctx := context.Background()
	reg, err := system.Load(strings.NewReader(manualRegistry), system.Options{})
	require.NoError(t, err)
	sys, ok := reg.Lookup("paper-archive")
	require.True(t, ok)
	ny, err := time.LoadLocation(deskEnv["BUSINESS_TIME_ZONE"])
	require.NoError(t, err)
	now := func() time.Time { return time.Date(2026, 11, 30, 17, 0, 0, 0, ny) }
	tokens := token.NewMemStore()
	log := slog.New(slog.DiscardHandler)
	// Mounted as the web intake mounts it, which serves the stylesheet.
	srv := httptest.NewServer(webform.New(noSubmissions{}, webform.Config{Location: ny, Log: log, Mount: map[string]http.Handler{
		"/tasks/confirm": &connector.ConfirmHandler{Tokens: tokens, Requests: openRequests{}, Registry: reg, Answers: taskAnswers{}, Now: now, Log: log, Location: ny},
	}}))
	t.Cleanup(srv.Close)
	page := srv.URL + "/tasks/confirm"
	sent := &taskMail{}
	manual := &connector.Manual{Mail: sent, Tokens: tokens, Issuer: &token.Issuer{Now: now}, Now: now, Log: log,
		ConfirmURL: page, ReplyTo: deskEnv["TEAM_ADDRESS"], Location: ny}
	due := now().Add(72 * time.Hour)
	link := regexp.MustCompile(regexp.QuoteMeta(page) + `\?t=[A-Za-z0-9_-]+`)
	out := taskPage{base: page}
	for _, a := range []system.Action{system.Erase, system.Export} {
		task := connector.Task{RequestID: request.NewID(request.Web, "web-a11y-task-0001"), System: sys.Name, Action: a,
			Owner: sys.Owner, Due: due, State: connector.TaskOpen}
		require.NoError(t, manual.Send(ctx, sys, task, connector.Subject{Email: "ada@example.com"}))
		l := link.FindString(sent.sent[len(sent.sent)-1].Text)
		require.NotEmpty(t, l, "the task mail links to the page")
		if a == system.Erase {
			out.erase = l
		} else {
			out.export = l
		}
	}
	return out
}
