package cognito_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/cognito"
	"github.com/productionflow/privacy-desk/shared/console"
)

// pool is a user pool in a test: its keys at /<pool>/.well-known/jwks.json
// and a token endpoint, as Cognito serves them.
type pool struct {
	srv    *httptest.Server
	key    *rsa.PrivateKey
	issuer string
	// token is what the token endpoint returns for the code "good-code".
	token string
	// form is the last form posted to the token endpoint.
	form url.Values
}

func newPool(t *testing.T) *pool {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	p := &pool{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /eu-west-1_TEST/.well-known/jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}}
		_ = json.NewEncoder(w).Encode(set)
	})
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		p.form = r.PostForm
		if r.PostForm.Get("code") != "good-code" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": p.token, "token_type": "Bearer", "expires_in": 3600})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	p.issuer = p.srv.URL + "/eu-west-1_TEST"
	return p
}

var now = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// sign makes a token with claims, signed by key under key ID k1.
func sign(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k1").WithType("JWT"))
	require.NoError(t, err)
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	obj, err := signer.Sign(payload)
	require.NoError(t, err)
	raw, err := obj.CompactSerialize()
	require.NoError(t, err)
	return raw
}

// accessToken is a Cognito access token of the console's client for
// alice, in the team, valid for an hour from now; change changes it.
func (p *pool) accessToken(change func(map[string]any)) map[string]any {
	c := map[string]any{
		"sub": "0b1c", "iss": p.issuer, "client_id": "console-client", "token_use": "access",
		"scope": "openid", "username": "alice", "cognito:groups": []string{"privacy-team"},
		"jti": "session-1", "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "auth_time": now.Unix(),
	}
	if change != nil {
		change(c)
	}
	return c
}

func (p *pool) client(t *testing.T, clock time.Time) *cognito.Pool {
	t.Helper()
	c, err := cognito.New(context.Background(), cognito.Pool{Issuer: p.issuer, SignInURL: p.srv.URL, ClientID: "console-client",
		Group: "privacy-team", Now: func() time.Time { return clock }})
	require.NoError(t, err)
	return c
}

func TestVerify(t *testing.T) {
	p := newPool(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tests := []struct {
		name  string
		token func() string
		clock time.Time
		err   error
	}{
		{"a member's access token", func() string { return sign(t, p.key, p.accessToken(nil)) }, now, nil},
		{"expired", func() string { return sign(t, p.key, p.accessToken(nil)) }, now.Add(time.Hour + time.Second), console.ErrExpired},
		{"outside the group", func() string {
			return sign(t, p.key, p.accessToken(func(c map[string]any) { c["cognito:groups"] = []string{"sales"} }))
		}, now, console.ErrNotMember},
		{"in no group", func() string {
			return sign(t, p.key, p.accessToken(func(c map[string]any) { delete(c, "cognito:groups") }))
		}, now, console.ErrNotMember},
		{"an ID token", func() string {
			return sign(t, p.key, p.accessToken(func(c map[string]any) { c["token_use"] = "id"; c["aud"] = "console-client" }))
		}, now, console.ErrToken},
		{"another app client", func() string {
			return sign(t, p.key, p.accessToken(func(c map[string]any) { c["client_id"] = "someone-else" }))
		}, now, console.ErrToken},
		{"another pool's issuer", func() string {
			return sign(t, p.key, p.accessToken(func(c map[string]any) { c["iss"] = p.srv.URL + "/eu-west-1_OTHER" }))
		}, now, console.ErrToken},
		{"signed with another pool's key", func() string { return sign(t, other, p.accessToken(nil)) }, now, console.ErrToken},
		{"not a token", func() string { return "not-a-token" }, now, console.ErrToken},
		{"unsigned", func() string {
			parts := strings.Split(sign(t, p.key, p.accessToken(nil)), ".")
			return parts[0] + "." + parts[1] + "."
		}, now, console.ErrToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := p.client(t, tt.clock).Verify(context.Background(), tt.token())
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, console.Member{Username: "alice", SessionID: "session-1", Expires: now.Add(time.Hour)}, m)
			assert.Equal(t, "team:alice", m.Actor())
		})
	}
	t.Run("outside the group names the user", func(t *testing.T) {
		tok := sign(t, p.key, p.accessToken(func(c map[string]any) { c["username"] = "bob"; c["cognito:groups"] = []string{} }))
		m, err := p.client(t, now).Verify(context.Background(), tok)
		require.ErrorIs(t, err, console.ErrNotMember)
		assert.Equal(t, "bob", m.Username)
	})
}

func TestSignIn(t *testing.T) {
	p := newPool(t)
	p.token = sign(t, p.key, p.accessToken(nil))
	c := p.client(t, now)
	const back = "https://desk.example/console/callback"

	t.Run("the sign-in page carries the client, the return address, the state and the PKCE challenge", func(t *testing.T) {
		u, err := url.Parse(c.AuthorizeURL(back, "state-1", "verifier-1"))
		require.NoError(t, err)
		assert.Equal(t, p.srv.URL+"/oauth2/authorize", u.Scheme+"://"+u.Host+u.Path)
		q := u.Query()
		assert.Equal(t, "code", q.Get("response_type"))
		assert.Equal(t, "console-client", q.Get("client_id"))
		assert.Equal(t, back, q.Get("redirect_uri"))
		assert.Equal(t, "state-1", q.Get("state"))
		assert.Equal(t, "S256", q.Get("code_challenge_method"))
		assert.NotEmpty(t, q.Get("code_challenge"))
		assert.NotContains(t, u.String(), "verifier-1", "only the challenge leaves the console")
	})
	t.Run("the code is exchanged with the verifier and the token checked", func(t *testing.T) {
		tok, m, err := c.Exchange(context.Background(), back, "good-code", "verifier-1")
		require.NoError(t, err)
		assert.Equal(t, p.token, tok)
		assert.Equal(t, "alice", m.Username)
		assert.Equal(t, "verifier-1", p.form.Get("code_verifier"))
		assert.Equal(t, "console-client", p.form.Get("client_id"))
		assert.Equal(t, back, p.form.Get("redirect_uri"))
		assert.Equal(t, "authorization_code", p.form.Get("grant_type"))
	})
	t.Run("a refused code", func(t *testing.T) {
		_, _, err := c.Exchange(context.Background(), back, "used-code", "verifier-1")
		assert.ErrorIs(t, err, console.ErrSignIn)
	})
	t.Run("a token for someone outside the team", func(t *testing.T) {
		p.token = sign(t, p.key, p.accessToken(func(c map[string]any) { c["cognito:groups"] = []string{} }))
		tok, m, err := c.Exchange(context.Background(), back, "good-code", "verifier-1")
		assert.ErrorIs(t, err, console.ErrNotMember)
		assert.Empty(t, tok)
		assert.Equal(t, "alice", m.Username, "named on the page that refuses her")
	})
	t.Run("the sign-out page", func(t *testing.T) {
		u, err := url.Parse(c.SignOutURL("https://desk.example/console/signed-out"))
		require.NoError(t, err)
		assert.Equal(t, "/logout", u.Path)
		assert.Equal(t, "console-client", u.Query().Get("client_id"))
		assert.Equal(t, "https://desk.example/console/signed-out", u.Query().Get("logout_uri"))
	})
}

type clients struct {
	pages [][]types.UserPoolClientDescription
}

func (c *clients) ListUserPoolClients(_ context.Context, in *cip.ListUserPoolClientsInput, _ ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error) {
	i := 0
	if in.NextToken != nil {
		i = int((*in.NextToken)[0] - '0')
	}
	out := &cip.ListUserPoolClientsOutput{UserPoolClients: c.pages[i]}
	if i+1 < len(c.pages) {
		out.NextToken = aws.String(string(rune('0' + i + 1)))
	}
	return out, nil
}

func TestFindClient(t *testing.T) {
	api := &clients{pages: [][]types.UserPoolClientDescription{
		{{ClientName: aws.String("reports"), ClientId: aws.String("r1")}},
		{{ClientName: aws.String("console"), ClientId: aws.String("c1")}},
	}}
	id, err := cognito.FindClient(context.Background(), api, "pool", "console")
	require.NoError(t, err)
	assert.Equal(t, "c1", id)
	_, err = cognito.FindClient(context.Background(), api, "pool", "missing")
	assert.ErrorContains(t, err, `no app client named "missing"`)
}
