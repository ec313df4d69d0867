package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/standin"
)

// signInChromium opens the console in b, is sent to cognito-local's
// sign-in page, fills it in as a person does and comes back to the
// console; it returns the HTTP status of the console's page it lands on.
func signInChromium(t *testing.T, b *browser, addrs addresses, username, password string) int {
	t.Helper()
	b.Navigate(addrs.Console)
	require.True(t, strings.HasPrefix(b.URL(), addrs.Cognito), "sent to the user pool's sign-in page, not %s", b.URL())
	b.Type(`input[name="username"]`, username)
	b.Type(`input[name="password"]`, password)
	status := b.ClickAndLoad(`form button[type="submit"], form input[type="submit"]`)
	if status != http.StatusOK {
		return status // refused
	}
	// The console's sign-in lands on a page that moves on by itself
	// (Refresh: 0) to the page asked for: wait for it.
	require.True(t, eventually(func() bool { return b.urlNow() == addrs.Console }), "back on the work list, not %s", b.URL())
	b.ready()
	return status
}

// submit clicks the main form's button on an action page and returns the
// status of the page that answers.
func submit(b *browser) int {
	b.t.Helper()
	return b.ClickAndLoad(`main form button[type="submit"]`)
}

// consoleSession is the session cookie a sign-in over HTTP got: a real
// access token of the local user pool.
func consoleSession(t *testing.T, addrs addresses) string {
	t.Helper()
	tb := newTeamBrowser(t)
	p := tb.signIn(addrs.Console, addrs.Team.Member.Username, addrs.Team.Member.Password)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	u, err := url.Parse(addrs.Console)
	require.NoError(t, err)
	for _, c := range tb.client.Jar.Cookies(u) {
		if c.Name == "console_session" {
			return c.Value
		}
	}
	t.Fatal("no console_session cookie after signing in")
	return ""
}

// resign changes claims of a cognito-local access token and signs it again
// with cognito-local's own key (the one it signs every token with, in its
// npm package): a token the pool could have issued, but for the change.
func resign(t *testing.T, token string, change func(claims map[string]any)) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("node_modules", "cognito-local", "lib", "keys", "cognitoLocal.private.json"))
	require.NoError(t, err)
	var file struct {
		JWK jose.JSONWebKey `json:"jwk"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	parsed, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	require.NoError(t, err)
	claims := map[string]any{}
	require.NoError(t, json.Unmarshal(parsed.UnsafePayloadWithoutVerification(), &claims))
	change(claims)
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	kid := parsed.Signatures[0].Header.KeyID
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: file.JWK.Key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	require.NoError(t, err)
	obj, err := signer.Sign(payload)
	require.NoError(t, err)
	out, err := obj.CompactSerialize()
	require.NoError(t, err)
	return out
}

// setSession puts a session cookie into the browser, as the console would
// have set it.
func setSession(t *testing.T, b *browser, addrs addresses, token string) {
	t.Helper()
	ctx, cancel := b.guarded()
	defer cancel()
	_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "console_session", Value: token,
		URL: addrs.Console, Path: "/console", HTTPOnly: new(true)})
	require.NoError(t, err)
}

// TestBrowserConsole is the console's must-shows in headless Chromium on
// the whole local stack: the demo member signs in on cognito-local's own
// page, finds an unclear mail sent over SMTP, says what it asks for and
// its workflow starts; extends a request and the notice is in the outbox;
// denies one and the reasons are mailed; bob (outside the group), an
// expired token and a token of another pool are refused; a POST without
// the CSRF token changes nothing; axe-core finds no WCAG 2.1 A or AA
// problem on any console page.
func TestBrowserConsole(t *testing.T) {
	chromium := needBrowser(t)
	addrs := startStack(t)
	ctx := context.Background()
	outboxURL := strings.TrimSuffix(addrs.Outbox, "/")
	store := &dynamo.Store{Table: deskEnv["TABLE_NAME"], API: dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(addrs.DynamoDB)
	})}
	cal, err := clock.New(deskEnv["BUSINESS_TIME_ZONE"])
	require.NoError(t, err)

	// An unclear mail over the local SMTP port, and two requests under
	// way: one to extend, one to deny.
	const unclearFrom = "una.clear@example.com"
	sendMail(t, addrs, unclearFrom, "Hello", "Hi there, I have a question about your lovely production planning boards.")
	var unclear *request.Request
	require.True(t, eventually(func() bool {
		ids, err := store.EarlierRequests(ctx, unclearFrom)
		if err != nil || len(ids) == 0 {
			return false
		}
		unclear, err = store.Get(ctx, ids[0])
		return err == nil && unclear.Status == request.Acknowledged
	}), "the unclear mail is a request waiting for triage")
	require.Equal(t, []request.Kind{request.Unclear}, unclear.Kinds)
	underWay := func(id, email string, kinds ...request.Kind) *request.Request {
		received := time.Now().Add(-10 * 24 * time.Hour)
		r := &request.Request{ID: id, SourceID: id, Kinds: kinds, Status: request.InProgress, Channel: request.Web, Priority: request.Normal,
			Requester: request.Identity{Name: "Test Person", Email: email}, ReceivedAt: received, AcknowledgedAt: received,
			Due: cal.Deadlines(received, kinds, request.Normal), UpdatedAt: received}
		_, _, err := store.Create(ctx, r)
		require.NoError(t, err)
		return r
	}
	toExtend := underWay("PR-BRWS-EXTD-AAAA-AAAA", "ext.person@example.com", request.Deletion)
	toDeny := underWay("PR-BRWS-DENY-AAAA-AAAA", "den.person@example.com", request.AccessSpecific)

	b := newBrowser(t, chromium)
	require.Equal(t, http.StatusOK, signInChromium(t, b, addrs, addrs.Team.Member.Username, addrs.Team.Member.Password))
	assert.Contains(t, b.Text("header"), "Signed in as alice")
	audit(t, b, "the work list")

	t.Run("triage an unclear mail and its workflow starts", func(t *testing.T) {
		require.Equal(t, http.StatusOK, b.Navigate(addrs.Console+"?kind=unclear"))
		audit(t, b, "the work list, unclear mail only")
		link := `a[href="./requests/` + unclear.ID + `"]`
		require.True(t, b.Exists(link), "the unclear mail is on the list")
		require.Equal(t, http.StatusOK, b.ClickAndLoad(link))
		audit(t, b, "a request's page")
		require.Equal(t, http.StatusOK, b.ClickAndLoad(`a[href$="/set-kinds"]`))
		audit(t, b, "the triage page")
		b.Click("#kind-deletion")
		require.Equal(t, http.StatusOK, submit(b))
		audit(t, b, "the triage's result")
		require.True(t, eventually(func() bool {
			res, err := http.Get(addrs.StepFunctions + "/_local/executions")
			if err != nil {
				return false
			}
			defer res.Body.Close()
			var out struct {
				Executions []struct{ Name, StateMachineArn string }
			}
			if json.NewDecoder(res.Body).Decode(&out) != nil {
				return false
			}
			for _, e := range out.Executions {
				if strings.HasSuffix(e.StateMachineArn, ":request") && strings.Contains(e.Name, unclear.ID) {
					return true
				}
			}
			return false
		}), "the request workflow of %s started", unclear.ID)
		got, err := store.Get(ctx, unclear.ID)
		require.NoError(t, err)
		assert.Equal(t, []request.Kind{request.Deletion}, got.Kinds)
	})

	t.Run("extend a request and the notice is in the outbox", func(t *testing.T) {
		require.Equal(t, http.StatusOK, b.Navigate(addrs.Console+"requests/"+toExtend.ID+"/extend"))
		audit(t, b, "the extension page")
		const reason = "Our billing system must be searched by hand."
		b.Type("#reason", reason)
		require.Equal(t, http.StatusOK, submit(b))
		audit(t, b, "the extension's result")
		notice := waitForMail(t, outboxURL, toExtend.Requester.Email, reason)
		assert.Contains(t, notice.Subject, "We need more time to answer your privacy request "+toExtend.ID)
		got, err := store.Get(ctx, toExtend.ID)
		require.NoError(t, err)
		assert.Equal(t, request.Extended, got.Status)
	})

	t.Run("a POST without the CSRF token changes nothing", func(t *testing.T) {
		require.Equal(t, http.StatusOK, b.Navigate(addrs.Console+"requests/"+toExtend.ID+"/withdraw"))
		audit(t, b, "the withdrawal page")
		b.Type("#note", "They called us.")
		evaluate[bool](b, "drop the CSRF token", `(() => { document.querySelector('main form input[name="csrf"]').remove(); return true })()`)
		assert.Equal(t, http.StatusForbidden, submit(b))
		assert.Contains(t, b.Text("main"), "nothing was changed")
		audit(t, b, "the refusal of a form without its token")
		got, err := store.Get(ctx, toExtend.ID)
		require.NoError(t, err)
		assert.Equal(t, request.Extended, got.Status, "still extended")
	})

	t.Run("deny a request and the reasons are mailed", func(t *testing.T) {
		require.Equal(t, http.StatusOK, b.Navigate(addrs.Console+"requests/"+toDeny.ID))
		require.Equal(t, http.StatusOK, b.ClickAndLoad(`a[href$="/deny"]`))
		audit(t, b, "the denial page")
		evaluate[string](b, "choose a reason", `(() => { const s = document.querySelector("#reason-access-specific"); s.value = "`+mail.DenyRepeated+`"; return s.value })()`)
		require.Equal(t, http.StatusOK, submit(b))
		audit(t, b, "the denial's result")
		words := mail.DenialReasonWords(mail.DenyRepeated, "")
		notice := waitForMail(t, outboxURL, toDeny.Requester.Email, strings.Fields(words)[0])
		assert.Contains(t, strings.Join(strings.Fields(notice.Text), " "), strings.Join(strings.Fields(words), " "))
		got, err := store.Get(ctx, toDeny.ID)
		require.NoError(t, err)
		assert.Equal(t, request.Denied, got.Status)
	})

	t.Run("the metrics page", func(t *testing.T) {
		require.Equal(t, http.StatusOK, b.Navigate(addrs.Console+"metrics?year="+time.Now().In(cal.Location()).Format("2006")))
		assert.Contains(t, b.Text("main"), "access-specific")
		audit(t, b, "the metrics page")
	})

	t.Run("bob, outside the group, is refused", func(t *testing.T) {
		bob := newBrowser(t, chromium)
		assert.Equal(t, http.StatusForbidden, signInChromium(t, bob, addrs, addrs.Team.Outsider.Username, addrs.Team.Outsider.Password))
		assert.Contains(t, bob.Text("main"), "not in the user pool's privacy-team group")
		audit(t, bob, "the refusal of a user outside the team")
	})

	t.Run("signing out", func(t *testing.T) {
		require.Equal(t, http.StatusOK, b.Navigate(addrs.Console))
		b.ClickAndLoad(`form[action$="sign-out"] button`)
		require.True(t, eventually(func() bool { return strings.HasSuffix(b.URL(), "/console/signed-out") }), "signed out: %s", b.URL())
		b.ready()
		audit(t, b, "the signed-out page")
		b.Navigate(addrs.Console)
		assert.True(t, strings.HasPrefix(b.URL(), addrs.Cognito), "signed out: sign in again")
	})

	token := consoleSession(t, addrs)
	for name, change := range map[string]func(map[string]any){
		"an expired token": func(c map[string]any) {
			c["iat"] = time.Now().Add(-3 * time.Hour).Unix()
			c["exp"] = time.Now().Add(-2 * time.Hour).Unix()
		},
		"a token from another pool": func(c map[string]any) {
			iss := c["iss"].(string)
			c["iss"] = iss[:strings.LastIndex(iss, "/")+1] + "local_otherpool"
		},
	} {
		t.Run(name+" is refused", func(t *testing.T) {
			other := newBrowser(t, chromium)
			other.Navigate(addrs.Form) // a page of the desk's site, for the cookie to belong to
			// The control: the pool's token, signed again unchanged, is let in.
			setSession(t, other, addrs, resign(t, token, func(map[string]any) {}))
			require.Equal(t, http.StatusOK, other.Navigate(addrs.Console))
			assert.Contains(t, other.Text("header"), "Signed in as alice", "the pool's own token is let in")
			setSession(t, other, addrs, resign(t, token, change))
			other.Navigate(addrs.Console)
			assert.True(t, strings.HasPrefix(other.URL(), addrs.Cognito), "sent to sign in again, not let in: %s", other.URL())
			assert.False(t, other.Exists(".counts"), "no work list")
		})
	}
}
