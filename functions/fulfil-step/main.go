// Command fulfil-step is the FulfilStepFunction: the fulfil workflow runs it once per step. It
// carries one action out in one downstream system (erase with proof of
// erasure, export into the package store, suppress or opt out); owners'
// manual tasks run in fulfil-tasks and returns connector errors unwrapped for the
// workflow's Retry and Catch.
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
	handler, err := fulfil.Step(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}
