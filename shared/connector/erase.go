package connector

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

// Audit actions written by the erase service.
const (
	ActionErasureProof    = request.ActionErasureProof
	ActionErasureWithheld = request.ActionErasureWithheld
)

// Doer runs one action of one system; *Runner satisfies it.
type Doer interface {
	Do(ctx context.Context, sys *system.System, a system.Action, p Person) (*Result, error)
}

// Recorder appends an event to a request's audit trail.
type Recorder interface {
	Record(ctx context.Context, e request.Event) error
}

// Eraser erases a person in one system and proves it by asking again.
type Eraser struct {
	Systems Doer
	Audit   Recorder
	Now     func() time.Time
	Log     *slog.Logger
}

// Erasure is what happened in one system.
type Erasure struct {
	System string `json:"system"`
	// Erased is true when the erase ran and the system no longer finds the
	// person (or has no find to ask).
	Erased bool `json:"erased"`
	// Proven is true when a find after the erase answered "not found".
	Proven bool `json:"proven"`
	// FoundBefore is true when the erase found the person to act on.
	FoundBefore bool            `json:"foundBefore"`
	Withheld    []system.Hold   `json:"withheld,omitempty"`
	Events      []request.Event `json:"events"`
}

// Erase erases the person in sys, then runs find again and records the answer
// as an "erasure-proof" event on the request's audit trail. Categories under
// a legal hold are recorded as "erasure-withheld" with the reason.
//
// Errors, returned unwrapped for the workflow's Retry and Catch:
// *RetryableError and *PermanentError from the system, and
// *ErasureNotProvenError when the system still finds the person. In that last
// case the Erasure is returned too, with the evidence already recorded.
func (e *Eraser) Erase(ctx context.Context, requestID string, sys *system.System, p Person) (*Erasure, error) {
	out := &Erasure{System: sys.Name}
	if !sys.Supports(system.Erase) {
		// Everything the system holds that may be erased is under a hold, or
		// it offers no erase at all: nothing is sent. Its holds keep
		// something only where it holds the person: asked, when it can be
		// asked by API (a find by hand is left to the owner).
		if len(sys.Holds) == 0 {
			return nil, &PermanentError{System: sys.Name, Action: system.Erase, Reason: "action not supported by the system"}
		}
		if m := sys.Actions[system.Find]; m != nil && m.Kind == system.HTTP {
			found, err := e.Systems.Do(ctx, sys, system.Find, p)
			if err != nil {
				return nil, err
			}
			if out.FoundBefore = found.Found; !found.Found {
				return out, nil
			}
		}
		if err := e.recordHolds(ctx, requestID, sys, out); err != nil {
			return nil, err
		}
		return out, nil
	}

	// The system is asked first and the trail written after, so an attempt
	// that fails and is retried by the workflow leaves no events behind to
	// be written twice.
	res, err := e.Systems.Do(ctx, sys, system.Erase, p)
	if err != nil {
		return nil, err
	}
	out.FoundBefore = res.Found
	if !sys.Supports(system.Find) {
		ev := request.Event{
			RequestID: requestID, At: e.Now(), Actor: "system:" + sys.Name, Action: ActionErasureProof,
			Reason: "the system has no find action: its answer to the erase is the only evidence",
			Data: map[string]string{
				"system": sys.Name, "found": "unknown", "eraseStatus": strconv.Itoa(res.Status),
				"at": res.At.UTC().Format(time.RFC3339),
			},
		}
		if err := e.recordHoldsIfFound(ctx, requestID, sys, out); err != nil {
			return nil, err
		}
		if err := e.record(ctx, out, ev); err != nil {
			return nil, err
		}
		out.Erased = true
		return out, nil
	}

	check, err := e.Systems.Do(ctx, sys, system.Find, p)
	if err != nil {
		// The erase is idempotent (a second delete answers not found), so the
		// workflow may retry the whole step.
		return nil, err
	}
	ev := request.Event{
		RequestID: requestID, At: check.At, Actor: "system:" + sys.Name, Action: ActionErasureProof,
		Data: map[string]string{
			"system": sys.Name, "found": strconv.FormatBool(check.Found), "status": strconv.Itoa(check.Status),
			"at": check.At.UTC().Format(time.RFC3339), "eraseStatus": strconv.Itoa(res.Status),
		},
	}
	if check.Found {
		ev.Reason = "the system still finds the person after erase"
	} else {
		ev.Reason = "the system no longer finds the person"
	}
	if err := e.recordHoldsIfFound(ctx, requestID, sys, out); err != nil {
		return nil, err
	}
	if err := e.record(ctx, out, ev); err != nil {
		return nil, err
	}
	if check.Found {
		e.Log.WarnContext(ctx, "erasure not proven", "requestId", requestID, "system", sys.Name, "status", check.Status)
		return out, &ErasureNotProvenError{System: sys.Name, Status: check.Status, At: check.At}
	}
	out.Erased, out.Proven = true, true
	e.Log.InfoContext(ctx, "erasure proven", "requestId", requestID, "system", sys.Name, "status", check.Status)
	return out, nil
}

// KeepHolds records sys's holds on out as kept for the person, as an erase
// that finds them does: for a step whose earlier attempt may have erased
// the person (so this one finds nothing) while the holds kept their share.
func (e *Eraser) KeepHolds(ctx context.Context, requestID string, sys *system.System, out *Erasure) error {
	if len(out.Withheld) > 0 {
		return nil
	}
	return e.recordHolds(ctx, requestID, sys, out)
}

// recordHoldsIfFound records the holds of a system whose erase found the
// person: where it held nothing, nothing was kept.
func (e *Eraser) recordHoldsIfFound(ctx context.Context, requestID string, sys *system.System, out *Erasure) error {
	if !out.FoundBefore {
		return nil
	}
	return e.recordHolds(ctx, requestID, sys, out)
}

// recordHolds records an "erasure-withheld" event for each legal hold.
func (e *Eraser) recordHolds(ctx context.Context, requestID string, sys *system.System, out *Erasure) error {
	for _, h := range sys.Holds {
		out.Withheld = append(out.Withheld, h)
		ev := request.Event{
			RequestID: requestID, At: e.Now(), Actor: "system:" + sys.Name, Action: ActionErasureWithheld,
			Reason: h.Reason,
			Data:   map[string]string{"system": sys.Name, "category": h.Category, "law": h.Law, "until": h.Until},
		}
		if err := e.record(ctx, out, ev); err != nil {
			return err
		}
	}
	return nil
}

func (e *Eraser) record(ctx context.Context, out *Erasure, ev request.Event) error {
	if err := e.Audit.Record(ctx, ev); err != nil {
		// A storage failure: the step is retried.
		e.Log.ErrorContext(ctx, "record audit event", "requestId", ev.RequestID, "system", out.System, "err", err)
		return &RetryableError{System: out.System, Action: system.Erase, Reason: fmt.Sprintf("record %s event failed", ev.Action)}
	}
	out.Events = append(out.Events, ev)
	return nil
}
