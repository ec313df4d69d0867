package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A small client of the W3C WebDriver protocol, enough to drive headless
// Chromium through chromedriver from a test without another module.

// browserPaths finds Chromium and chromedriver: CHROMIUM and CHROMEDRIVER
// when set, else the Debian packages' paths, else the PATH.
func browserPaths() (chromium, driver string, err error) {
	find := func(env string, names ...string) string {
		if p := os.Getenv(env); p != "" {
			names = []string{p}
		}
		for _, n := range names {
			if strings.HasPrefix(n, "/") {
				if st, err := os.Stat(n); err == nil && !st.IsDir() {
					return n
				}
				continue
			}
			if p, err := exec.LookPath(n); err == nil {
				return p
			}
		}
		return ""
	}
	chromium = find("CHROMIUM", "/usr/bin/chromium", "chromium", "chromium-browser")
	driver = find("CHROMEDRIVER", "/usr/bin/chromedriver", "chromedriver")
	var missing []string
	if chromium == "" {
		missing = append(missing, "chromium")
	}
	if driver == "" {
		missing = append(missing, "chromedriver")
	}
	if len(missing) > 0 {
		return "", "", fmt.Errorf("%s not found", strings.Join(missing, " and "))
	}
	return chromium, driver, nil
}

// startChromedriver runs chromedriver on a free port until the test ends
// and returns its base URL once it answers.
func startChromedriver(t *testing.T, path string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port for chromedriver: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()

	cmd := exec.Command(path, "--port="+strconv.Itoa(port), "--allowed-ips=127.0.0.1", "--log-level=WARNING")
	var logs bytes.Buffer
	cmd.Stdout = &logs
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromedriver: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	base := "http://127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(hangGuard); ; {
		res, err := http.Get(base + "/status")
		if err == nil {
			var st struct {
				Value struct{ Ready bool } `json:"value"`
			}
			_ = json.NewDecoder(res.Body).Decode(&st)
			res.Body.Close()
			if st.Value.Ready {
				return base
			}
		}
		select {
		case <-exited:
			t.Fatalf("chromedriver exited before it was ready:\n%s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromedriver not ready after 10s:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wdSession is one browser session.
type wdSession struct {
	t    *testing.T
	base string // chromedriver URL + /session/<id>
}

// sessionOptions shape the browser of a session.
type sessionOptions struct {
	Binary     string
	ProfileDir string
	NoJS       bool
}

// newSession opens a headless Chromium; the session ends with the test.
func newSession(t *testing.T, driverURL string, o sessionOptions) *wdSession {
	t.Helper()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-first-run", "--disable-quic", "--disable-extensions", "--disable-default-apps",
		"--user-data-dir=" + o.ProfileDir, "--window-size=1024,900",
	}
	chrome := map[string]any{"binary": o.Binary, "args": args}
	if o.NoJS {
		// The policy-level setting, as an administrator or a user who
		// turns JavaScript off would have it.
		chrome["prefs"] = map[string]any{
			"profile": map[string]any{"managed_default_content_settings": map[string]any{"javascript": 2}},
		}
	}
	body := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome", "goog:chromeOptions": chrome, "pageLoadStrategy": "normal",
		"timeouts": map[string]int{"pageLoad": 15000, "script": 5000, "implicit": 0},
	}}}
	var created struct {
		SessionID string `json:"sessionId"`
	}
	if err := wdCall(context.Background(), http.MethodPost, driverURL+"/session", body, &created); err != nil {
		t.Fatalf("new browser session: %v", err)
	}
	s := &wdSession{t: t, base: driverURL + "/session/" + created.SessionID}
	t.Cleanup(func() {
		if err := wdCall(context.Background(), http.MethodDelete, s.base, nil, nil); err != nil {
			t.Logf("delete browser session: %v", err)
		}
	})
	return s
}

// wdError is an error answer of the WebDriver protocol.
type wdError struct {
	Status  int
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *wdError) Error() string {
	msg, _, _ := strings.Cut(e.Message, "\n")
	return fmt.Sprintf("webdriver %d %s: %s", e.Status, e.Code, msg)
}

// wdCall sends one command and decodes the "value" of the answer into out.
func wdCall(ctx context.Context, method, url string, in, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	} else if method == http.MethodPost {
		rd = strings.NewReader("{}")
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("webdriver %s %s: status %d, undecodable answer: %w", method, url, res.StatusCode, err)
	}
	if res.StatusCode != http.StatusOK {
		e := &wdError{Status: res.StatusCode}
		_ = json.Unmarshal(env.Value, e)
		return e
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(env.Value, out)
}

func (s *wdSession) call(method, path string, in, out any) error {
	return wdCall(context.Background(), method, s.base+path, in, out)
}

func (s *wdSession) must(method, path string, in, out any) {
	s.t.Helper()
	if err := s.call(method, path, in, out); err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
}

// Navigate opens url and waits for the page to load.
func (s *wdSession) Navigate(url string) {
	s.t.Helper()
	s.must(http.MethodPost, "/url", map[string]string{"url": url}, nil)
}

// Back goes one step back in the history.
func (s *wdSession) Back() {
	s.t.Helper()
	s.must(http.MethodPost, "/back", nil, nil)
}

// Refresh reloads the current page.
func (s *wdSession) Refresh() {
	s.t.Helper()
	s.must(http.MethodPost, "/refresh", nil, nil)
}

// URL is the address of the current page.
func (s *wdSession) URL() string {
	s.t.Helper()
	var u string
	s.must(http.MethodGet, "/url", nil, &u)
	return u
}

// Title is the current page's title.
func (s *wdSession) Title() string {
	s.t.Helper()
	var v string
	s.must(http.MethodGet, "/title", nil, &v)
	return v
}

// Source is the current page's markup as the browser holds it.
func (s *wdSession) Source() string {
	s.t.Helper()
	var v string
	s.must(http.MethodGet, "/source", nil, &v)
	return v
}

// Screenshot is a PNG of the viewport.
func (s *wdSession) Screenshot() []byte {
	s.t.Helper()
	var b64 string
	s.must(http.MethodGet, "/screenshot", nil, &b64)
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		s.t.Fatalf("screenshot: %v", err)
	}
	return png
}

// SetWindowSize resizes the browser window.
func (s *wdSession) SetWindowSize(width, height int) {
	s.t.Helper()
	s.must(http.MethodPost, "/window/rect", map[string]int{"width": width, "height": height}, nil)
}

// wdElementKey names an element reference in the protocol.
const wdElementKey = "element-6066-11e4-a52e-4f735466cecf"

// wdElement is one element of the current page.
type wdElement struct {
	s  *wdSession
	id string
}

// Find is the first element matching the CSS selector; the test fails if
// there is none.
func (s *wdSession) Find(css string) *wdElement {
	s.t.Helper()
	e, err := s.Lookup(css)
	if err != nil {
		s.t.Fatalf("find %q: %v", css, err)
	}
	return e
}

// Lookup is the first element matching the CSS selector, or an error.
func (s *wdSession) Lookup(css string) (*wdElement, error) {
	var ref map[string]string
	if err := s.call(http.MethodPost, "/element", map[string]string{"using": "css selector", "value": css}, &ref); err != nil {
		return nil, err
	}
	return &wdElement{s: s, id: ref[wdElementKey]}, nil
}

// Exists tells whether an element matches the CSS selector.
func (s *wdSession) Exists(css string) bool {
	s.t.Helper()
	_, err := s.Lookup(css)
	var we *wdError
	if errors.As(err, &we) && we.Code == "no such element" {
		return false
	}
	if err != nil {
		s.t.Fatalf("find %q: %v", css, err)
	}
	return true
}

// FindAll is every element matching the CSS selector.
func (s *wdSession) FindAll(css string) []*wdElement {
	s.t.Helper()
	var refs []map[string]string
	s.must(http.MethodPost, "/elements", map[string]string{"using": "css selector", "value": css}, &refs)
	out := make([]*wdElement, len(refs))
	for i, r := range refs {
		out[i] = &wdElement{s: s, id: r[wdElementKey]}
	}
	return out
}

func (e *wdElement) path(p string) string { return "/element/" + e.id + p }

// Type sends keystrokes to the element.
func (e *wdElement) Type(text string) {
	e.s.t.Helper()
	e.s.must(http.MethodPost, e.path("/value"), map[string]string{"text": text}, nil)
}

// Clear empties an input or textarea.
func (e *wdElement) Clear() {
	e.s.t.Helper()
	e.s.must(http.MethodPost, e.path("/clear"), nil, nil)
}

// Click clicks the element as a user would (it must be visible).
func (e *wdElement) Click() {
	e.s.t.Helper()
	e.s.must(http.MethodPost, e.path("/click"), nil, nil)
}

// Text is the element's rendered text.
func (e *wdElement) Text() string {
	e.s.t.Helper()
	var v string
	e.s.must(http.MethodGet, e.path("/text"), nil, &v)
	return v
}

// Attr is an attribute of the element as written in the markup ("" when absent).
func (e *wdElement) Attr(name string) string {
	e.s.t.Helper()
	var v *string
	e.s.must(http.MethodGet, e.path("/attribute/"+name), nil, &v)
	if v == nil {
		return ""
	}
	return *v
}

// Prop is a DOM property of the element, such as an input's current value.
func (e *wdElement) Prop(name string) any {
	e.s.t.Helper()
	var v any
	e.s.must(http.MethodGet, e.path("/property/"+name), nil, &v)
	return v
}

// Selected tells whether a checkbox or option is selected.
func (e *wdElement) Selected() bool {
	e.s.t.Helper()
	var v bool
	e.s.must(http.MethodGet, e.path("/selected"), nil, &v)
	return v
}

// Displayed tells whether the element is visible to a user.
func (e *wdElement) Displayed() bool {
	e.s.t.Helper()
	var v bool
	e.s.must(http.MethodGet, e.path("/displayed"), nil, &v)
	return v
}

// TagName is the element's tag, lower case.
func (e *wdElement) TagName() string {
	e.s.t.Helper()
	var v string
	e.s.must(http.MethodGet, e.path("/name"), nil, &v)
	return strings.ToLower(v)
}

// Find is the first descendant of e matching the CSS selector.
func (e *wdElement) Find(css string) *wdElement {
	e.s.t.Helper()
	var ref map[string]string
	e.s.must(http.MethodPost, e.path("/element"), map[string]string{"using": "css selector", "value": css}, &ref)
	return &wdElement{s: e.s, id: ref[wdElementKey]}
}

// FindAll is every descendant of e matching the CSS selector.
func (e *wdElement) FindAll(css string) []*wdElement {
	e.s.t.Helper()
	var refs []map[string]string
	e.s.must(http.MethodPost, e.path("/elements"), map[string]string{"using": "css selector", "value": css}, &refs)
	out := make([]*wdElement, len(refs))
	for i, r := range refs {
		out[i] = &wdElement{s: e.s, id: r[wdElementKey]}
	}
	return out
}

// wdRect is an element's position and size in CSS pixels.
type wdRect struct{ X, Y, Width, Height float64 }

// Rect is where the element is on the page.
func (e *wdElement) Rect() wdRect {
	e.s.t.Helper()
	var r wdRect
	e.s.must(http.MethodGet, e.path("/rect"), nil, &r)
	return r
}

// CSS is the computed value of a CSS property of the element.
func (e *wdElement) CSS(property string) string {
	e.s.t.Helper()
	var v string
	e.s.must(http.MethodGet, e.path("/css/"+property), nil, &v)
	return v
}

// ClickAndLoad clicks an element that leaves the page (a submit button)
// and returns once the next page has replaced the current one: a click can
// answer before the browser starts to navigate.
func (e *wdElement) ClickAndLoad() {
	e.s.t.Helper()
	page := e.s.Find("html")
	e.Click()
	for deadline := time.Now().Add(hangGuard); ; time.Sleep(20 * time.Millisecond) {
		var tag string
		err := e.s.call(http.MethodGet, page.path("/name"), nil, &tag)
		var we *wdError
		if errors.As(err, &we) {
			// "stale element reference" once the new page is in, or
			// an unknown error while the old one is being taken down.
			break
		}
		if err != nil {
			e.s.t.Fatalf("wait for the next page: %v", err)
		}
		if time.Now().After(deadline) {
			e.s.t.Fatal("the click did not lead to a new page within 15s")
		}
	}
	for deadline := time.Now().Add(hangGuard); ; time.Sleep(20 * time.Millisecond) {
		if _, err := e.s.Lookup("body"); err == nil {
			return
		} else if time.Now().After(deadline) {
			e.s.t.Fatalf("the next page did not load within 15s: %v", err)
		}
	}
}
