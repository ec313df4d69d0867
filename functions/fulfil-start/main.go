// Command fulfil-start is the FulfilStartFunction: the request workflow
// calls it once the requester is verified, and it starts the fulfil
// workflow for the request (named by its ID, so a repeated start is
// harmless).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/productionflow/privacy-desk/shared/setup/fulfil/start"
)

func main() {
	log := lambdacontext.NewLogger()
	handler, err := start.Handler(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}
