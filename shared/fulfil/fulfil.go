// Package fulfil carries a verified privacy request out in every downstream
// system: Plan lists the steps (one system, one action each) from the
// registry and the request's kinds, Step runs one of them through the
// connectors, and Answer tells the requester what was done (or the privacy
// team what failed) and closes the request.
//
// The workflow (workflows/fulfil.asl.json) holds no personal data: steps are
// {requestId, system, action}; each task reads the person's identifiers from
// the request store itself. Exported data never passes through the workflow
// either: Step writes each system's export to the part store (S3, SSE-KMS)
// and Answer packages the parts.
package fulfil

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/handover"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/metric"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

// Store is the part of the request store fulfilment uses; *dynamo.Store
// satisfies it.
type Store interface {
	Get(ctx context.Context, id string) (*request.Request, error)
	SetStatus(ctx context.Context, id string, from, to request.Status, at time.Time) error
	AppendEvent(ctx context.Context, ev request.Event) error
	Events(ctx context.Context, id string) ([]request.Event, error)
}

// Packager builds and publishes the access package; *export.Store satisfies it.
type Packager interface {
	Package(ctx context.Context, reg *system.Registry, p export.Package) (export.Link, error)
}

// Eraser erases and proves it; *connector.Eraser satisfies it.
type Eraser interface {
	Erase(ctx context.Context, requestID string, sys *system.System, p connector.Person) (*connector.Erasure, error)
	KeepHolds(ctx context.Context, requestID string, sys *system.System, out *connector.Erasure) error
}

// Service carries requests out.
type Service struct {
	Store    Store
	Registry *system.Registry
	Systems  connector.Doer // *connector.Runner: http and sesSuppression actions
	Eraser   Eraser
	// Tasks keeps the owners' manual tasks; OwnerMail mails them; Complete
	// resumes the workflow waiting for them (Step Functions
	// SendTaskSuccess).
	Tasks     TaskStore
	OwnerMail OwnerMail
	Complete  Completer
	// OwnerDigest leaves the tasks of requests that are neither expedited
	// nor about a child's data to the owners' daily digest
	// (FulfilTasksFunction's op "digest", sent through a DigestMail); off,
	// every task is mailed at once.
	OwnerDigest bool
	// Calendar counts business days; ExpeditedTaskDays is the owners'
	// deadline in business days for an expedited request or a child's
	// data (0: DefaultExpeditedTaskDays).
	Calendar          Calendar
	ExpeditedTaskDays int
	Parts             PartStore
	Packages          Packager
	// Downloads issues the access package's download link; required for
	// access and portability answers.
	Downloads Offerer
	Mail      mail.Sender
	Now       func() time.Time
	Log       *slog.Logger
	// Metrics, when set, counts each failed call to a system (fulfil-step),
	// by system and error type.
	Metrics *metric.Writer
	// TeamAddress is the privacy team: Reply-To of the answer, and where a
	// request that needs attention is reported.
	TeamAddress string
	// Location is the business time zone dates in mail are written in.
	Location *time.Location
	// StatusLinks, when set, issues the link to the request's status
	// page that the answer carries.
	StatusLinks StatusLinks
}

// StatusLinks issues a new link to a request's status page
// (*status.Links).
type StatusLinks interface {
	Link(ctx context.Context, requestID string) (string, error)
}

// Audit actions written by fulfilment (besides the connectors' own
// erasure-proof and erasure-withheld).
const (
	ActionStarted = request.ActionFulfilmentStarted
	// verifiedAction is what verification writes when the requester
	// confirms (verify.ActionVerified).
	verifiedAction       = request.ActionVerified
	ActionStepDone       = request.ActionStepDone
	ActionPackageWritten = request.ActionPackageWritten
	ActionNeedsAttention = request.ActionNeedsAttention
	ActionAnswered       = request.ActionAnswered
	actor                = "system:fulfil"
)

var actionInProgress = request.StatusAction(request.InProgress)

// TransientError is a store, mail or package failure that may pass if the
// task is tried again; the workflow retries it.
type TransientError = request.TransientError

// RequestStateError means the request cannot be fulfilled in its state
// (not found, not verified, closed). Retrying will not help.
type RequestStateError = handover.RequestStateError

// verifiedOnTrail reports whether the audit trail shows the request was
// verified (by the email link, or moved to verified) or that fulfilment
// itself moved it from verified to in progress.
func verifiedOnTrail(events []request.Event) bool {
	for _, ev := range events {
		switch {
		case ev.Action == verifiedAction, ev.Action == request.StatusAction(request.Verified):
			return true
		case ev.Action == actionInProgress && ev.Actor == actor:
			return true
		}
	}
	return false
}

// load reads a request, classifying store failures.
func (s *Service) load(ctx context.Context, id string) (*request.Request, error) {
	r, err := s.Store.Get(ctx, id)
	if errors.Is(err, request.ErrNotFound) {
		return nil, &RequestStateError{RequestID: id}
	}
	if err != nil {
		s.Log.ErrorContext(ctx, "read request", "requestId", id, "err", err)
		return nil, &TransientError{RequestID: id, Op: "read request", Err: err}
	}
	return r, nil
}

// record appends an audit event; a failure is transient.
func (s *Service) record(ctx context.Context, ev request.Event) error {
	if err := s.Store.AppendEvent(ctx, ev); err != nil {
		s.Log.ErrorContext(ctx, "append audit event", "requestId", ev.RequestID, "action", ev.Action, "err", err)
		return &TransientError{RequestID: ev.RequestID, Op: "record " + ev.Action, Err: err}
	}
	return nil
}

// hasEvent reports whether the trail already holds an event with this
// action whose data matches every pair in match.
func hasEvent(events []request.Event, action string, match map[string]string) (request.Event, bool) {
	for _, ev := range events {
		if ev.Action != action {
			continue
		}
		ok := true
		for k, v := range match {
			if ev.Data[k] != v {
				ok = false
				break
			}
		}
		if ok {
			return ev, true
		}
	}
	return request.Event{}, false
}

// PlanInput starts fulfilment of one request: the fulfil workflow's input.
type PlanInput = handover.Input

// ScopeOptOuts is the scope of a fulfilment of a request's opt-outs alone.
const ScopeOptOuts = handover.ScopeOptOuts

// Audit actions of the opt-outs' own run.
const (
	ActionOptOutsStarted = request.ActionOptOutsStarted
	// ActionOptOutDone is what the deadline sweep reads as the opt-out
	// clock met (deadline.ActionOptOutDone).
	ActionOptOutDone = request.ActionOptOutDone
)

// StepRef is one step of the plan: one action in one system. It holds no
// personal data. Manual is true when the action is a task mailed to the
// system's owner: the workflow then waits for the owner's confirmation
// (lambda:invoke.waitForTaskToken).
type StepRef struct {
	RequestID string        `json:"requestId"`
	System    string        `json:"system"`
	Action    system.Action `json:"action"`
	Manual    bool          `json:"manual,omitempty"`
}

// PlanOutput is the plan: the steps to run and the systems the request does
// not concern.
type PlanOutput struct {
	RequestID string `json:"requestId"`
	Scope     string `json:"scope"`
	// Steps are the automatic steps (API calls), run a few at a time.
	Steps []StepRef `json:"steps"`
	// Manual are the owners' tasks, all mailed at once and waited for
	// together; Reminder.CheckIn is the seconds until the first reminder.
	Manual        []StepRef `json:"manual"`
	Reminder      Reminder  `json:"reminder"`
	NotApplicable []string  `json:"notApplicable"`
}

// Reminder is when the owners' task loop next wakes, in seconds.
type Reminder struct {
	CheckIn int `json:"checkIn"`
}

// Plan checks the request may be fulfilled, moves it to in-progress (from
// verified, or from new for a request asking only for opt-outs; a second
// call changes nothing), and lists its steps.
func (s *Service) Plan(ctx context.Context, in PlanInput) (PlanOutput, error) {
	return s.plan(ctx, in, false)
}

func (s *Service) plan(ctx context.Context, in PlanInput, again bool) (PlanOutput, error) {
	r, err := s.load(ctx, in.RequestID)
	if err != nil {
		return PlanOutput{}, err
	}
	if in.Scope == ScopeOptOuts {
		return s.planOptOuts(ctx, r)
	}
	if in.Scope != "" {
		return PlanOutput{}, &RequestStateError{RequestID: r.ID, Status: r.Status}
	}
	switch {
	case handover.MayStart(r):
		now := s.Now()
		err := s.Store.SetStatus(ctx, r.ID, r.Status, request.InProgress, now)
		if errors.Is(err, request.ErrConflict) && !again {
			// Changed underneath (a concurrent plan, a withdrawal): decide
			// again, once, on what it is now.
			return s.plan(ctx, in, true)
		}
		if err != nil {
			s.Log.ErrorContext(ctx, "set status", "requestId", r.ID, "err", err)
			return PlanOutput{}, &TransientError{RequestID: r.ID, Op: "set status in-progress", Err: err}
		}
		reason := "verified: carrying the request out in every system"
		if r.Status != request.Verified {
			reason = "opt-outs need no verification: carrying them out in every system"
		}
		if err := s.record(ctx, request.Event{RequestID: r.ID, At: now, Actor: actor, Action: actionInProgress, Once: actionInProgress,
			Reason: reason, Data: map[string]string{"from": string(r.Status), "to": string(request.InProgress)}}); err != nil {
			return PlanOutput{}, err
		}
	case r.Status == request.InProgress, r.Status == request.Extended:
		// A repeated plan, or a request the team moved on. In progress does
		// not prove verification (a new request may be moved there by
		// hand): the trail must.
		if !r.OnlyOptOuts() {
			events, err := s.Store.Events(ctx, r.ID)
			if err != nil {
				s.Log.ErrorContext(ctx, "read audit trail", "requestId", r.ID, "err", err)
				return PlanOutput{}, &TransientError{RequestID: r.ID, Op: "read audit trail", Err: err}
			}
			if !verifiedOnTrail(events) {
				s.Log.WarnContext(ctx, "fulfilment refused: no verification on the trail", "requestId", r.ID, "status", string(r.Status))
				return PlanOutput{}, &RequestStateError{RequestID: r.ID, Status: r.Status}
			}
		}
	default:
		return PlanOutput{}, &RequestStateError{RequestID: r.ID, Status: r.Status}
	}
	kinds := r.Kinds
	if !r.OnlyOptOuts() {
		events, err := s.Store.Events(ctx, r.ID)
		if err != nil {
			return PlanOutput{}, &TransientError{RequestID: r.ID, Op: "read audit trail", Err: err}
		}
		if _, ok := hasEvent(events, ActionOptOutsStarted, nil); ok {
			// The opt-outs ran on their own clock already.
			kinds = slices.DeleteFunc(slices.Clone(kinds), request.Kind.IsOptOut)
		}
	}
	return s.planSteps(ctx, r, kinds, "", in.Rerun)
}

// planOptOuts plans the request's opt-outs alone: they need no
// verification and change no status.
func (s *Service) planOptOuts(ctx context.Context, r *request.Request) (PlanOutput, error) {
	kinds := r.OptOutKinds()
	if len(kinds) == 0 {
		return PlanOutput{}, &RequestStateError{RequestID: r.ID, Status: r.Status}
	}
	if err := s.record(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: actor, Action: ActionOptOutsStarted, Once: ActionOptOutsStarted,
		Reason: "opt-outs need no verification: carried out at once, whatever else the request asks"}); err != nil {
		return PlanOutput{}, err
	}
	return s.planSteps(ctx, r, kinds, ScopeOptOuts, 0)
}

func (s *Service) planSteps(ctx context.Context, r *request.Request, kinds []request.Kind, scope string, rerun int) (PlanOutput, error) {
	var err error
	out := PlanOutput{RequestID: r.ID, Scope: scope, Steps: []StepRef{}, Manual: []StepRef{}, NotApplicable: []string{}, Reminder: Reminder{CheckIn: 1}}
	steps := Steps(s.Registry, kinds)
	for _, st := range steps {
		st.RequestID = r.ID
		if st.Manual {
			out.Manual = append(out.Manual, st)
		} else {
			out.Steps = append(out.Steps, st)
		}
	}
	if len(out.Manual) > 0 {
		if out.Reminder.CheckIn, err = s.createTasks(ctx, r, out.Manual, rerun); err != nil {
			return PlanOutput{}, err
		}
	}
	out.NotApplicable = NotApplicable(s.Registry, steps)
	s.Log.InfoContext(ctx, "fulfilment planned", "requestId", r.ID, "steps", len(out.Steps), "tasks", len(out.Manual), "notApplicable", len(out.NotApplicable))
	return out, nil
}

// Steps lists, in registry order, the actions each system takes for the
// kinds asked:
//   - deletion, child's data: erase in every system that erases, and in
//     every system with legal holds (the connector records what is withheld
//     and why); suppress where a system can only suppress, so the address
//     is never mailed again;
//   - access (categories or specific pieces), portability: export. A
//     request to know the categories alone asks the systems too, to learn
//     which hold the person and in what categories, but its answer carries
//     only those categories, never a copy (see CopyAsked and Answer);
//   - correction: correct;
//   - opt-out of marketing: suppress (the marketing lists' own unsubscribe);
//   - opt-out of sale or sharing: optOut in every system that sells or
//     shares.
func Steps(reg *system.Registry, kinds []request.Kind) []StepRef {
	var out []StepRef
	add := func(sys *system.System, a system.Action) {
		ref := StepRef{System: sys.Name, Action: a}
		if m := sys.Actions[a]; m != nil && m.Kind == system.Manual {
			ref.Manual = true
		}
		for _, x := range out {
			if x.System == ref.System && x.Action == ref.Action {
				return
			}
		}
		out = append(out, ref)
	}
	has := func(ks ...request.Kind) bool {
		for _, k := range ks {
			if slices.Contains(kinds, k) {
				return true
			}
		}
		return false
	}
	for i := range reg.Systems {
		sys := &reg.Systems[i]
		if has(request.Deletion, request.ChildData) {
			if sys.Supports(system.Erase) || len(sys.Holds) > 0 {
				add(sys, system.Erase)
			}
			if !sys.Supports(system.Erase) && sys.Supports(system.Suppress) {
				add(sys, system.Suppress)
			}
		}
		if has(request.AccessCategories, request.AccessSpecific, request.Portability) && sys.Supports(system.Export) {
			add(sys, system.Export)
		}
		if has(request.Correction) && sys.Supports(system.Correct) {
			add(sys, system.Correct)
		}
		if has(request.OptOutMarketing) && sys.Supports(system.Suppress) {
			add(sys, system.Suppress)
		}
		if has(request.OptOutSale) && sys.Supports(system.OptOut) {
			add(sys, system.OptOut)
		}
	}
	return out
}

// CopyAsked reports whether kinds ask for a copy of the data itself:
// specific pieces, or portability (specific pieces in a portable format),
// which need the higher verification (on the form, the signed
// declaration). A request to know the categories alone does not: it is
// answered with the categories of data each system holds about the
// person, never with a record.
func CopyAsked(kinds []request.Kind) bool { return request.CopyAsked(kinds) }

// NotApplicable lists the systems no step concerns, in registry order.
func NotApplicable(reg *system.Registry, steps []StepRef) []string {
	out := []string{}
	for _, name := range reg.Names() {
		if !slices.ContainsFunc(steps, func(s StepRef) bool { return s.System == name }) {
			out = append(out, name)
		}
	}
	return out
}

// RecordFunc adapts a function (a Store's AppendEvent) to
// connector.Recorder, so the connectors write to the same audit trail.
type RecordFunc func(ctx context.Context, ev request.Event) error

// Record appends ev.
func (f RecordFunc) Record(ctx context.Context, ev request.Event) error { return f(ctx, ev) }
