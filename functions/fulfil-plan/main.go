// Command fulfil-plan is the FulfilPlanFunction: the fulfil workflow's first task. It moves a
// verified request to in-progress and lists its steps (one action in one
// downstream system each) from the systems registry and the request's kinds.
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
	handler, err := fulfil.Plan(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}
