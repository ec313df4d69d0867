// Package intake builds the intake service both intake functions share
// (the web form's and the privacy mailbox's): requests stored and
// acknowledged once, their request workflow started (the hourly deadline
// sweep finds them in the table; nothing is started for it).
// The functions themselves are built by its packages web and email.
package intake

import (
	"context"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/setup/sfnclient"
	"github.com/productionflow/privacy-desk/shared/sfn"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
)

// Config configures an intake function (web or email).
type Config struct {
	setup.Desk
	FormURL setup.URL `env:"FORM_URL"` // the public form, offered in mail
	// RequestWorkflowARN is the request workflow (verification, then
	// fulfilment); without it requests wait for the team.
	RequestWorkflowARN setup.ARN `env:"REQUEST_WORKFLOW_ARN"`
	// VerifyLinkBase is the confirm page the verification link in the
	// acknowledgement opens; default FORM_URL + "verify". With neither,
	// the link comes in a mail of its own from the request workflow.
	VerifyLinkBase setup.URL `env:"VERIFY_LINK_BASE"`
	// AcksPerAddressPerDay caps the acknowledgements one address gets a
	// day; past it requests are stored and left to the team.
	AcksPerAddressPerDay int `env:"ACKS_PER_ADDRESS_PER_DAY" envDefault:"3"`
}

// LoadConfig reads Config from getenv and reports every problem at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	return setup.Load[Config](getenv, nil)
}

// Service builds the intake service and its calendar from configuration;
// actor names the function in audit events.
func Service(cfg Config, awsCfg aws.Config, actor string, log *slog.Logger, opts ...setup.Option) (*intake.Service, *clock.Calendar, error) {
	o := setup.Apply(opts)
	cal, err := clock.New(cfg.TimeZone.String())
	if err != nil {
		return nil, nil, err
	}
	store := &dynamo.Store{API: setup.NewTable(awsCfg), Table: cfg.Table}
	svc := &intake.Service{
		Store:       store,
		Calendar:    cal,
		Mail:        setup.Mailer(awsCfg, cfg.Desk, store, o.Now, log),
		Now:         o.Now,
		Log:         log,
		Actor:       actor,
		TeamAddress: cfg.TeamAddress.Bare(),
		NoticeTo:    cfg.TeamAddress.Bare(),
		FormURL:     cfg.FormURL.String(),
		// One automatic acknowledgement per address and day up to the cap,
		// and no second request while one of the same kinds awaits its
		// confirmation: counted with conditional writes on the table.
		Caps:                 store,
		AcksPerAddressPerDay: cfg.AcksPerAddressPerDay,
		Metrics:              setup.Metrics(cfg.Desk, o.Now),
	}
	if l := setup.StatusLinks(cfg.Desk, awsCfg, o.Now); l != nil {
		svc.StatusLinks = l
	}
	if cfg.RequestWorkflowARN != "" {
		starter := &sfn.Starter{API: sfnclient.NewStarter(awsCfg), StateMachineARN: cfg.RequestWorkflowARN.String()}
		svc.StartWorkflow = func(ctx context.Context, r *request.Request) error {
			_, err := starter.Start(ctx, r.ID, verify.NewWorkflowInput(r))
			return err
		}
		// The acknowledgement carries the verification link: one mail.
		base := cfg.VerifyLinkBase.String()
		if base == "" && cfg.FormURL != "" {
			base = strings.TrimSuffix(cfg.FormURL.String(), "/") + "/verify"
		}
		if base != "" {
			svc.VerifyLinks = &verify.Links{Tokens: &dynamo.Tokens{API: store.API, Table: cfg.Table}, Issuer: token.Issuer{Now: o.Now}, Base: base}
		}
	}
	return svc, cal, nil
}
