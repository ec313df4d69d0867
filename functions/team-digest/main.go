// Command team-digest is the TeamDigestFunction: a schedule calls it once
// a day, and it mails the privacy team what is overdue, due in the next 7
// days, waiting for triage and needing attention, when there is any.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/productionflow/privacy-desk/shared/setup/teamdigest"
)

func main() {
	log := lambdacontext.NewLogger()
	handler, err := teamdigest.Digest(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}
