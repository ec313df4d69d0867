// Command deadline-reminder is the DeadlineReminderFunction: an hourly
// schedule calls it, and it sweeps the open requests, reminding the
// privacy team of each deadline planned within the hour (or telling it the
// deadline was missed).
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
	handler, err := deadline.Handler(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}
