package platform

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/sfnflow"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
)

// VerifyConfig configures the verification functions (VerifyStartFunction
// and VerifyCloseFunction).
type VerifyConfig struct {
	// IntakeConfig gives TABLE_NAME, SENDER_ADDRESS, TEAM_ADDRESS,
	// BUSINESS_TIME_ZONE, FORM_URL and SES_CONFIGURATION_SET.
	IntakeConfig
	// LinkBase is VERIFY_LINK_BASE, the public URL of the confirm page;
	// default FORM_URL + "verify". One of the two is required.
	LinkBase string
}

// LoadVerifyConfig reads VerifyConfig from getenv and reports every missing
// or malformed variable at once.
func LoadVerifyConfig(getenv func(string) string) (VerifyConfig, error) {
	var problems []string
	base, err := LoadIntakeConfig(getenv)
	if err != nil {
		problems = append(problems, strings.TrimPrefix(err.Error(), "configuration: "))
	}
	c := VerifyConfig{IntakeConfig: base, LinkBase: strings.TrimSpace(getenv("VERIFY_LINK_BASE"))}
	if c.LinkBase == "" && c.FormURL != "" {
		c.LinkBase = strings.TrimSuffix(c.FormURL, "/") + "/verify"
	}
	switch {
	case c.LinkBase == "":
		problems = append(problems, "VERIFY_LINK_BASE (or FORM_URL) is required: the public URL of the confirm page")
	case !strings.HasPrefix(c.LinkBase, "https://") && !strings.HasPrefix(c.LinkBase, "http://localhost") && !strings.HasPrefix(c.LinkBase, "http://127.0.0.1"):
		problems = append(problems, "VERIFY_LINK_BASE must be an https:// URL")
	case strings.ContainsAny(c.LinkBase, "?#"):
		problems = append(problems, "VERIFY_LINK_BASE must have no query or fragment")
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// Verifier builds the verification service from configuration; loc is the
// business time zone dates are written in. The web intake uses it for the
// confirm page (Lookup, Confirm), which needs no LinkBase; the two
// functions use Start and Close.
func Verifier(cfg VerifyConfig, awsCfg aws.Config, loc *time.Location, log *slog.Logger, opts ...Option) *verify.Service {
	o := buildOptions(opts)
	ddb := dynamodb.NewFromConfig(awsCfg)
	store := &dynamo.Store{API: ddb, Table: cfg.Table}
	return &verify.Service{
		Store:       store,
		Tokens:      &dynamo.Tokens{API: ddb, Table: cfg.Table},
		Issuer:      token.Issuer{Now: o.now},
		Mail:        Mailer(awsCfg, cfg.Desk, store, o.now, log),
		Tasks:       sfn.NewFromConfig(awsCfg),
		Now:         o.now,
		LinkBase:    cfg.LinkBase,
		FormURL:     cfg.FormURL,
		TeamAddress: cfg.TeamAddress,
		Location:    loc,
		Log:         log,
	}
}

// WebVerifier is the verifier of the web intake's confirm page, built from
// the intake's configuration.
func WebVerifier(cfg IntakeConfig, awsCfg aws.Config, loc *time.Location, log *slog.Logger, opts ...Option) *verify.Service {
	return Verifier(VerifyConfig{IntakeConfig: cfg}, awsCfg, loc, log, opts...)
}

// Verification builds the verification service of VerifyStartFunction and
// VerifyCloseFunction from the environment.
func Verification(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...Option) (*verify.Service, error) {
	cfg, err := LoadVerifyConfig(getenv)
	if err != nil {
		return nil, err
	}
	cal, err := clock.New(cfg.TimeZone)
	if err != nil {
		return nil, err
	}
	awsCfg, err := LoadAWS(ctx)
	if err != nil {
		return nil, err
	}
	return Verifier(cfg, awsCfg, cal.Location(), log, opts...), nil
}

// RequestWorkflowStarter returns a hook that starts the request workflow
// (workflows/request.asl.json) of a stored request, named by its ID, so a
// second start of the same request is harmless.
func RequestWorkflowStarter(awsCfg aws.Config, stateMachineARN string) func(ctx context.Context, r *request.Request) error {
	starter := &sfnflow.Starter{API: sfn.NewFromConfig(awsCfg), StateMachineARN: stateMachineARN}
	return func(ctx context.Context, r *request.Request) error {
		_, err := starter.Start(ctx, r.ID, verify.NewWorkflowInput(r))
		return err
	}
}
