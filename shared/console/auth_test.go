package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
)

// fakeAuth is the user pool: tokens are names of members or of what is
// wrong with them.
type fakeAuth struct {
	now time.Time
	// verifiers remembers each state's PKCE verifier, as the pool does.
	verifiers map[string]string
	// codes are the codes the pool gave out, and whose token each is.
	codes map[string]string
}

var _ console.Auth = (*fakeAuth)(nil)

// Tokens the fake pool knows.
const (
	aliceToken          = "token-alice"           // alice, in the team
	carolToken          = "token-carol"           // carol, in the team
	bobToken            = "token-bob"             // bob, outside the team
	expiredToken        = "token-expired"         // alice's, expired
	markupToken         = "token-markup"          // a member whose user name is markup (hostile)
	outsiderMarkupToken = "token-outsider-markup" // the same, outside the team
)

func (a *fakeAuth) AuthorizeURL(redirectURL, state, verifier string) string {
	if a.verifiers == nil {
		a.verifiers = map[string]string{}
	}
	a.verifiers[state] = verifier
	return "https://pool.example/oauth2/authorize?" + url.Values{"state": {state}, "redirect_uri": {redirectURL}}.Encode()
}

// signInAs is what the pool's sign-in page does for user: it gives a code
// and sends the browser back with the state.
func (a *fakeAuth) signInAs(state, token string) string {
	if a.codes == nil {
		a.codes = map[string]string{}
	}
	code := "code-for-" + state
	a.codes[code] = a.verifiers[state] + " " + token
	return code
}

func (a *fakeAuth) Exchange(ctx context.Context, _ string, code, verifier string) (string, console.Member, error) {
	v, ok := a.codes[code]
	delete(a.codes, code)
	wantVerifier, token, _ := strings.Cut(v, " ")
	if !ok || wantVerifier != verifier {
		return "", console.Member{}, console.ErrSignIn
	}
	m, err := a.Verify(ctx, token)
	return token, m, err
}

func (a *fakeAuth) Verify(_ context.Context, token string) (console.Member, error) {
	switch token {
	case aliceToken:
		return console.Member{Username: "alice", SessionID: "s-alice", Expires: a.now.Add(time.Hour)}, nil
	case carolToken:
		return console.Member{Username: "carol", SessionID: "s-carol", Expires: a.now.Add(time.Hour)}, nil
	case bobToken:
		return console.Member{Username: "bob", SessionID: "s-bob", Expires: a.now.Add(time.Hour)}, console.ErrNotMember
	case expiredToken:
		return console.Member{}, console.ErrExpired
	case markupToken:
		return console.Member{Username: hostile, SessionID: "s-markup", Expires: a.now.Add(time.Hour)}, nil
	case outsiderMarkupToken:
		return console.Member{Username: hostile, SessionID: "s-outsider", Expires: a.now.Add(time.Hour)}, console.ErrNotMember
	}
	return console.Member{}, console.ErrToken
}

func (a *fakeAuth) SignOutURL(then string) string {
	return "https://pool.example/logout?" + url.Values{"logout_uri": {then}}.Encode()
}

type fakeSessions map[string]time.Time

func (s fakeSessions) EndSession(_ context.Context, id string, until time.Time) error {
	s[id] = until
	return nil
}

func (s fakeSessions) SessionEnded(_ context.Context, id string) (bool, error) {
	_, ok := s[id]
	return ok, nil
}

var authNow = time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)

// browser sends requests to the console as a browser on host would: with
// the cookies the console set.
type browser struct {
	t       testing.TB
	h       http.Handler
	host    string
	cookies map[string]*http.Cookie
}

func newBrowser(t testing.TB, h http.Handler, host string) *browser {
	return &browser{t: t, h: h, host: host, cookies: map[string]*http.Cookie{}}
}

func (b *browser) do(method, target string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(method, "http://"+b.host+target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range b.cookies {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return w
}

func (b *browser) signIn(auth *fakeAuth, token, next string) *httptest.ResponseRecorder {
	b.t.Helper()
	w := b.do("GET", "/console/sign-in?"+url.Values{"next": {next}}.Encode(), nil)
	require.Equal(b.t, http.StatusSeeOther, w.Code)
	loc, err := url.Parse(w.Header().Get("Location"))
	require.NoError(b.t, err)
	state := loc.Query().Get("state")
	require.NotEmpty(b.t, state)
	return b.do("GET", "/console/callback?"+url.Values{"state": {state}, "code": {auth.signInAs(state, token)}}.Encode(), nil)
}

// csrf is the CSRF token the page in body carries.
func csrf(t *testing.T, body string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, `name="csrf" value="`)
	require.True(t, ok, "the page carries a CSRF token")
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

func newConsole(t *testing.T, d *desk) (*console.Handler, *fakeAuth, fakeSessions) {
	t.Helper()
	if d == nil {
		d = newDesk(t)
	}
	auth := &fakeAuth{now: authNow}
	sessions := fakeSessions{}
	return console.New(console.Config{Auth: auth, Sessions: sessions, Desk: d.Service, Group: "privacy-team",
		AuthNow: func() time.Time { return authNow }, Entropy: &counter{}}), auth, sessions
}

// counter is a deterministic entropy source.
type counter struct{ n byte }

func (c *counter) Read(p []byte) (int, error) {
	for i := range p {
		c.n++
		p[i] = c.n
	}
	return len(p), nil
}

func TestSignIn(t *testing.T) {
	t.Run("a page without a session goes to the pool's sign-in and comes back to it", func(t *testing.T) {
		h, auth, _ := newConsole(t, nil)
		b := newBrowser(t, h, "desk.example")
		w := b.do("GET", "/console/", nil)
		require.Equal(t, http.StatusSeeOther, w.Code)
		assert.Equal(t, "/console/sign-in?next=%2Fconsole%2F", w.Header().Get("Location"))

		w = b.do("GET", "/console/sign-in?next=%2Fconsole%2F", nil)
		require.Equal(t, http.StatusSeeOther, w.Code)
		loc, _ := url.Parse(w.Header().Get("Location"))
		assert.Equal(t, "pool.example", loc.Host)
		assert.Equal(t, "https://desk.example/console/callback", loc.Query().Get("redirect_uri"))
		c := b.cookies["console_sign_in"]
		require.NotNil(t, c)
		assert.True(t, c.HttpOnly)
		assert.True(t, c.Secure)
		assert.Equal(t, http.SameSiteLaxMode, c.SameSite, "it must come back with the pool's redirect")
		assert.Equal(t, "/console", c.Path)

		state := loc.Query().Get("state")
		w = b.do("GET", "/console/callback?"+url.Values{"state": {state}, "code": {auth.signInAs(state, aliceToken)}}.Encode(), nil)
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, "0; url=./", w.Header().Get("Refresh"), "a same-site navigation, so the Strict cookie goes with it")
		s := b.cookies["console_session"]
		require.NotNil(t, s)
		assert.Equal(t, aliceToken, s.Value)
		assert.True(t, s.HttpOnly)
		assert.True(t, s.Secure)
		assert.Equal(t, http.SameSiteStrictMode, s.SameSite)
		assert.Equal(t, 3600, s.MaxAge, "as long as the token")
		assert.Nil(t, b.cookies["console_sign_in"], "the sign-in's state is used once")

		w = b.do("GET", "/console/", nil)
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, w.Body.String(), "Signed in as <strong>alice</strong>")
	})
	t.Run("on this machine the cookies are not Secure", func(t *testing.T) {
		h, auth, _ := newConsole(t, nil)
		b := newBrowser(t, h, "127.0.0.1:3000")
		w := b.signIn(auth, aliceToken, "/console/")
		require.Equal(t, http.StatusOK, w.Code)
		assert.False(t, b.cookies["console_session"].Secure)
	})
	t.Run("back to the page asked for, never to another site", func(t *testing.T) {
		for next, want := range map[string]string{
			"/console/requests/PR-AAAA-BBBB-CCCC-DDDD": "0; url=requests/PR-AAAA-BBBB-CCCC-DDDD",
			"https://evil.example/console/":            "0; url=./",
			"//evil.example/console/":                  "0; url=./",
			"/elsewhere":                               "0; url=./",
			"/console/javascript:alert(1)":             "0; url=./",
			"/console/JavaScript:alert(1)//":           "0; url=./",
			"/console///evil.example":                  "0; url=./",
			"/console//evil.example/x":                 "0; url=./",
			"/console/http:evil.example":               "0; url=./",
			"/console/requests/a:b":                    "0; url=requests/a:b",
			"/console/ //evil.example":                 "0; url=./",
			"/console/\t//evil.example":                "0; url=./",
			"/console/requests/a b":                    "0; url=./",
		} {
			h, auth, _ := newConsole(t, nil)
			w := newBrowser(t, h, "desk.example").signIn(auth, aliceToken, next)
			assert.Equal(t, want, w.Header().Get("Refresh"), next)
			assert.Contains(t, w.Body.String(), `<a href="`+strings.TrimPrefix(want, "0; url=")+`">Continue</a>`, next)
		}
	})
	t.Run("a callback whose state this browser did not start is refused", func(t *testing.T) {
		h, auth, _ := newConsole(t, nil)
		b := newBrowser(t, h, "desk.example")
		b.do("GET", "/console/sign-in", nil)
		w := b.do("GET", "/console/callback?"+url.Values{"state": {"forged"}, "code": {auth.signInAs("forged", aliceToken)}}.Encode(), nil)
		assert.Equal(t, http.StatusBadRequest, w.Code)
		assert.Nil(t, b.cookies["console_session"])

		other := newBrowser(t, h, "desk.example") // never started a sign-in
		w = other.do("GET", "/console/callback?state=x&code=y", nil)
		assert.Equal(t, http.StatusBadRequest, w.Code)
		assert.Nil(t, other.cookies["console_session"])
	})
	t.Run("a user outside the privacy team is refused at sign-in", func(t *testing.T) {
		h, auth, _ := newConsole(t, nil)
		b := newBrowser(t, h, "desk.example")
		w := b.signIn(auth, bobToken, "/console/")
		assert.Equal(t, http.StatusForbidden, w.Code)
		assert.Contains(t, w.Body.String(), "You signed in as <strong>bob</strong>, who is not in the user pool's <code>privacy-team</code> group")
		assert.Nil(t, b.cookies["console_session"])
	})
}

func TestSessions(t *testing.T) {
	h, _, _ := newConsole(t, nil)
	tests := []struct {
		name, method, token string
		status              int
		location            string
		body                string
	}{
		{"no token: a page goes to sign-in", "GET", "", http.StatusSeeOther, "/console/sign-in?next=%2Fconsole%2F", ""},
		{"no token: a form is refused", "POST", "", http.StatusForbidden, "", "Please sign in again"},
		{"an expired token: sign in again", "GET", expiredToken, http.StatusSeeOther, "/console/sign-in?next=%2Fconsole%2F", ""},
		{"an expired token: a form is refused", "POST", expiredToken, http.StatusForbidden, "", "Please sign in again"},
		{"a bad token", "GET", "forged", http.StatusSeeOther, "/console/sign-in?next=%2Fconsole%2F", ""},
		{"a token outside the group", "GET", bobToken, http.StatusForbidden, "", "not in the user pool's <code>privacy-team</code> group"},
		{"a token outside the group: a form", "POST", bobToken, http.StatusForbidden, "", "not in the user pool's <code>privacy-team</code> group"},
		{"a member", "GET", aliceToken, http.StatusOK, "", "Signed in as <strong>alice</strong>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, h, "desk.example")
			if tt.token != "" {
				b.cookies["console_session"] = &http.Cookie{Name: "console_session", Value: tt.token}
			}
			target := "/console/"
			if tt.method == "POST" {
				target = "/console/sign-out"
			}
			w := b.do(tt.method, target, url.Values{"csrf": {"x"}})
			assert.Equal(t, tt.status, w.Code)
			assert.Equal(t, tt.location, w.Header().Get("Location"))
			assert.Contains(t, w.Body.String(), tt.body)
			if tt.status != http.StatusOK {
				assert.NotContains(t, w.Body.String(), "Signed in as", "nothing of the console is shown")
			}
			if tt.token != "" && tt.token != aliceToken {
				assert.Nil(t, b.cookies["console_session"], "a session that is refused is cleared")
			}
		})
	}
}

func TestSignOut(t *testing.T) {
	h, auth, sessions := newConsole(t, nil)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	page := b.do("GET", "/console/", nil)
	token := csrf(t, page.Body.String())

	t.Run("a bad CSRF token changes nothing", func(t *testing.T) {
		for _, bad := range []string{"", "x", csrfOf(t, h, carolToken)} {
			w := b.do("POST", "/console/sign-out", url.Values{"csrf": {bad}})
			assert.Equal(t, http.StatusForbidden, w.Code)
			assert.Contains(t, w.Body.String(), "This form has expired")
			assert.Empty(t, sessions)
			assert.NotNil(t, b.cookies["console_session"])
		}
	})
	t.Run("signing out ends the session until its token expires, and ends the pool's", func(t *testing.T) {
		stolen := b.cookies["console_session"].Value
		w := b.do("POST", "/console/sign-out", url.Values{"csrf": {token}})
		require.Equal(t, http.StatusSeeOther, w.Code)
		assert.Equal(t, "https://pool.example/logout?logout_uri=https%3A%2F%2Fdesk.example%2Fconsole%2Fsigned-out", w.Header().Get("Location"))
		assert.Equal(t, authNow.Add(time.Hour), sessions["s-alice"])
		assert.Nil(t, b.cookies["console_session"])

		again := newBrowser(t, h, "desk.example")
		again.cookies["console_session"] = &http.Cookie{Name: "console_session", Value: stolen}
		w = again.do("GET", "/console/", nil)
		assert.Equal(t, http.StatusSeeOther, w.Code, "the token is refused though it has not expired")
	})
	t.Run("the signed-out page", func(t *testing.T) {
		w := b.do("GET", "/console/signed-out", nil)
		assert.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, w.Body.String(), "You are signed out")
	})
}

// csrfOf is the CSRF token a page shows the holder of token.
func csrfOf(t *testing.T, h http.Handler, token string) string {
	t.Helper()
	b := newBrowser(t, h, "desk.example")
	b.cookies["console_session"] = &http.Cookie{Name: "console_session", Value: token}
	w := b.do("GET", "/console/", nil)
	require.Equal(t, http.StatusOK, w.Code)
	return csrf(t, w.Body.String())
}

func TestPagesHeaders(t *testing.T) {
	h, _, _ := newConsole(t, nil)
	w := newBrowser(t, h, "desk.example").do("GET", "/console/signed-out", nil)
	for k, want := range map[string]string{
		"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
		"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' https://pool.example; frame-ancestors 'none'; base-uri 'none'",
	} {
		assert.Equal(t, want, w.Header().Get(k), k)
	}
	body := w.Body.String()
	assert.Contains(t, body, `<html lang="en">`)
	assert.Contains(t, body, `<main id="main">`)
	assert.Contains(t, body, `href="../form.css"`, "the public pages' stylesheet")
}
