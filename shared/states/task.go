package states

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Handler is a Lambda function as the runtime calls it: raw JSON in, raw
// JSON out.
type Handler func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error)

// Resource kinds the local runtime dispatches.
const (
	resInvoke      = "lambda:invoke"
	resInvokeToken = "lambda:invoke.waitForTaskToken"
	resFunction    = "lambda:function"
)

type resource struct {
	kind     string
	function string // for a bare function ARN
}

func parseResource(arn string) (resource, error) {
	switch arn {
	case "arn:aws:states:::lambda:invoke":
		return resource{kind: resInvoke}, nil
	case "arn:aws:states:::lambda:invoke.waitForTaskToken":
		return resource{kind: resInvokeToken}, nil
	}
	if strings.HasPrefix(arn, "arn:aws:lambda:") && strings.Contains(arn, ":function:") {
		return resource{kind: resFunction, function: arn}, nil
	}
	return resource{}, fmt.Errorf("Resource %q is not supported by the local runtime (use arn:aws:states:::lambda:invoke, lambda:invoke.waitForTaskToken or a Lambda function ARN)", arn)
}

// functionName reduces a function name, full ARN or partial ARN (with or
// without a version or alias) to the bare function name.
func functionName(s string) string {
	if i := strings.Index(s, ":function:"); i >= 0 {
		s = s[i+len(":function:"):]
	} else if strings.HasPrefix(s, "function:") {
		s = s[len("function:"):]
	}
	if i := strings.Index(s, ":"); i >= 0 {
		s = s[:i]
	}
	return s
}

// functionARN returns the full ARN of a function named by name or ARN.
func (r *Runtime) functionARN(nameOrARN string) string {
	if strings.HasPrefix(nameOrARN, "arn:") {
		return nameOrARN
	}
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", r.region, r.account, nameOrARN)
}

// functions is the registry of Go handlers, keyed by function name.
type functions struct {
	mu sync.RWMutex
	m  map[string]Handler
}

func (f *functions) register(nameOrARN string, h Handler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = make(map[string]Handler)
	}
	f.m[functionName(nameOrARN)] = h
}

func (f *functions) lookup(nameOrARN string) (Handler, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	h, ok := f.m[functionName(nameOrARN)]
	return h, ok
}

// LambdaHandler adapts any handler lambda.Start accepts (for example
// func(context.Context, MyEvent) (MyResult, error)) to a Handler, with the
// same JSON encoding aws-lambda-go uses.
func LambdaHandler(handlerFunc any) Handler {
	h := lambda.NewHandler(handlerFunc)
	return func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
		out, err := h.Invoke(ctx, payload)
		if err != nil {
			return nil, err
		}
		// aws-lambda-go may reuse its buffer: keep a copy.
		return append(json.RawMessage(nil), out...), nil
	}
}

// lambdaError names a handler's error the way Lambda reports it: the Go type
// name of the returned error (without unwrapping; pointer types by their
// element name), the message as Cause.
func lambdaError(err error) *Error {
	if ive, ok := err.(messages.InvokeResponse_Error); ok {
		return &Error{Name: ive.Type, Cause: ive.Message}
	}
	if ive, ok := err.(*messages.InvokeResponse_Error); ok {
		return &Error{Name: ive.Type, Cause: ive.Message}
	}
	return &Error{Name: goTypeName(err), Cause: err.Error()}
}

func goTypeName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return "nil"
	}
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

// callHandler runs h, turning a panic into the error Lambda would report.
func callHandler(ctx context.Context, h Handler, payload json.RawMessage) (out json.RawMessage, serr *Error) {
	defer func() {
		if p := recover(); p != nil {
			serr = &Error{Name: goTypeName(p), Cause: fmt.Sprint(p)}
		}
	}()
	out, err := h(ctx, payload)
	if err != nil {
		return nil, lambdaError(err)
	}
	return out, nil
}

// attempt runs one attempt of a Task, Parallel or Map state, with its
// input and output processing.
func (x *execution) attempt(ctx context.Context, st *State, th *thread) (any, *Error) {
	switch st.Type {
	case "Parallel":
		return x.parallel(ctx, st, th)
	case "Map":
		return x.mapState(ctx, st, th)
	}
	return x.task(ctx, st, th)
}

// seconds reads TimeoutSeconds/HeartbeatSeconds or their Path form.
func (x *execution) seconds(fixed *int, path string, input any, cobj map[string]any, field string) (int, *Error) {
	if fixed != nil {
		return *fixed, nil
	}
	if path == "" {
		return 0, nil
	}
	v, err := QueryPath(path, input, cobj)
	if err != nil {
		return 0, asStatesError(err)
	}
	n, ok := nonNegativeInt(v)
	if !ok || n == 0 {
		return 0, Errorf(ErrRuntime, "%s %s does not name a positive integer", field, path)
	}
	return int(n), nil
}

func (x *execution) task(ctx context.Context, st *State, th *thread) (any, *Error) {
	res, err := parseResource(st.Resource)
	if err != nil {
		return nil, Errorf(ErrRuntime, "%v", err)
	}
	resourceType, resourceName := "lambda", "invoke"
	if res.kind == resInvokeToken {
		resourceName = "invoke.waitForTaskToken"
	}
	failed := func(serr *Error) {
		switch {
		case res.kind == resFunction && serr.Name == ErrTimeout:
			x.event(th, "LambdaFunctionTimedOut", "lambdaFunctionTimedOutEventDetails", map[string]any{"error": serr.Name, "cause": serr.Cause})
		case res.kind == resFunction:
			x.event(th, "LambdaFunctionFailed", "lambdaFunctionFailedEventDetails", map[string]any{"error": serr.Name, "cause": serr.Cause})
		case serr.Name == ErrTimeout || serr.Name == ErrHeartbeatTimeout:
			x.event(th, "TaskTimedOut", "taskTimedOutEventDetails", map[string]any{"resourceType": resourceType, "resource": resourceName, "error": serr.Name, "cause": serr.Cause})
		default:
			x.event(th, "TaskFailed", "taskFailedEventDetails", map[string]any{"resourceType": resourceType, "resource": resourceName, "error": serr.Name, "cause": serr.Cause})
		}
	}

	if th.Phase == phaseToken { // resumed after a restart
		cobj := x.contextObject(st, th, th.Token)
		result, serr := x.awaitToken(ctx, th)
		if serr != nil {
			if serr != stopErr {
				failed(serr)
			}
			return nil, serr
		}
		x.event(th, "TaskSucceeded", "taskSucceededEventDetails", map[string]any{"resourceType": resourceType, "resource": resourceName, "output": jsonText{result}})
		return x.finish(st, th, cobj, result)
	}

	token := ""
	if res.kind == resInvokeToken {
		token = x.rt.token()
	}
	cobj := x.contextObject(st, th, token)
	eff, serr := x.effectiveInput(st, th, cobj, st.Parameters)
	if serr != nil {
		return nil, serr
	}
	timeout, serr := x.seconds(st.TimeoutSeconds, st.TimeoutSecondsPath, th.Input, cobj, "TimeoutSecondsPath")
	if serr != nil {
		return nil, serr
	}
	heartbeat, serr := x.seconds(st.HeartbeatSeconds, st.HeartbeatSecondsPath, th.Input, cobj, "HeartbeatSecondsPath")
	if serr != nil {
		return nil, serr
	}
	if timeout > 0 && heartbeat >= timeout {
		return nil, Errorf(ErrRuntime, "heartbeat %ds is not smaller than timeout %ds", heartbeat, timeout)
	}

	var function string
	var payload any
	if res.kind == resFunction {
		function, payload = res.function, eff
		details := map[string]any{"resource": res.function, "input": jsonText{eff}}
		if timeout > 0 {
			details["timeoutInSeconds"] = timeout
		}
		x.event(th, "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", details)
		x.event(th, "LambdaFunctionStarted", "", nil)
	} else {
		details := map[string]any{"resourceType": resourceType, "resource": resourceName, "region": x.rt.region, "parameters": jsonText{eff}}
		if timeout > 0 {
			details["timeoutInSeconds"] = timeout
		}
		if heartbeat > 0 {
			details["heartbeatInSeconds"] = heartbeat
		}
		x.event(th, "TaskScheduled", "taskScheduledEventDetails", details)
		x.event(th, "TaskStarted", "taskStartedEventDetails", map[string]any{"resourceType": resourceType, "resource": resourceName})
		obj, _ := eff.(map[string]any)
		function, _ = obj["FunctionName"].(string)
		if function == "" {
			serr := Errorf(ErrRuntime, "the Parameters of state %q must give FunctionName as a string", st.Name)
			failed(serr)
			return nil, serr
		}
		var ok bool
		if payload, ok = obj["Payload"]; !ok {
			payload = map[string]any{}
		}
	}
	h, ok := x.rt.fns.lookup(function)
	if !ok {
		serr := Errorf("Lambda.ResourceNotFoundException", "Function not found: %s (register it with RegisterFunction)", function)
		failed(serr)
		return nil, serr
	}
	body, err := Encode(payload)
	if err != nil {
		return nil, Errorf(ErrRuntime, "encode payload: %v", err)
	}
	start := x.rt.clock.Now()
	var deadline time.Time
	if timeout > 0 {
		deadline = start.Add(time.Duration(timeout) * time.Second)
	}
	if token != "" {
		x.rt.openToken(x, token)
		x.set(func() {
			th.Phase, th.Token, th.TimeoutAt, th.HeartbeatS = phaseToken, token, deadline, heartbeat
			if heartbeat > 0 {
				th.BeatAt = start.Add(time.Duration(heartbeat) * time.Second)
			}
		})
		x.save()
	}
	lc := &lambdacontext.LambdaContext{AwsRequestID: newUUID(), InvokedFunctionArn: x.rt.functionARN(function)}
	out, serr := x.callWithDeadline(lambdacontext.NewContext(ctx, lc), h, body, deadline)
	if serr != nil {
		if token != "" {
			x.rt.closeToken(token)
			x.clearTask(th)
		}
		if serr != stopErr {
			failed(serr)
		}
		return nil, serr
	}
	var result any
	if token != "" {
		x.event(th, "TaskSubmitted", "taskSubmittedEventDetails", map[string]any{"resourceType": resourceType, "resource": resourceName, "output": jsonText{lambdaResult(out)}})
		x.save()
		result, serr = x.awaitToken(ctx, th)
		if serr != nil {
			if serr != stopErr {
				failed(serr)
			}
			return nil, serr
		}
	} else {
		result = lambdaResult(out)
		if res.kind == resInvoke {
			result = map[string]any{
				"ExecutedVersion": "$LATEST",
				"Payload":         result,
				"SdkHttpMetadata": map[string]any{"HttpStatusCode": json.Number("200")},
				"StatusCode":      json.Number("200"),
			}
		}
	}
	if res.kind == resFunction {
		x.event(th, "LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails", map[string]any{"output": jsonText{result}})
	} else {
		x.event(th, "TaskSucceeded", "taskSucceededEventDetails", map[string]any{"resourceType": resourceType, "resource": resourceName, "output": jsonText{result}})
	}
	return x.finish(st, th, cobj, result)
}

// lambdaResult decodes a function's response; an empty response is null
// and a response that is not JSON is kept as a string.
func lambdaResult(out json.RawMessage) any {
	if len(out) == 0 {
		return nil
	}
	v, err := Decode(out)
	if err != nil {
		return string(out)
	}
	return v
}

func (x *execution) clearTask(th *thread) {
	x.set(func() {
		th.Phase, th.Token, th.TimeoutAt, th.HeartbeatS, th.BeatAt = "", "", time.Time{}, 0, time.Time{}
	})
}

type callResult struct {
	out  json.RawMessage
	serr *Error
}

// callWithDeadline runs a handler; past the deadline the task fails with
// States.Timeout. The handler runs on the caller's Busy unit, so a virtual
// clock does not move while a handler works.
func (x *execution) callWithDeadline(ctx context.Context, h Handler, body json.RawMessage, deadline time.Time) (json.RawMessage, *Error) {
	if deadline.IsZero() {
		return callHandler(ctx, h, body)
	}
	clk := x.rt.clock
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan callResult, 1)
	go func() {
		out, serr := callHandler(hctx, h, body)
		results <- callResult{out, serr}
	}()
	timer, stop := clk.Timer(deadline)
	select {
	case r := <-results:
		if !stop() {
			<-timer
			clk.Idle()
		}
		if ctx.Err() != nil {
			return nil, stopErr
		}
		return r.out, r.serr
	case <-timer:
		clk.Idle()
		return nil, Errorf(ErrTimeout, "the task did not finish within its TimeoutSeconds")
	case <-ctx.Done():
		if !stop() {
			<-timer
			clk.Idle()
		}
		return nil, stopErr
	}
}

// awaitToken waits for SendTaskSuccess/Failure on the thread's token, with
// the task timeout and heartbeat deadlines. The caller holds a Busy unit
// and holds one on return.
func (x *execution) awaitToken(ctx context.Context, th *thread) (any, *Error) {
	clk := x.rt.clock
	x.mu.Lock()
	token, timeoutAt, hb, beatAt := th.Token, th.TimeoutAt, th.HeartbeatS, th.BeatAt
	x.mu.Unlock()
	w := x.rt.openToken(x, token)

	type timer struct {
		c    <-chan time.Time
		stop func() bool
	}
	arm := func(at time.Time) *timer {
		if at.IsZero() {
			return nil
		}
		c, stop := clk.Timer(at)
		return &timer{c, stop}
	}
	disarm := func(t *timer) {
		if t != nil && !t.stop() {
			<-t.c
			clk.Idle()
		}
	}
	chanOf := func(t *timer) <-chan time.Time {
		if t == nil {
			return nil
		}
		return t.c
	}
	toT, hbT := arm(timeoutAt), arm(beatAt)
	end := func(keep *timer) {
		x.rt.closeToken(token)
		if keep != toT {
			disarm(toT)
		}
		if keep != hbT {
			disarm(hbT)
		}
		// Messages that arrived meanwhile each brought a unit.
		for {
			select {
			case <-w.ch:
				clk.Idle()
			default:
				x.clearTask(th)
				return
			}
		}
	}
	for {
		clk.Idle()
		select {
		case m := <-w.ch:
			if m.heartbeat {
				if hb > 0 {
					disarm(hbT)
					next := clk.Now().Add(time.Duration(hb) * time.Second)
					x.set(func() { th.BeatAt = next })
					x.save()
					hbT = arm(next)
				}
				continue
			}
			end(nil)
			if m.err != nil {
				return nil, m.err
			}
			return m.output, nil
		case <-chanOf(toT):
			end(toT)
			return nil, Errorf(ErrTimeout, "no SendTaskSuccess or SendTaskFailure within TimeoutSeconds")
		case <-chanOf(hbT):
			end(hbT)
			return nil, Errorf(ErrHeartbeatTimeout, "no SendTaskHeartbeat within HeartbeatSeconds")
		case <-ctx.Done():
			clk.Busy()
			end(nil)
			return nil, stopErr
		}
	}
}
