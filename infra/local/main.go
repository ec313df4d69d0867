// Command local runs the whole privacy desk on a laptop with no AWS account
// and no Docker: dynalite for DynamoDB, aws-ses-v2-local for SES v2, and the
// desk's handlers in process, pointed at them through the SDK's standard
// AWS_ENDPOINT_URL_<SERVICE> variables. The downstream systems are
// in-process stand-ins (shared/standin/downstream) seeded with demo people,
// whom it lists at start. Ctrl-C stops everything it started.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	var opt options
	flag.StringVar(&opt.Addr, "addr", envOr("LOCAL_ADDR", "127.0.0.1:3000"), "address of the web form")
	flag.StringVar(&opt.DataDir, "data", envOr("LOCAL_DATA", ".local"), "folder for the local data (git-ignored)")
	flag.IntVar(&opt.SESPort, "ses-port", 8005, "port of the local SES outbox")
	flag.IntVar(&opt.DynamoPort, "dynamodb-port", 0, "port of dynalite (0 picks a free one)")
	flag.IntVar(&opt.CognitoPort, "cognito-port", 9229, "port of the user pool stand-in the console signs in with (cognito-local)")
	flag.IntVar(&opt.SMTPPort, "smtp-port", 2525, "port of the local SMTP listener for mail to the privacy address")
	flag.StringVar(&opt.StatesAddr, "states-addr", "127.0.0.1:8083", "address of the local Step Functions endpoint")
	flag.BoolVar(&opt.InMemory, "in-memory", false, "keep DynamoDB data in memory instead of the data folder")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, opt, os.Stdout, log); err != nil {
		fmt.Fprintln(os.Stderr, "local stack:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
