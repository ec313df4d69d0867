// Package cognito is the Amazon Cognito adapter of the team console: the
// user pool's hosted sign-in (the OAuth 2.0 authorization code flow with
// PKCE, through golang.org/x/oauth2) and the check of the access tokens it
// issues against the pool's published keys (github.com/coreos/go-oidc/v3):
// the signature, the issuer, the app client, the expiry, the token's use
// and membership of the team's group. It also finds the console's app
// client by name through the Cognito API (the template cannot hand the
// function the client's ID without a dependency cycle: the client's
// callback address names the HTTP API, whose routes name the function).
package cognito

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/productionflow/privacy-desk/shared/console"
)

// Pool is one user pool and the console's app client in it.
type Pool struct {
	// Issuer is the pool's issuer: https://cognito-idp.<region>.amazonaws.com/<pool ID>
	// on AWS. Its keys are at Issuer + "/.well-known/jwks.json".
	Issuer string
	// SignInURL is the base of the pool's hosted sign-in pages (its
	// domain): /oauth2/authorize, /oauth2/token and /logout are under it.
	SignInURL string
	// ClientID is the console's app client: a public client (no secret)
	// allowed the authorization code flow.
	ClientID string
	// Group is the group whose members may use the console.
	Group string
	// Now is the clock tokens' expiry is checked against: the real clock,
	// the one the pool signs tokens on.
	Now func() time.Time
	// HTTP makes the calls to the pool (keys, token exchange); nil means a
	// client with a 10-second timeout.
	HTTP *http.Client

	keys *oidc.RemoteKeySet
}

var _ console.Auth = (*Pool)(nil)

// New readies p: it builds the key set, which is fetched on first use and
// again when a token names a key it does not hold. ctx bounds those
// fetches: pass a context that lives as long as p.
func New(ctx context.Context, p Pool) (*Pool, error) {
	var problems []string
	for name, v := range map[string]string{"issuer": p.Issuer, "sign-in URL": p.SignInURL, "client ID": p.ClientID, "group": p.Group} {
		if strings.TrimSpace(v) == "" {
			problems = append(problems, name+" is required")
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, fmt.Errorf("cognito: %s", strings.Join(problems, "; "))
	}
	p.Issuer = strings.TrimSuffix(p.Issuer, "/")
	p.SignInURL = strings.TrimSuffix(p.SignInURL, "/")
	if p.HTTP == nil {
		p.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if p.Now == nil {
		return nil, errors.New("cognito: a clock (Now) is required")
	}
	p.keys = oidc.NewRemoteKeySet(oidc.ClientContext(ctx, p.HTTP), p.Issuer+"/.well-known/jwks.json")
	return &p, nil
}

func (p *Pool) oauth(redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:    p.ClientID,
		RedirectURL: redirectURL,
		Scopes:      []string{"openid"},
		Endpoint: oauth2.Endpoint{
			AuthURL:   p.SignInURL + "/oauth2/authorize",
			TokenURL:  p.SignInURL + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInParams, // a public client: its ID in the body, no secret
		},
	}
}

// AuthorizeURL is the address of the pool's sign-in page that comes back
// to redirectURL with a code for this state and the challenge of verifier.
func (p *Pool) AuthorizeURL(redirectURL, state, verifier string) string {
	return p.oauth(redirectURL).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

// Exchange trades the code the sign-in page returned for the pool's access
// token, proving the flow's start with verifier, and checks the token.
func (p *Pool) Exchange(ctx context.Context, redirectURL, code, verifier string) (string, console.Member, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.HTTP)
	tok, err := p.oauth(redirectURL).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return "", console.Member{}, fmt.Errorf("%w: the code was refused (%s)", console.ErrSignIn, re.ErrorCode)
		}
		return "", console.Member{}, fmt.Errorf("cognito: exchange the code: %w", err)
	}
	m, err := p.Verify(ctx, tok.AccessToken)
	if err != nil {
		return "", m, err // m names the user when they are outside the group
	}
	return tok.AccessToken, m, nil
}

// claims are the parts of a Cognito access token the console reads.
type claims struct {
	TokenUse string   `json:"token_use"`
	ClientID string   `json:"client_id"`
	Username string   `json:"username"`
	Groups   []string `json:"cognito:groups"`
	JTI      string   `json:"jti"`
}

// Verify checks an access token of the pool: its signature with the pool's
// keys, its issuer, that it is an access token of the console's client,
// that it has not expired and that its holder is in the team's group. It
// returns the member it names; console.ErrExpired, console.ErrNotMember or
// console.ErrToken when it is not good.
func (p *Pool) Verify(ctx context.Context, raw string) (console.Member, error) {
	v := oidc.NewVerifier(p.Issuer, p.keys, &oidc.Config{
		// Access tokens carry no audience: the client is client_id, checked below.
		SkipClientIDCheck:    true,
		SupportedSigningAlgs: []string{oidc.RS256},
		Now:                  p.Now,
	})
	tok, err := v.Verify(oidc.ClientContext(ctx, p.HTTP), raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return console.Member{}, fmt.Errorf("%w (at %s)", console.ErrExpired, expired.Expiry.UTC().Format(time.RFC3339))
		}
		return console.Member{}, fmt.Errorf("%w: %v", console.ErrToken, err)
	}
	var c claims
	if err := tok.Claims(&c); err != nil {
		return console.Member{}, fmt.Errorf("%w: claims: %v", console.ErrToken, err)
	}
	switch {
	case c.TokenUse != "access":
		return console.Member{}, fmt.Errorf("%w: token_use is %q, not access", console.ErrToken, c.TokenUse)
	case c.ClientID != p.ClientID:
		return console.Member{}, fmt.Errorf("%w: issued to another app client", console.ErrToken)
	case c.Username == "" || c.JTI == "":
		return console.Member{}, fmt.Errorf("%w: no username or token ID", console.ErrToken)
	}
	m := console.Member{Username: c.Username, SessionID: c.JTI, Expires: tok.Expiry.UTC()}
	if !slices.Contains(c.Groups, p.Group) {
		return m, fmt.Errorf("%w: %s is not in %s", console.ErrNotMember, c.Username, p.Group)
	}
	return m, nil
}

// SignOutURL is the pool's sign-out page, which ends the pool's own
// sign-in session and sends the browser on to then (an address the app
// client lists among its sign-out URLs).
func (p *Pool) SignOutURL(then string) string {
	q := url.Values{"client_id": {p.ClientID}, "logout_uri": {then}}
	return p.SignInURL + "/logout?" + q.Encode()
}

// ClientsAPI is the part of the Cognito API client FindClient uses.
type ClientsAPI interface {
	ListUserPoolClients(ctx context.Context, in *cip.ListUserPoolClientsInput, opts ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error)
}

var _ ClientsAPI = (*cip.Client)(nil)

// FindClient returns the ID of the app client named name in pool poolID.
func FindClient(ctx context.Context, api ClientsAPI, poolID, name string) (string, error) {
	p := cip.NewListUserPoolClientsPaginator(api, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(poolID), MaxResults: aws.Int32(60)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("cognito: list the app clients of %s: %w", poolID, err)
		}
		for _, c := range page.UserPoolClients {
			if aws.ToString(c.ClientName) == name {
				return aws.ToString(c.ClientId), nil
			}
		}
	}
	return "", fmt.Errorf("cognito: user pool %s has no app client named %q", poolID, name)
}

// IssuerOf is the issuer of pool poolID in region on AWS.
func IssuerOf(region, poolID string) string {
	return "https://cognito-idp." + region + ".amazonaws.com/" + poolID
}
