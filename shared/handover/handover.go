// Package handover hands a request over to fulfilment: the request
// workflow calls FulfilStartFunction once the requester is verified (and
// at once for a request's opt-outs, which need no verification), and the
// Launcher starts the fulfil workflow, named by the request ID so that a
// second start is harmless.
//
// It holds what the hand-over and fulfilment share (the fulfil workflow's
// Input, the rule of when fulfilment may begin, RequestStateError) and
// nothing else, so FulfilStartFunction links neither the connectors, the
// registry nor the access package.
package handover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Input is the fulfil workflow's input: it starts fulfilment of one
// request (fulfil.PlanInput).
type Input struct {
	RequestID string `json:"requestId"`
	// Scope ScopeOptOuts carries out only the request's opt-outs, at once
	// and without verification, whatever else the request asks; empty
	// carries out the whole (verified) request.
	Scope string `json:"scope,omitempty"`
	// Rerun is the number of the team's re-run of a failed fulfilment
	// (console: "Run the fulfilment again"); 0 for the first run. Only a
	// re-run asks again an owner who answered they cannot do their task.
	Rerun int `json:"rerun,omitempty"`
}

// ScopeOptOuts is the scope of a fulfilment of a request's opt-outs alone.
const ScopeOptOuts = "opt-outs"

// RequestStateError means the request cannot be fulfilled in its state
// (not found, not verified, closed). Retrying will not help. Lambda names
// it "RequestStateError", the name the workflows catch.
type RequestStateError struct {
	RequestID string
	Status    request.Status // empty when the request does not exist
}

func (e *RequestStateError) Error() string {
	if e.Status == "" {
		return fmt.Sprintf("request %s not found", e.RequestID)
	}
	return fmt.Sprintf("request %s is %s: only a verified request (or one asking only for opt-outs) is fulfilled", e.RequestID, e.Status)
}

// MayStart reports whether fulfilment of r may begin now: it is verified,
// or it asks only for opt-outs (which need no verification) and is still
// new. It is the one rule the fulfil plan and the Launcher share.
func MayStart(r *request.Request) bool {
	switch r.Status {
	case request.Verified:
		return true
	case request.Received, request.Acknowledged:
		return r.OnlyOptOuts()
	}
	return false
}

// WorkflowStarter starts the fulfil workflow for a request, named by its
// ID so a second start is harmless; *sfn.Starter satisfies it.
type WorkflowStarter interface {
	Start(ctx context.Context, requestID string, input any) (string, error)
}

// RequestReader reads a request (*dynamo.Store).
type RequestReader interface {
	Get(ctx context.Context, id string) (*request.Request, error)
}

// Launcher hands a verified request over to fulfilment. The request
// workflow calls it (through a small function) once verification succeeds.
type Launcher struct {
	Store    RequestReader
	Workflow WorkflowStarter
	Log      *slog.Logger
}

// StartOutput names the fulfil execution.
type StartOutput struct {
	RequestID    string `json:"requestId"`
	ExecutionARN string `json:"executionArn"`
}

// Start starts the fulfil workflow for a verified request, or a new one
// asking only for opt-outs (in progress or extended is accepted too: a start
// repeated after the plan ran; the plan checks the trail). Any other status
// is a *RequestStateError; a failure to start is a *request.TransientError.
func (l *Launcher) Start(ctx context.Context, in Input) (StartOutput, error) {
	r, err := l.Store.Get(ctx, in.RequestID)
	if errors.Is(err, request.ErrNotFound) {
		return StartOutput{}, &RequestStateError{RequestID: in.RequestID}
	}
	if err != nil {
		l.Log.ErrorContext(ctx, "read request", "requestId", in.RequestID, "err", err)
		return StartOutput{}, &request.TransientError{RequestID: in.RequestID, Op: "read request", Err: err}
	}
	name := r.ID
	switch {
	case in.Scope == ScopeOptOuts:
		if len(r.OptOutKinds()) == 0 || r.OnlyOptOuts() {
			// Nothing to carry out ahead: no opt-outs, or only opt-outs
			// (the whole request then runs without verification).
			return StartOutput{RequestID: r.ID}, nil
		}
		name = r.ID + "-" + ScopeOptOuts
	case !MayStart(r) && r.Status != request.InProgress && r.Status != request.Extended:
		return StartOutput{}, &RequestStateError{RequestID: r.ID, Status: r.Status}
	}
	arn, err := l.Workflow.Start(ctx, name, Input{RequestID: r.ID, Scope: in.Scope})
	if err != nil {
		l.Log.ErrorContext(ctx, "start fulfilment", "requestId", r.ID, "err", err)
		return StartOutput{}, &request.TransientError{RequestID: r.ID, Op: "start fulfilment", Err: err}
	}
	l.Log.InfoContext(ctx, "fulfilment started", "requestId", r.ID)
	return StartOutput{RequestID: r.ID, ExecutionARN: arn}, nil
}
