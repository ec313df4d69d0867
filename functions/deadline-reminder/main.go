// Command deadline-reminder is the DeadlineReminderFunction: the
// deadline-watch workflow calls it at each planned reminder time, and it
// reminds the privacy team of the request's deadline (or tells the
// workflow the request is closed).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/productionflow/privacy-desk/shared/setup/deadline"
)

func main() {
	log := lambdacontext.NewLogger()
	handler, err := deadline.Reminder(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}
