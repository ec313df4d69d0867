package fulfil

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

// Owners' tasks. Every manual step of a request is written to the task
// store when fulfilment is planned. A task of an expedited request or of a
// child's data is mailed to its owner at once; any other waits for the
// owner's daily digest (digest.go), which lists every task of one owner in
// one mail. The workflow waits for all of them on one task token (kept in the store, and
// renewed by each turn of the reminder loop), so waiting for an owner never
// holds a slot of the automatic steps' Map. The owner answers on the task
// page (AnswerTask); when the last task is answered the waiting workflow
// task is completed with every task's result.

// TaskStore keeps manual tasks (*task.Store in shared/dynamo/task).
type TaskStore interface {
	Create(ctx context.Context, t connector.Task) (bool, error)
	List(ctx context.Context, requestID string) ([]connector.Task, error)
	MarkMailed(ctx context.Context, requestID, sys, action string, at time.Time) error
	MarkReminded(ctx context.Context, requestID, sys, action string, at time.Time, teamTold bool) error
	Answer(ctx context.Context, requestID, sys, action string, state connector.TaskState, reason string, uploaded bool, at time.Time) error
	// Reopen opens again a task answered from, due at due and not yet
	// mailed; it reports false for a task in any other state.
	// earlier is the owner's reason when they had answered "cannot".
	Reopen(ctx context.Context, requestID, sys, action string, from connector.TaskState, due time.Time, earlier string) (bool, error)
	// SetWaitToken keeps the wait's token, and whether the wait may be
	// woken (OwnersInput.Wakes).
	SetWaitToken(ctx context.Context, requestID, taskToken string, wakes bool) error
	WaitToken(ctx context.Context, requestID string) (string, error)
}

// OwnerMail mails owners their tasks and reminders (*connector.Manual).
type OwnerMail interface {
	Send(ctx context.Context, sys *system.System, t connector.Task, p connector.Subject) error
	Remind(ctx context.Context, sys *system.System, t connector.Task) error
}

// DigestMail is an OwnerMail that also sends an owner's daily digest
// (*connector.Manual): one mail listing each task, each with its own link.
// Tasks that are not urgent wait for the digest when the service's
// OwnerDigest is on (FulfilTasksFunction runs the digest, op "digest");
// otherwise every task is mailed at once.
type DigestMail interface {
	OwnerMail
	Digest(ctx context.Context, owner, day string, items []connector.DigestItem) error
}

// Calendar counts business days (*clock.Calendar).
type Calendar interface {
	AddBusinessDays(t time.Time, n int) time.Time
}

// Completer completes a waiting workflow task (Step Functions
// SendTaskSuccess). A token that has timed out or is unknown returns an
// error the caller ignores: the reminder loop's next wait finds every task
// answered and completes itself.
type Completer func(ctx context.Context, taskToken string, output json.RawMessage) error

// ErrOwnerCannot is the error of a step whose owner answered that they
// cannot do it.
const ErrOwnerCannot = "OwnerCannot"

// DefaultExpeditedTaskDays is the owners' deadline, in business days, for
// an expedited request or a child's data when the configuration does not
// say.
const DefaultExpeditedTaskDays = 2

// Audit actions of owners' tasks.
const (
	ActionTaskCreated  = request.ActionTaskCreated
	ActionTaskMailed   = request.ActionTaskMailed
	ActionTaskReminded = request.ActionTaskReminded
	ActionTaskOverdue  = request.ActionTaskOverdue
	ActionTaskAnswered = connector.ActionManualConfirmed
)

// OwnersInput is the workflow's call for the owners' tasks: Op "await"
// (mail what is not mailed yet and wait, with TaskToken) or "remind"; or
// the schedule's call for the owners' daily digest: Op "digest", no
// request.
type OwnersInput struct {
	RequestID string `json:"requestId"`
	Op        string `json:"op"`
	TaskToken string `json:"taskToken,omitempty"`
	// Wakes: the workflow's wait catches a wake (OwnersWake), so the
	// console may wake it; an execution started on an earlier definition
	// does not say so, and would fail on one.
	Wakes bool `json:"wakes,omitempty"`
}

// OwnersOutput is the reminder loop's next wait, in seconds (at least 1).
type OwnersOutput struct {
	RequestID string `json:"requestId"`
	CheckIn   int    `json:"checkIn"`
	Open      int    `json:"open"`
	// Digest is what the owners' daily digest did (op "digest" only).
	Digest *DigestResult `json:"digest,omitempty"`
}

// Owners runs one call of the owners' task loop.
func (s *Service) Owners(ctx context.Context, in OwnersInput) (OwnersOutput, error) {
	switch in.Op {
	case "await":
		return s.awaitOwners(ctx, in)
	case "remind":
		return s.remindOwners(ctx, in)
	}
	return OwnersOutput{}, fmt.Errorf("owners' tasks: unknown op %q", in.Op)
}

// urgent reports whether a request's owners' tasks are urgent: an
// expedited request or a child's data. Urgent tasks are due within the
// expedited business days and are mailed at once, never kept for the
// owners' daily digest.
func urgent(r *request.Request) bool {
	return r.Priority == request.Expedited || slices.Contains(r.Kinds, request.ChildData)
}

// forDigest reports whether r's tasks wait for the owners' daily digest
// instead of being mailed (and reminded) one by one.
func (s *Service) forDigest(r *request.Request) bool {
	return s.OwnerDigest && !urgent(r)
}

// taskDue decides when an owner's task is due: the registry's time for the
// action from when the task is opened (whenever the owner is mailed it),
// shortened to the expedited business days for an expedited request or a
// child's data.
func (s *Service) taskDue(r *request.Request, meth *system.Method, now time.Time) time.Time {
	due := now.Add(meth.DueIn)
	if meth.DueIn == 0 {
		due = now.Add(connector.DefaultDueIn)
	}
	if urgent(r) {
		days := s.ExpeditedTaskDays
		if days <= 0 {
			days = DefaultExpeditedTaskDays
		}
		if s.Calendar != nil {
			if fast := s.Calendar.AddBusinessDays(now, days); fast.Before(due) {
				due = fast
			}
		}
	}
	return due
}

// createTasks writes the request's manual tasks (once: a repeated plan
// keeps the first due times) and gives the seconds until the first
// reminder is due. A task whose owner answered "cannot" (and the team did
// not finish by hand) is opened again, with a new due time, for the owner
// to be asked again: the plan of a re-run of the fulfilment asks every
// step not yet done.
func (s *Service) createTasks(ctx context.Context, r *request.Request, manual []StepRef, rerun int) (int, error) {
	now := s.Now()
	existing, err := s.listTasks(ctx, r.ID)
	if err != nil {
		return 0, err
	}
	for _, st := range manual {
		sys, ok := s.Registry.Lookup(st.System)
		if !ok {
			continue
		}
		t := connector.Task{RequestID: r.ID, System: sys.Name, Action: st.Action, Owner: sys.Owner,
			Due: s.taskDue(r, sys.Actions[st.Action], now), State: connector.TaskOpen}
		created, err := s.Tasks.Create(ctx, t)
		if err != nil {
			s.Log.ErrorContext(ctx, "create task", "requestId", r.ID, "system", sys.Name, "err", err)
			return 0, &TransientError{RequestID: r.ID, Op: "create task", Err: err}
		}
		if created {
			if err := s.record(ctx, request.Event{RequestID: r.ID, At: now, Actor: actor, Action: ActionTaskCreated,
				Once: "task-created-" + sys.Name + "-" + string(st.Action),
				Data: map[string]string{"system": sys.Name, "action": string(st.Action), "due": t.Due.UTC().Format(time.RFC3339)}}); err != nil {
				return 0, err
			}
			continue
		}
		if rerun == 0 {
			continue
		}
		from, why, err := s.askAgain(ctx, r.ID, existing, sys.Name, st.Action)
		if err != nil {
			return 0, err
		}
		if from == "" {
			continue
		}
		// On the trail first (once per re-run), then opened: a plan
		// retried after either finds the event and the task open.
		if err := s.record(ctx, request.Event{RequestID: r.ID, At: now, Actor: actor, Action: request.ActionTaskReopened,
			Reason: why,
			Once:   "task-reopened-" + sys.Name + "-" + string(st.Action) + "-" + strconv.Itoa(rerun),
			Data:   map[string]string{"system": sys.Name, "action": string(st.Action), "due": t.Due.UTC().Format(time.RFC3339), "rerun": strconv.Itoa(rerun)}}); err != nil {
			return 0, err
		}
		earlier := ""
		if i := slices.IndexFunc(existing, func(e connector.Task) bool { return e.System == sys.Name && e.Action == st.Action }); i >= 0 && from == connector.TaskCannot {
			earlier = existing[i].Reason
		}
		if _, err := s.Tasks.Reopen(ctx, r.ID, sys.Name, string(st.Action), from, t.Due, earlier); err != nil {
			s.Log.ErrorContext(ctx, "reopen task", "requestId", r.ID, "system", sys.Name, "err", err)
			return 0, &TransientError{RequestID: r.ID, Op: "reopen task", Err: err}
		}
	}
	return s.nextCheck(ctx, r)
}

// askAgain decides whether a re-run asks the owner of an existing task
// again, and gives the state it is opened from and why: a task its owner
// could not do (and the team did not finish by hand); an export answered
// whose file is no longer kept (the bucket deletes parts 100 days after
// they are made), for the answer's package needs it, unless the system's
// erasure is done since (asked again, it would hold nothing: the answer
// then fails for the team, in words). "" when the task stands.
func (s *Service) askAgain(ctx context.Context, id string, existing []connector.Task, sys string, action system.Action) (connector.TaskState, string, error) {
	i := slices.IndexFunc(existing, func(e connector.Task) bool { return e.System == sys && e.Action == action })
	if i < 0 {
		return "", "", nil
	}
	switch e := existing[i]; {
	case e.State == connector.TaskCannot:
		return e.State, "the team ran the fulfilment again: the owner is asked again", nil
	case e.Action == system.Export && (e.State == connector.TaskDone || e.State == connector.TaskNothingHeld):
		erased := slices.ContainsFunc(existing, func(o connector.Task) bool {
			return o.System == sys && o.Action == system.Erase && (o.State == connector.TaskDone || o.State == connector.TaskByHand)
		})
		if erased {
			return "", "", nil
		}
		kept, err := s.Parts.Kept(ctx, id, sys)
		if err != nil {
			s.Log.ErrorContext(ctx, "look up export part", "requestId", id, "system", sys, "err", err)
			return "", "", &TransientError{RequestID: id, Op: "look up export part", Err: err}
		}
		if !kept {
			return e.State, "the team ran the fulfilment again and the file the owner uploaded is no longer kept (export parts are deleted 100 days after they are made): the owner is asked for it again", nil
		}
		return "", "", nil
	}
	return "", "", nil
}

// nextCheck gives the seconds until the earliest reminder of an open task
// (at least 1), or 1 when every task is answered. A task kept for the
// owners' digest wakes the loop at its due time only, to tell the team if
// it is overdue (the digest reminds its owner); after that, every
// OverdueEvery, so that a completion that was lost is still found.
func (s *Service) nextCheck(ctx context.Context, r *request.Request) (int, error) {
	tasks, err := s.listTasks(ctx, r.ID)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	digest := s.forDigest(r)
	var next time.Time
	for _, t := range tasks {
		if t.Answered() {
			continue
		}
		if t.MailedAt.IsZero() {
			t.MailedAt = now
		}
		at := connector.NextReminder(t)
		if digest {
			at = t.Due
			if t.TeamToldOverdue {
				at = now.Add(connector.OverdueEvery)
			}
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	if next.IsZero() {
		return 1, nil
	}
	return max(1, int(next.Sub(now).Seconds()+0.999)), nil
}

func (s *Service) subject(r *request.Request) connector.Subject { return taskSubject(r) }

// taskSubject names the person r's tasks are about, for the owner's mail.
func taskSubject(r *request.Request) connector.Subject {
	p := connector.Subject{Email: r.TargetEmail(), Corrections: r.Corrections, Exports: request.CopyAsked(r.Kinds) || slices.Contains(r.Kinds, request.AccessCategories),
		CategoriesOnly: request.CategoriesOnly(r.Kinds)}
	if r.Subject != nil {
		p.Name, p.Account = r.Subject.Name, r.Subject.Account
		p.Child = slices.Contains(r.Kinds, request.ChildData)
	}
	return p
}

// awaitOwners mails every task not mailed yet (unless the tasks wait for
// the owners' daily digest), keeps the workflow's new task token, and
// completes it at once when every task is answered.
func (s *Service) awaitOwners(ctx context.Context, in OwnersInput) (OwnersOutput, error) {
	out := OwnersOutput{RequestID: in.RequestID}
	r, err := s.load(ctx, in.RequestID)
	if err != nil {
		return out, err
	}
	if err := s.Tasks.SetWaitToken(ctx, r.ID, in.TaskToken, in.Wakes); err != nil {
		s.Log.ErrorContext(ctx, "keep wait token", "requestId", r.ID, "err", err)
		return out, &TransientError{RequestID: r.ID, Op: "keep wait token", Err: err}
	}
	tasks, err := s.listTasks(ctx, r.ID)
	if err != nil {
		return out, err
	}
	if !r.Status.Closed() && !s.forDigest(r) {
		for i, t := range tasks {
			if !t.MailedAt.IsZero() || t.Answered() {
				continue
			}
			sys, ok := s.Registry.Lookup(t.System)
			if !ok {
				continue
			}
			if err := s.OwnerMail.Send(ctx, sys, t, s.subject(r)); err != nil {
				return out, err
			}
			now := s.Now()
			tasks[i].MailedAt = now
			if err := s.Tasks.MarkMailed(ctx, r.ID, t.System, string(t.Action), now); err != nil {
				s.Log.ErrorContext(ctx, "mark task mailed", "requestId", r.ID, "system", t.System, "err", err)
				return out, &TransientError{RequestID: r.ID, Op: "mark task mailed", Err: err}
			}
			if err := s.record(ctx, request.Event{RequestID: r.ID, At: now, Actor: actor, Action: ActionTaskMailed,
				Once: taskOnce("task-mailed", t),
				Data: map[string]string{"system": t.System, "action": string(t.Action), "due": t.Due.UTC().Format(time.RFC3339)}}); err != nil {
				return out, err
			}
		}
	}
	for _, t := range tasks {
		if !t.Answered() {
			out.Open++
		}
	}
	if out.Open == 0 || r.Status.Closed() {
		if _, err := s.completeOwners(ctx, r.ID, in.TaskToken, tasks, r.Status.Closed()); err != nil {
			return out, err
		}
	}
	return out, nil
}

// taskOnce is the Once key of an event about task t, for this opening of
// it: a task a re-run opened again has a new due time, so its mails and
// its owner's new answer are recorded too, not taken for the first
// opening's.
func taskOnce(prefix string, t connector.Task) string {
	return prefix + "-" + t.System + "-" + string(t.Action) + "-" + t.Due.UTC().Format("20060102T150405Z")
}

// listTasks lists request id's owners' tasks, a task the team finished by
// hand (a done-by-hand step on the trail) as answered so: nobody reminds
// its owner or waits for them any longer, and the answer counts it done
// by hand.
func (s *Service) listTasks(ctx context.Context, id string) ([]connector.Task, error) {
	tasks, err := s.Tasks.List(ctx, id)
	if err != nil {
		s.Log.ErrorContext(ctx, "list tasks", "requestId", id, "err", err)
		return nil, &TransientError{RequestID: id, Op: "list tasks", Err: err}
	}
	return withHandwork(ctx, s.Store, id, tasks)
}

// withHandwork marks the tasks the team finished by hand (see listTasks);
// the trail is read only when a task is open or could not be done.
func withHandwork(ctx context.Context, store Store, id string, tasks []connector.Task) ([]connector.Task, error) {
	if !slices.ContainsFunc(tasks, func(t connector.Task) bool { return !t.Answered() || t.State == connector.TaskCannot }) {
		return tasks, nil
	}
	events, err := store.Events(ctx, id)
	if err != nil {
		return nil, &TransientError{RequestID: id, Op: "read audit trail", Err: err}
	}
	for _, ev := range events {
		if ev.Action != request.ActionStepDone || ev.Data["outcome"] != request.OutcomeByHand {
			continue
		}
		for i, t := range tasks {
			if t.System == ev.Data["system"] && string(t.Action) == ev.Data["action"] && (!t.Answered() || t.State == connector.TaskCannot) {
				tasks[i].State, tasks[i].AnsweredAt = connector.TaskByHand, ev.At
				if ev.Data["found"] == "false" {
					tasks[i].State = connector.TaskByHandNothing
				}
			}
		}
	}
	return tasks, nil
}

// ownerResults turns answered tasks into step results for Answer.
func ownerResults(tasks []connector.Task, skipped bool) []StepResult {
	out := make([]StepResult, 0, len(tasks))
	for _, t := range tasks {
		res := StepResult{System: t.System, Action: t.Action}
		if t.Answered() {
			res.ConfirmedAt = t.AnsweredAt.UTC().Format(time.RFC3339)
		}
		switch {
		case skipped && !t.Answered():
			res.Outcome = OutcomeSkipped
		case t.State == connector.TaskNothingHeld, t.State == connector.TaskByHandNothing:
			res.Outcome = mail.OutcomeNotFound
		case t.State == connector.TaskByHand:
			// As a step the team finished by hand (Run): done, the
			// system's holds kept; no upload for an export.
			res.Outcome, res.Found = mail.OutcomeConfirmed, true
		case t.State == connector.TaskDone && t.Action == system.Export:
			res.Outcome, res.Found = mail.OutcomeExported, true
		case t.State == connector.TaskDone:
			res.Outcome, res.Found = mail.OutcomeConfirmed, true
		case t.State == connector.TaskCannot:
			res.Failed = true
			res.Error = &StepError{Error: ErrOwnerCannot, Cause: "the owner cannot do this step; their reason is on the audit trail"}
		default:
			res.Failed = true
			res.Error = &StepError{Error: "OwnerNotAnswered", Cause: "the owner has not answered"}
		}
		out = append(out, res)
	}
	return out
}

// completeOwners completes the waiting workflow task with every task's
// result, and reports whether it did. A token that can no longer be
// completed is not an error: the loop's next wait completes it.
func (s *Service) completeOwners(ctx context.Context, id, taskToken string, tasks []connector.Task, skipped bool) (bool, error) {
	body, err := json.Marshal(ownerResults(tasks, skipped))
	if err != nil {
		return false, fmt.Errorf("encode task results of %s: %w", id, err)
	}
	if err := s.Complete(ctx, taskToken, body); err != nil {
		s.Log.WarnContext(ctx, "complete owners' wait", "requestId", id, "err", err)
		return false, nil
	}
	return true, nil
}

// remindOwners reminds the owner of each open task whose reminder is due
// (before the due time, when overdue, and every few days after), tells the
// team once of each overdue task, and gives the next wait. Tasks kept for
// the owners' daily digest are reminded there: here the team is told once
// of each that is overdue, and its owner is not mailed.
func (s *Service) remindOwners(ctx context.Context, in OwnersInput) (OwnersOutput, error) {
	out := OwnersOutput{RequestID: in.RequestID, CheckIn: 1}
	r, err := s.load(ctx, in.RequestID)
	if err != nil {
		return out, err
	}
	if r.Status.Closed() {
		return out, nil // the next wait completes with the tasks skipped
	}
	tasks, err := s.listTasks(ctx, r.ID)
	if err != nil {
		return out, err
	}
	now := s.Now()
	var overdue []mail.AttentionItem
	owners := tasks // their owners are reminded here
	if s.forDigest(r) {
		if err := s.tellTeamOverdue(ctx, r, tasks, now); err != nil {
			return out, err
		}
		owners = nil // their owners are reminded by the digest
	}
	for _, t := range connector.DueForReminder(owners, now) {
		sys, ok := s.Registry.Lookup(t.System)
		if !ok {
			continue
		}
		if err := s.OwnerMail.Remind(ctx, sys, t); err != nil {
			return out, err
		}
		late := !now.Before(t.Due)
		if late && !t.TeamToldOverdue {
			overdue = append(overdue, mail.AttentionItem{System: sys.DisplayName(), Action: string(t.Action), Error: "overdue",
				Cause: "the owner (" + sys.Owner + ") has not answered; the task was due " + connector.DueWords(t.Due, s.Location)})
		}
		if err := s.Tasks.MarkReminded(ctx, r.ID, t.System, string(t.Action), now, t.TeamToldOverdue || late); err != nil {
			s.Log.ErrorContext(ctx, "mark task reminded", "requestId", r.ID, "system", t.System, "err", err)
			return out, &TransientError{RequestID: r.ID, Op: "mark task reminded", Err: err}
		}
		action := ActionTaskReminded
		if late {
			action = ActionTaskOverdue
		}
		if err := s.record(ctx, request.Event{RequestID: r.ID, At: now, Actor: actor, Action: action,
			Data: map[string]string{"system": t.System, "action": string(t.Action), "due": t.Due.UTC().Format(time.RFC3339)}}); err != nil {
			return out, err
		}
	}
	if len(overdue) > 0 {
		msg, err := mail.RenderOwnerAttention(s.TeamAddress, mail.OwnerAttention{RequestID: r.ID, Tasks: overdue})
		if err != nil {
			return out, fmt.Errorf("render overdue notice for %s: %w", r.ID, err)
		}
		if _, err := s.Mail.Send(ctx, msg); err != nil {
			// The owners were reminded and marked: the team hears at the
			// next overdue reminder instead of never.
			s.Log.ErrorContext(ctx, "send overdue notice", "requestId", r.ID, "err", err)
		}
	}
	if out.CheckIn, err = s.nextCheck(ctx, r); err != nil {
		return out, err
	}
	for _, t := range tasks {
		if !t.Answered() {
			out.Open++
		}
	}
	return out, nil
}

// tellTeamOverdue tells the team once of each open task kept for the
// digest that is overdue, then marks and records it. The owner's
// reminders stay the digest's (RemindedAt is kept). Mail first, then the
// mark: a failure between the two tells the team twice rather than never.
func (s *Service) tellTeamOverdue(ctx context.Context, r *request.Request, tasks []connector.Task, now time.Time) error {
	var overdue []mail.AttentionItem
	var late []connector.Task
	for _, t := range tasks {
		if t.Answered() || t.TeamToldOverdue || now.Before(t.Due) {
			continue
		}
		sys, ok := s.Registry.Lookup(t.System)
		if !ok {
			continue
		}
		late = append(late, t)
		overdue = append(overdue, mail.AttentionItem{System: sys.DisplayName(), Action: string(t.Action), Error: "overdue",
			Cause: "the owner (" + sys.Owner + ") has not answered; the task was due " + connector.DueWords(t.Due, s.Location)})
	}
	if len(late) == 0 {
		return nil
	}
	msg, err := mail.RenderOwnerAttention(s.TeamAddress, mail.OwnerAttention{RequestID: r.ID, Tasks: overdue})
	if err != nil {
		return fmt.Errorf("render overdue notice for %s: %w", r.ID, err)
	}
	if _, err := s.Mail.Send(ctx, msg); err != nil {
		s.Log.ErrorContext(ctx, "send overdue notice", "requestId", r.ID, "err", err)
		return &TransientError{RequestID: r.ID, Op: "send overdue notice", Err: err}
	}
	for _, t := range late {
		if err := s.Tasks.MarkReminded(ctx, r.ID, t.System, string(t.Action), t.RemindedAt, true); err != nil {
			s.Log.ErrorContext(ctx, "mark task overdue", "requestId", r.ID, "system", t.System, "err", err)
			return &TransientError{RequestID: r.ID, Op: "mark task overdue", Err: err}
		}
		if err := s.record(ctx, request.Event{RequestID: r.ID, At: now, Actor: actor, Action: ActionTaskOverdue,
			Once: taskOnce("task-overdue", t),
			Data: map[string]string{"system": t.System, "action": string(t.Action), "due": t.Due.UTC().Format(time.RFC3339),
				"ownerReminder": "daily digest"}}); err != nil {
			return err
		}
	}
	return nil
}

// AnswerTask records an owner's answer from the task page: for an export
// done, the uploaded file becomes the system's part of the access package
// (checked first: a wrong file is refused with what is wrong and the task
// stays open). "Cannot do it" reaches the team at once. When the last task
// is answered, the waiting workflow goes on.
func (s *Service) AnswerTask(ctx context.Context, a connector.TaskAnswer) error {
	sys, ok := s.Registry.Lookup(a.System)
	if !ok {
		return fmt.Errorf("answer task: system %q not in the registry", a.System)
	}
	r, err := s.load(ctx, a.RequestID)
	if err != nil {
		return err
	}
	if !connector.TaskStillOpen(r.Status, a.Action) {
		// Closed between the task page's read and this answer (the page
		// refuses a closed request's tasks itself).
		return connector.ErrTaskClosed
	}
	now := s.Now()
	tasks, err := s.listTasks(ctx, r.ID)
	if err != nil {
		return fmt.Errorf("list tasks of %s: %w", r.ID, err)
	}
	opened := connector.Task{System: sys.Name, Action: a.Action}
	i := slices.IndexFunc(tasks, func(t connector.Task) bool { return t.System == sys.Name && t.Action == a.Action })
	if i >= 0 {
		opened = tasks[i]
	}
	if opened.State == connector.TaskByHand || opened.State == connector.TaskByHandNothing {
		// The team finished it by hand: the answer stands as theirs.
		return connector.ErrAlreadyAnswered
	}
	if a.Action == system.Erase && (a.State == connector.TaskDone || a.State == connector.TaskNothingHeld) {
		// Erasing deletes what the export sends: the system's export task
		// of the same request is answered first — "holds nothing" too,
		// or an upload after it would be answered "nothing was left to
		// delete" over data nobody deleted. After an export that held
		// nothing, a "done" would have the answer say both.
		if i := slices.IndexFunc(tasks, func(t connector.Task) bool { return t.System == sys.Name && t.Action == system.Export }); i >= 0 {
			switch tasks[i].State {
			case connector.TaskNothingHeld, connector.TaskByHandNothing:
				if a.State == connector.TaskDone {
					return connector.ErrExportHeldNothing
				}
			case connector.TaskDone, connector.TaskByHand:
			case connector.TaskCannot:
				// The team was told; it decides, and may do the export
				// by hand first.
				return connector.ErrExportCannot
			default:
				return connector.ErrExportFirst
			}
		}
	}
	if a.Action == system.Export && a.State != connector.TaskCannot {
		d := export.SystemData{System: sys.Name, Found: false, At: now, Data: map[string][]json.RawMessage{}}
		switch {
		case a.State == connector.TaskDone && a.Upload == nil && len(a.Held) > 0:
			// A request to know the categories: the owner ticked those
			// the system holds, and no record leaves it.
			if !request.CategoriesOnly(r.Kinds) {
				return &connector.UploadError{Problem: "this request asks for a copy: an export needs the file."}
			}
			for _, c := range a.Held {
				if !slices.Contains(sys.Categories, c) {
					return &connector.UploadError{Problem: fmt.Sprintf("%q is not one of the system's kinds of data.", c)}
				}
				d.Data[c] = []json.RawMessage{json.RawMessage(`{}`)}
			}
			d.Found = true
		case a.State == connector.TaskDone:
			if a.Upload == nil {
				return &connector.UploadError{Problem: "an export needs the file."}
			}
			data, err := readUpload(sys, a.Upload)
			if err != nil {
				return err
			}
			d.Found, d.Data = true, data
			if _, err := export.Build(s.Registry, export.Package{RequestID: r.ID, GeneratedAt: now, Systems: []export.SystemData{d}}); err != nil {
				return &connector.UploadError{Problem: "the records could not be packaged: " + err.Error()}
			}
		}
		// The part is written before the answer: an answered task's is
		// not overwritten (the answer's condition comes after).
		if i < 0 || opened.Answered() {
			return connector.ErrAlreadyAnswered
		}
		if err := s.putPart(ctx, r.ID, keptFor(r.Kinds, d)); err != nil {
			return fmt.Errorf("store uploaded export of %s: %w", r.ID, err)
		}
	}
	err = s.Tasks.Answer(ctx, r.ID, sys.Name, string(a.Action), a.State, a.Reason, a.Upload != nil, now)
	if err != nil {
		if errors.Is(err, connector.ErrAlreadyAnswered) {
			return connector.ErrAlreadyAnswered
		}
		return err
	}
	data := map[string]string{"system": sys.Name, "action": string(a.Action), "answer": string(a.State)}
	if a.Note != "" {
		data["note"] = a.Note
	}
	if a.Reason != "" {
		data["reason"] = a.Reason
	}
	if a.Upload != nil {
		data["upload"] = a.Upload.Format
	} else if a.State == connector.TaskDone && len(a.Held) > 0 {
		// The kinds ticked, as the answer will name them.
		held := slices.Clone(a.Held)
		slices.Sort(held)
		data["held"] = strings.Join(slices.Compact(held), ",")
	}
	if err := s.record(ctx, request.Event{RequestID: r.ID, At: now, Actor: "owner:" + sys.Name, Action: ActionTaskAnswered,
		Once: taskOnce("task-answered", opened), Data: data}); err != nil {
		s.Log.ErrorContext(ctx, "record task answer", "requestId", r.ID, "system", sys.Name, "err", err)
	}
	if a.Action == system.Erase && a.State == connector.TaskDone {
		// The task told the owner to keep what the system's holds keep,
		// as an automatic erasure keeps it: on the trail as for one.
		for _, h := range sys.Holds {
			if err := s.record(ctx, request.Event{RequestID: r.ID, At: now, Actor: "owner:" + sys.Name, Action: request.ActionErasureWithheld,
				Reason: h.Reason, Once: taskOnce("erasure-withheld-"+h.Category, opened),
				Data: map[string]string{"system": sys.Name, "category": h.Category, "law": h.Law, "until": h.Until}}); err != nil {
				s.Log.ErrorContext(ctx, "record hold kept", "requestId", r.ID, "system", sys.Name, "err", err)
			}
		}
	}
	finished, err := s.maybeFinishOwners(ctx, r.ID)
	if a.State == connector.TaskCannot && !finished {
		// The team hears at once. When this was the last open task, the
		// fulfilment goes on to its notice of the steps not done, with
		// this reason (Answer): one mail, not two a moment apart.
		item := mail.AttentionItem{System: sys.DisplayName(), Action: string(a.Action), Cause: "the owner (" + sys.Owner + ") cannot do it: " + a.Reason}
		msg, err := mail.RenderOwnerAttention(s.TeamAddress, mail.OwnerAttention{RequestID: r.ID, Tasks: []mail.AttentionItem{item}, Cannot: true})
		if err == nil {
			_, err = s.Mail.Send(ctx, msg)
		}
		if err != nil {
			s.Log.ErrorContext(ctx, "tell team task cannot be done", "requestId", r.ID, "err", err)
		}
	}
	return err
}

// maybeFinishOwners completes the workflow's wait when every task is
// answered, and reports whether it did.
func (s *Service) maybeFinishOwners(ctx context.Context, id string) (bool, error) {
	tasks, err := s.listTasks(ctx, id)
	if err != nil {
		return false, nil // the reminder loop's next wait completes it
	}
	if slices.ContainsFunc(tasks, func(t connector.Task) bool { return !t.Answered() }) {
		return false, nil
	}
	tok, err := s.Tasks.WaitToken(ctx, id)
	if err != nil || tok == "" {
		s.Log.WarnContext(ctx, "no wait token to complete", "requestId", id)
		return false, nil
	}
	return s.completeOwners(ctx, id, tok, tasks, false)
}

// readUpload turns an owner's file into records by category, refusing
// what the package cannot hold.
func readUpload(sys *system.System, u *connector.Upload) (map[string][]json.RawMessage, error) {
	if !utf8.Valid(u.Body) {
		return nil, &connector.UploadError{Problem: "the file is not UTF-8 text."}
	}
	known := func(c string) bool { return slices.Contains(sys.Categories, c) }
	out := map[string][]json.RawMessage{}
	const maxRecords = 50000
	switch u.Format {
	case "json":
		dec := json.NewDecoder(bytes.NewReader(u.Body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, &connector.UploadError{Problem: "the file is not valid JSON (" + err.Error() + ")."}
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, &connector.UploadError{Problem: "the file holds more than one JSON value."}
		}
		switch x := v.(type) {
		case map[string]any:
			for c, recs := range x {
				if !known(c) {
					return nil, &connector.UploadError{Problem: fmt.Sprintf("%q is not a category of this system (its categories: %s).", c, strings.Join(sys.Categories, ", "))}
				}
				list, ok := recs.([]any)
				if !ok {
					return nil, &connector.UploadError{Problem: fmt.Sprintf("the records of %q must be a list.", c)}
				}
				for _, rec := range list {
					b, _ := json.Marshal(rec)
					out[c] = append(out[c], b)
				}
			}
		case []any:
			if !known(u.Category) {
				return nil, &connector.UploadError{Problem: "choose the category the records belong to."}
			}
			for _, rec := range x {
				b, _ := json.Marshal(rec)
				out[u.Category] = append(out[u.Category], b)
			}
		default:
			return nil, &connector.UploadError{Problem: "the JSON must be an object of category → list of records, or a list of records."}
		}
	case "csv":
		if !known(u.Category) {
			return nil, &connector.UploadError{Problem: "choose the category the records belong to."}
		}
		rd := csv.NewReader(bytes.NewReader(u.Body))
		rows, err := rd.ReadAll()
		if err != nil {
			return nil, &connector.UploadError{Problem: "the CSV could not be read (" + err.Error() + ")."}
		}
		if len(rows) < 2 {
			return nil, &connector.UploadError{Problem: "the CSV needs a header row and at least one record (choose \"holds nothing\" if there is none)."}
		}
		header := rows[0]
		for i, row := range rows[1:] {
			rec := map[string]string{}
			for j, cell := range row {
				if j < len(header) {
					rec[header[j]] = cell
				}
			}
			if len(rec) == 0 {
				return nil, &connector.UploadError{Problem: "row " + strconv.Itoa(i+2) + " is empty."}
			}
			b, _ := json.Marshal(rec)
			out[u.Category] = append(out[u.Category], b)
		}
	default:
		return nil, &connector.UploadError{Problem: "the file must be JSON or CSV."}
	}
	n := 0
	for _, recs := range out {
		n += len(recs)
	}
	switch {
	case n == 0:
		return nil, &connector.UploadError{Problem: "the file holds no records (choose \"holds nothing\" if there is none)."}
	case n > maxRecords:
		return nil, &connector.UploadError{Problem: fmt.Sprintf("the file holds %d records; at most %d fit in a package.", n, maxRecords)}
	}
	return out, nil
}
