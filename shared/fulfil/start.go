package fulfil

import (
	"context"
	"errors"
	"log/slog"

	"github.com/productionflow/privacy-desk/shared/request"
)

// WorkflowStarter starts the fulfil workflow for a request, named by its
// ID so a second start is harmless; *sfnflow.Starter satisfies it.
type WorkflowStarter interface {
	Start(ctx context.Context, requestID string, input any) (string, error)
}

// Launcher hands a verified request over to fulfilment. The request
// workflow calls it (through a small function) once verification succeeds.
type Launcher struct {
	Store interface {
		Get(ctx context.Context, id string) (*request.Request, error)
	}
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
// is a *RequestStateError; a failure to start is a *TransientError.
func (l *Launcher) Start(ctx context.Context, in PlanInput) (StartOutput, error) {
	r, err := l.Store.Get(ctx, in.RequestID)
	if errors.Is(err, request.ErrNotFound) {
		return StartOutput{}, &RequestStateError{RequestID: in.RequestID}
	}
	if err != nil {
		l.Log.ErrorContext(ctx, "read request", "requestId", in.RequestID, "err", err)
		return StartOutput{}, &TransientError{RequestID: in.RequestID, Op: "read request", Err: err}
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
	case !mayStart(r) && r.Status != request.InProgress && r.Status != request.Extended:
		return StartOutput{}, &RequestStateError{RequestID: r.ID, Status: r.Status}
	}
	arn, err := l.Workflow.Start(ctx, name, PlanInput{RequestID: r.ID, Scope: in.Scope})
	if err != nil {
		l.Log.ErrorContext(ctx, "start fulfilment", "requestId", r.ID, "err", err)
		return StartOutput{}, &TransientError{RequestID: r.ID, Op: "start fulfilment", Err: err}
	}
	l.Log.InfoContext(ctx, "fulfilment started", "requestId", r.ID)
	return StartOutput{RequestID: r.ID, ExecutionARN: arn}, nil
}
