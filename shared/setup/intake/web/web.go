// Package web builds the web intake (IntakeWebFunction) from the
// environment: the request form and its JSON API, the verification confirm
// page, the access package download page and the owners' task page.
package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/pages"
	"github.com/productionflow/privacy-desk/shared/s3"
	"github.com/productionflow/privacy-desk/shared/secret"
	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/setup/edge"
	"github.com/productionflow/privacy-desk/shared/setup/fulfil"
	"github.com/productionflow/privacy-desk/shared/setup/intake"
	"github.com/productionflow/privacy-desk/shared/setup/s3client"
	"github.com/productionflow/privacy-desk/shared/setup/secretclient"
	"github.com/productionflow/privacy-desk/shared/setup/verify"
	"github.com/productionflow/privacy-desk/shared/status"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/webform"
	"github.com/productionflow/privacy-desk/shared/withdraw"
)

// Config configures the web intake.
type Config struct {
	intake.Config
	Downloads     Downloads
	SubmissionKey SubmissionKey
	Edge          edge.Config
}

// SubmissionKey names where the key that signs the form's submission IDs
// is kept: a Secrets Manager secret or an SSM SecureString parameter,
// exactly one. It is read once, by the first request after a cold start
// (setup.Later); its value is never logged.
type SubmissionKey struct {
	Secret    string `env:"SUBMISSION_KEY_SECRET"`
	Parameter string `env:"SUBMISSION_KEY_PARAMETER"`
}

// Downloads configures the access package download page.
type Downloads struct {
	// Bucket holds the packages; without it there is no download page and
	// no task page.
	Bucket string `env:"EXPORT_BUCKET"`
	Prefix string `env:"EXPORT_PREFIX" envDefault:"exports/"` // only keys under it are served
	// S3PathStyle addresses the bucket by path, for a local S3 stand-in
	// reached by a host name; never set in AWS.
	S3PathStyle bool `env:"S3_FORCE_PATH_STYLE"`
}

// LoadConfig reads Config from getenv and reports every problem at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	return setup.Load[Config](getenv, func(c *Config) []string {
		if (c.SubmissionKey.Secret == "") == (c.SubmissionKey.Parameter == "") {
			return []string{"set one of SUBMISSION_KEY_SECRET and SUBMISSION_KEY_PARAMETER (the key that signs the form's submission IDs)"}
		}
		return nil
	})
}

// SubmissionIDs reads the submission key through store and builds what
// signs the form's submission IDs. Errors name the secret, never its value.
func SubmissionIDs(ctx context.Context, k SubmissionKey, store *secret.Store) (*webform.SubmissionIDs, error) {
	source, name := system.SecretsManager, k.Secret
	if name == "" {
		source, name = system.SSM, k.Parameter
	}
	key, err := store.Get(ctx, source, name)
	if err != nil {
		return nil, fmt.Errorf("submission key: %w", err)
	}
	ids, err := webform.NewSubmissionIDs([]byte(key), nil)
	if err != nil {
		return nil, fmt.Errorf("submission key %s: %w", name, err)
	}
	return ids, nil
}

// Handler builds IntakeWebFunction's handler; its main serves it through
// the API Gateway adapter, the local stack over HTTP. It makes no AWS call:
// the first request reads the submission key (setup.Later).
func Handler(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (http.Handler, error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := setup.LoadAWS(ctx, opts...)
	if err != nil {
		return nil, err
	}
	secrets := &secret.Store{SecretsManager: secretclient.NewSecretsManager(awsCfg), SSM: secretclient.NewSSM(awsCfg)}
	svc, cal, err := intake.Service(cfg.Config, awsCfg, "system:intake-web", log, opts...)
	if err != nil {
		return nil, err
	}
	mount := map[string]http.Handler{}
	// System owners answer their manual tasks here; the fulfil workflow
	// waits. Served when the export bucket (where uploads go) is configured.
	if cfg.Downloads.Bucket != "" {
		page, err := fulfil.TaskPage(ctx, getenv, log, opts...)
		if err != nil {
			return nil, err
		}
		mount["/tasks/confirm"] = page
	}
	form := webform.Config{
		Location: cal.Location(), TeamAddress: cfg.TeamAddress.Bare(), Log: log,
		Verifier:  verify.Service(verify.Config{Desk: cfg.Desk, FormURL: cfg.FormURL}, awsCfg, cal.Location(), log, opts...),
		Requests:  &dynamo.Store{API: setup.NewTable(awsCfg), Table: cfg.Table},
		Downloads: DownloadPage(cfg.Downloads, awsCfg, cfg.Table, log, opts...),
		// The requester's status page, which every mail to them links to.
		Status: &status.Service{Tokens: &dynamo.Tokens{API: setup.NewTable(awsCfg), Table: cfg.Table},
			Store: &dynamo.Store{API: setup.NewTable(awsCfg), Table: cfg.Table}, Now: setup.Apply(opts).Now},
		Mount: mount,
	}
	// The requester withdraws from the status page what is not yet carried
	// out, and is mailed the notice the console's withdrawal sends.
	var links withdraw.StatusLinks
	if l := setup.StatusLinks(cfg.Desk, awsCfg, setup.Apply(opts).Now); l != nil {
		links = l
	}
	form.Withdrawals = &withdraw.Service{Store: &dynamo.Store{API: setup.NewTable(awsCfg), Table: cfg.Table}, Mail: svc.Mail,
		StatusLinks: links, Now: setup.Apply(opts).Now, Location: cal.Location(), TeamAddress: cfg.TeamAddress.Bare(),
		FormURL: cfg.FormURL.String(), Log: log}
	site := pages.Site{Location: cal.Location(), Team: cfg.TeamAddress.Bare()}
	// The submission key (and, on AWS, the distribution's secret) is read
	// by the first request, not at cold start: nothing is served, no form
	// shown nor taken, until the desk can sign its forms.
	return &setup.Later{What: "web intake", Log: log, Unavailable: unavailable(site), Build: func(rctx context.Context) (http.Handler, error) {
		ids, err := SubmissionIDs(rctx, cfg.SubmissionKey, secrets)
		if err != nil {
			return nil, err
		}
		form.SubmissionIDs = ids
		// On AWS only requests through the CloudFront distribution (and
		// its per-client rate limit) are served.
		origin := func(ctx context.Context, name string) (string, error) {
			return secrets.Get(ctx, system.SecretsManager, name)
		}
		return edge.Guard(rctx, cfg.Edge, origin, webform.New(svc, form))
	}}, nil
}

// unavailable answers while the submission key cannot be read: nothing
// was saved, try again shortly — for a JSON client in JSON, as the API's
// other errors, otherwise the page in the page's language, with the site's
// headers.
func unavailable(site pages.Site) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		webform.SecurityHeaders(h)
		h.Set("Retry-After", "5")
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/json" {
			h.Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"error":"the desk cannot take requests just now: nothing was saved; try again in a moment"}`+"\n")
			return
		}
		_ = pages.Render(w, http.StatusServiceUnavailable, "request-failed", site.View(r, pages.Choose(r, ""), nil))
	}
}

// DownloadPage builds the download page's service, or nil (no page) when
// no bucket is configured. Each press of the page's button signs a
// 10-minute S3 link with the function's current credentials.
func DownloadPage(cfg Downloads, awsCfg aws.Config, table string, log *slog.Logger, opts ...setup.Option) webform.Downloader {
	if cfg.Bucket == "" {
		return nil
	}
	o := setup.Apply(opts)
	ddb := setup.NewTable(awsCfg)
	return &export.Downloads{
		Tokens:   &dynamo.Tokens{API: ddb, Table: table},
		Signer:   &s3.Packages{Presign: s3client.New(awsCfg, cfg.S3PathStyle).Presign(o.Now), Bucket: cfg.Bucket},
		Prefix:   cfg.Prefix,
		Now:      o.Now,
		Grace:    export.DownloadGrace,
		Requests: &dynamo.Store{API: ddb, Table: table},
		Audit:    (&dynamo.Store{API: ddb, Table: table}).AppendEvent,
		Log:      log,
	}
}
