package platform

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"sort"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/inbound"
	"github.com/productionflow/privacy-desk/shared/intake"
)

// EmailConfig configures the email intake function.
type EmailConfig struct {
	IntakeConfig
	Bucket string // INBOUND_BUCKET: where the receipt rule's S3 action stores raw mail
	Prefix string // INBOUND_PREFIX: the S3 action's object key prefix, default "inbound/"
	// Ours are the desk's own addresses, never answered: SENDER_ADDRESS,
	// TEAM_ADDRESS and OUR_ADDRESSES (comma-separated).
	Ours []string
	// S3PathStyle (S3_FORCE_PATH_STYLE=true) addresses buckets by path, for
	// a local S3 stand-in reached by a host name (sam local invoke on
	// host.docker.internal); never set on AWS.
	S3PathStyle bool
}

// LoadEmailConfig reads EmailConfig from getenv and reports every missing or
// malformed variable at once.
func LoadEmailConfig(getenv func(string) string) (EmailConfig, error) {
	var problems []string
	base, err := LoadIntakeConfig(getenv)
	if err != nil {
		problems = append(problems, strings.TrimPrefix(err.Error(), "configuration: "))
	}
	c := EmailConfig{
		IntakeConfig: base,
		Bucket:       strings.TrimSpace(getenv("INBOUND_BUCKET")),
		Prefix:       strings.TrimSpace(getenv("INBOUND_PREFIX")),
	}
	if c.Bucket == "" {
		problems = append(problems, "INBOUND_BUCKET is required (the bucket SES stores received mail in)")
	}
	if c.Prefix == "" {
		c.Prefix = "inbound/"
	}
	switch v := strings.TrimSpace(getenv("S3_FORCE_PATH_STYLE")); v {
	case "", "false":
	case "true":
		c.S3PathStyle = true
	default:
		problems = append(problems, "S3_FORCE_PATH_STYLE must be true or false")
	}
	c.Ours = []string{base.Sender, base.TeamAddress}
	for _, a := range strings.Split(getenv("OUR_ADDRESSES"), ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if _, err := mail.ParseAddress(a); err != nil {
			problems = append(problems, "OUR_ADDRESSES is not a comma-separated list of email addresses")
			break
		}
		c.Ours = append(c.Ours, a)
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return c, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// EmailIntake builds the email intake's receipt-event handler from the
// environment.
func EmailIntake(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...Option) (func(context.Context, events.SimpleEmailEvent) error, error) {
	cfg, err := LoadEmailConfig(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := LoadAWS(ctx)
	if err != nil {
		return nil, err
	}
	svc, _, err := Intake(cfg.IntakeConfig, awsCfg, "system:intake-email", log, opts...)
	if err != nil {
		return nil, err
	}
	store := &dynamo.Store{API: dynamodb.NewFromConfig(awsCfg), Table: cfg.Table}
	inbox := &intake.Inbox{
		Intake:  svc,
		Records: store,
		Threads: store,
		Raw: &S3Mail{API: s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = cfg.S3PathStyle }),
			Bucket: cfg.Bucket, Prefix: cfg.Prefix},
		Ours:   cfg.Ours,
		Limits: inbound.DefaultLimits(),
	}
	return inbox.Handle, nil
}

// GetObjectAPI is the part of *s3.Client S3Mail uses.
type GetObjectAPI interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// S3Mail opens raw mail the receipt rule stored at s3://Bucket/Prefix<messageId>.
type S3Mail struct {
	API    GetObjectAPI
	Bucket string
	Prefix string
}

var _ intake.RawMail = (*S3Mail)(nil)

// Open starts reading the stored message; the caller bounds the read and
// closes the body.
func (m *S3Mail) Open(ctx context.Context, messageID string) (io.ReadCloser, error) {
	out, err := m.API.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(m.Bucket), Key: aws.String(m.Prefix + messageID)})
	if err != nil {
		return nil, fmt.Errorf("get raw mail %s: %w", messageID, err)
	}
	return out.Body, nil
}
