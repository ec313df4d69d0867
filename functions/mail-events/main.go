// Command mail-events is the MailEventsFunction: SES publishes each bounce
// and complaint of the desk's mail to an SNS topic, SNS puts it into a
// queue, and the queue invokes this function, which records it on the
// audit trail of the request the mail was about.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/productionflow/privacy-desk/shared/setup/mailevents"
)

func main() {
	log := lambdacontext.NewLogger()
	handler, err := mailevents.Handler(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}
