package fulfil

import (
	"context"
	"slices"
	"strconv"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/metric"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

// StepInput is one step of the plan. TaskToken is set by the workflow
// ($$.Task.Token under lambda:invoke.waitForTaskToken) for a manual step
// only: the owner's confirmation completes the waiting task with it.
type StepInput struct {
	RequestID string        `json:"requestId"`
	System    string        `json:"system"`
	Action    system.Action `json:"action"`
	TaskToken string        `json:"taskToken,omitempty"`
	// Resumed is set when an earlier attempt of the step stopped between
	// the system's calls (connector.RetryableError.Partial): a person the
	// system no longer finds may then be stuck halfway, not done.
	Resumed bool `json:"resumed,omitempty"`
	// Retried is set when an earlier attempt of the step failed: it may
	// have erased the person before failing (its proof, say), so a system
	// finding nobody now says nothing of what its holds kept.
	Retried bool `json:"retried,omitempty"`
}

// OutcomeSkipped is a step's outcome when the request was closed (withdrawn,
// denied) before it ran: nothing was done.
const OutcomeSkipped = "skipped"

// StepOutput is what one step did. It holds no personal data: outcome
// words, whether the system held the person, and the categories kept under
// a legal hold.
type StepOutput struct {
	RequestID string        `json:"requestId"`
	System    string        `json:"system"`
	Action    system.Action `json:"action"`
	// Outcome is one of the mail.Outcome* words, or "task-started" for a
	// manual step still waiting for its owner, or OutcomeSkipped when the
	// request was closed meanwhile.
	Outcome  string   `json:"outcome"`
	Found    bool     `json:"found"`
	Withheld []string `json:"withheld,omitempty"`
}

// Step runs one action in one system for the request's person (read from
// the store here, never passed by the workflow).
//
// Errors are returned unwrapped so the workflow's Retry and Catch match
// their names: *connector.RetryableError, *connector.PermanentError and
// *connector.ErasureNotProvenError from the connectors, *TransientError for
// the desk's own store, and *RequestStateError for an unknown request.
// Every step may be retried: erase and suppress are idempotent in the
// systems, an export overwrites its part, and audit events carry Once keys.
func (s *Service) Step(ctx context.Context, in StepInput) (StepOutput, error) {
	out, err := s.step(ctx, in)
	if kind := failureKind(err); kind != "" {
		s.Metrics.Count(metric.ConnectorFailures, "System", in.System, "Error", kind)
	}
	return out, err
}

// failureKind names a connector's failure by its error type ("" for none,
// or for the desk's own errors).
func failureKind(err error) string {
	switch err.(type) {
	case *connector.RetryableError:
		return "RetryableError"
	case *connector.PermanentError:
		return "PermanentError"
	case *connector.ErasureNotProvenError:
		return "ErasureNotProvenError"
	}
	return ""
}

func (s *Service) step(ctx context.Context, in StepInput) (StepOutput, error) {
	out := StepOutput{RequestID: in.RequestID, System: in.System, Action: in.Action}
	sys, ok := s.Registry.Lookup(in.System)
	if !ok {
		return out, &connector.PermanentError{System: in.System, Action: in.Action, Reason: "system not in the registry"}
	}
	r, err := s.load(ctx, in.RequestID)
	if err != nil {
		return out, err
	}
	// Opt-outs need no verification and stand whatever becomes of the rest
	// of the request: only a withdrawal stops them, or a denial (which
	// refuses the opt-outs not yet carried out, with its reasons).
	optOut := in.Action == system.Suppress || in.Action == system.OptOut
	switch {
	case optOut && r.Status != request.Withdrawn && r.Status != request.Denied:
	case r.Status.Closed():
		out.Outcome = OutcomeSkipped
		s.Log.InfoContext(ctx, "step skipped: request closed", "requestId", r.ID, "system", sys.Name, "status", string(r.Status))
		return out, nil
	case r.Status != request.InProgress && r.Status != request.Extended && r.Status != request.Verified:
		// Plan moves a request it may fulfil to in progress: nothing is
		// erased or disclosed for one that is not there.
		return out, &RequestStateError{RequestID: r.ID, Status: r.Status}
	}
	// The person acted on: for a child's data, the child, never the
	// reporter.
	p := connector.Person{Email: r.TargetEmail(), Corrections: r.Corrections}
	if p.Email == "" {
		return out, &connector.PermanentError{System: sys.Name, Action: in.Action, Reason: "the request names no address of the person to act on"}
	}
	if m := sys.Actions[in.Action]; m != nil && m.Kind == system.Manual {
		// Owners' tasks run in the workflow's owners' loop, not as steps.
		return out, &connector.PermanentError{System: sys.Name, Action: in.Action, Reason: "a manual action is an owner's task, not a step"}
	}

	switch in.Action {
	case system.Erase:
		er, err := s.Eraser.Erase(ctx, r.ID, sys, p)
		if err != nil {
			return out, err
		}
		if in.Resumed && sys.Supports(system.Erase) && !er.FoundBefore {
			return out, &connector.ErasureNotProvenError{System: sys.Name, At: s.Now(), Halfway: true}
		}
		if in.Retried && !er.FoundBefore && len(sys.Holds) > 0 {
			// An earlier attempt may have erased the person: what the holds
			// keep was kept, as the answer then says.
			if err := s.Eraser.KeepHolds(ctx, r.ID, sys, er); err != nil {
				return out, err
			}
			er.FoundBefore = true
		}
		for _, h := range er.Withheld {
			out.Withheld = append(out.Withheld, h.Category)
		}
		out.Found = er.FoundBefore
		switch {
		case !er.FoundBefore && len(er.Withheld) == 0:
			// Nothing of the person's was there to erase or keep: the
			// answer says the system held nothing, not that it deleted
			// something.
			out.Outcome = mail.OutcomeNotFound
		case !sys.Supports(system.Erase):
			out.Outcome = mail.OutcomeWithheld
		case er.Proven && len(er.Withheld) > 0:
			out.Outcome = mail.OutcomeErasedKept
		case er.Proven:
			out.Outcome = mail.OutcomeErased
		default:
			out.Outcome = mail.OutcomeErasedAsk
		}
	case system.Export:
		res, err := s.Systems.Do(ctx, sys, system.Export, p)
		if err != nil {
			return out, err
		}
		d := keptFor(r.Kinds, export.SystemData{System: sys.Name, Found: res.Found, At: res.At, Data: res.Data})
		if err := s.putPart(ctx, r.ID, d); err != nil {
			s.Log.ErrorContext(ctx, "write export part", "requestId", r.ID, "system", sys.Name, "err", err)
			return out, &TransientError{RequestID: r.ID, Op: "write export part", Err: err}
		}
		out.Found = res.Found
		out.Outcome = mail.OutcomeExported
		if !res.Found {
			out.Outcome = mail.OutcomeNotFound
		}
	default:
		if in.Action == system.Correct && slices.ContainsFunc(r.Corrections, request.CorrectionItem.InWords) {
			// The requester's words are for people: the system is not
			// sent them (it would refuse them, or worse, take them).
			return out, &connector.PermanentError{System: sys.Name, Action: in.Action,
				Reason: "the correction is in the requester's own words, which no system takes: write it for the systems in the console (Write the correction for the systems), then run the fulfilment again"}
		}
		res, err := s.Systems.Do(ctx, sys, in.Action, p)
		if err != nil {
			return out, err
		}
		if in.Resumed && !res.Found {
			return out, &connector.PermanentError{System: sys.Name, Action: in.Action,
				Reason: "an earlier attempt stopped between the system's calls and the person can no longer be found to finish it; check the system by hand"}
		}
		out.Found = res.Found
		switch in.Action {
		case system.Suppress:
			out.Outcome = mail.OutcomeSuppressed
		case system.OptOut:
			out.Outcome = mail.OutcomeOptedOut
			if !res.Found {
				// It holds nothing about the person: "it no longer sells
				// or shares your data" would speak of data it never had.
				out.Outcome = mail.OutcomeNotFound
			}
		case system.Correct:
			out.Outcome = mail.OutcomeCorrected
			if !res.Found {
				out.Outcome = mail.OutcomeNotFound
			}
		default:
			out.Outcome = mail.OutcomeConfirmed
		}
	}

	found := strconv.FormatBool(out.Found)
	if out.Outcome == mail.OutcomeErasedAsk {
		// A system that cannot be asked whether it holds the person
		// accepted the deletion: the trail does not say it held them.
		found = "unknown"
	}
	ev := request.Event{
		RequestID: r.ID, At: s.Now(), Actor: "system:" + sys.Name, Action: ActionStepDone,
		Data: map[string]string{"system": sys.Name, "action": string(in.Action), "outcome": out.Outcome, "found": found},
		Once: "step-" + sys.Name + "-" + string(in.Action),
	}
	if err := s.record(ctx, ev); err != nil {
		return out, err
	}
	s.Log.InfoContext(ctx, "step done", "requestId", r.ID, "system", sys.Name, "action", string(in.Action), "outcome", out.Outcome)
	return out, nil
}
