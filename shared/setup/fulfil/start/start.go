// Package start builds FulfilStartFunction from the environment: the
// request workflow calls it once the requester is verified, and it starts
// the fulfil workflow, named by the request ID. It is apart from the rest
// of the fulfil family so that the function links only the request store
// and Step Functions, not the connectors, the registry or the access
// package.
package start

import (
	"context"
	"log/slog"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/handover"
	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/setup/sfnclient"
	"github.com/productionflow/privacy-desk/shared/sfn"
)

// Config configures FulfilStartFunction.
type Config struct {
	Table    string    `env:"TABLE_NAME,required"`
	Workflow setup.ARN `env:"FULFIL_WORKFLOW_ARN,required"` // the fulfil state machine
}

// Handler builds FulfilStartFunction's handler.
func Handler(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (func(context.Context, handover.Input) (handover.StartOutput, error), error) {
	cfg, err := setup.Load[Config](getenv, nil)
	if err != nil {
		return nil, err
	}
	awsCfg, err := setup.LoadAWS(ctx, opts...)
	if err != nil {
		return nil, err
	}
	l := &handover.Launcher{
		Store:    &dynamo.Store{API: setup.NewTable(awsCfg), Table: cfg.Table},
		Workflow: &sfn.Starter{API: sfnclient.NewStarter(awsCfg), StateMachineARN: cfg.Workflow.String()},
		Log:      log,
	}
	return l.Start, nil
}
