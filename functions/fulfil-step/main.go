// Command fulfil-step is the FulfilStepFunction: the fulfil workflow runs
// it once per round of a request's automatic steps. It carries each action
// out in its downstream system, four at a time (erase with proof of
// erasure, export into the package store, suppress, opt out, correct),
// records every failed attempt, and returns the steps worth another round;
// owners' manual tasks run in fulfil-tasks.
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
