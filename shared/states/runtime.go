package states

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"
)

// Execution statuses, as the Step Functions API names them.
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusAborted   = "ABORTED"
	StatusTimedOut  = "TIMED_OUT"
)

// Errors the API layer maps to Step Functions exception names.
var (
	ErrStateMachineDoesNotExist = errors.New("StateMachineDoesNotExist")
	ErrExecutionDoesNotExist    = errors.New("ExecutionDoesNotExist")
	ErrExecutionAlreadyExists   = errors.New("ExecutionAlreadyExists")
	ErrInvalidExecutionInput    = errors.New("InvalidExecutionInput")
	ErrInvalidName              = errors.New("InvalidName")
	ErrInvalidDefinition        = errors.New("InvalidDefinition")
	ErrTaskDoesNotExist         = errors.New("TaskDoesNotExist")
	ErrTaskTimedOut             = errors.New("TaskTimedOut")
	ErrInvalidToken             = errors.New("InvalidToken")
	ErrInvalidOutput            = errors.New("InvalidOutput")
)

// Options configures a Runtime. Every field has a working default.
type Options struct {
	Clock   Clock          // default: NewRealClock()
	Store   Store          // default: none, executions live in memory only
	Logger  *slog.Logger   // default: slog.Default()
	Region  string         // default "us-east-1"
	Account string         // default "123456789012"
	Env     *Env           // randomness for States.UUID and friends
	Random  func() float64 // in [0,1), for FULL retry jitter; default math/rand
	// NewToken makes task tokens and execution names; default crypto/rand.
	NewToken func() string
	// KeepEnded is how many ended executions a runtime without a Store
	// keeps in memory (default DefaultKeepEnded); when more have ended, the
	// oldest is forgotten: DescribeExecution no longer finds it and its
	// name may be used again. A runtime with a Store keeps none in memory:
	// they are read back from the Store.
	KeepEnded int
}

// Runtime runs state machines. It is safe for concurrent use.
type Runtime struct {
	clock   Clock
	store   Store
	log     *slog.Logger
	region  string
	account string
	env     *Env
	random  func() float64
	token   func() string
	fns     functions

	mu         sync.Mutex
	machines   map[string]*stateMachine // by ARN
	running    map[string]*execution    // by ARN, until retire hands it over
	seq        int64                    // start order of running executions
	ended      *fifo[*endedExec]        // without a Store: the newest ended executions
	tokens     map[string]*tokenWaiter  // open task tokens
	closed     map[string]bool          // ended tasks' tokens, of running executions
	lateTokens *fifo[struct{}]          // ended tasks' tokens, of ended executions
	stopping   bool
	// started, when set (tests), is called by Start between putting an
	// execution among the running and running it.
	started func(x *execution)

	wg sync.WaitGroup
}

type stateMachine struct {
	ARN, Name  string
	Definition []byte // after substitutions
	def        *Definition
	Created    time.Time
}

// New returns a Runtime.
func New(o Options) *Runtime {
	r := &Runtime{
		clock: o.Clock, store: o.Store, log: o.Logger, region: o.Region, account: o.Account,
		env: o.Env, random: o.Random, token: o.NewToken,
		machines: map[string]*stateMachine{}, running: map[string]*execution{},
		tokens: map[string]*tokenWaiter{}, closed: map[string]bool{},
		lateTokens: newFIFO[struct{}](keepLateTokens),
	}
	keep := o.KeepEnded
	if keep <= 0 {
		keep = DefaultKeepEnded
	}
	if r.store != nil {
		keep = 0
	}
	r.ended = newFIFO[*endedExec](keep)
	if r.clock == nil {
		r.clock = NewRealClock()
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.region == "" {
		r.region = "us-east-1"
	}
	if r.account == "" {
		r.account = "123456789012"
	}
	if r.random == nil {
		r.random = mrand.Float64
	}
	if r.token == nil {
		r.token = randomToken
	}
	return r
}

func randomToken() string {
	var b [48]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("states: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Clock returns the runtime's clock.
func (r *Runtime) Clock() Clock { return r.clock }

// StateMachineARN returns the ARN Register gives a state machine name.
func (r *Runtime) StateMachineARN(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", r.region, r.account, name)
}

// Register parses and validates a definition (after DefinitionSubstitutions)
// and registers it under name, replacing an earlier one. It returns the
// state machine ARN.
func (r *Runtime) Register(name string, definition []byte, subs map[string]string) (string, error) {
	if !validName(name) {
		return "", fmt.Errorf("%w: state machine name %q", ErrInvalidName, name)
	}
	data, err := Substitute(definition, subs)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrInvalidDefinition, name, err)
	}
	def, err := Parse(data, nil)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrInvalidDefinition, name, err)
	}
	sm := &stateMachine{ARN: r.StateMachineARN(name), Name: name, Definition: data, def: def, Created: r.clock.Now()}
	r.mu.Lock()
	r.machines[sm.ARN] = sm
	r.mu.Unlock()
	return sm.ARN, nil
}

// RegisterFunction registers a Go handler as the Lambda function with this
// name or ARN (aliases and versions resolve to the same handler).
func (r *Runtime) RegisterFunction(nameOrARN string, h Handler) {
	r.fns.register(nameOrARN, h)
}

// RegisterLambda registers any handler that lambda.Start accepts.
func (r *Runtime) RegisterLambda(nameOrARN string, handlerFunc any) {
	r.fns.register(nameOrARN, LambdaHandler(handlerFunc))
}

func validName(s string) bool {
	if s == "" || len(s) > 80 {
		return false
	}
	for _, c := range s {
		if c <= ' ' || strings.ContainsRune(`<>{}[]?*"#%\^|~`+"`$&,;:/", c) || c == 0x7f {
			return false
		}
	}
	return true
}

// ExecutionInfo describes an execution, as DescribeExecution does.
type ExecutionInfo struct {
	ExecutionARN    string
	StateMachineARN string
	Name            string
	Status          string
	StartDate       time.Time
	StopDate        time.Time
	Input           string
	Output          string // when SUCCEEDED
	Error, Cause    string // when FAILED, ABORTED or TIMED_OUT
	Transitions     int
}

// Start starts an execution of a registered state machine. Name may be
// empty (a random one is chosen). As on AWS, starting the same name again
// with the same input while it runs returns the running execution; any other
// reuse of a name is ErrExecutionAlreadyExists.
func (r *Runtime) Start(stateMachineARN, name, input string) (ExecutionInfo, error) {
	if input == "" {
		input = "{}"
	}
	in, err := Decode([]byte(input))
	if err != nil {
		return ExecutionInfo{}, fmt.Errorf("%w: input is not JSON: %v", ErrInvalidExecutionInput, err)
	}
	if name == "" {
		name = newUUID()
	}
	if !validName(name) {
		return ExecutionInfo{}, fmt.Errorf("%w: execution name %q", ErrInvalidName, name)
	}
	r.mu.Lock()
	if r.stopping {
		r.mu.Unlock()
		return ExecutionInfo{}, errShutdown
	}
	sm, ok := r.machines[stateMachineARN]
	if !ok {
		r.mu.Unlock()
		return ExecutionInfo{}, fmt.Errorf("%w: %s", ErrStateMachineDoesNotExist, stateMachineARN)
	}
	arn := fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", r.region, r.account, sm.Name, name)
	if x, ok := r.running[arn]; ok {
		r.mu.Unlock()
		info := x.info()
		if info.Status == StatusRunning && sameJSON(info.Input, input) {
			return info, nil
		}
		return ExecutionInfo{}, fmt.Errorf("%w: %s", ErrExecutionAlreadyExists, arn)
	}
	if ended, err := r.endedLocked(arn); ended || err != nil {
		r.mu.Unlock()
		if err != nil {
			return ExecutionInfo{}, fmt.Errorf("start %s: %w", arn, err)
		}
		return ExecutionInfo{}, fmt.Errorf("%w: %s", ErrExecutionAlreadyExists, arn)
	}
	now := r.clock.Now()
	r.seq++
	x := &execution{rt: r, def: sm.def, done: make(chan struct{}), seq: r.seq}
	x.rec = execRecord{
		ARN: arn, Name: name, StateMachineARN: sm.ARN, Status: StatusRunning,
		Input: input, StartDate: now, Definition: sm.Definition,
		Root: &thread{State: sm.def.StartAt, Input: in},
	}
	r.running[arn] = x
	r.arm(x)
	r.mu.Unlock()

	x.event(x.rec.Root, "ExecutionStarted", "executionStartedEventDetails", map[string]any{
		"input": input, "inputDetails": map[string]any{"truncated": false},
		"roleArn": fmt.Sprintf("arn:aws:iam::%s:role/local-states", r.account),
	})
	x.save()
	if r.started != nil {
		r.started(x)
	}
	r.launch(x)
	return x.info(), nil
}

func sameJSON(a, b string) bool {
	if a == b {
		return true
	}
	va, err1 := Decode([]byte(a))
	vb, err2 := Decode([]byte(b))
	if err1 != nil || err2 != nil {
		return false
	}
	ea, _ := Encode(va)
	eb, _ := Encode(vb)
	return string(ea) == string(eb)
}

// arm gives an execution its context and counts it among the goroutines
// Close waits for. It is called with r.mu held, not stopping: Start arms in
// the critical section that puts the execution in r.running, Resume once
// every record is read; a Close that finds an armed execution can always
// cancel it. (Armed after the lock was let go,
// an execution that Close found but could not yet cancel ran on after
// Close had cancelled the others, and Close waited for it for ever.)
func (r *Runtime) arm(x *execution) {
	ctx, cancel := context.WithCancelCause(context.Background())
	x.ctx, x.cancel = ctx, cancel
	r.wg.Add(1)
}

// launch runs an armed execution in its own goroutine.
func (r *Runtime) launch(x *execution) {
	r.clock.Busy()
	go func() {
		defer r.wg.Done()
		x.run()
	}()
}

// Resume loads the executions in the store and continues the running ones
// where they stopped: a Wait keeps its wake-up time, a task keeps its token
// and deadlines. Call it once, before serving requests.
func (r *Runtime) Resume() (err error) {
	if r.store == nil {
		return nil
	}
	records, err := r.store.LoadAll()
	if err != nil {
		return err
	}
	var resumed []*execution
	defer func() {
		if err != nil {
			r.forget(resumed) // none armed: nothing of them is left behind
		}
	}()
	for _, data := range records {
		var rec execRecord
		if err := decodeRecord(data, &rec); err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		if rec.Status != StatusRunning {
			// It ended before it was handed over to the Store's ended
			// executions (a crash in between, or a folder from before
			// they were kept apart): hand it over now.
			if err := r.store.End(rec.info(), data); err != nil {
				return fmt.Errorf("resume %s: %w", rec.ARN, err)
			}
			continue
		}
		def, err := Parse(rec.Definition, nil)
		if err != nil {
			return fmt.Errorf("resume %s: %w", rec.ARN, err)
		}
		x := &execution{rt: r, def: def, rec: rec, done: make(chan struct{}), resumed: true}
		r.mu.Lock()
		if _, dup := r.running[rec.ARN]; dup {
			r.mu.Unlock()
			continue
		}
		r.running[rec.ARN] = x
		// Reopen the task tokens the execution waits on, so a
		// SendTaskSuccess that arrives before the goroutine gets there is
		// kept.
		walkThreads(rec.Root, func(th *thread) {
			if th.Phase == phaseToken && th.Token != "" {
				r.tokens[th.Token] = newTokenWaiter(x)
			}
		})
		resumed = append(resumed, x)
		r.mu.Unlock()
	}
	sort.Slice(resumed, func(i, j int) bool { return resumed[i].rec.StartDate.Before(resumed[j].rec.StartDate) })
	// Armed all at once, and only now: a record that fails above leaves
	// none armed (Close then waits for none of them), and a Close that
	// came meanwhile finds them unarmed and is not waited on by them.
	r.mu.Lock()
	if r.stopping {
		r.mu.Unlock()
		return errShutdown
	}
	for _, x := range resumed {
		r.seq++
		x.seq = r.seq
		r.arm(x)
	}
	r.mu.Unlock()
	for _, x := range resumed {
		r.launch(x)
	}
	return nil
}

// forget removes executions Resume read but did not arm (it failed, or
// the runtime closed meanwhile), and the task tokens it opened for them.
func (r *Runtime) forget(xs []*execution) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range xs {
		if r.running[x.rec.ARN] == x {
			delete(r.running, x.rec.ARN)
		}
		for tok, w := range r.tokens {
			if w.x == x {
				delete(r.tokens, tok)
			}
		}
	}
}

func walkThreads(th *thread, f func(*thread)) {
	if th == nil {
		return
	}
	f(th)
	for _, c := range th.Children {
		walkThreads(c, f)
	}
}

// Close stops every execution goroutine without changing the executions'
// recorded state, as a process exit would; a new Runtime on the same Store
// resumes them.
func (r *Runtime) Close() {
	r.mu.Lock()
	r.stopping = true
	execs := make([]*execution, 0, len(r.running))
	for _, x := range r.running {
		execs = append(execs, x)
	}
	r.mu.Unlock()
	for _, x := range execs {
		if x.cancel != nil {
			x.cancel(errShutdown)
		}
	}
	r.wg.Wait()
}

var (
	errShutdown = errors.New("runtime shut down")
	errStopped  = errors.New("execution stopped")
	errTimedOut = errors.New("execution timed out")
)

// lookup finds a running execution; ok is false when the execution has
// ended and been handed over (or never was).
func (r *Runtime) lookup(arn string) (x *execution, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	x, ok = r.running[arn]
	return x, ok
}

// Describe returns an execution's current description.
func (r *Runtime) Describe(executionARN string) (ExecutionInfo, error) {
	if x, ok := r.lookup(executionARN); ok {
		return x.info(), nil
	}
	info, _, err := r.endedRecord(executionARN, false)
	return info, err
}

// Transitions returns the number of state transitions an execution has
// made so far (each state entered and each retry counts one), the unit AWS
// bills Standard workflows by.
func (r *Runtime) Transitions(executionARN string) (int, error) {
	info, err := r.Describe(executionARN)
	if err != nil {
		return 0, err
	}
	return info.Transitions, nil
}

// Wait blocks until the execution has ended or ctx is done.
func (r *Runtime) Wait(ctx context.Context, executionARN string) (ExecutionInfo, error) {
	x, ok := r.lookup(executionARN)
	if !ok {
		info, _, err := r.endedRecord(executionARN, false)
		return info, err
	}
	select {
	case <-x.done:
		return x.info(), nil
	case <-ctx.Done():
		return x.info(), ctx.Err()
	}
}

// List returns the executions of a state machine (all when ARN is empty),
// newest first, optionally only those with the given status.
//
// With a Store, the ended executions are read from it; if that fails, the
// error is logged and the list has the running executions only.
func (r *Runtime) List(stateMachineARN, status string) []ExecutionInfo {
	all, err := r.listAll()
	if err != nil {
		r.log.Error("states: list ended executions", "err", err)
		all = nil
		for _, x := range r.runningNow() {
			all = append(all, x.info())
		}
	}
	var out []ExecutionInfo
	for i := len(all) - 1; i >= 0; i-- {
		info := all[i]
		if stateMachineARN != "" && info.StateMachineARN != stateMachineARN {
			continue
		}
		if status != "" && info.Status != status {
			continue
		}
		out = append(out, info)
	}
	return out
}

// History returns the execution's events in order.
func (r *Runtime) History(executionARN string) ([]Event, error) {
	x, ok := r.lookup(executionARN)
	if !ok {
		_, evs, err := r.endedRecord(executionARN, true)
		return evs, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]Event(nil), x.rec.Events...), nil
}

// Stop aborts a running execution. Stopping an ended execution changes
// nothing. It returns the stop date.
func (r *Runtime) Stop(executionARN, errName, cause string) (time.Time, error) {
	x, ok := r.lookup(executionARN)
	if !ok {
		info, _, err := r.endedRecord(executionARN, false)
		return info.StopDate, err
	}
	x.mu.Lock()
	if x.rec.Status != StatusRunning {
		d := x.rec.StopDate
		x.mu.Unlock()
		return d, nil
	}
	now := r.clock.Now()
	x.rec.Status = StatusAborted
	x.rec.StopDate = now
	x.rec.Error, x.rec.Cause = errName, cause
	x.mu.Unlock()
	x.event(x.rec.Root, "ExecutionAborted", "executionAbortedEventDetails", map[string]any{"error": errName, "cause": cause})
	x.save()
	x.cancel(errStopped)
	return now, nil
}

// tokenWaiter receives what SendTask* deliver for one task token. Each
// message carries one clock Busy unit for the receiver.
type tokenWaiter struct {
	x        *execution
	ch       chan tokenMsg
	answered bool // a success or failure is on its way; guarded by Runtime.mu
}

type tokenMsg struct {
	heartbeat bool
	output    any
	err       *Error
}

func newTokenWaiter(x *execution) *tokenWaiter {
	return &tokenWaiter{x: x, ch: make(chan tokenMsg, 4)}
}

// openToken registers a new task token for x.
func (r *Runtime) openToken(x *execution, token string) *tokenWaiter {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.tokens[token]; ok {
		return w
	}
	w := newTokenWaiter(x)
	r.tokens[token] = w
	return w
}

// closeToken forgets a token; later calls with it get TaskTimedOut.
func (r *Runtime) closeToken(token string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w, ok := r.tokens[token]
	if !ok {
		return
	}
	w.x.closedTokens = append(w.x.closedTokens, token)
	delete(r.tokens, token)
	r.closed[token] = true
}

// runningNow returns the executions not yet handed over as ended.
func (r *Runtime) runningNow() []*execution {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*execution, 0, len(r.running))
	for _, x := range r.running {
		out = append(out, x)
	}
	return out
}

func (r *Runtime) deliver(token string, m tokenMsg) error {
	if token == "" || len(token) > 2048 {
		return fmt.Errorf("%w: malformed task token", ErrInvalidToken)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	w, ok := r.tokens[token]
	if !ok || w.answered {
		if _, late := r.lateTokens.get(token); ok || late || r.closed[token] {
			return fmt.Errorf("%w: the task of this token has already ended", ErrTaskTimedOut)
		}
		return fmt.Errorf("%w: no open task has this token", ErrTaskDoesNotExist)
	}
	r.clock.Busy()
	select {
	case w.ch <- m:
	default:
		// A heartbeat when heartbeats are already queued changes nothing.
		r.clock.Idle()
		if !m.heartbeat {
			return fmt.Errorf("%w: the task of this token is ending", ErrTaskTimedOut)
		}
		return nil
	}
	if !m.heartbeat {
		// The task has its answer: later calls with the token are late.
		w.answered = true
	}
	return nil
}

// SendTaskSuccess completes the task waiting on token with output (JSON).
func (r *Runtime) SendTaskSuccess(token, output string) error {
	v, err := Decode([]byte(output))
	if err != nil {
		return fmt.Errorf("%w: output is not JSON: %v", ErrInvalidOutput, err)
	}
	return r.deliver(token, tokenMsg{output: v})
}

// SendTaskFailure fails the task waiting on token with an error name and
// cause, which its Retry and Catch see.
func (r *Runtime) SendTaskFailure(token, errName, cause string) error {
	return r.deliver(token, tokenMsg{err: &Error{Name: errName, Cause: cause}})
}

// SendTaskHeartbeat restarts the heartbeat timer of the task waiting on
// token.
func (r *Runtime) SendTaskHeartbeat(token string) error {
	return r.deliver(token, tokenMsg{heartbeat: true})
}

func decodeRecord(data []byte, rec *execRecord) error {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	return dec.Decode(rec)
}

// newUUID returns a random version 4 UUID, for execution names.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("states: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
