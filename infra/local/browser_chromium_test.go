package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/productionflow/privacy-desk/shared/standin"
)

// The browser tests drive headless Chromium over the DevTools protocol
// with chromedp: no driver binary, no browser download.

// chromiumPath finds Chromium: $CHROMIUM when set, else the Debian
// package's /usr/bin/chromium.
func chromiumPath() (string, error) {
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	st, err := os.Stat(path)
	if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("no Chromium at %s", path)
	}
	return path, nil
}

// needBrowser returns Chromium's path, or skips the test when Chromium or
// the stand-ins are missing, unless STANDINS=required (or CI=true) makes
// that a failure.
func needBrowser(t *testing.T) string {
	t.Helper()
	chromium, err := chromiumPath()
	if err != nil {
		if standin.Required() {
			t.Fatalf("the browser tests need Chromium (%v): `make browser` installs it", err)
		}
		t.Skipf("skipping: %v (`make browser` installs Chromium; STANDINS=required makes this a failure)", err)
	}
	if _, err := os.Stat("node_modules/.bin/dynalite"); err != nil && !standin.Required() {
		t.Skip("skipping: the stand-ins are not installed (make test installs them)")
	}
	return chromium
}

// browser is one tab of headless Chromium with JavaScript off for the
// pages it shows; every call fails the test on error.
type browser struct {
	t   *testing.T
	ctx context.Context
}

// newBrowser starts Chromium at path with a fresh profile, JavaScript off,
// until the test ends.
func newBrowser(t *testing.T, path string) *browser {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// Reloading a page that answered a POST sends the form again,
		// as a person does by accepting the browser's question.
		chromedp.Flag("disable-prompt-on-repost", true),
		chromedp.WindowSize(1024, 900),
	)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	b := &browser{t: t, ctx: tab}
	// The first action starts the browser and ties it to its context:
	// the tab's own, without the hang guard each later action has.
	b.must(chromedp.Do(tab), "start Chromium at %s", path)
	b.scripts(false)
	// A headless tab never has the window's focus, and without it no
	// element matches :focus: the focus ring could not be seen.
	_, err := chromedp.Call(tab, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
	b.must(err, "emulate a focused window")
	return b
}

// guarded bounds one action by the hang guard: a guard against a hang,
// not a speed target (an action takes milliseconds).
func (b *browser) guarded() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, hangGuard)
}

// scripts turns the pages' JavaScript on or off for this tab.
func (b *browser) scripts(on bool) {
	b.t.Helper()
	ctx, cancel := b.guarded()
	defer cancel()
	_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
	b.must(err, "turn JavaScript %s", map[bool]string{true: "on", false: "off"}[on])
}

func (b *browser) must(err error, what string, args ...any) {
	b.t.Helper()
	if err != nil {
		b.t.Fatalf("browser: %s: %v", fmt.Sprintf(what, args...), err)
	}
}

// do runs actions that return nothing.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.guarded()
	defer cancel()
	b.must(chromedp.Do(ctx, actions...), "%s", what)
}

// value runs one action and returns its value.
func value[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := b.guarded()
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	b.must(err, "%s", what)
	return v
}

// Navigate opens url, waits for the page to load and returns its HTTP
// status.
func (b *browser) Navigate(url string) int {
	b.t.Helper()
	res := value(b, "open "+url, chromedp.NavigateResponse(url))
	b.ready()
	return int(res.Status)
}

// ClickAndLoad clicks what leaves the page (a submit button), waits for
// the next page to load and returns its HTTP status.
func (b *browser) ClickAndLoad(css string) int {
	b.t.Helper()
	b.present(css)
	ctx, cancel := b.guarded()
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
	b.must(err, "click %s and load the next page", css)
	b.ready()
	return int(res.Status)
}

// Reload loads the page again (sending a posted form again) and returns
// its HTTP status.
func (b *browser) Reload() int {
	b.t.Helper()
	ctx, cancel := b.guarded()
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.Reload, page.ReloadParams{})
		return err
	}))
	b.must(err, "reload")
	b.ready()
	return int(res.Status)
}

// Back goes back one page in the history. A page that answered a POST is
// not kept (no-store), so the browser may show its own error page there.
func (b *browser) Back() {
	b.t.Helper()
	ctx, cancel := b.guarded()
	defer cancel()
	err := chromedp.Do(ctx, chromedp.NavigateBack())
	var le *chromedp.LoadError
	if !errors.As(err, &le) {
		b.must(err, "go back")
	}
	b.ready()
}

// ready waits until the page's body is in the document.
func (b *browser) ready() {
	b.t.Helper()
	b.do("wait for the page", chromedp.WaitReady(chromedp.CSS("body")))
}

func (b *browser) Title() string { b.t.Helper(); return value(b, "title", chromedp.Title()) }
func (b *browser) URL() string   { b.t.Helper(); return value(b, "location", chromedp.Location()) }

// urlNow is the page's address, or "" while the browser is between two
// pages (it answers that the target navigated): for waiting on a page that
// moves on by itself, where URL would fail the test.
func (b *browser) urlNow() string {
	ctx, cancel := b.guarded()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return ""
	}
	return v
}

// Source is the page's HTML as the browser holds it.
func (b *browser) Source() string {
	b.t.Helper()
	return value(b, "page source", chromedp.OuterHTML(chromedp.CSS("html")))
}

// present fails the test at once when nothing on the loaded page matches
// css: the element queries below would wait for one to appear.
func (b *browser) present(css string) {
	b.t.Helper()
	if !b.Exists(css) {
		b.t.Fatalf("browser: nothing matches %s on %s (%q):\n%s", css, b.URL(), b.Title(), b.Source())
	}
}

// Text is the rendered text of the first element matching css, which must
// be on the page.
func (b *browser) Text(css string) string {
	b.t.Helper()
	b.present(css)
	return value(b, "text of "+css, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
}

// Attr is an attribute of the first element matching css ("" when absent).
func (b *browser) Attr(css, name string) string {
	b.t.Helper()
	b.present(css)
	return value(b, fmt.Sprintf("attribute %s of %s", name, css), chromedp.AttributeValue(chromedp.CSS(css), name)).Value
}

// Value is the current value of a field: what the person sees in it.
func (b *browser) Value(css string) string {
	b.t.Helper()
	b.present(css)
	return value(b, "value of "+css, chromedp.Value(chromedp.CSS(css)))
}

// Checked reports whether a checkbox or radio button is ticked.
func (b *browser) Checked(css string) bool {
	b.t.Helper()
	b.present(css)
	return value(b, "checked "+css, chromedp.JavascriptAttribute[bool](chromedp.CSS(css), "checked"))
}

// CSS is the computed value of a CSS property of the first element
// matching css.
func (b *browser) CSS(css, property string) string {
	b.t.Helper()
	b.present(css)
	props := value(b, "style of "+css, chromedp.ComputedStyle(chromedp.CSS(css)))
	for _, p := range props {
		if p.Name == property {
			return p.Value
		}
	}
	return ""
}

// Count is how many elements match css now (it does not wait).
func (b *browser) Count(css string) int {
	b.t.Helper()
	return value(b, "count "+css, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", css)))
}

// Exists reports whether an element matches css now (it does not wait).
func (b *browser) Exists(css string) bool { b.t.Helper(); return b.Count(css) > 0 }

// Type types text into a field as keystrokes.
func (b *browser) Type(css, text string) {
	b.t.Helper()
	b.present(css)
	b.do("type into "+css, chromedp.SendKeys(chromedp.CSS(css), text, chromedp.NodeVisible))
}

// Clear empties a text field.
func (b *browser) Clear(css string) {
	b.t.Helper()
	b.present(css)
	left := evaluate[string](b, "clear "+css, fmt.Sprintf(`(e => { e.value = ""; return e.value })(document.querySelector(%q))`, css))
	if left != "" {
		b.t.Fatalf("browser: %s still holds %q", css, left)
	}
}

// Click clicks the first element matching css, as a mouse does.
func (b *browser) Click(css string) {
	b.t.Helper()
	b.present(css)
	b.do("click "+css, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
}

// Screenshot is a PNG of the whole page.
func (b *browser) Screenshot() []byte {
	b.t.Helper()
	return value(b, "screenshot", chromedp.FullScreenshot(100))
}

// evaluate runs JavaScript in the page (DevTools may while the page's own
// scripts are off) and decodes its result; a promise is awaited.
func evaluate[T any](b *browser, what, js string) T {
	b.t.Helper()
	return value(b, what, chromedp.Evaluate[T](js, func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }))
}
