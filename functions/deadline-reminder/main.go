// Command deadline-reminder is the DeadlineReminderFunction: the
// deadline-watch workflow calls it at each planned reminder time, and it
// reminds the privacy team of the request's deadline (or tells the
// workflow the request is closed).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/deadline"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/sesmail"
)

// newService reads the configuration and builds the reminder service.
func newService(ctx context.Context, getenv func(string) string, log *slog.Logger) (*deadline.Service, error) {
	cfg, err := deadline.LoadConfig(getenv)
	if err != nil {
		return nil, err
	}
	cal, err := clock.New(cfg.TimeZone)
	if err != nil {
		return nil, err
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return &deadline.Service{
		Store:       &dynamo.Store{API: dynamodb.NewFromConfig(awsCfg), Table: cfg.Table},
		Mail:        &sesmail.Sender{API: sesv2.NewFromConfig(awsCfg), From: cfg.Sender, ConfigurationSet: cfg.ConfigurationSet},
		Calendar:    cal,
		Now:         time.Now,
		TeamAddress: cfg.TeamAddress,
		Log:         log,
	}, nil
}

func main() {
	log := lambdacontext.NewLogger()
	svc, err := newService(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(svc.Remind)
}
