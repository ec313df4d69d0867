// Package fulfil builds the fulfilment functions from the environment:
// FulfilPlanFunction, FulfilStepFunction, FulfilTasksFunction and
// FulfilAnswerFunction, and the owners' task page the web intake serves.
// FulfilStartFunction (the hand-over from verification) is built by its
// package start. Each constructor builds only the parts its function
// calls, so a function links and is allowed only what it uses.
package fulfil

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/dynamo/task"
	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/fulfil"
	deskmail "github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/s3"
	"github.com/productionflow/privacy-desk/shared/secret"
	"github.com/productionflow/privacy-desk/shared/sesmail"
	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/setup/s3client"
	"github.com/productionflow/privacy-desk/shared/setup/secretclient"
	"github.com/productionflow/privacy-desk/shared/setup/sfnclient"
	"github.com/productionflow/privacy-desk/shared/sfn"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/token"
)

// Config configures the fulfilment functions and the task page.
type Config struct {
	setup.Desk // TEAM_ADDRESS is the answer's Reply-To and is told when a request needs attention
	Systems
	Export
	// ConfirmURL is the owners' task page; required by the function that
	// mails owners when the registry declares a manual action.
	ConfirmURL setup.URL `env:"TASK_CONFIRM_URL"`
	// DownloadURL is the web intake's download page the answer links access
	// packages to; required by the answer when the registry declares an
	// export action.
	DownloadURL setup.URL `env:"DOWNLOAD_URL"`
	// ExpeditedTaskDays is the owners' deadline in business days for an
	// expedited request or a child's data (fulfil.DefaultExpeditedTaskDays).
	ExpeditedTaskDays int `env:"TASK_EXPEDITED_BUSINESS_DAYS" envDefault:"2"`
}

// Systems says which registry of downstream systems to load.
type Systems struct {
	// File is a registry file to load instead of the one built into the
	// binary (shared/system/systems.yaml).
	File string `env:"SYSTEMS_FILE"`
	// AllowLocalHTTP accepts http:// system URLs on this machine (the local
	// stack's stand-ins); never set in AWS.
	AllowLocalHTTP bool `env:"SYSTEMS_ALLOW_LOCAL_HTTP"`
	// Rebase maps production origins of the registry's calls to local base
	// URLs (comma-separated origin=base pairs), only with AllowLocalHTTP
	// and only to this machine. Never set in AWS.
	Rebase string `env:"SYSTEMS_REBASE"`
	rebase map[string]string
}

// Export says where access packages and each system's export part go.
type Export struct {
	Bucket   string `env:"EXPORT_BUCKET,required"`
	KMSKeyID string `env:"EXPORT_KMS_KEY_ID,required"` // the key they are encrypted with
	Prefix   string `env:"EXPORT_PREFIX" envDefault:"exports/"`
	// PartsPrefix is where each system's export part is kept until the
	// answer, apart from the packages (the bucket keeps them longer).
	PartsPrefix string `env:"EXPORT_PARTS_PREFIX" envDefault:"parts/"`
	// S3PathStyle addresses buckets by path, for a local S3 stand-in
	// reached by a host name; never set in AWS.
	S3PathStyle bool `env:"S3_FORCE_PATH_STYLE"`
}

// LoadConfig reads Config from getenv and reports every problem at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	return setup.Load(getenv, func(c *Config) []string {
		var problems []string
		if c.ExpeditedTaskDays < 1 || c.ExpeditedTaskDays > 30 {
			problems = append(problems, "TASK_EXPEDITED_BUSINESS_DAYS must be a whole number of business days from 1 to 30")
		}
		// The parts and the packages each have their bucket rule and their
		// grants: neither prefix may hold the other.
		parts, packages := c.PartsPrefix, c.Prefix
		if !strings.HasSuffix(parts, "/") || !strings.HasSuffix(packages, "/") ||
			strings.HasPrefix(parts, packages) || strings.HasPrefix(packages, parts) {
			problems = append(problems, "EXPORT_PARTS_PREFIX and EXPORT_PREFIX must be two folders (each ending in /), neither inside the other")
		}
		if c.Rebase != "" {
			rebase, err := system.ParseRebase(c.Rebase)
			switch {
			case err != nil:
				problems = append(problems, "SYSTEMS_REBASE: "+err.Error()+" (comma-separated https://origin=http://127.0.0.1:port pairs)")
			case !c.AllowLocalHTTP:
				problems = append(problems, "SYSTEMS_REBASE needs SYSTEMS_ALLOW_LOCAL_HTTP=true (local runs only)")
			default:
				c.rebase = rebase
			}
		}
		return problems
	})
}

// Registry loads the systems registry: File when set, else the one built
// into the binary; with Rebase, its calls go to the local base URLs.
func (s Systems) Registry() (*system.Registry, error) {
	opts := system.Options{Template: system.TemplateOptions{AllowLocalHTTP: s.AllowLocalHTTP}, Rebase: s.rebase}
	if s.File != "" {
		return system.LoadFile(s.File, opts)
	}
	return system.Builtin(opts)
}

// needs refuses a registry that declares what the function needs a page
// for when the page is not configured: the confirm page for manual
// actions, the download page for exports.
func needs(reg *system.Registry, variable string, url setup.URL, article string, declares func(*system.System) (system.Action, bool)) error {
	if url != "" {
		return nil
	}
	for _, s := range reg.Systems {
		if a, ok := declares(&s); ok {
			return fmt.Errorf("configuration: %s is required: %s has %s %s action", variable, s.Name, article, a)
		}
	}
	return nil
}

func manualAction(s *system.System) (system.Action, bool) {
	for a, m := range s.Actions {
		if m != nil && m.Kind == system.Manual {
			return a, true
		}
	}
	return "", false
}

func exportAction(s *system.System) (system.Action, bool) {
	return system.Export, s.Actions[system.Export] != nil
}

// parts is what every fulfilment function is built on.
type parts struct {
	cfg   Config
	aws   aws.Config
	ddb   setup.Table
	store *dynamo.Store
	reg   *system.Registry
	cal   *clock.Calendar
	now   func() time.Time
	log   *slog.Logger
}

func load(ctx context.Context, getenv func(string) string, log *slog.Logger, opts []setup.Option) (*parts, error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return nil, err
	}
	reg, err := cfg.Registry()
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
	ddb := setup.NewTable(awsCfg)
	return &parts{cfg: cfg, aws: awsCfg, ddb: ddb, store: &dynamo.Store{API: ddb, Table: cfg.Table}, reg: reg, cal: cal,
		now: setup.Apply(opts).Now, log: log}, nil
}

// service is the fulfilment service with what every method reads.
func (p *parts) service() *fulfil.Service {
	return &fulfil.Service{
		Store: p.store, Registry: p.reg, Calendar: p.cal, Now: p.now, Log: p.log,
		TeamAddress: p.cfg.TeamAddress.Bare(), Location: p.cal.Location(),
		Metrics: setup.Metrics(p.cfg.Desk, p.now),
	}
}

func (p *parts) mailer() deskmail.Sender {
	return setup.Mailer(p.aws, p.cfg.Desk, p.store, p.now, p.log)
}

func (p *parts) s3() s3client.Objects {
	return s3client.New(p.aws, p.cfg.S3PathStyle)
}

func (p *parts) exportParts(c s3client.Objects) *s3.Parts {
	// Parts of requests whose steps ran before the parts had a prefix of
	// their own are under the packages' (for 8 days at most).
	return &s3.Parts{API: c, Bucket: p.cfg.Bucket, KMSKeyID: p.cfg.KMSKeyID, Prefix: p.cfg.PartsPrefix, LegacyPrefix: p.cfg.Prefix}
}

func (p *parts) tasks() *task.Store { return &task.Store{API: p.ddb, Table: p.cfg.Table} }

// complete resumes the workflow waiting for the owners' tasks.
func (p *parts) complete() fulfil.Completer {
	return (&sfn.Tasks{API: sfnclient.NewTasks(p.aws)}).Complete
}

// Plan builds FulfilPlanFunction's handler: it lists a verified request's
// steps from the registry and the request's kinds, and writes the owners'
// tasks of its manual steps to the task store (and, for a re-run, opens
// again those to ask again).
func Plan(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (func(context.Context, fulfil.PlanInput) (fulfil.PlanOutput, error), error) {
	p, err := load(ctx, getenv, log, opts)
	if err != nil {
		return nil, err
	}
	svc := p.service()
	svc.Tasks, svc.OwnerDigest = p.tasks(), true
	// A re-run asks an owner again for an export whose file is no longer
	// kept: it looks the part up.
	svc.Parts = p.exportParts(p.s3())
	return svc.Plan, nil
}

// Step builds FulfilStepFunction's handler: each call runs one round of a
// request's automatic steps (every system's action, a few at a time) through the connectors (HTTP APIs with their secrets, SES
// suppression), erases with proof, and keeps exports as parts.
func Step(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (func(context.Context, json.RawMessage) (any, error), error) {
	p, err := load(ctx, getenv, log, opts)
	if err != nil {
		return nil, err
	}
	runner := &connector.Runner{
		HTTP: &connector.HTTP{Client: &http.Client{}, Now: p.now, Log: log,
			Secrets:  &secret.Store{SecretsManager: secretclient.NewSecretsManager(p.aws), SSM: secretclient.NewSSM(p.aws)},
			Template: system.TemplateOptions{AllowLocalHTTP: p.cfg.AllowLocalHTTP}},
		SES: &connector.SES{Suppressions: &sesmail.Suppressions{API: setup.NewSuppressions(p.aws)}, Now: p.now, Log: log},
	}
	svc := p.service()
	svc.Systems = runner
	svc.Eraser = &connector.Eraser{Systems: runner, Audit: fulfil.RecordFunc(p.store.AppendEvent), Now: p.now, Log: log}
	svc.Parts = p.exportParts(p.s3())
	return stepOrRound(svc), nil
}

// stepOrRound takes a round of steps (fulfil.RunInput), and, from an
// execution of the fulfil workflow started before the steps ran in rounds
// and still running when this version was deployed, one step
// ({requestId, system, action}): it finishes as it began.
func stepOrRound(svc *fulfil.Service) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var shape struct {
			System string          `json:"system"`
			Steps  json.RawMessage `json:"steps"`
		}
		if err := json.Unmarshal(raw, &shape); err != nil {
			return nil, fmt.Errorf("fulfil-step: input is not a round or a step: %w", err)
		}
		if shape.System != "" && shape.Steps == nil {
			var in fulfil.StepInput
			if err := json.Unmarshal(raw, &in); err != nil {
				return nil, fmt.Errorf("fulfil-step: step: %w", err)
			}
			return svc.Step(ctx, in)
		}
		var in fulfil.RunInput
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, fmt.Errorf("fulfil-step: round: %w", err)
		}
		return svc.Run(ctx, in)
	}
}

// Tasks builds FulfilTasksFunction's handler: it mails owners their manual
// tasks (op "await": urgent ones at once) and reminds them (op "remind"),
// and sends the owners' daily digest of the rest (op "digest"). It needs the confirm
// page (TASK_CONFIRM_URL) when the registry declares a manual action.
func Tasks(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (func(context.Context, fulfil.OwnersInput) (fulfil.OwnersOutput, error), error) {
	p, err := load(ctx, getenv, log, opts)
	if err != nil {
		return nil, err
	}
	if err := needs(p.reg, "TASK_CONFIRM_URL", p.cfg.ConfirmURL, "a manual", manualAction); err != nil {
		return nil, err
	}
	mailer := p.mailer()
	svc := p.service()
	tasks := p.tasks()
	owners := &connector.Manual{Mail: mailer, Tokens: &dynamo.Tokens{API: p.ddb, Table: p.cfg.Table},
		Issuer: &token.Issuer{Now: p.now}, Now: p.now, Log: log, ConfirmURL: p.cfg.ConfirmURL.String(),
		ReplyTo: p.cfg.TeamAddress.Bare(), Location: p.cal.Location(), CategoryTitle: p.reg.CategoryTitle}
	svc.Tasks, svc.OwnerMail, svc.OwnerDigest = tasks, owners, true
	svc.Complete = p.complete()
	svc.ExpeditedTaskDays = p.cfg.ExpeditedTaskDays
	svc.Mail = mailer
	// The owners' daily digest (op "digest", from the schedule) mails the
	// tasks that are not urgent, which the loop leaves to it.
	digest := &fulfil.OwnerDigest{Requests: p.store, Tasks: tasks, Mail: owners, Registry: p.reg,
		Now: p.now, Location: p.cal.Location(), Log: log}
	return fulfil.Owners(svc, digest), nil
}

// Answer builds FulfilAnswerFunction's handler: it packages exports,
// answers the requester and completes the request, or tells the team what
// failed. It needs the download page (DOWNLOAD_URL) when the registry
// declares an export action.
func Answer(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (func(context.Context, fulfil.AnswerInput) (fulfil.AnswerOutput, error), error) {
	p, err := load(ctx, getenv, log, opts)
	if err != nil {
		return nil, err
	}
	if err := needs(p.reg, "DOWNLOAD_URL", p.cfg.DownloadURL, "an", exportAction); err != nil {
		return nil, err
	}
	s3c := p.s3()
	svc := p.service()
	svc.Parts = p.exportParts(s3c)
	svc.Packages = &export.Store{Packages: &s3.Packages{API: s3c, Bucket: p.cfg.Bucket, KMSKeyID: p.cfg.KMSKeyID},
		Prefix: p.cfg.Prefix, Now: p.now}
	svc.Downloads = DownloadLinks(p.ddb, p.cfg.Table, p.cfg.DownloadURL.String(), p.now)
	svc.Mail = p.mailer()
	if l := setup.StatusLinks(p.cfg.Desk, p.aws, p.now); l != nil {
		svc.StatusLinks = l
	}
	return svc.Answer, nil
}

// TaskPage builds the owners' task page the web intake serves at
// /tasks/confirm, from the environment: it records each answer, stores an
// uploaded export as the system's part of the access package, and resumes
// the fulfil workflow when the last owner has answered.
func TaskPage(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (http.Handler, error) {
	p, err := load(ctx, getenv, log, opts)
	if err != nil {
		return nil, err
	}
	svc := p.service()
	svc.Tasks = p.tasks()
	svc.Parts = p.exportParts(p.s3())
	svc.Mail = p.mailer()
	svc.Complete = p.complete()
	return &connector.ConfirmHandler{
		Tokens: &dynamo.Tokens{API: p.ddb, Table: p.cfg.Table}, Requests: p.store, Trails: p.store, Registry: p.reg, Answers: svc,
		Now: p.now, Log: log, Location: p.cal.Location(),
	}, nil
}

// DownloadLinks issues the answer mail's download links to pageURL, the
// web intake's /download page (DOWNLOAD_URL).
func DownloadLinks(api dynamo.API, table, pageURL string, now func() time.Time) *export.Links {
	return &export.Links{
		Tokens:  &dynamo.Tokens{API: api, Table: table},
		Issuer:  &token.Issuer{Now: now},
		PageURL: pageURL,
	}
}
