// Package sfn is the desk's Step Functions adapter, the one package that
// speaks the aws-sdk-go-v2 sfn client: it starts workflows (Starter; an
// execution is named by the request ID, so starting the same request twice
// is harmless: the second start returns the first execution) and completes
// the tasks they wait on (Tasks), mapping the service's errors to the
// domain's (request.ErrTaskTimedOut, request.ErrTaskGone).
package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// StartExecutionAPI is the part of *awssfn.Client the Starter uses.
type StartExecutionAPI interface {
	StartExecution(ctx context.Context, in *awssfn.StartExecutionInput, opts ...func(*awssfn.Options)) (*awssfn.StartExecutionOutput, error)
}

var _ StartExecutionAPI = (*awssfn.Client)(nil)

// Starter starts executions of one state machine.
type Starter struct {
	API             StartExecutionAPI
	StateMachineARN string
}

// ErrName is returned for a request ID that cannot name an execution.
var ErrName = errors.New("sfn: request ID cannot name an execution")

// Start starts the state machine for requestID with input (encoded as
// JSON) and returns the execution ARN. If an execution of that name exists
// already — running with the same input, running with another, or ended —
// Start returns its ARN and no error: the request is watched once.
func (s *Starter) Start(ctx context.Context, requestID string, input any) (string, error) {
	if requestID == "" || len(requestID) > 80 || strings.ContainsAny(requestID, " <>{}[]?*\"#%\\^|~`$&,;:/\t\r\n") {
		return "", ErrName
	}
	body, err := json.Marshal(input)
	if err != nil {
		return "", fmt.Errorf("sfn: encode input of %s: %w", requestID, err)
	}
	out, err := s.API.StartExecution(ctx, &awssfn.StartExecutionInput{
		StateMachineArn: aws.String(s.StateMachineARN),
		Name:            aws.String(requestID),
		Input:           aws.String(string(body)),
	})
	var exists *types.ExecutionAlreadyExists
	if errors.As(err, &exists) {
		arn, aerr := ExecutionARN(s.StateMachineARN, requestID)
		if aerr != nil {
			return "", aerr
		}
		return arn, nil
	}
	if err != nil {
		return "", fmt.Errorf("sfn: start execution %s: %w", requestID, err)
	}
	return aws.ToString(out.ExecutionArn), nil
}

// ExecutionARN is the ARN of the execution named name of a standard state
// machine: arn:<partition>:states:<region>:<account>:execution:<machine>:<name>.
func ExecutionARN(stateMachineARN, name string) (string, error) {
	parts := strings.Split(stateMachineARN, ":")
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "states" || parts[5] != "stateMachine" {
		return "", fmt.Errorf("sfn: %q is not a state machine ARN", stateMachineARN)
	}
	parts[5] = "execution"
	return strings.Join(append(parts, name), ":"), nil
}
