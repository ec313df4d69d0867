package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/productionflow/privacy-desk/shared/request"
)

// TaskAPI is the part of *awssfn.Client Tasks uses.
type TaskAPI interface {
	SendTaskSuccess(ctx context.Context, in *awssfn.SendTaskSuccessInput, opts ...func(*awssfn.Options)) (*awssfn.SendTaskSuccessOutput, error)
	SendTaskFailure(ctx context.Context, in *awssfn.SendTaskFailureInput, opts ...func(*awssfn.Options)) (*awssfn.SendTaskFailureOutput, error)
}

var _ TaskAPI = (*awssfn.Client)(nil)

// Tasks completes the tasks workflows wait on (a waitForTaskToken state),
// by the task token the workflow handed out.
//
// Its errors say what became of the task: request.ErrTaskTimedOut when
// the wait ended first (Step Functions' TaskTimedOut, which it also
// answers for a task completed already), request.ErrTaskGone when no task
// has the token (TaskDoesNotExist, InvalidToken). Any other error is the
// service's, worth retrying.
type Tasks struct {
	API TaskAPI
}

// Complete completes the task with output, a JSON document the workflow
// receives as the task's result.
func (t *Tasks) Complete(ctx context.Context, taskToken string, output json.RawMessage) error {
	_, err := t.API.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{
		TaskToken: aws.String(taskToken),
		Output:    aws.String(string(output)),
	})
	return classify("complete task", err)
}

// Fail fails the task with the error name the workflow's Catch matches and
// a cause (both are shown in the execution's history: no personal data).
func (t *Tasks) Fail(ctx context.Context, taskToken, name, cause string) error {
	_, err := t.API.SendTaskFailure(ctx, &awssfn.SendTaskFailureInput{
		TaskToken: aws.String(taskToken),
		Error:     aws.String(name),
		Cause:     aws.String(cause),
	})
	return classify("fail task", err)
}

// classify maps the service's task errors to the domain's and keeps the
// service's error for the log.
func classify(op string, err error) error {
	var (
		timedOut *types.TaskTimedOut
		gone     *types.TaskDoesNotExist
		invalid  *types.InvalidToken
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &timedOut):
		return fmt.Errorf("sfn: %s: %w (%w)", op, request.ErrTaskTimedOut, err)
	case errors.As(err, &gone), errors.As(err, &invalid):
		return fmt.Errorf("sfn: %s: %w (%w)", op, request.ErrTaskGone, err)
	}
	return fmt.Errorf("sfn: %s: %w", op, err)
}

// OwnersWake is the error name the fulfil workflow's wait for the owners'
// tasks catches to go round its reminder loop at once instead of at the
// next reminder (workflows/fulfil.asl.json, AwaitOwners).
const OwnersWake = "OwnersWake"

// OwnersWaker wakes a fulfilment waiting for its owners' tasks: its wait
// ends at once, and the loop's next wait counts every task as it now
// stands (one the team finished by hand included) and goes on to the
// answer when none is open.
type OwnersWaker struct {
	// Tokens gives the token of the request's wait (*dynamo.Store), ""
	// when none is kept or the wait cannot be woken (its execution runs an
	// earlier definition, which would fail on a wake).
	Tokens interface {
		OwnersWakeToken(ctx context.Context, requestID string) (string, error)
	}
	Tasks *Tasks
}

// WakeOwners wakes request id's wait for its owners' tasks. It returns
// request.ErrTaskGone when no wait is kept, the kept one is over, or it
// cannot be woken, and
// request.ErrTaskTimedOut when the wait ended meanwhile (its loop is then
// between two waits, and the next counts the tasks as they stand).
func (w *OwnersWaker) WakeOwners(ctx context.Context, id string) error {
	tok, err := w.Tokens.OwnersWakeToken(ctx, id)
	if err != nil {
		return err
	}
	if tok == "" {
		return fmt.Errorf("sfn: wake owners' wait of %s: %w", id, request.ErrTaskGone)
	}
	return w.Tasks.Fail(ctx, tok, OwnersWake, "the team finished an owner's task by hand")
}
