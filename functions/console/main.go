// Command console is the ConsoleFunction: the privacy team's console
// under /console/, behind the same API Gateway HTTP API as the form.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/productionflow/privacy-desk/shared/setup/console"
)

type entry = func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// newEntry builds the Lambda entry point: the console behind the API
// Gateway v2 adapter.
func newEntry(ctx context.Context, getenv func(string) string, log *slog.Logger) (entry, error) {
	h, err := console.Handler(ctx, getenv, log)
	if err != nil {
		return nil, err
	}
	return httpadapter.NewV2(h).ProxyWithContext, nil
}

func main() {
	log := lambdacontext.NewLogger()
	handle, err := newEntry(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handle)
}
