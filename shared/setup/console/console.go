// Package console builds the team console (ConsoleFunction) from the
// environment: the user pool that signs the team in, the request store,
// the mailer, and the intake service that starts a triaged request's
// workflows.
package console

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/cognito"
	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/setup/cognitoclient"
	"github.com/productionflow/privacy-desk/shared/setup/edge"
	"github.com/productionflow/privacy-desk/shared/setup/intake"
	"github.com/productionflow/privacy-desk/shared/setup/sfnclient"
	setupverify "github.com/productionflow/privacy-desk/shared/setup/verify"
	"github.com/productionflow/privacy-desk/shared/sfn"
	"github.com/productionflow/privacy-desk/shared/withdraw"
)

// Config configures the console.
type Config struct {
	// The intake's configuration: the desk's, the form's address for mail,
	// and the workflows a triaged request starts.
	intake.Config
	Pool Pool
	// URL is the console's address, ending in "/console/"; empty takes
	// it from each request's Host header.
	URL setup.URL `env:"CONSOLE_URL"`
	// FulfilWorkflowARN is the fulfil workflow, which the team runs again
	// after it failed; without it that action is not offered.
	FulfilWorkflowARN setup.ARN `env:"FULFIL_WORKFLOW_ARN"`
	// Edge, when set, answers 403 to requests that did not come through
	// the distribution (the console used at the desk's own address, with
	// PublicFormUrl); unset where the console is used at the API's address.
	Edge edge.Config
}

// Pool configures the user pool the team signs in with.
type Pool struct {
	ID string `env:"USER_POOL_ID,required"`
	// ClientName names the console's app client in the pool; its ID is
	// looked up by the first request after a cold start.
	ClientName string `env:"USER_POOL_CLIENT_NAME" envDefault:"console"`
	// SignInURL is the pool's domain: its hosted sign-in pages.
	SignInURL setup.URL `env:"USER_POOL_SIGN_IN_URL,required"`
	// Issuer is the pool's token issuer; empty means Cognito's in the
	// function's region.
	Issuer setup.URL `env:"USER_POOL_ISSUER"`
	// Group is the group whose members may use the console.
	Group string `env:"CONSOLE_GROUP" envDefault:"privacy-team"`
}

// LoadConfig reads Config from getenv and reports every problem at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	return setup.Load[Config](getenv, func(c *Config) []string {
		if c.URL != "" {
			if u, err := url.Parse(c.URL.String()); err != nil || u.Path != console.Prefix+"/" {
				return []string{"CONSOLE_URL must end in " + console.Prefix + "/"}
			}
		}
		return nil
	})
}

// Handler builds ConsoleFunction's handler; its main serves it through
// the API Gateway adapter, the local stack over HTTP under /console/. It
// makes no AWS call: the console's app client is looked up, and the
// distribution's secret read, by the first request (setup.Later).
func Handler(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (http.Handler, error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := setup.LoadAWS(ctx, opts...)
	if err != nil {
		return nil, err
	}
	o := setup.Apply(opts)
	// The intake's own service acknowledges a triaged request in the words
	// of its kinds and starts its workflows, as for a new request.
	in, cal, err := intake.Service(cfg.Config, awsCfg, "system:console", log, opts...)
	if err != nil {
		return nil, err
	}
	store := &dynamo.Store{API: setup.NewTable(awsCfg), Table: cfg.Table}
	// The verification service resends a link; the link opens the form's
	// confirm page, as the one the request workflow mailed.
	var verifier console.Verifier
	if cfg.FormURL != "" {
		verifier = setupverify.Service(setupverify.Config{Desk: cfg.Desk, FormURL: cfg.FormURL,
			LinkBase: setup.URL(strings.TrimSuffix(cfg.FormURL.String(), "/") + "/verify")}, awsCfg, cal.Location(), log, opts...)
	}
	var fulfilment console.Fulfilment
	var owners console.OwnersWaker
	if cfg.FulfilWorkflowARN != "" {
		fulfilment = &sfn.Starter{API: sfnclient.NewStarter(awsCfg), StateMachineARN: cfg.FulfilWorkflowARN.String()}
		// Finishing a stuck owner's task by hand wakes the fulfilment's
		// wait for its owners, so that it counts the task now.
		owners = &sfn.OwnersWaker{Tokens: store, Tasks: &sfn.Tasks{API: sfnclient.NewTasks(awsCfg)}}
	}
	var links console.StatusLinks
	if l := setup.StatusLinks(cfg.Desk, awsCfg, o.Now); l != nil {
		links = l
	}
	// Withdrawing mails the requester the notice, as the status page's
	// withdrawal does.
	withdrawals := &withdraw.Service{Store: store, Mail: in.Mail, StatusLinks: links, Now: o.Now, Location: cal.Location(),
		TeamAddress: cfg.TeamAddress.Bare(), FormURL: cfg.FormURL.String(), Log: log}
	desk := &console.Service{
		Withdrawals: withdrawals,
		StatusLinks: links,
		Fulfilment:  fulfilment,
		Owners:      owners,
		Verifier:    verifier,
		Store:       store,
		Writer:      store,
		Consumers:   store,
		Intake:      in,
		Calendar:    cal,
		Mail:        in.Mail,
		Now:         o.Now,
		TeamAddress: cfg.TeamAddress.Bare(),
		Log:         log,
	}
	metrics := &console.Yearly{Years: store, Trails: store, Location: cal.Location()}
	c := console.Config{Sessions: store, Desk: desk, Metrics: metrics, Group: cfg.Pool.Group, AuthNow: time.Now, Log: log}
	if cfg.URL != "" {
		c.URL, _ = url.Parse(cfg.URL.String()) // checked by LoadConfig
	}
	issuer := cfg.Pool.Issuer.String()
	if issuer == "" {
		issuer = cognito.IssuerOf(awsCfg.Region, cfg.Pool.ID)
	}
	clients := cognitoclient.New(awsCfg)
	origin := edge.SecretsManager(awsCfg)
	return &setup.Later{What: "console", Log: log, Unavailable: unavailable, Build: func(rctx context.Context) (http.Handler, error) {
		id, err := cognito.FindClient(rctx, clients, cfg.Pool.ID, cfg.Pool.ClientName)
		if err != nil {
			return nil, err
		}
		// Tokens are checked on the real clock, the one the pool signs
		// them on, even where the desk's clock is moved (the local stack).
		// The pool's keys are fetched under the function's context, not
		// the first request's, which ends with it.
		pool, err := cognito.New(ctx, cognito.Pool{Issuer: issuer, SignInURL: cfg.Pool.SignInURL.String(), ClientID: id,
			Group: cfg.Pool.Group, Now: time.Now})
		if err != nil {
			return nil, err
		}
		c.Auth = pool
		return edge.Guard(rctx, cfg.Edge, origin, console.New(c))
	}}, nil
}

// unavailable answers while the console cannot be built: its app client
// cannot be looked up, or the distribution's secret read.
func unavailable(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Retry-After", "5")
	http.Error(w, "The console cannot reach its sign-in service or its settings just now. Try again in a moment.", http.StatusServiceUnavailable)
}
