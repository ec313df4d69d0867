package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
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

// TestConsoleExtendsARequest is the team's day on the local stack: a
// correction the accounts system refuses needs the team's attention; the
// demo member signs in against the user pool stand-in, finds the request
// by the requester's email, extends it with a reason, and the extension
// notice with that reason and the new date reaches the requester in the
// local outbox.
func TestConsoleExtendsARequest(t *testing.T) {
	addrs := startStack(t)
	ctx := context.Background()
	outboxURL := strings.TrimSuffix(addrs.Outbox, "/")
	form := strings.TrimSuffix(addrs.Form, "/")
	const email = "grace@example.com"
	require.True(t, addrs.Downstream.Holds("customer-accounts", email))

	// A correction the accounts API cannot apply (it corrects names, phones
	// and addresses only): the step fails and the request needs the team.
	formID := formSubmissionID(t, form)
	res, err := http.PostForm(form+"/requests", url.Values{
		"submissionId": {formID}, "kinds": {"correction"}, "name": {"Grace Example"}, "email": {email},
		"correction-1-item": {"favourite colour"}, "correction-1-wrong": {"blue"}, "correction-1-right": {"green"},
	})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	id := request.WebID(formID, email)
	link, err := url.Parse(waitForLink(t, outboxURL, email, verifyLink))
	require.NoError(t, err)
	res, err = http.PostForm(form+"/verify", url.Values{"t": {link.Query().Get("t")}})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)

	store := &dynamo.Store{Table: deskEnv["TABLE_NAME"], API: dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(addrs.DynamoDB)
	})}
	var r *request.Request
	require.True(t, eventually(func() bool {
		r, err = store.Get(ctx, id)
		return err == nil && r.Attention != ""
	}), "the refused correction needs the team's attention (status %v)", r)
	require.Equal(t, request.InProgress, r.Status)

	// The demo member signs in and finds it by the requester's address.
	b := newTeamBrowser(t)
	list := b.signIn(addrs.Console, addrs.Team.Member.Username, addrs.Team.Member.Password)
	require.Equal(t, http.StatusOK, list.Status, list.Body)
	assert.Contains(t, list.Body, "<strong>1</strong> need attention")
	found := b.do("POST", addrs.Console+"find", url.Values{"csrf": {csrfIn(t, list.Body)}, "q": {"Grace@Example.com"}})
	require.Equal(t, http.StatusOK, found.Status, found.Body)
	assert.Regexp(t, `(?s)Search results.*href="./requests/`+id+`"`, found.Body)

	page := b.do("GET", addrs.Console+"requests/"+id, nil)
	require.Equal(t, http.StatusOK, page.Status, page.Body)
	assert.Contains(t, page.Body, "needs attention")
	assert.Contains(t, page.Body, `href="../requests/`+id+`/extend"`)
	confirm := b.do("GET", addrs.Console+"requests/"+id+"/extend", nil)
	require.Equal(t, http.StatusOK, confirm.Status, confirm.Body)
	const reason = "The accounts team must check the correction by hand."
	done := b.do("POST", addrs.Console+"requests/"+id+"/extend", url.Values{"csrf": {csrfIn(t, confirm.Body)}, "reason": {reason}})
	require.Equal(t, http.StatusOK, done.Status, done.Body)
	newDate := r.Due.Extended.In(mustZone(t, deskEnv["BUSINESS_TIME_ZONE"])).Format("Monday, January 2, 2006")
	assert.Contains(t, done.Body, "must be answered by "+newDate)

	// The notice is in the outbox: the reason, and the new date.
	var notice *outbox.Email
	require.True(t, eventually(func() bool {
		for _, m := range outboxFor(t, outboxURL, email) {
			if strings.Contains(m.Subject, "We need more time to answer your privacy request "+id) {
				notice = &m
				return true
			}
		}
		return false
	}), "the extension notice reaches the requester")
	text := strings.Join(strings.Fields(notice.Text), " ")
	assert.Contains(t, text, "Why we need more time: "+reason)
	assert.Contains(t, text, "We will answer you by "+newDate+".")

	got, err := store.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, request.Extended, got.Status)
	events, err := store.Events(ctx, id)
	require.NoError(t, err)
	byAction := map[string]request.Event{}
	for _, ev := range events {
		byAction[ev.Action] = ev
	}
	assert.Equal(t, "team:alice", byAction[request.StatusAction(request.Extended)].Actor)
	assert.Equal(t, reason, byAction[request.StatusAction(request.Extended)].Reason)
	assert.Equal(t, "team:alice", byAction[request.ActionExtensionNoticeSent].Actor)

	again := b.do("GET", addrs.Console+"requests/"+id+"/extend", nil)
	assert.Equal(t, http.StatusConflict, again.Status, "a request is extended once")
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}
