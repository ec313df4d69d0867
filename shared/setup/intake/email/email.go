// Package email builds the email intake (IntakeEmailFunction) from the
// environment: SES stores each message for the privacy address in S3 and
// invokes the function with the receipt event. It is the only function
// that links the MIME reader.
package email

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/inbound"
	"github.com/productionflow/privacy-desk/shared/s3"
	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/setup/intake"
	"github.com/productionflow/privacy-desk/shared/setup/s3client"
)

// Config configures the email intake.
type Config struct {
	intake.Config
	Bucket string `env:"INBOUND_BUCKET,required"`              // where the receipt rule's S3 action stores raw mail
	Prefix string `env:"INBOUND_PREFIX" envDefault:"inbound/"` // the S3 action's object key prefix
	// OurAddresses are the desk's other addresses, never answered (besides
	// SENDER_ADDRESS and TEAM_ADDRESS).
	OurAddresses setup.Addresses `env:"OUR_ADDRESSES"`
	// S3PathStyle addresses the bucket by path, for a local S3 stand-in
	// reached by a host name (sam local invoke on host.docker.internal);
	// never set in AWS.
	S3PathStyle bool `env:"S3_FORCE_PATH_STYLE"`
}

// LoadConfig reads Config from getenv and reports every problem at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	return setup.Load[Config](getenv, nil)
}

// Ours are the desk's own addresses, without display names (a From is
// compared by its address alone): mail from them is never answered.
func (c Config) Ours() []string {
	ours := []string{c.Sender.Bare(), c.TeamAddress.Bare()}
	for _, a := range c.OurAddresses {
		ours = append(ours, setup.Address(a).Bare())
	}
	return ours
}

// Handler builds IntakeEmailFunction's handler: the receipt-event handler.
func Handler(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (func(context.Context, events.SimpleEmailEvent) error, error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := setup.LoadAWS(ctx, opts...)
	if err != nil {
		return nil, err
	}
	svc, _, err := intake.Service(cfg.Config, awsCfg, "system:intake-email", log, opts...)
	if err != nil {
		return nil, err
	}
	store := &dynamo.Store{API: setup.NewTable(awsCfg), Table: cfg.Table}
	inbox := &inbound.Inbox{
		Intake:  svc,
		Records: store,
		Threads: store,
		Raw: &s3.RawMail{API: s3client.New(awsCfg, cfg.S3PathStyle),
			Bucket: cfg.Bucket, Prefix: cfg.Prefix},
		Ours:   cfg.Ours(),
		Limits: inbound.DefaultLimits(),
	}
	return func(ctx context.Context, e events.SimpleEmailEvent) error {
		return inbox.ReceiveAll(ctx, Deliveries(e))
	}, nil
}

// Deliveries are the messages of an SES receipt event, as the inbox
// receives them: the messageId (the stored object's key), when SES
// received it and SES's verdicts.
func Deliveries(e events.SimpleEmailEvent) []inbound.Delivery {
	out := make([]inbound.Delivery, 0, len(e.Records))
	for _, rec := range e.Records {
		r := rec.SES.Receipt
		out = append(out, inbound.Delivery{
			MessageID:  rec.SES.Mail.MessageID,
			ReceivedAt: rec.SES.Mail.Timestamp,
			Verdicts: inbound.Verdicts{
				Spam: r.SpamVerdict.Status, Virus: r.VirusVerdict.Status,
				SPF: r.SPFVerdict.Status, DKIM: r.DKIMVerdict.Status, DMARC: r.DMARCVerdict.Status,
			},
		})
	}
	return out
}

// The desk's table keeps the inbox's mail records and threads; S3 the raw
// mail.
var (
	_ inbound.MailLog = (*dynamo.Store)(nil)
	_ inbound.Threads = (*dynamo.Store)(nil)
	_ inbound.RawMail = (*s3.RawMail)(nil)
)
