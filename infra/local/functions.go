package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/deadline"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/sesmail"
	"github.com/productionflow/privacy-desk/shared/states"
)

// registerFunctions returns the registration of the desk's functions that
// workflows call, under their local ARNs, built as the Lambda mains build
// them — except that time is the runtime's movable clock, so moving it
// forward makes deadlines pass for the functions too.
func registerFunctions(awsCfg aws.Config, log *slog.Logger) func(*states.Runtime) {
	return func(rt *states.Runtime) {
		cfg, err := deadline.LoadConfig(os.Getenv)
		if err != nil {
			log.Error("DeadlineReminderFunction not registered", "error", err)
			return
		}
		cal, err := clock.New(cfg.TimeZone)
		if err != nil {
			log.Error("DeadlineReminderFunction not registered", "error", err)
			return
		}
		svc := &deadline.Service{
			Store:       &dynamo.Store{API: dynamodb.NewFromConfig(awsCfg), Table: cfg.Table},
			Mail:        &sesmail.Sender{API: sesv2.NewFromConfig(awsCfg), From: cfg.Sender},
			Calendar:    cal,
			TeamAddress: cfg.TeamAddress,
			Log:         log,
			Now:         rt.Clock().Now,
		}
		rt.RegisterLambda(functionARN("DeadlineReminderFunction"), svc.Remind)
	}
}
