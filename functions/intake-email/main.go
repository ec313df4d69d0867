// Command intake-email is the IntakeEmailFunction: SES receives mail for the
// privacy address, its receipt rule stores the raw message in S3 and then
// invokes this function (asynchronously) with the receipt event.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/productionflow/privacy-desk/shared/setup/intake/email"
)

type entry = func(context.Context, events.SimpleEmailEvent) error

// newEntry builds the Lambda entry point: the receipt-event handler.
func newEntry(ctx context.Context, getenv func(string) string, log *slog.Logger) (entry, error) {
	return email.Handler(ctx, getenv, log)
}

func main() {
	log := lambdacontext.NewLogger()
	handle, err := newEntry(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handle)
}
