// Command verify-close is the VerifyCloseFunction: the request workflow
// calls it when nobody confirmed the verification link in time. It closes
// the request unverified and mails the requester a notice explaining why
// (a deletion is offered an opt-out of sale instead).
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
	handler, err := verify.Close(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}
