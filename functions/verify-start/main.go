// Command verify-start is the VerifyStartFunction: the request workflow's
// waitForTaskToken task. It moves the request to verifying and mails the
// requester a single-use link to the confirm page, which completes the
// task when the requester confirms.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/productionflow/privacy-desk/shared/setup/verify"
)

func main() {
	log := lambdacontext.NewLogger()
	handler, err := verify.Start(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}
