// Package setup wires the desk's functions together: each function family
// (intake, verify, fulfil, deadline) has a package under it with a typed
// configuration, read from the environment once at cold start, and one
// constructor per function that returns the handler its main passes to
// lambda.Start. The local stack builds the same handlers through the same
// constructors. This package holds what every family shares: the desk's
// configuration, the configuration loader and its value types, the AWS
// configuration, the mailer and the constructors' options. It imports no
// family, so a function links only the wiring it calls.
package setup

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	deskmail "github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/metric"
	"github.com/productionflow/privacy-desk/shared/sesmail"
)

// Desk is the configuration every function shares.
type Desk struct {
	Table       string  `env:"TABLE_NAME,required"`     // the DynamoDB table
	Sender      Address `env:"SENDER_ADDRESS,required"` // the From of all mail
	TeamAddress Address `env:"TEAM_ADDRESS,required"`   // the privacy team
	// ReplyTo is the Reply-To of all desk mail, the address the desk's
	// receipt rule reads, so replies join their request. Empty: each
	// mail's own (the team's address).
	ReplyTo          Address  `env:"REPLY_TO_ADDRESS"`
	TimeZone         TimeZone `env:"BUSINESS_TIME_ZONE" envDefault:"America/New_York"`
	ConfigurationSet string   `env:"SES_CONFIGURATION_SET"` // optional
	// MetricsNamespace, when set, is where functions write their CloudWatch
	// metrics (embedded metric format on standard output); empty writes
	// none (the local stack).
	MetricsNamespace string `env:"METRICS_NAMESPACE"`
	// StatusURL is the requester's status page (FORM_URL + "status"), the
	// link each mail to the requester carries; empty: mail carries none.
	StatusURL URL `env:"STATUS_URL"`
}

// Metrics is the metric writer of a function with desk configuration d, or
// nil (no metrics) when d names no namespace.
func Metrics(d Desk, now func() time.Time) *metric.Writer {
	if d.MetricsNamespace == "" {
		return nil
	}
	return metric.New(os.Stdout, d.MetricsNamespace, now)
}

// LoadDesk reads Desk from getenv.
func LoadDesk(getenv func(string) string) (Desk, error) {
	return Load[Desk](getenv, nil)
}

// LoadAWS loads the AWS configuration the standard way; endpoints come from
// AWS_ENDPOINT_URL_<SERVICE> when set (the local stack sets them). A
// process loads it once for one AWS_ environment (config.LoadDefaultConfig
// takes 2 ms): a function whose wiring asks twice — the web intake and its
// owners' task page — shares one configuration, and a change of AWS_
// variables (a test pointing at another stand-in) loads it again. With
// WithHTTP among opts, its HTTP client is wrapped (for this function only).
func LoadAWS(ctx context.Context, opts ...Option) (aws.Config, error) {
	cfg, err := loadAWS(ctx)
	if err != nil {
		return cfg, err
	}
	if o := Apply(opts); o.HTTP != nil {
		next := cfg.HTTPClient
		if next == nil {
			next = http.DefaultClient
		}
		cfg.HTTPClient = o.HTTP(next)
	}
	return cfg, nil
}

func loadAWS(ctx context.Context) (aws.Config, error) {
	key := awsEnvironment()
	loaded.Lock()
	defer loaded.Unlock()
	if loaded.ok && loaded.key == key {
		return loaded.cfg, nil
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	loaded.key, loaded.cfg, loaded.ok = key, cfg, true
	return cfg, nil
}

// loaded is the configuration LoadAWS loaded last, and for which
// environment.
var loaded struct {
	sync.Mutex
	ok  bool
	key string
	cfg aws.Config
}

// awsEnvironment is the process's AWS_ variables, sorted, and HOME (where
// the shared configuration files are).
func awsEnvironment() string {
	var vars []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "HOME=") {
			vars = append(vars, kv)
		}
	}
	sort.Strings(vars)
	return strings.Join(vars, "\x00")
}

// Option changes how a function is built; mains pass none.
type Option func(*Options)

// Options are what the options set.
type Options struct {
	// Now is the clock services read (time.Now unless WithNow).
	Now func() time.Time
	// HTTP, when set, wraps the HTTP client of the function's AWS clients
	// (LoadAWS): the local stack's tests record the calls each function
	// makes, to hold the template's permissions to them.
	HTTP func(aws.HTTPClient) aws.HTTPClient
}

// WithNow sets the clock services read; the local stack passes its movable
// clock so that moving it forward moves every deadline check too.
func WithNow(now func() time.Time) Option { return func(o *Options) { o.Now = now } }

// WithHTTP wraps the HTTP client of the function's AWS clients.
func WithHTTP(wrap func(aws.HTTPClient) aws.HTTPClient) Option {
	return func(o *Options) { o.HTTP = wrap }
}

// Apply gives the options' values.
func Apply(opts []Option) Options {
	o := Options{Now: time.Now}
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
		Next: &sesmail.Sender{API: NewOutbox(awsCfg), From: d.Sender.String(), ConfigurationSet: d.ConfigurationSet, ReplyTo: d.ReplyTo.String()},
		Log:  sent, Now: now, Logger: log,
	}
}

// ARNVariable names the environment variable that tells functions a
// workflow's ARN, as template.yaml sets it: request →
// REQUEST_WORKFLOW_ARN, fulfil → FULFIL_WORKFLOW_ARN.
func ARNVariable(workflow string) string {
	key := strings.ToUpper(strings.ReplaceAll(workflow, "-", "_"))
	if !strings.HasSuffix(key, "_WORKFLOW") {
		key += "_WORKFLOW"
	}
	return key + "_ARN"
}

// Handler is what a function's constructor returns: the value its main
// passes to lambda.Start.
type Handler[H any] func(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...Option) (H, error)
