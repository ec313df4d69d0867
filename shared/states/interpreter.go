package states

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Thread phases: where a thread blocks, so a restarted runtime resumes it.
const (
	phaseWait     = "wait"     // Wait state, until WakeAt
	phaseRetry    = "retry"    // delay before the next attempt, until WakeAt
	phaseToken    = "token"    // task waits for SendTask* on Token
	phaseChildren = "children" // Parallel branches or Map iterations run
)

// execRecord is everything persisted about one execution.
type execRecord struct {
	ARN             string          `json:"arn"`
	Name            string          `json:"name"`
	StateMachineARN string          `json:"stateMachineArn"`
	Status          string          `json:"status"`
	Input           string          `json:"input"`
	Output          string          `json:"output,omitempty"`
	Error           string          `json:"error,omitempty"`
	Cause           string          `json:"cause,omitempty"`
	StartDate       time.Time       `json:"startDate"`
	StopDate        time.Time       `json:"stopDate,omitzero"`
	Transitions     int             `json:"transitions"`
	Definition      json.RawMessage `json:"definition"`
	Root            *thread         `json:"root"`
	Events          []Event         `json:"events"`
}

// thread is one line of control: the execution itself, a Parallel branch
// or a Map iteration.
type thread struct {
	State      string    `json:"state"`
	Input      any       `json:"input"`
	Entered    time.Time `json:"entered,omitzero"`
	RetryCount int       `json:"retryCount,omitempty"`
	Attempts   []int     `json:"attempts,omitempty"`
	Phase      string    `json:"phase,omitempty"`
	WakeAt     time.Time `json:"wakeAt,omitzero"`
	Token      string    `json:"token,omitempty"`
	TimeoutAt  time.Time `json:"timeoutAt,omitzero"`
	HeartbeatS int       `json:"heartbeatSeconds,omitempty"`
	BeatAt     time.Time `json:"heartbeatAt,omitzero"`
	Children   []*thread `json:"children,omitempty"`
	LastEvent  int64     `json:"lastEvent,omitempty"`

	// On a child thread.
	Done   bool     `json:"done,omitempty"`
	Output any      `json:"output,omitempty"`
	Err    *Error   `json:"err,omitempty"`
	Item   *mapItem `json:"item,omitempty"`
}

type mapItem struct {
	Index int `json:"index"`
	Value any `json:"value"`
}

// execution is a running or ended execution.
type execution struct {
	rt      *Runtime
	def     *Definition
	resumed bool
	seq     int64 // start order; set under Runtime.mu

	// closedTokens are this execution's tokens in Runtime.closed; guarded
	// by Runtime.mu.
	closedTokens []string

	mu      sync.Mutex // guards rec, every thread in it and the caches
	rec     execRecord
	execCtx map[string]any // $$.Execution, built once
	smCtx   map[string]any // $$.StateMachine

	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{}
}

func (x *execution) info() ExecutionInfo {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.infoLocked()
}

func (x *execution) infoLocked() ExecutionInfo { return x.rec.info() }

func (rec *execRecord) info() ExecutionInfo {
	return ExecutionInfo{
		ExecutionARN: rec.ARN, StateMachineARN: rec.StateMachineARN, Name: rec.Name,
		Status: rec.Status, StartDate: rec.StartDate, StopDate: rec.StopDate,
		Input: rec.Input, Output: rec.Output, Error: rec.Error, Cause: rec.Cause,
		Transitions: rec.Transitions,
	}
}

// save writes the record to the store, if there is one.
func (x *execution) save() {
	if x.rt.store == nil {
		return
	}
	if x.ctx != nil && context.Cause(x.ctx) == errShutdown {
		return // the record stays as it was, to be resumed
	}
	x.mu.Lock()
	data, err := json.Marshal(&x.rec)
	arn := x.rec.ARN
	x.mu.Unlock()
	if err == nil {
		err = x.rt.store.Save(arn, data)
	}
	if err != nil {
		x.rt.log.Error("states: persist execution", "execution", arn, "err", err)
	}
}

// run is the execution goroutine. It holds one clock Busy unit.
func (x *execution) run() {
	defer x.rt.clock.Idle()
	defer close(x.done)
	// Once ended (and saved), the execution leaves the running set before
	// Wait returns.
	defer x.rt.retire(x)
	m := &Machine{StartAt: x.def.StartAt, States: x.def.States}
	finished := make(chan struct{})
	if x.def.TimeoutSeconds > 0 {
		watched := make(chan struct{})
		defer func() { <-watched }()
		ch, stop := x.rt.clock.Timer(x.rec.StartDate.Add(time.Duration(x.def.TimeoutSeconds) * time.Second))
		go x.watchTimeout(ch, stop, finished, watched)
	}
	out, serr := x.runThread(x.ctx, m, x.rec.Root)
	close(finished)
	if x.ctx.Err() != nil {
		return // stopped or timed out (already recorded) or shut down (resumed later)
	}
	now := x.rt.clock.Now()
	x.mu.Lock()
	if x.rec.Status != StatusRunning {
		x.mu.Unlock()
		// Stopped or timed out meanwhile: that path records the end, then
		// cancels; wait for it before the execution is handed over.
		<-x.ctx.Done()
		return
	}
	x.rec.StopDate = now
	if serr != nil {
		x.rec.Status, x.rec.Error, x.rec.Cause = StatusFailed, serr.Name, serr.Cause
	} else {
		data, err := Encode(out)
		if err != nil {
			x.rec.Status, x.rec.Error, x.rec.Cause = StatusFailed, ErrRuntime, err.Error()
		} else {
			x.rec.Status, x.rec.Output = StatusSucceeded, string(data)
		}
	}
	status, output, e, c := x.rec.Status, x.rec.Output, x.rec.Error, x.rec.Cause
	x.mu.Unlock()
	if status == StatusSucceeded {
		x.event(x.rec.Root, "ExecutionSucceeded", "executionSucceededEventDetails", map[string]any{"output": output})
	} else {
		x.event(x.rec.Root, "ExecutionFailed", "executionFailedEventDetails", map[string]any{"error": e, "cause": c})
	}
	x.save()
}

// watchTimeout ends the execution as TIMED_OUT when the definition's
// TimeoutSeconds pass before it finishes.
func (x *execution) watchTimeout(ch <-chan time.Time, stop func() bool, finished, watched chan struct{}) {
	defer close(watched)
	clk := x.rt.clock
	select {
	case <-finished:
		if !stop() {
			<-ch
			clk.Idle()
		}
		return
	case <-ch: // holds the firing's unit
	}
	defer clk.Idle()
	x.mu.Lock()
	if x.rec.Status != StatusRunning || x.ctx.Err() != nil {
		x.mu.Unlock()
		return
	}
	x.rec.Status, x.rec.StopDate = StatusTimedOut, clk.Now()
	x.rec.Error, x.rec.Cause = ErrTimeout, "the execution ran longer than the definition's TimeoutSeconds"
	x.mu.Unlock()
	x.event(x.rec.Root, "ExecutionTimedOut", "executionTimedOutEventDetails", map[string]any{"error": ErrTimeout, "cause": x.rec.Cause})
	x.save()
	x.cancel(errTimedOut)
}

// set changes thread fields under the execution lock.
func (x *execution) set(f func()) {
	x.mu.Lock()
	f()
	x.mu.Unlock()
}

// stopErr is what a thread returns when its context ends.
var stopErr = &Error{Name: "States.Stopped", Cause: "execution stopped"}

// runThread runs a thread from its current state to its end. The caller
// holds one clock Busy unit, and still holds it on return.
func (x *execution) runThread(ctx context.Context, m *Machine, th *thread) (any, *Error) {
	resumed := x.resumed
	for {
		if ctx.Err() != nil {
			return nil, stopErr
		}
		st := m.States[th.State]
		if !resumed || (th.Phase == "" && th.Entered.IsZero()) {
			now := x.rt.clock.Now()
			x.set(func() {
				th.Entered = now
				x.rec.Transitions++
			})
			x.event(th, st.Type+"StateEntered", "stateEnteredEventDetails", map[string]any{"name": st.Name, "input": jsonText{th.Input}})
			x.save()
		}
		resumed = false
		out, next, serr := x.runState(ctx, st, th)
		if ctx.Err() != nil {
			return nil, stopErr
		}
		if serr != nil {
			return nil, serr
		}
		if st.Type != "Fail" {
			x.event(th, st.Type+"StateExited", "stateExitedEventDetails", map[string]any{"name": st.Name, "output": jsonText{out}})
		}
		if next == "" {
			return out, nil
		}
		x.set(func() {
			*th = thread{State: next, Input: out, LastEvent: th.LastEvent, Item: th.Item}
		})
	}
}

// runState runs one state, with Retry and Catch for the states that have
// them. next is "" at the end of the thread.
func (x *execution) runState(ctx context.Context, st *State, th *thread) (out any, next string, serr *Error) {
	switch st.Type {
	case "Pass":
		out, serr = x.pass(st, th)
	case "Choice":
		return x.choice(st, th)
	case "Wait":
		out, serr = x.wait(ctx, st, th)
	case "Succeed":
		out, serr = x.inOut(st, th)
		return out, "", serr
	case "Fail":
		return nil, "", x.fail(st, th)
	default: // Task, Parallel, Map
		for {
			if th.Phase == phaseRetry {
				if err := x.sleepUntil(ctx, th.WakeAt); err != nil {
					return nil, "", stopErr
				}
				x.set(func() {
					th.Phase, th.WakeAt = "", time.Time{}
					th.RetryCount++
					x.rec.Transitions++
				})
			}
			out, serr = x.attempt(ctx, st, th)
			if serr == nil || ctx.Err() != nil {
				break
			}
			x.mu.Lock()
			if th.Attempts == nil {
				th.Attempts = make([]int, len(st.Retry))
			}
			delay, retry := retryDelay(st.Retry, th.Attempts, serr, x.rt.random)
			x.mu.Unlock()
			if !retry {
				if c := matchCatch(st.Catch, serr); c != nil {
					res, err := ApplyResultPath(c.ResultPath, th.Input, map[string]any{"Error": serr.Name, "Cause": serr.Cause})
					if err != nil {
						return nil, "", asStatesError(err)
					}
					return res, c.Next, nil
				}
				return nil, "", serr
			}
			wake := x.rt.clock.Now().Add(delay)
			x.set(func() { th.Phase, th.WakeAt = phaseRetry, wake })
			x.save()
		}
	}
	if serr != nil {
		return nil, "", serr
	}
	if st.End {
		return out, "", nil
	}
	return out, st.Next, nil
}

func asStatesError(err error) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	return &Error{Name: ErrRuntime, Cause: err.Error()}
}

// contextObject builds $$ for a state; nil when the state never reads it.
func (x *execution) contextObject(st *State, th *thread, token string) map[string]any {
	if token == "" && !st.usesCtx {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.execCtx == nil {
		in, _ := Decode([]byte(x.rec.Input))
		x.execCtx = map[string]any{
			"Id":        x.rec.ARN,
			"Input":     in,
			"Name":      x.rec.Name,
			"RoleArn":   fmt.Sprintf("arn:aws:iam::%s:role/local-states", x.rt.account),
			"StartTime": formatTime(x.rec.StartDate),
		}
		x.smCtx = map[string]any{
			"Id":   x.rec.StateMachineARN,
			"Name": stateMachineName(x.rec.StateMachineARN),
		}
	}
	c := map[string]any{
		"Execution": x.execCtx,
		"State": map[string]any{
			"EnteredTime": formatTime(th.Entered),
			"Name":        st.Name,
			"RetryCount":  json.Number(strconv.Itoa(th.RetryCount)),
		},
		"StateMachine": x.smCtx,
	}
	if token != "" {
		c["Task"] = map[string]any{"Token": token}
	}
	if th.Item != nil {
		c["Map"] = map[string]any{"Item": map[string]any{"Index": json.Number(strconv.Itoa(th.Item.Index)), "Value": th.Item.Value}}
	}
	return c
}

func stateMachineName(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == ':' {
			return arn[i+1:]
		}
	}
	return arn
}

func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// effectiveInput applies InputPath then Parameters.
func (x *execution) effectiveInput(st *State, th *thread, cobj map[string]any, params any) (any, *Error) {
	in, err := ApplyInputPath(st.InputPath, th.Input, cobj)
	if err != nil {
		return nil, asStatesError(err)
	}
	if params != nil {
		in, err = ApplyPayloadTemplate(params, in, cobj, x.rt.env)
		if err != nil {
			return nil, asStatesError(err)
		}
	}
	return in, nil
}

// finish applies ResultSelector, ResultPath and OutputPath to a result.
func (x *execution) finish(st *State, th *thread, cobj map[string]any, result any) (any, *Error) {
	var err error
	if st.ResultSelector != nil {
		result, err = ApplyPayloadTemplate(st.ResultSelector, result, cobj, x.rt.env)
		if err != nil {
			return nil, asStatesError(err)
		}
	}
	out, err := ApplyResultPath(st.ResultPath, th.Input, result)
	if err != nil {
		return nil, asStatesError(err)
	}
	out, err = ApplyOutputPath(st.OutputPath, out, cobj)
	if err != nil {
		return nil, asStatesError(err)
	}
	return out, nil
}

func (x *execution) pass(st *State, th *thread) (any, *Error) {
	cobj := x.contextObject(st, th, "")
	in, serr := x.effectiveInput(st, th, cobj, st.Parameters)
	if serr != nil {
		return nil, serr
	}
	result := in
	if st.present["Result"] {
		result = st.Result
	}
	return x.finish(st, th, cobj, result)
}

// inOut is the processing of Choice, Wait and Succeed: InputPath, then
// OutputPath.
func (x *execution) inOut(st *State, th *thread) (any, *Error) {
	cobj := x.contextObject(st, th, "")
	in, err := ApplyInputPath(st.InputPath, th.Input, cobj)
	if err != nil {
		return nil, asStatesError(err)
	}
	out, err := ApplyOutputPath(st.OutputPath, in, cobj)
	if err != nil {
		return nil, asStatesError(err)
	}
	return out, nil
}

func (x *execution) choice(st *State, th *thread) (any, string, *Error) {
	cobj := x.contextObject(st, th, "")
	in, err := ApplyInputPath(st.InputPath, th.Input, cobj)
	if err != nil {
		return nil, "", asStatesError(err)
	}
	next := ""
	for i := range st.Choices {
		ok, err := st.Choices[i].EvalContext(in, cobj)
		if err != nil {
			return nil, "", asStatesError(err)
		}
		if ok {
			next = st.Choices[i].Next
			break
		}
	}
	if next == "" {
		if st.Default == "" {
			return nil, "", Errorf(ErrNoChoiceMatched, "no choice rule matched and state %q has no Default", st.Name)
		}
		next = st.Default
	}
	out, err := ApplyOutputPath(st.OutputPath, in, cobj)
	if err != nil {
		return nil, "", asStatesError(err)
	}
	return out, next, nil
}

func (x *execution) wait(ctx context.Context, st *State, th *thread) (any, *Error) {
	if th.Phase != phaseWait {
		cobj := x.contextObject(st, th, "")
		in, err := ApplyInputPath(st.InputPath, th.Input, cobj)
		if err != nil {
			return nil, asStatesError(err)
		}
		now := x.rt.clock.Now()
		var wake time.Time
		switch {
		case st.Seconds != nil:
			wake = now.Add(time.Duration(*st.Seconds) * time.Second)
		case st.present["Timestamp"]:
			wake = st.timestamp
		case st.SecondsPath != "":
			v, err := QueryPath(st.SecondsPath, in, cobj)
			if err != nil {
				return nil, asStatesError(err)
			}
			n, ok := nonNegativeInt(v)
			if !ok {
				return nil, Errorf(ErrRuntime, "SecondsPath %s of state %q is not a non-negative integer", st.SecondsPath, st.Name)
			}
			wake = now.Add(time.Duration(n) * time.Second)
		case st.TimestampPath != "":
			v, err := QueryPath(st.TimestampPath, in, cobj)
			if err != nil {
				return nil, asStatesError(err)
			}
			s, _ := v.(string)
			ts, perr := time.Parse(time.RFC3339, s)
			if perr != nil {
				return nil, Errorf(ErrRuntime, "TimestampPath %s of state %q is not an RFC 3339 time", st.TimestampPath, st.Name)
			}
			wake = ts
		}
		x.set(func() { th.Phase, th.WakeAt = phaseWait, wake })
		x.save()
	}
	if err := x.sleepUntil(ctx, th.WakeAt); err != nil {
		return nil, stopErr
	}
	x.set(func() { th.Phase, th.WakeAt = "", time.Time{} })
	return x.inOut(st, th)
}

func nonNegativeInt(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	if err != nil || i < 0 {
		return 0, false
	}
	return i, true
}

func (x *execution) fail(st *State, th *thread) *Error {
	e := &Error{Name: st.Error, Cause: st.Cause}
	cobj := x.contextObject(st, th, "")
	for _, f := range []struct {
		path string
		dst  *string
	}{{st.ErrorPath, &e.Name}, {st.CausePath, &e.Cause}} {
		if f.path == "" {
			continue
		}
		v, err := QueryPath(f.path, th.Input, cobj)
		if err != nil {
			return asStatesError(err)
		}
		s, ok := v.(string)
		if !ok {
			return Errorf(ErrRuntime, "%s of state %q does not name a string", f.path, st.Name)
		}
		*f.dst = s
	}
	return e
}

// sleepUntil blocks until the clock reaches at. The caller holds a Busy
// unit and holds one again on return.
func (x *execution) sleepUntil(ctx context.Context, at time.Time) error {
	clk := x.rt.clock
	ch, stop := clk.Timer(at)
	clk.Idle()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		if stop() {
			clk.Busy()
		} else {
			<-ch // the firing brought our unit
		}
		return ctx.Err()
	}
}

// jsonText is a value that history shows as a JSON string; it is encoded
// only when the history is read or saved.
type jsonText struct{ v any }

// MarshalText gives the JSON text; encoding/json writes it as a JSON string
// (with no second pass over it, as a MarshalJSON result would get).
func (j jsonText) MarshalText() ([]byte, error) {
	b, err := Encode(j.v)
	if err != nil {
		return []byte("null"), nil
	}
	return b, nil
}

func jsonString(v any) string {
	b, err := Encode(v)
	if err != nil {
		return "null"
	}
	return string(b)
}
