package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
)

var requestIDPattern = regexp.MustCompile(`^PR-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$`)

// TestBrowserForm fills in the public request form in headless Chromium
// with JavaScript off, as a person would: every field has a label, a
// mistaken submission comes back with an error summary that links to each
// problem and keeps what was typed, a corrected one ends on a receipt with
// the request ID and the answer date, the acknowledgement is in the local
// outbox, and going back to send the form again makes no second request.
// Each page it meets passes the axe-core audit (a11y_test.go).
//
// FORM_SCREENSHOT=path also writes the screenshot of the form there.
func TestBrowserForm(t *testing.T) {
	chromium := needBrowser(t)
	began := time.Now()
	addrs := startStack(t)
	b := newBrowser(t, chromium)
	t.Logf("stack and Chromium ready in %s", time.Since(began).Round(time.Millisecond))
	ctx := context.Background()

	// The tab really has JavaScript off: a page whose script would change
	// its title keeps its own.
	scripted := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!doctype html><title>script did not run</title><script>document.title = "script ran"</script>`)
	}))
	defer scripted.Close()
	b.Navigate(scripted.URL)
	require.Equal(t, "script did not run", b.Title(), "the browser must run with JavaScript disabled")

	// The form, and a label for every field a person can see.
	require.Equal(t, http.StatusOK, b.Navigate(addrs.Form))
	require.Equal(t, "Make a privacy request", b.Text("h1"))
	submissionID := b.Attr(`input[name=submissionId]`, "value")
	require.NotEmpty(t, submissionID)
	checkLabels(t, b)
	legends := evaluate[[]string](b, "legends", `[...document.querySelectorAll("form fieldset")].map(f => (f.querySelector("legend") || {innerText: ""}).innerText.trim())`)
	require.NotEmpty(t, legends)
	for _, l := range legends {
		assert.NotEmpty(t, l, "every group of fields has a legend")
	}
	audit(t, b, "the form")

	// A first try with a mistyped address and no request chosen.
	const name, badEmail, email = "Ada Lovelace", "ada@example", "ada.browser@example.com"
	b.Type("#name", name)
	b.Type("#email", badEmail)
	assert.Equal(t, http.StatusBadRequest, b.ClickAndLoad("form button[type=submit]"))

	assert.True(t, strings.HasSuffix(b.URL(), "/requests"), "the form posts to /requests, got %s", b.URL())
	require.Equal(t, "Make a privacy request", b.Text("h1"), "the form comes back after an error")
	assert.True(t, strings.HasPrefix(b.Title(), "Error: "), "the title tells a screen reader user at once that something is wrong: %q", b.Title())
	require.True(t, b.Exists(".error-summary"), "an error summary is shown:\n%s", b.Source())
	assert.Equal(t, "alert", b.Attr(".error-summary", "role"))
	targets := evaluate[[]string](b, "summary links", `[...document.querySelectorAll(".error-summary a")].map(a => a.getAttribute("href"))`)
	assert.ElementsMatch(t, []string{"#kind-access-categories", "#email"}, targets, "the summary lists every problem, each linked to its field")
	for _, href := range targets {
		assert.True(t, b.Exists(href), "the summary link %s leads to a field on the page", href)
	}
	assert.Equal(t, len(targets), b.Count(".field-error"), "each problem is also shown at its field")
	assert.Equal(t, name, b.Value("#name"), "the name typed is kept")
	assert.Equal(t, badEmail, b.Value("#email"), "the address typed is kept, to be corrected")
	assert.Equal(t, "true", b.Attr("#email", "aria-invalid"))
	assert.Contains(t, b.Attr("#email", "aria-describedby"), "email-error")
	assert.Equal(t, "rgb(212, 53, 28)", b.CSS("#email", "border-top-color"), "the field in error has a red border")
	assert.NotEqual(t, "rgb(212, 53, 28)", b.CSS("#name", "border-top-color"), "a correct field keeps its border")
	assert.Equal(t, submissionID, b.Attr(`input[name=submissionId]`, "value"), "the retry carries the same submission ID")
	checkLabels(t, b)
	screenshot(t, b)
	audit(t, b, "the form with errors")

	// Corrected: tick "Delete your data" by its label, fix the address.
	b.Click(`label[for="kind-deletion"]`)
	require.True(t, b.Checked("#kind-deletion"), "clicking the label ticks the box")
	b.Clear("#email")
	b.Type("#email", email)
	assert.Equal(t, http.StatusOK, b.ClickAndLoad("form button[type=submit]"))

	require.Equal(t, "We have received your request", b.Text("h1"), "the receipt page:\n%s", b.Source())
	requestID := b.Text(".reference strong")
	require.Regexp(t, requestIDPattern, requestID)
	receipt := b.Text("main")
	assert.Contains(t, receipt, "Delete your data", "the receipt names what was asked, in the form's words")
	audit(t, b, "the receipt")

	store := &dynamo.Store{Table: deskEnv["TABLE_NAME"], API: dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(addrs.DynamoDB)
	})}
	saved, err := store.Get(ctx, requestID)
	require.NoError(t, err)
	ny, err := time.LoadLocation(deskEnv["BUSINESS_TIME_ZONE"])
	require.NoError(t, err)
	due := saved.Due.Response.In(ny).Format("Monday, January 2, 2006")
	assert.Contains(t, receipt, "We will answer by "+due, "the receipt shows the answer date")
	assert.Equal(t, saved.ReceivedAt.In(ny).AddDate(0, 0, 45).Format("2006-01-02"), saved.Due.Response.In(ny).Format("2006-01-02"),
		"the answer is due 45 calendar days after receipt")

	ack := acknowledgements(outboxFor(t, addrs.Outbox, email))
	require.Len(t, ack, 1, "one acknowledgement to the requester")
	assert.Contains(t, ack[0].Subject+ack[0].Text, requestID, "the acknowledgement quotes the request ID")

	// Reloading the receipt sends the same form again: the same request.
	b.Reload()
	require.Equal(t, "We have received your request", b.Text("h1"), "reload of the receipt:\n%s", b.Source())
	assert.Equal(t, requestID, b.Text(".reference strong"), "reloading the receipt shows the same request")

	// Back from the receipt: Chromium keeps no copy of a no-store POST
	// answer, so it offers to send the earlier (mistaken) form again;
	// reloading does that, the form comes back with its errors, and
	// correcting it again still makes no second request.
	b.Back()
	if !b.Exists("form button[type=submit]") {
		t.Logf("back from the receipt shows %q: %.120q", b.Title(), strings.TrimSpace(b.Text("body")))
		b.Reload()
	}
	require.True(t, b.Exists(".error-summary"), "after going back: %s\n%s", b.Title(), b.Source())
	assert.Equal(t, submissionID, b.Attr(`input[name=submissionId]`, "value"))
	b.Click(`label[for="kind-deletion"]`)
	b.Clear("#email")
	b.Type("#email", email)
	b.ClickAndLoad("form button[type=submit]")
	require.Equal(t, "We have received your request", b.Text("h1"), "the second sending:\n%s", b.Source())
	assert.Equal(t, requestID, b.Text(".reference strong"), "sending the same form again shows the same request")

	ids, err := store.EarlierRequests(ctx, email)
	require.NoError(t, err)
	assert.Equal(t, []string{requestID}, ids, "one request for the address")
	assert.Len(t, acknowledgements(outboxFor(t, addrs.Outbox, email)), 1, "still one acknowledgement")

	// The verification mail's link: the page only shows the request; the
	// button confirms it.
	link := waitForLink(t, strings.TrimSuffix(addrs.Outbox, "/"), email, verifyLink)
	require.Equal(t, http.StatusOK, b.Navigate(link))
	require.Contains(t, b.Text("h1"), "Confirm your privacy request "+requestID)
	saved, err = store.Get(ctx, requestID)
	require.NoError(t, err)
	assert.Equal(t, request.Verifying, saved.Status, "opening the link verifies nothing")
	audit(t, b, "the verification page")
	assert.Equal(t, http.StatusOK, b.ClickAndLoad("form button[type=submit]"))
	assert.Contains(t, b.Text("body"), requestID)
	saved, err = store.Get(ctx, requestID)
	require.NoError(t, err)
	// Every system erases through its API, so fulfilment may even be over.
	assert.Contains(t, []request.Status{request.Verified, request.InProgress, request.Completed}, saved.Status,
		"pressing the button verifies the request (and fulfilment may have begun or ended)")
	audit(t, b, "the verified page")
	assert.Equal(t, http.StatusGone, b.Navigate(link))
	assert.Contains(t, strings.ToLower(b.Text("body")), "used", "the link works once")
	audit(t, b, "the used verification link")
	t.Logf("browser test done in %s", time.Since(began).Round(time.Millisecond))
}

// acknowledgements keeps the acknowledgements among mails.
func acknowledgements(mails []outbox.Email) []outbox.Email {
	var out []outbox.Email
	for _, m := range mails {
		if strings.HasPrefix(m.Subject, "We received your privacy request") {
			out = append(out, m)
		}
	}
	return out
}

// checkLabels fails the test for each visible input, select or textarea
// without a label[for] naming it.
func checkLabels(t *testing.T, b *browser) {
	t.Helper()
	type field struct {
		Tag, Type, ID, Name, Label string
		Visible, HasLabel          bool
	}
	fields := evaluate[[]field](b, "fields", `[...document.querySelectorAll("input, select, textarea")].map(f => {
		const label = f.id ? document.querySelector('label[for="' + CSS.escape(f.id) + '"]') : null;
		const style = getComputedStyle(f);
		return {Tag: f.tagName.toLowerCase(), Type: f.getAttribute("type") || "", ID: f.id, Name: f.name,
			Visible: f.getClientRects().length > 0 && style.visibility !== "hidden" && style.display !== "none",
			HasLabel: label !== null, Label: label ? label.textContent.trim() : ""};
	})`)
	require.NotEmpty(t, fields)
	seen := 0
	for _, f := range fields {
		if f.Type == "hidden" || !f.Visible {
			continue
		}
		seen++
		if !assert.NotEmpty(t, f.ID, "a visible %s named %q has no id for a label", f.Tag, f.Name) {
			continue
		}
		if assert.True(t, f.HasLabel, "field #%s has no label", f.ID) {
			assert.NotEmpty(t, f.Label, "the label of #%s is empty", f.ID)
		}
	}
	assert.GreaterOrEqual(t, seen, 10, "the form's fields are visible")
}

// screenshot saves a PNG of the whole form in the test's folder, and at
// FORM_SCREENSHOT when set.
func screenshot(t *testing.T, b *browser) {
	t.Helper()
	png := b.Screenshot()
	require.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")), "the screenshot is a PNG")
	path := filepath.Join(t.TempDir(), "form.png")
	require.NoError(t, os.WriteFile(path, png, 0o600))
	t.Logf("screenshot of the form: %s (%d bytes)", path, len(png))
	if extra := os.Getenv("FORM_SCREENSHOT"); extra != "" {
		require.NoError(t, os.WriteFile(extra, png, 0o644))
		t.Logf("screenshot copied to %s", extra)
	}
}

// outboxFor is the mail in the local outbox addressed to to.
func outboxFor(t *testing.T, outboxURL, to string) []outbox.Email {
	t.Helper()
	mails, err := outbox.Read(context.Background(), outboxURL)
	require.NoError(t, err)
	var out []outbox.Email
	for _, m := range mails {
		if slices.Contains(m.To, to) {
			out = append(out, m)
		}
	}
	return out
}

// startStack runs the local stack as make run does, on free ports with its
// data in a temporary folder, until the test ends.
func startStack(t *testing.T) addresses {
	t.Helper()
	if _, err := os.Stat(filepath.Join(repoRoot, "infra", "local", "node_modules", "dynalite")); err != nil && !standin.Required() {
		t.Skipf("skipping: the stand-ins are not installed (make test installs them; STANDINS=required makes this a failure): %v", err)
	}
	// run sets the desk's environment for the SDK; put it back afterwards.
	before := os.Environ()
	t.Cleanup(func() {
		os.Clearenv()
		for _, kv := range before {
			k, v, _ := strings.Cut(kv, "=")
			_ = os.Setenv(k, v)
		}
	})
	if err := os.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan addresses, 1)
	done := make(chan error, 1)
	out := &syncBuffer{}
	// The desk's own log (no personal data in it) is shown when a test
	// fails, so a failure under load says what the desk saw.
	logs := &syncBuffer{}
	go func() {
		done <- run(ctx, options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), InMemory: true, ready: ready, calls: recorded}, out,
			slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the desk's warnings and errors:\n%s", logs.String())
		}
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "the stack stops cleanly")
		case <-time.After(hangGuard):
			t.Error("the stack did not stop")
		}
	})
	select {
	case a := <-ready:
		return a
	case err := <-done:
		t.Fatalf("stack stopped early: %v\n%s", err, out.String())
	case <-time.After(hangGuard):
		t.Fatalf("stack did not start:\n%s", out.String())
	}
	return addresses{}
}
