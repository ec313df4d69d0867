// Package verify builds the verification functions (VerifyStartFunction,
// VerifyCloseFunction) from the environment, and the verifier of the web
// intake's confirm page.
package verify

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/setup/sfnclient"
	"github.com/productionflow/privacy-desk/shared/sfn"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
)

// Config configures the verification functions.
type Config struct {
	setup.Desk
	FormURL setup.URL `env:"FORM_URL"` // the public form, offered in mail
	// LinkBase is the public URL of the confirm page the emailed link opens;
	// default FORM_URL + "verify". One of the two is required.
	LinkBase setup.URL `env:"VERIFY_LINK_BASE"`
}

// LoadConfig reads Config from getenv and reports every problem at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	return setup.Load(getenv, func(c *Config) []string {
		if c.LinkBase == "" && c.FormURL != "" {
			c.LinkBase = setup.URL(strings.TrimSuffix(c.FormURL.String(), "/") + "/verify")
		}
		switch {
		case c.LinkBase == "" && strings.TrimSpace(getenv("VERIFY_LINK_BASE")) == "" && strings.TrimSpace(getenv("FORM_URL")) == "":
			return []string{"VERIFY_LINK_BASE (or FORM_URL) is required: the public URL of the confirm page"}
		case strings.ContainsAny(c.LinkBase.String(), "?#"):
			return []string{"VERIFY_LINK_BASE must have no query or fragment"}
		}
		return nil
	})
}

// Service builds the verification service; loc is the business time zone
// dates are written in. The web intake's confirm page uses it (Lookup,
// Confirm) with no LinkBase; the two functions use Start and Close.
func Service(cfg Config, awsCfg aws.Config, loc *time.Location, log *slog.Logger, opts ...setup.Option) *verify.Service {
	o := setup.Apply(opts)
	ddb := setup.NewTable(awsCfg)
	store := &dynamo.Store{API: ddb, Table: cfg.Table}
	svc := &verify.Service{
		Store:       store,
		Tokens:      &dynamo.Tokens{API: ddb, Table: cfg.Table},
		Issuer:      token.Issuer{Now: o.Now},
		Mail:        setup.Mailer(awsCfg, cfg.Desk, store, o.Now, log),
		Tasks:       &sfn.Tasks{API: sfnclient.NewTasks(awsCfg)},
		Now:         o.Now,
		LinkBase:    cfg.LinkBase.String(),
		FormURL:     cfg.FormURL.String(),
		TeamAddress: cfg.TeamAddress.Bare(),
		Location:    loc,
		Log:         log,
	}
	if l := setup.StatusLinks(cfg.Desk, awsCfg, o.Now); l != nil {
		svc.StatusLinks = l
	}
	return svc
}

// fromEnv builds the verification service of the two functions.
func fromEnv(ctx context.Context, getenv func(string) string, log *slog.Logger, opts []setup.Option) (*verify.Service, error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return nil, err
	}
	cal, err := clock.New(cfg.TimeZone.String())
	if err != nil {
		return nil, err
	}
	awsCfg, err := setup.LoadAWS(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return Service(cfg, awsCfg, cal.Location(), log, opts...), nil
}

// Start builds VerifyStartFunction's handler: the request workflow's
// waitForTaskToken task that mails the requester the confirm link.
func Start(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (func(context.Context, verify.StartInput) (verify.StartOutput, error), error) {
	svc, err := fromEnv(ctx, getenv, log, opts)
	if err != nil {
		return nil, err
	}
	return svc.Start, nil
}

// Close builds VerifyCloseFunction's handler: it closes a request nobody
// verified in time.
func Close(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (func(context.Context, verify.CloseInput) (verify.CloseOutput, error), error) {
	svc, err := fromEnv(ctx, getenv, log, opts)
	if err != nil {
		return nil, err
	}
	return svc.Close, nil
}
