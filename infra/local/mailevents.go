package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/productionflow/privacy-desk/shared/mailevents"
	"github.com/productionflow/privacy-desk/shared/setup"
	setupmailevents "github.com/productionflow/privacy-desk/shared/setup/mailevents"
)

// mailEventsRoute stands in for SES's event destination: on AWS the
// configuration set publishes each bounce and complaint to SNS, SNS puts
// it into a queue and the queue hands it to MailEventsFunction. Locally
// aws-ses-v2-local bounces nothing, so POST /_local/ses-event takes an
// SES event as SES publishes it (events/ses-bounce.json) and hands it to
// the same function's handler as the queue would, on the desk's clock.
// 204: recorded (or about no request); 400: not an SES event; 500: the
// function failed on it (the queue would deliver it again).
func mailEventsRoute(ctx context.Context, log *slog.Logger, opts []setup.Option) (http.HandlerFunc, error) {
	handler, err := setupmailevents.Handler(ctx, os.Getenv, log, opts...)
	if err != nil {
		return nil, err
	}
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 256<<10))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		if _, err := mailevents.Parse(body); errors.Is(err, mailevents.ErrMalformed) {
			http.Error(w, "not an SES bounce or complaint event", http.StatusBadRequest)
			return
		}
		id := "local-ses-event-" + time.Now().UTC().Format("20060102T150405.000000000")
		res, err := handler(r.Context(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: id, Body: string(body), EventSource: "aws:sqs"}}})
		if err != nil || len(res.BatchItemFailures) > 0 {
			http.Error(w, "internal error: see the desk's log", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}, nil
}
