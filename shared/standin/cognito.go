package standin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Cognito is the local Amazon Cognito user pool service: cognito-local
// (npm), which serves the Cognito API, the pools' keys at
// /<pool>/.well-known/jwks.json, RS256 tokens with issuer <URL>/<pool>, and
// the hosted sign-in's /oauth2/authorize and /oauth2/token (the
// authorization code flow with PKCE). It has no /logout, Cognito's
// sign-out page; a small front in this process serves that (it keeps no
// sign-in session to end, so it only sends the browser on, as Cognito
// does) and passes everything else to cognito-local.
type Cognito struct {
	// URL is the front's address: the Cognito API endpoint, the hosted
	// sign-in's domain and the issuers' prefix.
	URL string

	node  *Server
	front *http.Server
	temp  string
}

// StartCognito starts cognito-local behind its front, on opt.Port (0 picks
// a free one), keeping its pools in opt.DataDir (empty: a temporary folder
// removed at Stop). Its pools have plain user names (Cognito's default;
// cognito-local's own default would make them email addresses).
func StartCognito(ctx context.Context, opt Options) (_ *Cognito, err error) {
	if opt.Port != 0 {
		if err := CheckFree(fmt.Sprintf("127.0.0.1:%d", opt.Port)); err != nil {
			return nil, fmt.Errorf("start cognito-local: %w", err)
		}
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", opt.Port))
	if err != nil {
		return nil, fmt.Errorf("listen for cognito-local: %w", err)
	}
	c := &Cognito{URL: "http://" + l.Addr().String()}
	defer func() {
		if err != nil {
			_ = l.Close()
			c.Stop()
		}
	}()
	dir := opt.DataDir
	if dir == "" {
		if c.temp, err = os.MkdirTemp("", "cognito-local-"); err != nil {
			return nil, err
		}
		dir = c.temp
	}
	if err := os.MkdirAll(filepath.Join(dir, ".cognito"), 0o700); err != nil {
		return nil, fmt.Errorf("cognito-local data folder: %w", err)
	}
	config, _ := json.Marshal(map[string]any{
		"UserPoolDefaults": map[string]any{"UsernameAttributes": []string{}},
		"TokenConfig":      map[string]any{"IssuerDomain": c.URL},
	})
	if err := os.WriteFile(filepath.Join(dir, ".cognito", "config.json"), config, 0o600); err != nil {
		return nil, fmt.Errorf("cognito-local configuration: %w", err)
	}
	// Port 0: it binds one the system chooses and names it.
	c.node, err = startIn(ctx, "cognito-local", opt.Root, dir, []string{"HOST=127.0.0.1", "PORT=0"}, 0, nil)
	if err != nil {
		return nil, err
	}
	backend, _ := url.Parse(c.node.URL)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /logout", signOutPage)
	mux.Handle("/", httputil.NewSingleHostReverseProxy(backend))
	c.front = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = c.front.Serve(l) }()
	return c, nil
}

// signOutPage is Cognito's GET /logout: it ends the pool's sign-in session
// (the stand-in keeps none) and sends the browser to logout_uri.
func signOutPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	then, err := url.Parse(q.Get("logout_uri"))
	if q.Get("client_id") == "" || err != nil || (then.Scheme != "http" && then.Scheme != "https") || then.Host == "" {
		http.Error(w, "invalid_request: client_id and logout_uri are required", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, then.String(), http.StatusFound)
}

// Stop stops the front and cognito-local.
func (c *Cognito) Stop() {
	if c.front != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = c.front.Shutdown(ctx)
	}
	if c.node != nil {
		_ = c.node.Stop()
	}
	if c.temp != "" {
		_ = os.RemoveAll(c.temp)
	}
}

// Team is the local privacy team: the user pool, the console's app client
// and two demo users, one in the team's group and one outside it.
type Team struct {
	PoolID     string
	ClientID   string
	ClientName string
	Group      string
	// Member is in the group; Outsider is not.
	Member, Outsider Credentials
	// Env is the console's configuration for this pool (standin.AWSEnv
	// gives the Cognito API's endpoint).
	Env map[string]string
}

// Credentials are a demo user's.
type Credentials struct{ Username, Password string }

// The local team's names. The passwords are the local stand-in's only.
const (
	TeamPool       = "privacy-desk-team"
	TeamClient     = "console"
	TeamGroup      = "privacy-team"
	demoPassword   = "Local-desk-demo-1"
	demoMember     = "alice"
	demoOutsider   = "bob"
	demoMemberMail = "alice@productionflow.local"
	demoOutMail    = "bob@productionflow.local"
)

// SeedTeam makes the local team in the Cognito stand-in at cognitoURL, as
// template.yaml makes it on AWS, for a console served at consoleURL
// (ending in "/console/"): the pool (plain user names), the console's app
// client (public, authorization code flow, its callback and sign-out
// pages), the privacy-team group, the demo member in it and a demo user
// outside it. It finds what an earlier run made, and makes it right.
func SeedTeam(ctx context.Context, cognitoURL, consoleURL string) (Team, error) {
	api := cip.NewFromConfig(Config(), func(o *cip.Options) { o.BaseEndpoint = aws.String(cognitoURL) })
	t := Team{ClientName: TeamClient, Group: TeamGroup,
		Member: Credentials{demoMember, demoPassword}, Outsider: Credentials{demoOutsider, demoPassword}}
	pools, err := api.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	if err != nil {
		return t, fmt.Errorf("list user pools: %w", err)
	}
	for _, p := range pools.UserPools {
		if aws.ToString(p.Name) == TeamPool {
			t.PoolID = aws.ToString(p.Id)
		}
	}
	if t.PoolID == "" {
		p, err := api.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(TeamPool)})
		if err != nil {
			return t, fmt.Errorf("create user pool: %w", err)
		}
		t.PoolID = aws.ToString(p.UserPool.Id)
	}
	client := clientSettings(t.PoolID, consoleURL)
	clients, err := api.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(t.PoolID), MaxResults: aws.Int32(60)})
	if err != nil {
		return t, fmt.Errorf("list app clients: %w", err)
	}
	for _, c := range clients.UserPoolClients {
		if aws.ToString(c.ClientName) == TeamClient {
			t.ClientID = aws.ToString(c.ClientId)
		}
	}
	if t.ClientID == "" {
		out, err := api.CreateUserPoolClient(ctx, client)
		if err != nil {
			return t, fmt.Errorf("create app client: %w", err)
		}
		t.ClientID = aws.ToString(out.UserPoolClient.ClientId)
	} else {
		// The console's address may have changed since the last run.
		if _, err := api.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{
			UserPoolId: client.UserPoolId, ClientId: aws.String(t.ClientID), ClientName: client.ClientName,
			AllowedOAuthFlows: client.AllowedOAuthFlows, AllowedOAuthFlowsUserPoolClient: client.AllowedOAuthFlowsUserPoolClient,
			AllowedOAuthScopes: client.AllowedOAuthScopes, CallbackURLs: client.CallbackURLs, LogoutURLs: client.LogoutURLs,
			SupportedIdentityProviders: client.SupportedIdentityProviders,
			AccessTokenValidity:        client.AccessTokenValidity, IdTokenValidity: client.IdTokenValidity, TokenValidityUnits: client.TokenValidityUnits,
		}); err != nil {
			return t, fmt.Errorf("update app client: %w", err)
		}
	}
	if _, err := api.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(t.PoolID), GroupName: aws.String(TeamGroup),
		Description: aws.String("The privacy team: may use the privacy desk's console")}); err != nil && !isCode(err, "GroupExistsException") {
		return t, fmt.Errorf("create group: %w", err)
	}
	for _, u := range []struct {
		name, email string
		inTeam      bool
	}{{demoMember, demoMemberMail, true}, {demoOutsider, demoOutMail, false}} {
		if _, err := api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
			UserPoolId: aws.String(t.PoolID), Username: aws.String(u.name), MessageAction: types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(u.email)}, {Name: aws.String("email_verified"), Value: aws.String("true")}},
		}); err != nil && !isCode(err, "UsernameExistsException") {
			return t, fmt.Errorf("create user %s: %w", u.name, err)
		}
		if _, err := api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(t.PoolID), Username: aws.String(u.name),
			Password: aws.String(demoPassword), Permanent: true}); err != nil {
			return t, fmt.Errorf("set the password of %s: %w", u.name, err)
		}
		if u.inTeam {
			if _, err := api.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: aws.String(t.PoolID), Username: aws.String(u.name),
				GroupName: aws.String(TeamGroup)}); err != nil {
				return t, fmt.Errorf("add %s to %s: %w", u.name, TeamGroup, err)
			}
		}
	}
	t.Env = map[string]string{
		"USER_POOL_ID":          t.PoolID,
		"USER_POOL_CLIENT_NAME": TeamClient,
		"USER_POOL_SIGN_IN_URL": cognitoURL,
		"USER_POOL_ISSUER":      cognitoURL + "/" + t.PoolID,
		"CONSOLE_GROUP":         TeamGroup,
		"CONSOLE_URL":           consoleURL,
	}
	return t, nil
}

// clientSettings is the console's app client as template.yaml declares it.
func clientSettings(poolID, consoleURL string) *cip.CreateUserPoolClientInput {
	return &cip.CreateUserPoolClientInput{
		UserPoolId:                      aws.String(poolID),
		ClientName:                      aws.String(TeamClient),
		GenerateSecret:                  false,
		AllowedOAuthFlows:               []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes:              []string{"openid"},
		SupportedIdentityProviders:      []string{"COGNITO"},
		CallbackURLs:                    []string{consoleURL + "callback"},
		LogoutURLs:                      []string{consoleURL + "signed-out"},
		AccessTokenValidity:             aws.Int32(60),
		IdTokenValidity:                 aws.Int32(60),
		TokenValidityUnits:              &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes, IdToken: types.TimeUnitsTypeMinutes},
	}
}

func isCode(err error, code string) bool {
	var coded interface{ ErrorCode() string }
	return errors.As(err, &coded) && coded.ErrorCode() == code
}
