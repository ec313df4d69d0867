package fulfil

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

// Rounds of the automatic steps. The fulfil workflow calls Run once with
// every automatic step of the plan; a step that fails in a way worth
// retrying (the system answered 429 or 5xx, did not answer, or the desk's
// own store failed) comes back as pending, the workflow waits RetryIn
// seconds and calls Run again with the pending steps alone. One workflow
// state per round, instead of a Map iteration and a Choice per system.
const (
	// MaxRounds is how many times a step is tried before it counts as
	// failed: the first round and four retries.
	MaxRounds = 5
	// FirstRetry is the wait before the second round; each later wait
	// doubles (30 s, 1 min, 2 min, 4 min: about 8 minutes in all).
	FirstRetry = 30 * time.Second
	// MaxRetryAfter bounds the wait a system may ask for with Retry-After.
	MaxRetryAfter = time.Hour
	// RunConcurrency is how many systems are called at once.
	RunConcurrency = 4
	// RunMargin is the time a round keeps before its invocation's
	// deadline: no step starts after that, a step still calling a system
	// then is cut short, and what was not done is tried in the next round,
	// while there is still time to record it.
	RunMargin = 15 * time.Second
)

// notStarted is a step the round had no time left to start.
type notStarted struct{}

func (notStarted) Error() string { return "not started: the round ran out of time" }

// ActionStepFailed records one failed attempt of a step.
const ActionStepFailed = request.ActionStepFailed

// RunInput is one round of the automatic steps: the steps to run now, the
// results of the rounds before (carried by the workflow and returned with
// this round's), and how many rounds ran before this one.
type RunInput struct {
	RequestID string       `json:"requestId"`
	Steps     []StepRef    `json:"steps"`
	Results   []StepResult `json:"results,omitempty"`
	Round     int          `json:"round,omitempty"`
	// Execution names the workflow execution ($$.Execution.Name): a round
	// run again is recognised within its own execution only, so the
	// team's re-run of a failed fulfilment calls every system afresh.
	Execution string `json:"execution,omitempty"`
}

// RunOutput is every result so far and the steps to run again after
// RetryIn seconds (none: the automatic part is over).
type RunOutput struct {
	Results []StepResult `json:"results"`
	Pending []StepRef    `json:"pending"`
	RetryIn int          `json:"retryIn"`
	Round   int          `json:"round"`
}

// Run carries out one round of automatic steps, RunConcurrency systems at
// a time, each system's export before its erase. A step's failure never
// fails the others, nor the call: a failure worth retrying leaves the step
// pending (while rounds remain), a step the round had no time for or whose
// system's export is pending waits too, and any other failure becomes a
// failed result the answer reports to the team. Every
// failed attempt is recorded on the audit trail as it happens, with its
// round, so the trail shows each call that did not succeed, not only the
// last.
//
// A round run again (the function or the whole stack stopped mid-round,
// and the workflow retries the task) does not call a system again that
// already failed in this round: the failure on the trail stands, and so
// does the wait the system asked for. A step whose earlier attempt stopped
// between the system's calls runs as resumed (StepInput.Resumed).
//
// Run returns an error only when it cannot read or record what happened
// (the store is down); the workflow retries the whole round, which is
// safe: every step may be retried (see Step) and every event carries a
// Once key.
func (s *Service) Run(ctx context.Context, in RunInput) (RunOutput, error) {
	round := in.Round + 1
	out := RunOutput{Results: append([]StepResult{}, in.Results...), Pending: []StepRef{}, Round: round}
	events, err := s.Store.Events(ctx, in.RequestID)
	if err != nil {
		return RunOutput{}, &TransientError{RequestID: in.RequestID, Op: "read audit trail", Err: err}
	}
	past := pastAttempts(events, in.Execution, round)
	attempts := make([]attempt, len(in.Steps))
	// The systems are called on a context that ends RunMargin before the
	// invocation's; the trail is written on the invocation's own.
	calls := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		calls, cancel = context.WithDeadline(ctx, dl.Add(-RunMargin))
		defer cancel()
	}
	// A system's data is read before it is erased: an erase waits for the
	// export of the same system among this round's steps, and for the
	// next round when that export is to be tried again.
	exportOf := map[string]int{}
	for i, st := range in.Steps {
		if st.Action == system.Export {
			exportOf[st.System] = i
		}
	}
	var first, then []int
	for i, st := range in.Steps {
		if _, ok := exportOf[st.System]; ok && st.Action == system.Erase {
			then = append(then, i)
		} else {
			first = append(first, i)
		}
	}
	launch := func(idx []int) {
		var wg sync.WaitGroup
		slots := make(chan struct{}, RunConcurrency)
		for _, i := range idx {
			st := in.Steps[i]
			key := stepKey(st)
			if ev, ok := past.byHand[key]; ok {
				// The team did it by hand (console: finish a step): a run
				// again does not ask the system again.
				res := StepResult{RequestID: in.RequestID, System: st.System, Action: st.Action,
					Outcome: mail.OutcomeConfirmed, Found: true, ConfirmedAt: ev.At.UTC().Format(time.RFC3339)}
				if ev.Data["found"] == "false" {
					// The team found the system holds nothing about them.
					res.Outcome, res.Found = mail.OutcomeNotFound, false
				}
				attempts[i] = attempt{res: res}
				continue
			}
			if ev, ok := past.done[key]; ok {
				// An earlier run did it (the team's re-run of a failed
				// fulfilment, or this round before it was cut short): the
				// system is not asked again. Asked again, an erased system
				// would hold nothing and an export would overwrite the
				// part the first one wrote with nothing; the answer speaks
				// of what was done. An export whose part is no longer kept
				// (the bucket deletes parts 100 days after they are made)
				// is made again while the system holds the person; after
				// its erase it cannot be, and the team is told.
				wrotePart := ev.Data["outcome"] == mail.OutcomeExported || ev.Data["outcome"] == mail.OutcomeNotFound
				kept := true
				if st.Action == system.Export && wrotePart {
					var err error
					if kept, err = s.Parts.Kept(ctx, in.RequestID, st.System); err != nil {
						// Not known: looked up again next round, while
						// rounds are left; then the team is told.
						s.Log.WarnContext(ctx, "look up export part", "requestId", in.RequestID, "system", st.System, "err", err)
						attempts[i] = attempt{err: &TransientError{RequestID: in.RequestID,
							Op: "look up whether the copy an earlier run made is still kept", Err: err}, again: true}
						if round >= MaxRounds {
							attempts[i] = attempt{err: &connector.PermanentError{System: st.System, Action: st.Action,
								Reason: "the desk could not look up whether the copy an earlier run made is still kept (" + err.Error() + "): do the export by hand, or run the fulfilment again"}}
						}
						continue
					}
				}
				if kept {
					attempts[i] = attempt{res: doneBefore(in.RequestID, st, ev, past.kept[st.System])}
					continue
				}
				// An export that found nothing is asked again whatever: it
				// finds nothing still, or what came since.
				if _, erased := past.done[st.System+"/"+string(system.Erase)]; erased && ev.Data["outcome"] == mail.OutcomeExported {
					attempts[i] = attempt{err: &connector.PermanentError{System: st.System, Action: st.Action,
						Reason: "the copy an earlier run made is no longer kept (export parts are deleted 100 days after they are made) and the system has erased the person since: send the requester what they asked for by hand, then finish this step by hand"}}
					continue
				}
			}
			if ev, ok := past.thisRound[key]; ok {
				attempts[i] = replay(ev, s.Now())
				continue
			}
			if st.Action == system.Erase {
				if j, ok := exportOf[st.System]; ok && attempts[j].err != nil {
					// Erasing now would delete what the export is to send:
					// the erase waits for its export's next round, or,
					// the export failed for good, is not done either.
					attempts[i] = attempt{err: notStarted{}, again: true}
					if !attempts[j].again {
						attempts[i] = attempt{err: &connector.PermanentError{System: st.System, Action: st.Action,
							Reason: "not erased: this system's export failed, and erasing would delete what it is to send; once the export is done (by hand, or by a re-run), run the fulfilment again"}}
					}
					continue
				}
			}
			slots <- struct{}{}
			if calls.Err() != nil {
				<-slots
				attempts[i] = attempt{err: notStarted{}, again: true}
				continue
			}
			wg.Add(1)
			go func() {
				defer func() { <-slots; wg.Done() }()
				so, err := s.Step(calls, StepInput{RequestID: in.RequestID, System: st.System, Action: st.Action, Resumed: past.partial[key], Retried: past.tried[key]})
				a := attempt{res: StepResult{RequestID: in.RequestID, System: so.System, Action: so.Action,
					Outcome: so.Outcome, Found: so.Found, Withheld: so.Withheld}, err: err}
				if err != nil {
					a.again = retryable(err) && round < MaxRounds
					a.wait = retryAfter(err)
					a.recorded = s.recordFailedAttempt(ctx, in, st, err, round, a.again)
				}
				attempts[i] = a
			}()
		}
		wg.Wait()
	}
	launch(first)
	launch(then)

	var wait time.Duration
	for i, st := range in.Steps {
		a := attempts[i]
		if a.recorded != nil {
			return RunOutput{}, a.recorded
		}
		switch {
		case a.err == nil:
			out.Results = append(out.Results, a.res)
		case a.again:
			out.Pending = append(out.Pending, st)
			wait = max(wait, a.wait)
		default:
			out.Results = append(out.Results, StepResult{RequestID: in.RequestID, System: st.System, Action: st.Action, Failed: true,
				Error: &StepError{Error: errorName(a.err), Cause: a.err.Error()}})
		}
	}
	if len(out.Pending) > 0 {
		backoff := FirstRetry << (round - 1)
		out.RetryIn = int((max(wait, backoff) + time.Second - 1) / time.Second)
	}
	return out, nil
}

// attempt is one step's outcome in a round: its result, or its error,
// whether it is tried again and after how long, and whether recording the
// failure failed.
type attempt struct {
	res      StepResult
	err      error
	again    bool
	wait     time.Duration
	recorded error
}

// trail is what the trail says of a request's earlier failed attempts:
// the failure of each step in this round, and the steps an attempt left
// between the system's calls.
type trail struct {
	thisRound map[string]request.Event
	partial   map[string]bool
	tried     map[string]bool          // any earlier failed attempt
	byHand    map[string]request.Event // the team's word that it did the step by hand
	done      map[string]request.Event // a step a run did, with its outcome
	kept      map[string][]string      // the categories each system kept under a hold
}

func stepKey(st StepRef) string { return st.System + "/" + string(st.Action) }

func pastAttempts(events []request.Event, execution string, round int) trail {
	out := trail{thisRound: map[string]request.Event{}, partial: map[string]bool{}, tried: map[string]bool{},
		byHand: map[string]request.Event{}, done: map[string]request.Event{}, kept: map[string][]string{}}
	for _, ev := range events {
		switch {
		case ev.Action == request.ActionStepDone && ev.Data["outcome"] == request.OutcomeByHand:
			out.byHand[ev.Data["system"]+"/"+ev.Data["action"]] = ev
		case ev.Action == request.ActionStepDone && ev.Data["outcome"] != "":
			out.done[ev.Data["system"]+"/"+ev.Data["action"]] = ev
		case ev.Action == request.ActionErasureWithheld:
			if c := ev.Data["category"]; c != "" && !slices.Contains(out.kept[ev.Data["system"]], c) {
				out.kept[ev.Data["system"]] = append(out.kept[ev.Data["system"]], c)
			}
		}
		if ev.Action != ActionStepFailed {
			continue
		}
		key := ev.Data["system"] + "/" + ev.Data["action"]
		out.tried[key] = true
		if ev.Data["partial"] == "true" {
			out.partial[key] = true
		}
		if execution != "" && ev.Data["execution"] == execution && ev.Data["attempt"] == strconv.Itoa(round) {
			out.thisRound[key] = ev
		}
	}
	return out
}

// doneBefore is the result of a step an earlier run did, from its event:
// its outcome, whether the system held the person and, for an erasure,
// the categories the system's holds kept (its erasure-withheld events).
func doneBefore(id string, st StepRef, ev request.Event, kept []string) StepResult {
	res := StepResult{RequestID: id, System: st.System, Action: st.Action, Outcome: ev.Data["outcome"], Found: ev.Data["found"] == "true"}
	if st.Action == system.Erase {
		res.Withheld = kept
	}
	return res
}

// replay gives the outcome of an attempt made in this round before the
// round was cut short, from its event: pending until the time the system
// asked for, or failed for good.
func replay(ev request.Event, now time.Time) (a attempt) {
	a.err = &replayedError{name: ev.Data["error"], reason: ev.Reason}
	a.again = ev.Data["retry"] == "true"
	if nb, err := time.Parse(time.RFC3339, ev.Data["notBefore"]); err == nil && nb.After(now) {
		a.wait = min(nb.Sub(now), MaxRetryAfter)
	}
	return a
}

// replayedError is a failure read back from the trail.
type replayedError struct{ name, reason string }

func (e *replayedError) Error() string { return e.reason }

// recordFailedAttempt appends the event of one failed attempt: the error's
// type and message (which name the system and status only), whether a
// retry follows and not before when, and whether the system may have been
// left between its calls.
func (s *Service) recordFailedAttempt(ctx context.Context, in RunInput, st StepRef, err error, round int, again bool) error {
	id, r := in.RequestID, strconv.Itoa(round)
	now := s.Now()
	data := map[string]string{"system": st.System, "action": string(st.Action), "error": errorName(err),
		"attempt": r, "retry": strconv.FormatBool(again)}
	if in.Execution != "" {
		data["execution"] = in.Execution
	}
	var re *connector.RetryableError
	if errors.As(err, &re) {
		if re.Partial {
			data["partial"] = "true"
		}
		if re.RetryAfter > 0 {
			data["notBefore"] = now.Add(min(re.RetryAfter, MaxRetryAfter)).UTC().Format(time.RFC3339)
		}
	}
	return s.record(ctx, request.Event{RequestID: id, At: now, Actor: "system:" + st.System, Action: ActionStepFailed,
		Reason: err.Error(), Data: data, Once: "step-failed-" + in.Execution + "-" + st.System + "-" + string(st.Action) + "-" + r})
}

// retryable reports whether another round may succeed where this one
// failed: the system was busy or down, or the desk's own store was.
func retryable(err error) bool {
	var re *connector.RetryableError
	var te *TransientError
	return errors.As(err, &re) || errors.As(err, &te)
}

// retryAfter is the wait a system asked for, bounded by MaxRetryAfter.
func retryAfter(err error) time.Duration {
	var re *connector.RetryableError
	if errors.As(err, &re) {
		return min(re.RetryAfter, MaxRetryAfter)
	}
	return 0
}

// errorName names an error as the workflow's Catch did: by its type.
func errorName(err error) string {
	if re, ok := err.(*replayedError); ok {
		return re.name
	}
	if kind := failureKind(err); kind != "" {
		return kind
	}
	var se *RequestStateError
	var te *TransientError
	switch {
	case errors.As(err, &se):
		return "RequestStateError"
	case errors.As(err, &te):
		return "TransientError"
	}
	return "Error"
}
