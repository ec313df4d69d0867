// Package sfnclient holds the desk's narrow Step Functions clients, each
// with only the calls its adapter makes, held as method values (see
// setup.Table for why).
package sfnclient

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	deskstates "github.com/productionflow/privacy-desk/shared/sfn"
)

var (
	_ deskstates.StartExecutionAPI = Starter{}
	_ deskstates.TaskAPI           = Tasks{}
)

// Starter starts executions: the sfn adapter's StartExecutionAPI.
type Starter struct {
	start func(context.Context, *sfn.StartExecutionInput, ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

// NewStarter is the Step Functions client of awsCfg, for starting executions.
func NewStarter(awsCfg aws.Config) Starter { return Starter{sfn.NewFromConfig(awsCfg).StartExecution} }

func (s Starter) StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	return s.start(ctx, in, opts...)
}

// Tasks completes the tasks workflows wait on: the sfn adapter's TaskAPI.
type Tasks struct {
	success func(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
	failure func(context.Context, *sfn.SendTaskFailureInput, ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error)
}

// NewTasks is the Step Functions client of awsCfg, for completing tasks.
func NewTasks(awsCfg aws.Config) Tasks {
	c := sfn.NewFromConfig(awsCfg)
	return Tasks{success: c.SendTaskSuccess, failure: c.SendTaskFailure}
}

func (t Tasks) SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, opts ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	return t.success(ctx, in, opts...)
}

func (t Tasks) SendTaskFailure(ctx context.Context, in *sfn.SendTaskFailureInput, opts ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error) {
	return t.failure(ctx, in, opts...)
}
