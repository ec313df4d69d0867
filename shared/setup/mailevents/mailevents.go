// Package mailevents builds the mail-events function (MailEventsFunction)
// from the environment: SES publishes the bounces and complaints of the
// desk's mail to an SNS topic, SNS puts each into a queue, and the queue
// invokes the function with a batch; each event is recorded on the trail
// of the request the mail was about. It needs the request store only.
package mailevents

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	domain "github.com/productionflow/privacy-desk/shared/mailevents"
	"github.com/productionflow/privacy-desk/shared/metric"
	"github.com/productionflow/privacy-desk/shared/setup"
)

// Config configures the mail-events function: the table, and where its
// metrics go.
type Config struct {
	Table            string `env:"TABLE_NAME,required"`
	MetricsNamespace string `env:"METRICS_NAMESPACE"` // empty: no metrics (the local stack)
}

// LoadConfig reads Config from getenv and reports every problem at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	return setup.Load[Config](getenv, nil)
}

var _ domain.Store = (*dynamo.Store)(nil)

// Handler builds MailEventsFunction's handler: the queue's batch handler.
// A message that fails (the store did not answer) is reported back to the
// queue alone and delivered again; one that can never be read goes the
// same way and ends in the dead-letter queue after its retries, where its
// alarm tells the team. Nothing is lost on a crash: the queue keeps each
// message until the function has answered for it.
func Handler(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (func(context.Context, events.SQSEvent) (events.SQSEventResponse, error), error) {
	o := setup.Apply(opts)
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := setup.LoadAWS(ctx, opts...)
	if err != nil {
		return nil, err
	}
	svc := &domain.Service{
		Store: &dynamo.Store{API: setup.NewTable(awsCfg), Table: cfg.Table},
		Now:   o.Now,
		Log:   log,
	}
	if cfg.MetricsNamespace != "" {
		svc.Metrics = metric.New(os.Stdout, cfg.MetricsNamespace, o.Now)
	}
	return Batch(svc, log), nil
}

// Batch is the queue's handler over svc: each message's body is an SES
// event (SNS raw message delivery), recorded by svc; the messages that
// failed are returned as batch item failures.
func Batch(svc *domain.Service, log *slog.Logger) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return func(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
		var res events.SQSEventResponse
		for _, msg := range e.Records {
			ev, err := domain.Parse([]byte(msg.Body))
			if err == nil {
				_, err = svc.Record(ctx, ev)
			}
			if err != nil {
				level := slog.LevelError
				if errors.Is(err, domain.ErrMalformed) {
					level = slog.LevelWarn
				}
				log.Log(ctx, level, "mail event not recorded; the queue delivers it again",
					"sqsMessageId", msg.MessageId, "messageId", ev.MessageID, "error", err)
				res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			}
		}
		return res, nil
	}
}
