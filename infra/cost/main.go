// Command cost reports what privacy requests really use and cost on AWS:
// it runs web submissions through the desk's own handlers and workflows on
// the local stand-ins, on a clock it moves an hour at a time (the owners'
// digest at 08:00, the deadline sweep every hour), over the shipped
// registry and over an all-manual one, and follows one request left open
// to day 90. It counts every billable unit (Lambda invocations and their
// duration at each function's memory in template.yaml, Step Functions
// state transitions by workflow and state, DynamoDB reads and writes with
// the index writes they cause, emails by kind, API requests) and
// multiplies by list prices. It also times a submission against a floor of
// the raw stand-in calls it cannot avoid, as a ratio.
//
//	go run ./infra/cost -n 20
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
)

func main() {
	var c config
	flag.IntVar(&c.N, "n", 20, "how many requests to submit")
	flag.IntVar(&c.OpenDays, "open-days", 90, "how long the request left open is followed")
	flag.Float64Var(&c.Prices.LambdaGBSecond, "price-lambda-gb-s", 0.0000133334, "USD per GB-second, Lambda arm64")
	flag.Float64Var(&c.Prices.LambdaRequest, "price-lambda-request", 0.20/1e6, "USD per Lambda invocation")
	flag.Float64Var(&c.Prices.Transition, "price-transition", 0.025/1e3, "USD per Step Functions Standard state transition")
	flag.Float64Var(&c.Prices.WriteUnit, "price-wru", 0.625/1e6, "USD per DynamoDB on-demand write request unit")
	flag.Float64Var(&c.Prices.ReadUnit, "price-rru", 0.125/1e6, "USD per DynamoDB on-demand read request unit")
	flag.Float64Var(&c.Prices.Email, "price-email", 0.10/1e3, "USD per email sent through SES")
	flag.Float64Var(&c.Prices.APIRequest, "price-api", 1.00/1e6, "USD per API Gateway HTTP API request")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if err := run(ctx, c, os.Stdout, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		fmt.Fprintln(os.Stderr, "cost:", err)
		os.Exit(1)
	}
}
