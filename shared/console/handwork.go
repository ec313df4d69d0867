package console

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/handover"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/verify"
)

// The team's actions that move no status: they finish what the desk could
// not, or say something of the request on its trail.
const (
	ActionFinishStep    = "finish-step"         // mark one system's action done by hand
	ActionRerun         = "rerun-fulfilment"    // start the fulfil workflow again after it failed
	ActionResendLink    = "resend-verification" // mail the verification link again
	ActionMarkDuplicate = "mark-duplicate"      // say the request repeats another
	ActionNote          = "note"                // add a note to the trail
	// ActionWriteCorrection writes a correction's item as the systems take
	// it, from what the person asked in words.
	ActionWriteCorrection = "write-correction"
	ActionRevokeStatus    = "revoke-status-links" // stop every status-page link mailed so far
)

// Fulfilment starts the fulfil workflow under an execution name
// (*sfn.Starter); the name of a first run (the request ID) is taken for
// 90 days after it ends, so a re-run has a name of its own.
type Fulfilment interface {
	Start(ctx context.Context, name string, input any) (string, error)
}

// OwnersWaker wakes a fulfilment waiting for its owners' tasks, so that it
// counts a task the team finished by hand now rather than at the task's
// next reminder (*sfn.OwnersWaker).
type OwnersWaker interface {
	WakeOwners(ctx context.Context, requestID string) error
}

// Verifier mails the verification link again (*verify.Service).
type Verifier interface {
	Resend(ctx context.Context, requestID, actor string) (time.Time, error)
}

// StatusLinks issues a new link to a request's status page
// (*status.Links).
type StatusLinks interface {
	Link(ctx context.Context, requestID string) (string, error)
}

// statusLink is a new status link for a mail to the requester, or "" (the
// mail goes without one).
func (s *Service) statusLink(ctx context.Context, id string) string {
	return mail.StatusLinkFor(ctx, s.StatusLinks, id, s.logger())
}

// stepFailed reports whether the open request needs attention because a
// step or a workflow stage failed: its mark says so, or a failure is on
// its trail (the mark holds the last cause only, and a bounce of mail to
// the requester after the failure replaces it).
func stepFailed(r *request.Request, events []request.Event) bool {
	return request.StepFailed(r.Attention) || has(events, request.ActionNeedsAttention) || has(events, request.ActionStageFailed)
}

// whyMore is why for the actions of this file.
func (s *Service) whyMore(action string, r *request.Request, events []request.Event) string {
	switch action {
	case ActionWriteCorrection:
		switch {
		case r.Status.Closed():
			return "the request is closed"
		case !slices.Contains(r.Kinds, request.Correction):
			return "it asks for no correction"
		}
	case ActionFinishStep:
		switch {
		case r.Status.Closed():
			return "the request is closed"
		case slices.ContainsFunc(stuckTasks(events), func(st FailedStep) bool { return !st.Done }):
			// An owner's task is overdue, or its owner cannot do it: the
			// team may do the step and say so while the fulfilment waits.
		case r.Attention == "":
			return "only a request that needs attention has a step to finish by hand"
		case !stepFailed(r, events):
			return "no step failed: the request needs attention because mail to the requester bounced"
		case allFinishedByHand(r, events):
			return "every step that failed is done (by hand, or by a later run): answer the requester and complete the request, or run the fulfilment again"
		}
	case ActionRerun:
		switch {
		case s.Fulfilment == nil:
			return "this console cannot start the fulfil workflow"
		case r.Status.Closed():
			return "the request is closed"
		case r.Attention == "" || !stepFailed(r, events):
			return "only a request whose fulfilment failed is run again"
		case r.Status != request.InProgress && r.Status != request.Extended && r.Status != request.Verified:
			return "only a verified request, or one in progress, is fulfilled (it is " + string(r.Status) + ")"
		}
	case ActionResendLink:
		switch {
		case s.Verifier == nil:
			return "this console cannot send verification links"
		case r.Status != request.Verifying:
			return "only a request waiting for the requester's confirmation is sent the link (it is " + string(r.Status) + ")"
		}
	case ActionMarkDuplicate:
		switch {
		case r.Status.Closed():
			return "the request is closed"
		case has(events, request.ActionMarkedDuplicate):
			return "it is marked as a duplicate already"
		}
	case ActionNameConsumer:
		return s.whyNameConsumer(r)
	case ActionNote, ActionRevokeStatus:
		// Open to every request, closed ones too.
	default:
		return "no such action"
	}
	return ""
}

// reruns counts the re-runs of r's fulfilment on its trail.
func reruns(events []request.Event) int {
	n := 0
	for _, e := range events {
		if e.Action == request.ActionFulfilmentRerun {
			n++
		}
	}
	return n
}

// RerunName is the execution name of the n-th re-run of a request's
// fulfilment: the first run's name (the request ID) and -rerun-<n>.
func RerunName(id string, n int) string { return id + "-rerun-" + strconv.Itoa(n) }

// Finished is what finishing a step by hand did beyond the trail.
type Finished struct {
	// OwnerTask: the step is an owner's task the fulfilment is waiting
	// for (overdue, or its owner cannot do it).
	OwnerTask bool
	// Woken: the fulfilment's wait was woken and counts the step now;
	// otherwise it counts it when it next wakes (at the task's next
	// reminder or overdue check).
	Woken bool
}

// FinishStep records that the team did one system's action by hand for a
// request that needs attention (a step failed), or for an owner's task
// that is stuck while the fulfilment waits: system and action name the
// step, note says how. A stuck owner's task wakes the fulfilment, which
// counts it done by hand, stops reminding its owner and answers the
// requester once every system has acted. Otherwise the request stays
// open: complete it once every step is done and the requester answered.
//
// nothingHeld says the system held nothing about the person, so there was
// nothing to do: the trail says so (found: false), and the answer that
// the system held no data about them.
func (s *Service) FinishStep(ctx context.Context, m Member, id, system, action, note string, nothingHeld, copySent bool) (Finished, error) {
	var done Finished
	r, events, err := s.load(ctx, ActionFinishStep, id)
	if err != nil {
		return done, err
	}
	system, action, note = strings.TrimSpace(system), strings.TrimSpace(action), strings.TrimSpace(note)
	problems := FormError{}
	if system == "" {
		problems["system"] = "Name the system whose step you finished."
	} else if p := tooLong(system, MaxStepName, false); p != "" {
		problems["system"] = p
	}
	if action == "" {
		problems["action"] = "Name the action you did in it (erase, export, correct…)."
	} else if p := tooLong(action, MaxStepName, false); p != "" {
		problems["action"] = p
	}
	if note == "" {
		problems["note"] = "Say what you did by hand, and how."
	} else if p := tooLong(note, MaxNote, false); p != "" {
		problems["note"] = p
	}
	if len(problems) > 0 {
		return done, problems
	}
	if !onTrail(events, system, action) {
		return done, FormError{"system": "No step of this system and action is on the request's trail: name one the fulfilment tried (the trail and the failure say which)."}
	}
	once := "step-" + system + "-" + action
	if doneByHand(events, system, action) {
		return done, FormError{"system": "The trail has this step done already (by hand, or by a later run of the fulfilment)."}
	}
	// Data found after another of the system's steps found nothing would
	// have the answer say both. (Nothing found after data was found is
	// possible: the data may have gone since.)
	if _, nothing := foundOnTrail(events, system, action); !nothingHeld && nothing {
		return done, FormError{"found": "The trail already says " + system + " held nothing about the person (another of its steps), and the answer would say both. If it held nothing here either, say so; if their data is there after all, add a note saying so and answer the requester yourself."}
	}
	if action == "erase" && exportPending(events, system) {
		// As an owner's task page refuses it: erasing first would delete
		// what the export is to send or report; and "nothing" first, an
		// export that then found data would go undeleted, the answer
		// saying nothing was left.
		return done, FormError{"system": "This request's export in " + system + " is not done yet: finish " + system + " / export first (or have its owner answer it), then the erase. Erasing first would delete what the export sends."}
	}
	// A copy made by hand is not in the requester's download: the answer
	// tells them the team sent it apart, which the member says they did.
	copyByHand := action == "export" && !nothingHeld && request.CopyAsked(r.Kinds)
	if copyByHand && !copySent {
		return done, FormError{"copySent": "This request asks for a copy, and the one you made is not in the requester's download: send it to them (by secure mail or post), then tick that you sent it. The answer tells them it came apart."}
	}
	s.logger().InfoContext(ctx, "console: step finished by hand", "requestId", r.ID, "system", system, "action", action, "user", m.Username)
	data := map[string]string{"system": system, "action": action, "outcome": request.OutcomeByHand}
	if nothingHeld {
		data["found"] = "false"
	}
	if copyByHand {
		data["copySent"] = "true"
	}
	if err := s.record(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: m.Actor(), Action: request.ActionStepDone, Once: once,
		Reason: note, Data: data}); err != nil {
		return done, err
	}
	// A stuck owner's task of a fulfilment still waiting (not one that
	// ended needing attention): wake it, after the record it reads.
	done.OwnerTask = r.Attention == "" && slices.ContainsFunc(stuckTasks(events), func(st FailedStep) bool {
		return st.System == system && st.Action == action
	})
	if done.OwnerTask && s.Owners != nil {
		switch err := s.Owners.WakeOwners(ctx, r.ID); {
		case err == nil, errors.Is(err, request.ErrTaskTimedOut):
			// Timed out: the wait ended meanwhile, and the loop's next
			// wait, a moment later, counts the step.
			done.Woken = true
		default:
			s.logger().WarnContext(ctx, "console: wake the owners' wait", "requestId", r.ID, "err", err)
		}
	}
	return done, nil
}

// FailedStep is a step the fulfilment gave up on, and whether the team
// finished it by hand since.
type FailedStep struct {
	System, Action string
	// Why is what the failure notice said of it ("timed out", an error
	// type); may be empty.
	Why  string
	Done bool
}

// failedListed finds the steps in a needs-attention event's list,
// "[crm/erase: why support/erase: why]": a step's name starts the list or
// follows a space, and ends with a colon.
var failedListed = regexp.MustCompile(`(?:^\[| )([a-z0-9][a-z0-9_-]*)/([A-Za-z][A-Za-z-]*):`)

// failedSteps lists the steps the request's needs-attention events name as
// failed, once each, in their order, then the owners' tasks that are stuck
// (stuckTasks), each with whether the team finished it by hand.
func failedSteps(events []request.Event) []FailedStep {
	var out []FailedStep
	seen := map[string]bool{}
	add := func(system, action, why string) {
		if system == "" || action == "" || seen[system+"/"+action] {
			return
		}
		seen[system+"/"+action] = true
		out = append(out, FailedStep{System: system, Action: action, Why: strings.TrimSpace(why), Done: doneByHand(events, system, action)})
	}
	for _, e := range events {
		if e.Action != request.ActionNeedsAttention {
			continue
		}
		add(e.Data["system"], e.Data["action"], e.Data["error"])
		list := strings.TrimSuffix(e.Data["failed"], "]")
		at := failedListed.FindAllStringSubmatchIndex(list, -1)
		for i, m := range at {
			end := len(list)
			if i+1 < len(at) {
				end = at[i+1][0]
			}
			add(list[m[2]:m[3]], list[m[4]:m[5]], list[m[1]:end])
		}
	}
	for _, st := range stuckTasks(events) {
		add(st.System, st.Action, st.Why)
	}
	// A system's export before its erase, as they are to be done.
	first := map[string]int{}
	for i, st := range out {
		if _, ok := first[st.System]; !ok {
			first[st.System] = i
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.System != b.System {
			return first[a.System] < first[b.System]
		}
		return a.Action == "export" && b.Action != "export"
	})
	return out
}

// stuckTasks lists the owners' tasks the trail says are overdue or that
// their owner cannot do, and that no owner's answer settled since (done,
// or nothing held), each with whether the step is done since (by the
// team's hand). The fulfilment counts such a step done by hand when the
// team finishes it, and stops waiting for its owner.
func stuckTasks(events []request.Event) []FailedStep {
	var out []FailedStep
	at := map[string]int{}
	for _, e := range events {
		sys, action := e.Data["system"], e.Data["action"]
		if sys == "" || action == "" {
			continue
		}
		why := ""
		switch {
		case e.Action == request.ActionTaskOverdue:
			why = "overdue: its owner has not answered"
		case e.Action == request.ActionTaskConfirmed && e.Data["answer"] == "cannot":
			why = "its owner cannot do it"
		case e.Action == request.ActionTaskConfirmed, e.Action == request.ActionTaskReopened:
			if i, ok := at[sys+"/"+action]; ok {
				out[i].Why = "" // answered since, or asked of its owner again
			}
			continue
		default:
			continue
		}
		if i, ok := at[sys+"/"+action]; ok {
			out[i].Why = why
			continue
		}
		at[sys+"/"+action] = len(out)
		out = append(out, FailedStep{System: sys, Action: action, Why: why})
	}
	kept := out[:0]
	for _, st := range out {
		if st.Why != "" {
			st.Done = doneByHand(events, st.System, st.Action)
			kept = append(kept, st)
		}
	}
	return kept
}

// foundOnTrail says what the trail records of whether system held the
// person, from its steps other than action — done by the desk, by hand or
// answered by its owner: held (done with their data), nothing (held
// nothing).
func foundOnTrail(events []request.Event, system, action string) (held, nothing bool) {
	said := map[string]string{} // by action, the latest word: held, nothing, or none (asked again)
	for _, e := range events {
		if e.Data["system"] != system || e.Data["action"] == action {
			continue
		}
		switch {
		case e.Action == request.ActionStepDone && e.Data["found"] == "false",
			e.Action == request.ActionTaskConfirmed && e.Data["answer"] == "nothing-held":
			said[e.Data["action"]] = "nothing"
		case e.Action == request.ActionStepDone && (e.Data["outcome"] == request.OutcomeByHand || e.Data["found"] == "true"),
			e.Action == request.ActionTaskConfirmed && e.Data["answer"] == "done":
			said[e.Data["action"]] = "held"
		case e.Action == request.ActionTaskReopened:
			said[e.Data["action"]] = ""
		}
	}
	for _, w := range said {
		held = held || w == "held"
		nothing = nothing || w == "nothing"
	}
	return held, nothing
}

// exportPending reports whether the trail shows an export of the
// request's in system (an owner's task, or a step the fulfilment tried)
// that is not done: no step done (by a run, or by hand) and no owner's
// answer that it was done or that the system holds nothing since it was
// last asked (a re-run asks an owner again for a file no longer kept).
func exportPending(events []request.Event, system string) bool {
	asked, done := false, false
	for _, e := range events {
		if e.Data["system"] != system || e.Data["action"] != "export" {
			continue
		}
		asked = true
		switch {
		case e.Action == request.ActionStepDone:
			done = true
		case e.Action == request.ActionTaskConfirmed && (e.Data["answer"] == "done" || e.Data["answer"] == "nothing-held"):
			done = true
		case e.Action == request.ActionTaskReopened:
			done = false
		}
	}
	if !asked {
		asked = slices.ContainsFunc(failedSteps(events), func(st FailedStep) bool { return st.System == system && st.Action == "export" })
	}
	return asked && !done
}

// doneByHand reports whether action in system is done: by the team's
// hand, or by a later run of the fulfilment (whose step event holds the
// same key, so a note by hand would not be recorded). (An event's Once is
// its key in the store, not read back with it: the event is known by what
// it says.)
func doneByHand(events []request.Event, system, action string) bool {
	return slices.ContainsFunc(events, func(e request.Event) bool {
		return e.Action == request.ActionStepDone && e.Data["system"] == system && e.Data["action"] == action
	})
}

// allFinishedByHand reports whether the request needs attention for failed
// steps only, every one of which the team finished by hand: what is left
// is to answer the requester and complete it.
func allFinishedByHand(r *request.Request, events []request.Event) bool {
	if !request.StepFailed(r.Attention) {
		return false
	}
	steps := failedSteps(events)
	if len(steps) == 0 {
		return false
	}
	for _, st := range steps {
		if !st.Done {
			return false
		}
	}
	return true
}

// onTrail reports whether the fulfilment tried action in system for the
// request: a step's event names them, or the team's attention notice lists
// the step as failed.
func onTrail(events []request.Event, system, action string) bool {
	return slices.ContainsFunc(events, func(e request.Event) bool {
		if e.Data["system"] == system && e.Data["action"] == action {
			return true
		}
		// The notice's list is "[crm/erase: why support/erase: why]":
		// a step's name starts the list or follows a space.
		key := system + "/" + action + ":"
		failed := e.Data["failed"]
		return e.Action == request.ActionNeedsAttention && (strings.HasPrefix(failed, "["+key) || strings.Contains(failed, " "+key))
	})
}

// Rerun starts the fulfil workflow again for a request whose fulfilment
// failed: a new execution named RerunName(id, n), n counting the re-runs.
// run is the n the team's page showed; another number means someone ran it
// meanwhile and nothing is started. It returns the execution's name.
func (s *Service) Rerun(ctx context.Context, m Member, id string, run int, note string) (string, error) {
	r, events, err := s.load(ctx, ActionRerun, id)
	if err != nil {
		return "", err
	}
	if p := tooLong(strings.TrimSpace(note), MaxNote, false); p != "" {
		return "", FormError{"note": p}
	}
	n := reruns(events) + 1
	if run != n {
		return "", fmt.Errorf("re-run %s: run %d, the trail is at %d: %w", r.ID, run, n, request.ErrConflict)
	}
	name := RerunName(r.ID, n)
	arn, err := s.Fulfilment.Start(ctx, name, handover.Input{RequestID: r.ID, Rerun: n})
	if err != nil {
		return "", fmt.Errorf("re-run %s: %w", r.ID, err)
	}
	reason := strings.TrimSpace(note)
	if reason == "" {
		reason = "the team ran the fulfilment again after it failed"
	}
	s.logger().InfoContext(ctx, "console: fulfilment run again", "requestId", r.ID, "execution", name, "user", m.Username)
	return name, s.record(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: m.Actor(), Action: request.ActionFulfilmentRerun,
		Once: name, Reason: reason, Data: map[string]string{"execution": name, "executionArn": arn, "run": strconv.Itoa(n),
			"after": r.Attention, "first": r.ID}})
}

// ResendLink mails the requester the verification link again, through the
// verification service, and returns when the link stops working.
func (s *Service) ResendLink(ctx context.Context, m Member, id string) (time.Time, error) {
	r, _, err := s.load(ctx, ActionResendLink, id)
	if err != nil {
		return time.Time{}, err
	}
	until, err := s.Verifier.Resend(ctx, r.ID, m.Actor())
	switch {
	case errors.Is(err, verify.ErrNotVerifying):
		return time.Time{}, &ActionError{Action: ActionResendLink, Why: "the request is no longer waiting for the requester's confirmation"}
	case errors.Is(err, verify.ErrNoWait):
		return time.Time{}, &ActionError{Action: ActionResendLink, Why: "the desk has no record of the verification it waits for"}
	case errors.Is(err, verify.ErrWaitOver):
		return time.Time{}, &ActionError{Action: ActionResendLink, Why: "the wait for the confirmation is over; the request closes unverified"}
	case err != nil:
		return time.Time{}, fmt.Errorf("resend link of %s: %w", r.ID, err)
	}
	s.logger().InfoContext(ctx, "console: verification link resent", "requestId", r.ID, "user", m.Username)
	return until, nil
}

// MarkDuplicate records that the request repeats another (of, a request
// ID). The status model has no duplicate status, and none of its closings
// says "duplicate" truly (withdrawn is the requester's word, denied mails
// reasons), so the request stays open: the mark is on its trail and page,
// and the team closes it as it decides (withdraw at the requester's word,
// or deny).
func (s *Service) MarkDuplicate(ctx context.Context, m Member, id, of, note string) error {
	r, _, err := s.load(ctx, ActionMarkDuplicate, id)
	if err != nil {
		return err
	}
	of = strings.ToUpper(strings.TrimSpace(of))
	problems := FormError{}
	switch {
	case !request.IsID(of):
		problems["of"] = "Give the other request's ID (PR-…)."
	case of == r.ID:
		problems["of"] = "A request cannot repeat itself: give the other request's ID."
	default:
		if _, err := s.Store.Get(ctx, of); errors.Is(err, request.ErrNotFound) {
			problems["of"] = "There is no request " + of + "."
		} else if err != nil {
			return fmt.Errorf("mark %s duplicate: read %s: %w", r.ID, of, err)
		}
	}
	if p := tooLong(strings.TrimSpace(note), MaxNote, false); p != "" {
		problems["note"] = p
	}
	if len(problems) > 0 {
		return problems
	}
	reason := strings.TrimSpace(note)
	if reason == "" {
		reason = "the same request as " + of
	}
	s.logger().InfoContext(ctx, "console: marked duplicate", "requestId", r.ID, "of", of, "user", m.Username)
	return s.record(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: m.Actor(), Action: request.ActionMarkedDuplicate,
		Once: request.ActionMarkedDuplicate, Reason: reason, Data: map[string]string{"of": of}})
}

// AddNote puts the team's note on the request's trail.
func (s *Service) AddNote(ctx context.Context, m Member, id, note string) error {
	r, _, err := s.load(ctx, ActionNote, id)
	if err != nil {
		return err
	}
	if note = strings.TrimSpace(note); note == "" {
		return FormError{"note": "Write the note."}
	}
	if p := tooLong(note, MaxNote, false); p != "" {
		return FormError{"note": p}
	}
	return s.record(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: m.Actor(), Action: request.ActionNote, Reason: note})
}

// RevokeStatusLinks stops every link to the request's status page mailed
// until now (the page answers 410); mails sent later carry new links. why
// says why (a link forwarded to the wrong person, the requester's wish).
func (s *Service) RevokeStatusLinks(ctx context.Context, m Member, id, why string) error {
	r, _, err := s.load(ctx, ActionRevokeStatus, id)
	if err != nil {
		return err
	}
	if why = strings.TrimSpace(why); why == "" {
		return FormError{"note": "Say why the links must stop working."}
	}
	if p := tooLong(why, MaxNote, false); p != "" {
		return FormError{"note": p}
	}
	s.logger().InfoContext(ctx, "console: status links revoked", "requestId", r.ID, "user", m.Username)
	return s.record(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: m.Actor(), Action: request.ActionStatusLinksRevoked, Reason: why})
}

// WriteCorrection replaces the correction of an open correction request
// with one item the team writes from the person's words (a mail says
// "correct my address, it is now…"; the systems correct item by item):
// which data, what it says now (optional), what it should say. It records
// that the team did (never the values: the trail holds no personal data).
// Run the fulfilment again if its correction step failed.
func (s *Service) WriteCorrection(ctx context.Context, m Member, id string, item request.CorrectionItem, note string) error {
	r, _, err := s.load(ctx, ActionWriteCorrection, id)
	if err != nil {
		return err
	}
	c, problem := checkCorrection(item)
	problems := FormError{}
	if problem != "" {
		problems["correction"] = problem
	}
	if p := tooLong(strings.TrimSpace(note), MaxNote, false); p != "" {
		problems["note"] = p
	}
	if len(problems) > 0 {
		return problems
	}
	if err := s.Writer.SetCorrections(ctx, r.ID, []request.CorrectionItem{c}, s.Now()); err != nil {
		return fmt.Errorf("write the correction of %s: %w", r.ID, err)
	}
	reason := strings.TrimSpace(note)
	if reason == "" {
		reason = "the team wrote the correction item by item from the person's words"
	}
	return s.record(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: m.Actor(), Action: request.ActionCorrectionWritten, Reason: reason})
}
