// Command fulfil-answer is the FulfilAnswerFunction: the fulfil workflow's last task. It
// answers the requester (what was done, what was withheld and why, the link
// to an access package) and completes the request, or tells the privacy
// team which systems failed.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/productionflow/privacy-desk/shared/setup/fulfil"
)

func main() {
	log := lambdacontext.NewLogger()
	handler, err := fulfil.Answer(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}
