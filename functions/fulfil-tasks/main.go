// Command fulfil-tasks is the FulfilTasksFunction: the fulfil workflow's
// owners' loop runs it. With op "await" it mails every owner their manual
// task (once) and keeps the workflow's task token, which the task page
// completes when the last owner answers; with op "remind" it reminds owners
// whose task is due soon or overdue and tells the team of overdue tasks.
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
	handler, err := fulfil.Tasks(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}
