package fulfil

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/request"
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
)

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
// a time. A step's failure never fails the others, nor the call: a failure
// worth retrying leaves the step pending (while rounds remain), any other
// failure becomes a failed result the answer reports to the team. Every
// failed attempt is recorded on the audit trail, with its round, so the
// trail shows each call that did not succeed, not only the last.
//
// Run returns an error only when it cannot record what happened (the
// store is down); the workflow retries the whole round, which is safe: every
// step may be retried (see Step) and every event carries a Once key.
func (s *Service) Run(ctx context.Context, in RunInput) (RunOutput, error) {
	round := in.Round + 1
	out := RunOutput{Results: append([]StepResult{}, in.Results...), Pending: []StepRef{}, Round: round}
	type attempt struct {
		res StepResult
		err error
	}
	attempts := make([]attempt, len(in.Steps))
	var wg sync.WaitGroup
	slots := make(chan struct{}, RunConcurrency)
	for i, st := range in.Steps {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			so, err := s.Step(ctx, StepInput{RequestID: in.RequestID, System: st.System, Action: st.Action})
			attempts[i] = attempt{res: StepResult{RequestID: in.RequestID, System: so.System, Action: so.Action,
				Outcome: so.Outcome, Found: so.Found, Withheld: so.Withheld}, err: err}
		}()
	}
	wg.Wait()

	var wait time.Duration
	for i, st := range in.Steps {
		a := attempts[i]
		if a.err == nil {
			out.Results = append(out.Results, a.res)
			continue
		}
		again := retryable(a.err) && round < MaxRounds
		if err := s.recordFailedAttempt(ctx, in.RequestID, st, a.err, round, again); err != nil {
			return RunOutput{}, err
		}
		if !again {
			out.Results = append(out.Results, StepResult{RequestID: in.RequestID, System: st.System, Action: st.Action, Failed: true,
				Error: &StepError{Error: errorName(a.err), Cause: a.err.Error()}})
			continue
		}
		out.Pending = append(out.Pending, st)
		wait = max(wait, retryAfter(a.err))
	}
	if len(out.Pending) > 0 {
		backoff := FirstRetry << (round - 1)
		out.RetryIn = int(max(wait, backoff) / time.Second)
	}
	return out, nil
}

// recordFailedAttempt appends the event of one failed attempt.
func (s *Service) recordFailedAttempt(ctx context.Context, id string, st StepRef, err error, round int, again bool) error {
	r := strconv.Itoa(round)
	return s.record(ctx, request.Event{RequestID: id, At: s.Now(), Actor: "system:" + st.System, Action: ActionStepFailed,
		Reason: err.Error(),
		Data: map[string]string{"system": st.System, "action": string(st.Action), "error": errorName(err),
			"attempt": r, "retry": strconv.FormatBool(again)},
		Once: "step-failed-" + st.System + "-" + string(st.Action) + "-" + r})
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
