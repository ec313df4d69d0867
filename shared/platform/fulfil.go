package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/dynamo/task"
	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/secret"
	"github.com/productionflow/privacy-desk/shared/sfnflow"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/token"
)

// FulfilConfig configures the three fulfilment functions (plan, step,
// answer); they share one configuration.
type FulfilConfig struct {
	Desk // TEAM_ADDRESS is the answer's Reply-To and is told when a request needs attention
	// SystemsFile is a registry file to load instead of the one built into
	// the binary (shared/system/systems.yaml); SYSTEMS_FILE, optional.
	SystemsFile string
	// AllowLocalHTTP accepts http:// system URLs on localhost (the local
	// stack's fakes); SYSTEMS_ALLOW_LOCAL_HTTP=true, never set in AWS.
	AllowLocalHTTP bool
	// Rebase maps production origins of the registry's calls to local base
	// URLs (the local stack's stand-ins): SYSTEMS_REBASE, comma-separated
	// origin=base pairs, only with SYSTEMS_ALLOW_LOCAL_HTTP=true and only to
	// 127.0.0.1 or localhost. Never set in AWS.
	Rebase         map[string]string
	ExportBucket   string // EXPORT_BUCKET: access packages and per-system export parts
	ExportKMSKeyID string // EXPORT_KMS_KEY_ID: the key they are encrypted with
	ExportPrefix   string // EXPORT_PREFIX, default "exports/"
	// ConfirmURL is the manual-task confirm page (TASK_CONFIRM_URL); required
	// when the registry declares a manual action.
	ConfirmURL string
	// DownloadURL is the web intake's download page (DOWNLOAD_URL) that the
	// answer links access packages to; required when the registry declares
	// an export action.
	DownloadURL string
	// ExpeditedTaskDays is the owners' deadline in business days for an
	// expedited request or a child's data (TASK_EXPEDITED_BUSINESS_DAYS,
	// default 2).
	ExpeditedTaskDays int
}

// LoadFulfilConfig reads FulfilConfig from getenv and reports every missing
// or malformed variable at once.
func LoadFulfilConfig(getenv func(string) string) (FulfilConfig, error) {
	desk, problems := loadDesk(getenv)
	c := FulfilConfig{
		Desk:           desk,
		SystemsFile:    strings.TrimSpace(getenv("SYSTEMS_FILE")),
		AllowLocalHTTP: strings.TrimSpace(getenv("SYSTEMS_ALLOW_LOCAL_HTTP")) == "true",
		ExportBucket:   strings.TrimSpace(getenv("EXPORT_BUCKET")),
		ExportKMSKeyID: strings.TrimSpace(getenv("EXPORT_KMS_KEY_ID")),
		ExportPrefix:   strings.TrimSpace(getenv("EXPORT_PREFIX")),
		ConfirmURL:     strings.TrimSpace(getenv("TASK_CONFIRM_URL")),
		DownloadURL:    strings.TrimSpace(getenv("DOWNLOAD_URL")),
	}
	c.ExpeditedTaskDays = fulfil.DefaultExpeditedTaskDays
	if v := strings.TrimSpace(getenv("TASK_EXPEDITED_BUSINESS_DAYS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 30 {
			problems = append(problems, "TASK_EXPEDITED_BUSINESS_DAYS must be a whole number of business days from 1 to 30")
		}
		c.ExpeditedTaskDays = n
	}
	if c.ExportBucket == "" {
		problems = append(problems, "EXPORT_BUCKET is required (the access package bucket)")
	}
	if c.ExportKMSKeyID == "" {
		problems = append(problems, "EXPORT_KMS_KEY_ID is required (the key access packages are encrypted with)")
	}
	if c.ExportPrefix == "" {
		c.ExportPrefix = "exports/"
	}
	if v := strings.TrimSpace(getenv("SYSTEMS_REBASE")); v != "" {
		rebase, err := system.ParseRebase(v)
		switch {
		case err != nil:
			problems = append(problems, "SYSTEMS_REBASE: "+err.Error()+" (comma-separated https://origin=http://127.0.0.1:port pairs)")
		case !c.AllowLocalHTTP:
			problems = append(problems, "SYSTEMS_REBASE needs SYSTEMS_ALLOW_LOCAL_HTTP=true (local runs only)")
		default:
			c.Rebase = rebase
		}
	}
	for name, v := range map[string]string{"TASK_CONFIRM_URL": c.ConfirmURL, "DOWNLOAD_URL": c.DownloadURL} {
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		local := u != nil && u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1")
		if err != nil || u.Host == "" || (u.Scheme != "https" && !local) {
			problems = append(problems, name+" must be an https:// URL")
		}
	}
	return c, configError(problems)
}

// Registry loads the systems registry: SystemsFile when set, else the one
// built into the binary; with Rebase, its calls go to the local base URLs.
func (c FulfilConfig) Registry() (*system.Registry, error) {
	opts := system.Options{Template: system.TemplateOptions{AllowLocalHTTP: c.AllowLocalHTTP}, Rebase: c.Rebase}
	if c.SystemsFile != "" {
		return system.LoadFile(c.SystemsFile, opts)
	}
	return system.Builtin(opts)
}

// FulfilService builds the fulfilment service from configuration. All
// three functions use it; each calls one method (Plan, Step or Answer) and
// its IAM policy allows only what that method does.
func FulfilService(cfg FulfilConfig, awsCfg aws.Config, log *slog.Logger, opts ...Option) (*fulfil.Service, error) {
	o := buildOptions(opts)
	reg, err := cfg.Registry()
	if err != nil {
		return nil, err
	}
	if cfg.ConfirmURL == "" {
		for _, s := range reg.Systems {
			for a, m := range s.Actions {
				if m != nil && m.Kind == system.Manual {
					return nil, fmt.Errorf("configuration: TASK_CONFIRM_URL is required: %s has a manual %s action", s.Name, a)
				}
			}
		}
	}
	if cfg.DownloadURL == "" {
		for _, s := range reg.Systems {
			if s.Actions[system.Export] != nil {
				return nil, fmt.Errorf("configuration: DOWNLOAD_URL is required: %s has an export action", s.Name)
			}
		}
	}
	cal, err := clock.New(cfg.TimeZone)
	if err != nil {
		return nil, err
	}
	ddb := dynamodb.NewFromConfig(awsCfg)
	store := &dynamo.Store{API: ddb, Table: cfg.Table}
	s3c := s3.NewFromConfig(awsCfg, func(so *s3.Options) { so.UsePathStyle = cfg.AllowLocalHTTP })
	mailer := Mailer(awsCfg, cfg.Desk, store, o.now, log)
	secrets := &secret.Store{SecretsManager: secretsmanager.NewFromConfig(awsCfg), SSM: ssm.NewFromConfig(awsCfg)}
	runner := &connector.Runner{
		HTTP: &connector.HTTP{Client: &http.Client{}, Secrets: secrets, Now: o.now, Log: log,
			Template: system.TemplateOptions{AllowLocalHTTP: cfg.AllowLocalHTTP}},
		SES: &connector.SES{Client: sesv2.NewFromConfig(awsCfg), Now: o.now, Log: log},
	}
	return &fulfil.Service{
		Store:    store,
		Registry: reg,
		Systems:  runner,
		Eraser:   &connector.Eraser{Systems: runner, Audit: fulfil.RecordFunc(store.AppendEvent), Now: o.now, Log: log},
		Tasks:    &task.Store{API: ddb, Table: cfg.Table},
		OwnerMail: &connector.Manual{Mail: mailer, Tokens: &dynamo.Tokens{API: ddb, Table: cfg.Table},
			Issuer: &token.Issuer{Now: o.now}, Now: o.now, Log: log, ConfirmURL: cfg.ConfirmURL, ReplyTo: cfg.TeamAddress,
			Location: cal.Location()},
		Complete:          TaskCompleter(sfn.NewFromConfig(awsCfg)),
		Calendar:          cal,
		ExpeditedTaskDays: cfg.ExpeditedTaskDays,
		Parts:             &fulfil.S3Parts{API: s3c, Bucket: cfg.ExportBucket, KMSKeyID: cfg.ExportKMSKeyID, Prefix: cfg.ExportPrefix},
		Packages:          &export.Store{S3: s3c, Bucket: cfg.ExportBucket, KMSKeyID: cfg.ExportKMSKeyID, Prefix: cfg.ExportPrefix, Now: o.now},
		Downloads:         DownloadLinks(ddb, cfg.Table, cfg.DownloadURL, o.now),
		Mail:              mailer,
		Now:               o.now,
		Log:               log,
		TeamAddress:       cfg.TeamAddress,
		Location:          cal.Location(),
	}, nil
}

// Fulfil builds the fulfilment service from the environment: the mains of
// FulfilPlanFunction, FulfilStepFunction and FulfilAnswerFunction call it
// and start svc.Plan, svc.Step or svc.Answer.
func Fulfil(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...Option) (*fulfil.Service, error) {
	cfg, err := LoadFulfilConfig(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := LoadAWS(ctx)
	if err != nil {
		return nil, err
	}
	return FulfilService(cfg, awsCfg, log, opts...)
}

// FulfilLauncher builds the hand-over from verification to fulfilment from
// the environment (TABLE_NAME, FULFIL_WORKFLOW_ARN): a function that calls
// its Start with {"requestId"} starts the fulfil workflow, named by the
// request ID.
func FulfilLauncher(ctx context.Context, getenv func(string) string, log *slog.Logger) (*fulfil.Launcher, error) {
	table := strings.TrimSpace(getenv("TABLE_NAME"))
	arn := strings.TrimSpace(getenv("FULFIL_WORKFLOW_ARN"))
	var problems []string
	if table == "" {
		problems = append(problems, "TABLE_NAME is required (the DynamoDB table)")
	}
	if !strings.HasPrefix(arn, "arn:") {
		problems = append(problems, "FULFIL_WORKFLOW_ARN must be the fulfil state machine's ARN")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	awsCfg, err := LoadAWS(ctx)
	if err != nil {
		return nil, err
	}
	return &fulfil.Launcher{
		Store:    &dynamo.Store{API: dynamodb.NewFromConfig(awsCfg), Table: table},
		Workflow: &sfnflow.Starter{API: sfn.NewFromConfig(awsCfg), StateMachineARN: arn},
		Log:      log,
	}, nil
}

// TaskCompleter completes a waiting workflow task through Step Functions
// SendTaskSuccess.
func TaskCompleter(api interface {
	SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
}) fulfil.Completer {
	return func(ctx context.Context, taskToken string, output json.RawMessage) error {
		_, err := api.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(taskToken), Output: aws.String(string(output))})
		return err
	}
}

// TaskPage builds the owners' task page (served by the web intake at
// /tasks/confirm): it records each answer, stores an uploaded export as the
// system's part of the access package, and resumes the fulfil workflow when
// the last owner has answered. It reads the fulfil configuration.
func TaskPage(getenv func(string) string, awsCfg aws.Config, loc *time.Location, log *slog.Logger, opts ...Option) (http.Handler, error) {
	cfg, err := LoadFulfilConfig(getenv)
	if err != nil {
		return nil, err
	}
	reg, err := cfg.Registry()
	if err != nil {
		return nil, err
	}
	o := buildOptions(opts)
	ddb := dynamodb.NewFromConfig(awsCfg)
	store := &dynamo.Store{API: ddb, Table: cfg.Table}
	s3c := s3.NewFromConfig(awsCfg, func(so *s3.Options) { so.UsePathStyle = cfg.AllowLocalHTTP })
	svc := &fulfil.Service{
		Store: store, Registry: reg, Tasks: &task.Store{API: ddb, Table: cfg.Table},
		Parts:    &fulfil.S3Parts{API: s3c, Bucket: cfg.ExportBucket, KMSKeyID: cfg.ExportKMSKeyID, Prefix: cfg.ExportPrefix},
		Mail:     Mailer(awsCfg, cfg.Desk, store, o.now, log),
		Complete: TaskCompleter(sfn.NewFromConfig(awsCfg)),
		Now:      o.now, Log: log, TeamAddress: cfg.TeamAddress, Location: loc,
	}
	return &connector.ConfirmHandler{
		Tokens: &dynamo.Tokens{API: ddb, Table: cfg.Table}, Registry: reg, Answers: svc,
		Now: o.now, Log: log, Location: loc,
	}, nil
}
