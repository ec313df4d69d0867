package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// teamBrowser is a browser on the console: it keeps cookies, and follows
// redirects and refreshes only when asked.
type teamBrowser struct {
	t      *testing.T
	client *http.Client
}

func newTeamBrowser(t *testing.T) *teamBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &teamBrowser{t: t, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type consolePage struct {
	Status   int
	URL      *url.URL
	Location string
	Refresh  string
	Body     string
}

func (b *teamBrowser) do(method, target string, form url.Values) consolePage {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.client.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	p := consolePage{Status: res.StatusCode, URL: req.URL, Body: string(raw), Refresh: res.Header.Get("Refresh")}
	if loc := res.Header.Get("Location"); loc != "" {
		u, err := req.URL.Parse(loc)
		require.NoError(b.t, err)
		p.Location = u.String()
	}
	return p
}

// follow follows redirects from p until a page answers.
func (b *teamBrowser) follow(p consolePage) consolePage {
	b.t.Helper()
	for i := 0; p.Location != "" && i < 10; i++ {
		p = b.do("GET", p.Location, nil)
	}
	return p
}

// signIn opens the console, is sent to the user pool's sign-in page, signs
// in there as username and comes back: the page it lands on.
func (b *teamBrowser) signIn(console, username, password string) consolePage {
	b.t.Helper()
	p := b.follow(b.do("GET", console, nil))
	require.Equal(b.t, http.StatusOK, p.Status, p.Body)
	require.Contains(b.t, p.Body, `name="password"`, "the user pool's sign-in page")
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(p.Body, -1) {
		form.Set(m[1], m[2])
	}
	form.Set("username", username)
	form.Set("password", password)
	back := b.do("POST", p.URL.Scheme+"://"+p.URL.Host+"/oauth2/authorize", form)
	require.NotEmpty(b.t, back.Location, back.Body)
	landed := b.follow(back)
	if landed.Refresh != "" {
		_, rel, _ := strings.Cut(landed.Refresh, "url=")
		next, err := landed.URL.Parse(rel)
		require.NoError(b.t, err)
		landed = b.follow(b.do("GET", next.String(), nil))
	}
	return landed
}

func csrfIn(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	require.NotNil(t, m, "the page carries a CSRF token")
	return m[1]
}

// TestConsoleSignIn signs in to the console against the user pool
// stand-in: the demo member gets in, the demo user outside the team is
// refused, and signing out ends the session.
func TestConsoleSignIn(t *testing.T) {
	addrs := startStack(t)

	t.Run("the demo member signs in and out", func(t *testing.T) {
		b := newTeamBrowser(t)
		p := b.signIn(addrs.Console, addrs.Team.Member.Username, addrs.Team.Member.Password)
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		assert.Contains(t, p.Body, "Signed in as <strong>alice</strong>")

		out := b.do("POST", addrs.Console+"sign-out", url.Values{"csrf": {csrfIn(t, p.Body)}})
		require.Equal(t, http.StatusSeeOther, out.Status)
		assert.True(t, strings.HasPrefix(out.Location, addrs.Cognito+"/logout?"), "the pool's own session ends too")
		assert.Contains(t, b.follow(out).Body, "You are signed out")
		again := b.do("GET", addrs.Console, nil)
		assert.Equal(t, http.StatusSeeOther, again.Status, "signed out: the console asks for a sign-in")
	})
	t.Run("a user outside the privacy team is refused", func(t *testing.T) {
		b := newTeamBrowser(t)
		p := b.signIn(addrs.Console, addrs.Team.Outsider.Username, addrs.Team.Outsider.Password)
		assert.Equal(t, http.StatusForbidden, p.Status)
		assert.Contains(t, p.Body, "You signed in as <strong>bob</strong>, who is not in the user pool's <code>privacy-team</code> group")
		assert.Equal(t, http.StatusSeeOther, b.do("GET", addrs.Console, nil).Status, "and is not signed in")
	})
}
