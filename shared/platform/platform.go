// Package platform wires the desk's functions together: it reads each
// function's configuration from the environment once, at cold start, and
// builds the AWS clients, adapters and services from it. Function mains call
// it and nothing else.
package platform

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/deadline"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/intake"
	deskmail "github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/sesmail"
	"github.com/productionflow/privacy-desk/shared/sfnflow"
	"github.com/productionflow/privacy-desk/shared/webform"
)

// Desk is the configuration every function shares.
type Desk struct {
	Table            string // TABLE_NAME: the DynamoDB table
	Sender           string // SENDER_ADDRESS: the From of all mail
	TeamAddress      string // TEAM_ADDRESS: the privacy team
	TimeZone         string // BUSINESS_TIME_ZONE, default America/New_York
	ConfigurationSet string // SES_CONFIGURATION_SET (optional)
	// ReplyTo is REPLY_TO_ADDRESS (optional): the Reply-To of all desk mail,
	// the address the desk's receipt rule reads, so replies join their
	// request. Empty: each mail's own (the team's address).
	ReplyTo string
}

// loadDesk reads Desk from getenv and returns it with every problem found.
func loadDesk(getenv func(string) string) (Desk, []string) {
	d := Desk{
		Table:            strings.TrimSpace(getenv("TABLE_NAME")),
		Sender:           strings.TrimSpace(getenv("SENDER_ADDRESS")),
		TeamAddress:      strings.TrimSpace(getenv("TEAM_ADDRESS")),
		TimeZone:         strings.TrimSpace(getenv("BUSINESS_TIME_ZONE")),
		ConfigurationSet: strings.TrimSpace(getenv("SES_CONFIGURATION_SET")),
		ReplyTo:          strings.TrimSpace(getenv("REPLY_TO_ADDRESS")),
	}
	var problems []string
	if d.Table == "" {
		problems = append(problems, "TABLE_NAME is required (the DynamoDB table)")
	}
	if d.ReplyTo != "" {
		if _, err := mail.ParseAddress(d.ReplyTo); err != nil {
			problems = append(problems, "REPLY_TO_ADDRESS is not an email address")
		}
	}
	for name, v := range map[string]string{"SENDER_ADDRESS": d.Sender, "TEAM_ADDRESS": d.TeamAddress} {
		if v == "" {
			problems = append(problems, name+" is required (an email address)")
		} else if _, err := mail.ParseAddress(v); err != nil {
			problems = append(problems, name+" is not an email address")
		}
	}
	if d.TimeZone == "" {
		d.TimeZone = "America/New_York"
	}
	if _, err := time.LoadLocation(d.TimeZone); err != nil || d.TimeZone == "Local" {
		problems = append(problems, "BUSINESS_TIME_ZONE is not a time zone name like America/New_York")
	}
	return d, problems
}

// configError joins problems into one error, or nil when there are none.
func configError(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	return fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
}

// IntakeConfig configures an intake function (web or email).
type IntakeConfig struct {
	Desk
	FormURL          string // FORM_URL: the public form, offered in mail (optional)
	DeadlineWatchARN string // DEADLINE_WATCH_ARN: the deadline-watch state machine (optional: no watch without it)
	// REQUEST_WORKFLOW_ARN: the request workflow (verification, then
	// fulfilment); optional: without it requests wait for the team.
	RequestWorkflowARN string
}

// LoadIntakeConfig reads IntakeConfig from getenv (os.Getenv in mains) and
// reports every missing or malformed variable at once.
func LoadIntakeConfig(getenv func(string) string) (IntakeConfig, error) {
	desk, problems := loadDesk(getenv)
	c := IntakeConfig{
		Desk:               desk,
		FormURL:            strings.TrimSpace(getenv("FORM_URL")),
		DeadlineWatchARN:   strings.TrimSpace(getenv("DEADLINE_WATCH_ARN")),
		RequestWorkflowARN: strings.TrimSpace(getenv("REQUEST_WORKFLOW_ARN")),
	}
	if c.FormURL != "" && !strings.HasPrefix(c.FormURL, "https://") && !strings.HasPrefix(c.FormURL, "http://localhost") && !strings.HasPrefix(c.FormURL, "http://127.0.0.1") {
		problems = append(problems, "FORM_URL must be an https:// URL")
	}
	if c.DeadlineWatchARN != "" && !strings.HasPrefix(c.DeadlineWatchARN, "arn:") {
		problems = append(problems, "DEADLINE_WATCH_ARN must be a state machine ARN")
	}
	if c.RequestWorkflowARN != "" && !strings.HasPrefix(c.RequestWorkflowARN, "arn:") {
		problems = append(problems, "REQUEST_WORKFLOW_ARN must be a state machine ARN")
	}
	return c, configError(problems)
}

// LoadAWS loads the AWS configuration the standard way; endpoints come from
// AWS_ENDPOINT_URL_<SERVICE> when set (the local stack sets them).
func LoadAWS(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// Option changes how a function is built; mains pass none.
type Option func(*options)

type options struct {
	now func() time.Time
}

// WithNow sets the clock services read; the local stack passes its movable
// clock so that moving it forward moves every deadline check too.
func WithNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

func buildOptions(opts []Option) options {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Mailer is the SES v2 sender every function writes mail with. Each mail
// about a request is remembered by its SES message ID in sent, so that a
// reply to any mail the desk sent (In-Reply-To) joins its request.
func Mailer(awsCfg aws.Config, d Desk, sent deskmail.SentLog, now func() time.Time, log *slog.Logger) deskmail.Sender {
	return &deskmail.Threading{
		Next: &sesmail.Sender{API: sesv2.NewFromConfig(awsCfg), From: d.Sender, ConfigurationSet: d.ConfigurationSet, ReplyTo: d.ReplyTo},
		Log:  sent, Now: now, Logger: log,
	}
}

// Intake builds the intake service and its calendar from configuration.
func Intake(cfg IntakeConfig, awsCfg aws.Config, actor string, log *slog.Logger, opts ...Option) (*intake.Service, *clock.Calendar, error) {
	o := buildOptions(opts)
	cal, err := clock.New(cfg.TimeZone)
	if err != nil {
		return nil, nil, err
	}
	store := &dynamo.Store{API: dynamodb.NewFromConfig(awsCfg), Table: cfg.Table}
	svc := &intake.Service{
		Store:       store,
		Calendar:    cal,
		Mail:        Mailer(awsCfg, cfg.Desk, store, o.now, log),
		Now:         o.now,
		Log:         log,
		Actor:       actor,
		TeamAddress: cfg.TeamAddress,
		NoticeTo:    cfg.TeamAddress,
		FormURL:     cfg.FormURL,
	}
	if cfg.DeadlineWatchARN != "" {
		starter := &sfnflow.Starter{API: sfn.NewFromConfig(awsCfg), StateMachineARN: cfg.DeadlineWatchARN}
		svc.StartWatch = func(ctx context.Context, r *request.Request) error {
			_, err := starter.Start(ctx, r.ID, deadline.NewWatchInput(r, cal))
			return err
		}
	}
	if cfg.RequestWorkflowARN != "" {
		svc.StartWorkflow = RequestWorkflowStarter(awsCfg, cfg.RequestWorkflowARN)
	}
	return svc, cal, nil
}

// WebIntake builds the web intake's http.Handler from the environment.
func WebIntake(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...Option) (http.Handler, error) {
	cfg, err := LoadIntakeConfig(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := LoadAWS(ctx)
	if err != nil {
		return nil, err
	}
	svc, cal, err := Intake(cfg, awsCfg, "system:intake-web", log, opts...)
	if err != nil {
		return nil, err
	}
	mount := map[string]http.Handler{}
	// System owners answer their manual tasks here; the fulfil workflow
	// waits. Served when the export bucket (where uploads go) is configured.
	if getenv("EXPORT_BUCKET") != "" {
		page, err := TaskPage(getenv, awsCfg, cal.Location(), log, opts...)
		if err != nil {
			return nil, err
		}
		mount["/tasks/confirm"] = page
	}
	return webform.New(svc, webform.Config{
		Location: cal.Location(), TeamAddress: cfg.TeamAddress, Log: log,
		Verifier:  WebVerifier(cfg, awsCfg, cal.Location(), log, opts...),
		Requests:  &dynamo.Store{API: dynamodb.NewFromConfig(awsCfg), Table: cfg.Table},
		Downloads: WebDownloads(getenv, awsCfg, cfg.Table, opts...),
		Mount:     mount,
	}), nil
}

// DeadlineReminder builds the deadline reminder service from the environment.
func DeadlineReminder(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...Option) (*deadline.Service, error) {
	o := buildOptions(opts)
	cfg, problems := loadDesk(getenv)
	if err := configError(problems); err != nil {
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
	store := &dynamo.Store{API: dynamodb.NewFromConfig(awsCfg), Table: cfg.Table}
	return &deadline.Service{
		Store:       store,
		Mail:        Mailer(awsCfg, cfg, store, o.now, log),
		Calendar:    cal,
		Now:         o.now,
		TeamAddress: cfg.TeamAddress,
		Log:         log,
	}, nil
}
