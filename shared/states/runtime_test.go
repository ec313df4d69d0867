package states

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var rtStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// rtNew returns a runtime on a virtual clock that starts at rtStart.
func rtNew(t testing.TB, o Options) (*Runtime, *VirtualClock) {
	t.Helper()
	clk, _ := o.Clock.(*VirtualClock)
	if clk == nil {
		clk = NewVirtualClock(rtStart)
		o.Clock = clk
	}
	if o.NewToken == nil {
		var n atomic.Int64
		o.NewToken = func() string { return fmt.Sprintf("token-%d", n.Add(1)) }
	}
	r := New(o)
	t.Cleanup(r.Close)
	return r, clk
}

// rtRun registers definition, runs it to its end and returns the result.
func rtRun(t testing.TB, r *Runtime, definition, input string) ExecutionInfo {
	t.Helper()
	arn, err := r.Register("test", []byte(definition), nil)
	require.NoError(t, err)
	info, err := r.Start(arn, "", input)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	info, err = r.Wait(ctx, info.ExecutionARN)
	require.NoError(t, err, "execution did not end")
	return info
}

func rtJSON(t testing.TB, s string) any {
	t.Helper()
	v, err := Decode([]byte(s))
	require.NoError(t, err)
	return v
}

// echo is a handler that returns its payload.
func echo(_ context.Context, p json.RawMessage) (json.RawMessage, error) { return p, nil }

type RetryableError struct{ Msg string }

func (e *RetryableError) Error() string { return e.Msg }

type PermanentError struct{}

func (PermanentError) Error() string { return "gone for good" }

func TestPassAndIOOrder(t *testing.T) {
	// InputPath → Parameters → task → ResultSelector → ResultPath → OutputPath.
	r, _ := rtNew(t, Options{})
	var got json.RawMessage
	r.RegisterFunction("Work", func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
		got = p
		return json.RawMessage(`{"answer":42,"noise":true}`), nil
	})
	def := `{"StartAt":"Prepare","States":{
	  "Prepare":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.prepared","Next":"Work"},
	  "Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Work",
	    "InputPath":"$.order","Parameters":{"id.$":"$.id","state.$":"$$.State.Name","fixed":"v"},
	    "ResultSelector":{"value.$":"$.answer"},"ResultPath":"$.work","OutputPath":"$.work","End":true}}}`
	info := rtRun(t, r, def, `{"order":{"id":"r-1"},"keep":true}`)
	require.Equal(t, StatusSucceeded, info.Status, info.Error+": "+info.Cause)
	assert.JSONEq(t, `{"id":"r-1","state":"Work","fixed":"v"}`, string(got))
	assert.JSONEq(t, `{"value":42}`, info.Output)
	assert.Equal(t, 2, info.Transitions)
}

func TestLambdaInvokeWrapsAndBareARNUnwraps(t *testing.T) {
	r, _ := rtNew(t, Options{})
	type in struct{ Name string }
	type greeting struct {
		Greeting string `json:"greeting"`
	}
	r.RegisterLambda("arn:aws:lambda:us-east-1:123456789012:function:Greet", func(_ context.Context, e in) (greeting, error) {
		return greeting{Greeting: "hello " + e.Name}, nil
	})
	def := `{"StartAt":"Invoke","States":{
	  "Invoke":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
	    "Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:Greet:$LATEST","Payload":{"Name.$":"$.who"}},
	    "ResultPath":"$.invoked","Next":"Bare"},
	  "Bare":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Greet","Parameters":{"Name":"again"},"ResultPath":"$.bare","End":true}}}`
	info := rtRun(t, r, def, `{"who":"Ada"}`)
	require.Equal(t, StatusSucceeded, info.Status, info.Cause)
	out := rtJSON(t, info.Output).(map[string]any)
	invoked := out["invoked"].(map[string]any)
	assert.Equal(t, map[string]any{"greeting": "hello Ada"}, invoked["Payload"])
	assert.Equal(t, json.Number("200"), invoked["StatusCode"])
	assert.Equal(t, map[string]any{"greeting": "hello again"}, out["bare"])
}

func TestHandlerErrorNames(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"pointer type reports its element name", &RetryableError{Msg: "busy"}, "RetryableError"},
		{"value type reports its name", PermanentError{}, "PermanentError"},
		{"errors.New is errorString", errors.New("plain"), "errorString"},
		{"wrapping is not unwrapped", fmt.Errorf("ctx: %w", &RetryableError{Msg: "x"}), "wrapError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := rtNew(t, Options{})
			r.RegisterLambda("Fails", func(context.Context) error { return tc.err })
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"Fails"},"End":true}}}`
			info := rtRun(t, r, def, `{}`)
			assert.Equal(t, StatusFailed, info.Status)
			assert.Equal(t, tc.want, info.Error)
			assert.Equal(t, tc.err.Error(), info.Cause)
		})
	}
}

func TestRetryBackoffLandsAtVirtualTimes(t *testing.T) {
	tests := []struct {
		name   string
		retry  string
		random float64
		fails  int
		want   []time.Duration // call times after start
		status string
	}{
		{"interval, backoff and max delay", `{"ErrorEquals":["RetryableError"],"IntervalSeconds":2,"BackoffRate":3,"MaxDelaySeconds":10,"MaxAttempts":3}`,
			0, 3, []time.Duration{0, 2 * time.Second, 8 * time.Second, 18 * time.Second}, StatusSucceeded},
		{"defaults: 1s, rate 2, 3 attempts", `{"ErrorEquals":["States.ALL"]}`,
			0, 5, []time.Duration{0, 1 * time.Second, 3 * time.Second, 7 * time.Second}, StatusFailed},
		{"full jitter scales the delay", `{"ErrorEquals":["RetryableError"],"IntervalSeconds":10,"BackoffRate":2,"MaxAttempts":2,"JitterStrategy":"FULL"}`,
			0.5, 2, []time.Duration{0, 5 * time.Second, 15 * time.Second}, StatusSucceeded},
		{"MaxAttempts 0 never retries", `{"ErrorEquals":["RetryableError"],"MaxAttempts":0}`,
			0, 1, []time.Duration{0}, StatusFailed},
		{"States.TaskFailed matches a handler error", `{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":4,"MaxAttempts":1}`,
			0, 1, []time.Duration{0, 4 * time.Second}, StatusSucceeded},
		{"other names do not match", `{"ErrorEquals":["SomethingElse"]}`,
			0, 1, []time.Duration{0}, StatusFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, clk := rtNew(t, Options{Random: func() float64 { return tc.random }})
			var calls []time.Duration
			r.RegisterFunction("Flaky", func(context.Context, json.RawMessage) (json.RawMessage, error) {
				calls = append(calls, clk.Now().Sub(rtStart))
				if len(calls) <= tc.fails {
					return nil, &RetryableError{Msg: "busy"}
				}
				return json.RawMessage(`"ok"`), nil
			})
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Flaky","Retry":[` + tc.retry + `],"End":true}}}`
			info := rtRun(t, r, def, `{}`)
			assert.Equal(t, tc.status, info.Status)
			assert.Equal(t, tc.want, calls)
			assert.Equal(t, len(tc.want), info.Transitions, "each retry is a transition")
		})
	}
}

func TestCatchFollowsRetryExhaustion(t *testing.T) {
	r, clk := rtNew(t, Options{})
	calls := 0
	r.RegisterFunction("Flaky", func(context.Context, json.RawMessage) (json.RawMessage, error) {
		calls++
		return nil, &RetryableError{Msg: "still busy"}
	})
	def := `{"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Flaky",
	    "Retry":[{"ErrorEquals":["RetryableError"],"IntervalSeconds":30,"MaxAttempts":2}],
	    "Catch":[{"ErrorEquals":["NotThis"],"Next":"Wrong"},{"ErrorEquals":["States.ALL"],"ResultPath":"$.failure","Next":"Recover"}],"End":true},
	  "Wrong":{"Type":"Fail","Error":"Wrong"},
	  "Recover":{"Type":"Pass","End":true}}}`
	info := rtRun(t, r, def, `{"requestId":"r-9"}`)
	require.Equal(t, StatusSucceeded, info.Status, info.Cause)
	assert.Equal(t, 3, calls)
	assert.JSONEq(t, `{"requestId":"r-9","failure":{"Error":"RetryableError","Cause":"still busy"}}`, info.Output)
	assert.Equal(t, rtStart.Add(90*time.Second), clk.Now(), "30s then 60s of backoff")
}

func TestSpecRetryAndCatchExamples(t *testing.T) {
	// The specification's Retry example: States.Timeout retried after 3s
	// then 4.5s; ErrorA/ErrorB after 1s then 2s; ErrorC after 5s; and its
	// Catch example that keeps the input and adds the error under
	// $.error-info.
	def := `{"StartAt":"X","States":{
	  "X":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:X",
	    "Retry":[
	      {"ErrorEquals":["ErrorA","ErrorB"],"IntervalSeconds":1,"BackoffRate":2.0,"MaxAttempts":2},
	      {"ErrorEquals":["ErrorC"],"IntervalSeconds":5}],
	    "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z","ResultPath":"$.error-info"}],
	    "End":true},
	  "Z":{"Type":"Pass","End":true}}}`
	tests := []struct {
		name   string
		errors []string
		want   []time.Duration
	}{
		{"ErrorA twice then ErrorB goes to Catch (shared retrier)", []string{"ErrorA", "ErrorB", "ErrorA"}, []time.Duration{0, 1 * time.Second, 3 * time.Second}},
		{"ErrorC retried after 5s", []string{"ErrorC"}, []time.Duration{0, 5 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, clk := rtNew(t, Options{})
			var calls []time.Duration
			r.RegisterFunction("X", func(context.Context, json.RawMessage) (json.RawMessage, error) {
				calls = append(calls, clk.Now().Sub(rtStart))
				if i := len(calls) - 1; i < len(tc.errors) {
					return nil, failWith(tc.errors[i])
				}
				return json.RawMessage(`{"done":true}`), nil
			})
			info := rtRun(t, r, def, `{"foo":"bar"}`)
			require.Equal(t, StatusSucceeded, info.Status)
			assert.Equal(t, tc.want, calls)
			if len(calls) == len(tc.errors) {
				last := tc.errors[len(tc.errors)-1]
				assert.JSONEq(t, `{"foo":"bar","error-info":{"Error":"`+last+`","Cause":"failed"}}`, info.Output)
			} else {
				assert.JSONEq(t, `{"done":true}`, info.Output)
			}
		})
	}
}

// failWith returns an error whose Lambda error name is name: aws-lambda-go
// passes its own InvokeResponse_Error through with its Type.
func failWith(name string) error {
	return messages.InvokeResponse_Error{Type: name, Message: "failed"}
}

func TestWaitForms(t *testing.T) {
	at := rtStart.Add(45 * 24 * time.Hour)
	tests := []struct {
		name  string
		wait  string
		input string
		want  time.Time
	}{
		{"Seconds", `"Seconds":90`, `{}`, rtStart.Add(90 * time.Second)},
		{"Timestamp", `"Timestamp":"2026-04-16T09:00:00Z"`, `{}`, at},
		{"SecondsPath", `"SecondsPath":"$.wait"`, `{"wait":3600}`, rtStart.Add(time.Hour)},
		{"TimestampPath 45 days out", `"TimestampPath":"$.due"`, `{"due":"2026-04-16T09:00:00Z"}`, at},
		{"Timestamp in the past does not wait", `"Timestamp":"2020-01-01T00:00:00Z"`, `{}`, rtStart},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := rtNew(t, Options{})
			def := `{"StartAt":"W","States":{"W":{"Type":"Wait",` + tc.wait + `,"Next":"After"},
			  "After":{"Type":"Pass","Parameters":{"entered.$":"$$.State.EnteredTime"},"End":true}}}`
			info := rtRun(t, r, def, tc.input)
			require.Equal(t, StatusSucceeded, info.Status, info.Cause)
			assert.JSONEq(t, `{"entered":"`+formatTime(tc.want)+`"}`, info.Output)
		})
	}
}

func TestFailState(t *testing.T) {
	r, _ := rtNew(t, Options{})
	def := `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"$.c"}}}`
	info := rtRun(t, r, def, `{"e":"Denied","c":"requester not verified"}`)
	assert.Equal(t, StatusFailed, info.Status)
	assert.Equal(t, "Denied", info.Error)
	assert.Equal(t, "requester not verified", info.Cause)
}

func TestChoiceRouting(t *testing.T) {
	def := `{"StartAt":"C","States":{
	  "C":{"Type":"Choice","Choices":[
	    {"Variable":"$.kind","StringEquals":"access","Next":"Access"},
	    {"And":[{"Variable":"$.days","NumericGreaterThan":40},{"Not":{"Variable":"$.extended","BooleanEquals":true}}],"Next":"Extend"}],
	    "Default":"Other"},
	  "Access":{"Type":"Pass","Result":"access","End":true},
	  "Extend":{"Type":"Pass","Result":"extend","End":true},
	  "Other":{"Type":"Pass","Result":"other","End":true}}}`
	tests := []struct{ input, want string }{
		{`{"kind":"access"}`, `"access"`},
		{`{"kind":"deletion","days":44,"extended":false}`, `"extend"`},
		{`{"kind":"deletion","days":44,"extended":true}`, `"other"`},
	}
	for _, tc := range tests {
		t.Run(tc.input, func(t *testing.T) {
			r, _ := rtNew(t, Options{})
			info := rtRun(t, r, def, tc.input)
			require.Equal(t, StatusSucceeded, info.Status, info.Cause)
			assert.JSONEq(t, tc.want, info.Output)
		})
	}
	t.Run("rules can read the context object", func(t *testing.T) {
		r, _ := rtNew(t, Options{})
		arn, err := r.Register("ctxchoice", []byte(`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
		  {"Variable":"$$.Execution.Name","StringMatches":"urgent-*","Next":"Fast"}],"Default":"Slow"},
		  "Fast":{"Type":"Pass","Result":"fast","End":true},"Slow":{"Type":"Pass","Result":"slow","End":true}}}`), nil)
		require.NoError(t, err)
		info, err := r.Start(arn, "urgent-1", `{}`)
		require.NoError(t, err)
		info, err = r.Wait(context.Background(), info.ExecutionARN)
		require.NoError(t, err)
		assert.JSONEq(t, `"fast"`, info.Output)
	})
	t.Run("no match and no Default", func(t *testing.T) {
		r, _ := rtNew(t, Options{})
		info := rtRun(t, r, `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"D"}]},"D":{"Type":"Succeed"}}}`, `{}`)
		assert.Equal(t, StatusFailed, info.Status)
		assert.Equal(t, ErrNoChoiceMatched, info.Error)
	})
}

func TestSpecParallelExample(t *testing.T) {
	// The specification's Parallel example: each branch gets the input and
	// the output is the array of branch outputs, in branch order.
	r, _ := rtNew(t, Options{})
	r.RegisterFunction("AddressFinder", func(context.Context, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"address":"1 Main St"}`), nil
	})
	r.RegisterFunction("PhoneFinder", func(context.Context, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"phone":"555-0100"}`), nil
	})
	def := `{"StartAt":"LookupCustomerInfo","States":{"LookupCustomerInfo":{"Type":"Parallel","End":true,"Branches":[
	  {"StartAt":"LookupAddress","States":{"LookupAddress":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:AddressFinder","End":true}}},
	  {"StartAt":"LookupPhone","States":{"LookupPhone":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:PhoneFinder","End":true}}}]}}}`
	info := rtRun(t, r, def, `{"customer":"c-1"}`)
	require.Equal(t, StatusSucceeded, info.Status, info.Cause)
	assert.JSONEq(t, `[{"address":"1 Main St"},{"phone":"555-0100"}]`, info.Output)

	t.Run("a failing branch fails the state, and Catch sees its error", func(t *testing.T) {
		r, _ := rtNew(t, Options{})
		r.RegisterLambda("Bad", func(context.Context) error { return PermanentError{} })
		def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","Next":"Done",
		  "Catch":[{"ErrorEquals":["PermanentError"],"Next":"Handled"}],
		  "Branches":[
		    {"StartAt":"Slow","States":{"Slow":{"Type":"Wait","Seconds":3600,"End":true}}},
		    {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Bad","End":true}}}]},
		  "Done":{"Type":"Succeed"},
		  "Handled":{"Type":"Pass","End":true}}}`
		info := rtRun(t, r, def, `{}`)
		require.Equal(t, StatusSucceeded, info.Status)
		assert.JSONEq(t, `{"Error":"PermanentError","Cause":"gone for good"}`, info.Output)
	})
}

func TestSpecMapExample(t *testing.T) {
	// The specification's Map example: ship-val over detail.shipped, with
	// the context object's Map.Item.Value in the item selector (older
	// Parameters/Iterator spelling) and the results written back in place.
	r, _ := rtNew(t, Options{})
	var mu sync.Mutex
	seen := map[string]bool{}
	r.RegisterFunction("ship-val", func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
		mu.Lock()
		seen[string(p)] = true
		mu.Unlock()
		return json.RawMessage(`"ok"`), nil
	})
	def := `{"StartAt":"Validate-All","States":{"Validate-All":{"Type":"Map",
	  "InputPath":"$.detail","ItemsPath":"$.shipped","MaxConcurrency":0,
	  "Parameters":{"parcel.$":"$$.Map.Item.Value","courier.$":"$.delivery-partner","index.$":"$$.Map.Item.Index"},
	  "Iterator":{"StartAt":"Validate","States":{"Validate":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:ship-val","End":true}}},
	  "ResultPath":"$.detail.shipped","End":true}}}`
	input := `{"ship-date":"2016-03-14T01:59:00Z","detail":{"delivery-partner":"UQS","shipped":[
	  {"prod":"R31","dest-code":9511,"quantity":1344},
	  {"prod":"S39","dest-code":9511,"quantity":40}]}}`
	info := rtRun(t, r, def, input)
	require.Equal(t, StatusSucceeded, info.Status, info.Cause)
	assert.True(t, seen[`{"courier":"UQS","index":0,"parcel":{"dest-code":9511,"prod":"R31","quantity":1344}}`], seen)
	assert.True(t, seen[`{"courier":"UQS","index":1,"parcel":{"dest-code":9511,"prod":"S39","quantity":40}}`], seen)
	assert.JSONEq(t, `{"ship-date":"2016-03-14T01:59:00Z","detail":{"delivery-partner":"UQS","shipped":["ok","ok"]}}`, info.Output)
}

func TestMapMaxConcurrencyIsHonoured(t *testing.T) {
	tests := []struct {
		name  string
		limit string
		want  int32
	}{
		{"MaxConcurrency 2", `"MaxConcurrency":2,`, 2},
		{"MaxConcurrency 1", `"MaxConcurrency":1,`, 1},
		{"MaxConcurrencyPath 3", `"MaxConcurrencyPath":"$.limit",`, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := rtNew(t, Options{})
			var cur, peak, calls atomic.Int32
			r.RegisterFunction("Work", func(context.Context, json.RawMessage) (json.RawMessage, error) {
				n := cur.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				calls.Add(1)
				// Stay until the limit is reached (or a while has passed), so
				// the peak shows the limit even on a loaded machine.
				for i := 0; i < 200 && cur.Load() < tc.want; i++ {
					time.Sleep(time.Millisecond)
				}
				time.Sleep(time.Millisecond)
				cur.Add(-1)
				return json.RawMessage(`{}`), nil
			})
			def := `{"StartAt":"M","States":{"M":{"Type":"Map",` + tc.limit + `"ItemsPath":"$.items",
			  "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Work","End":true}}},"End":true}}}`
			info := rtRun(t, r, def, `{"limit":3,"items":[1,2,3,4,5,6,7,8]}`)
			require.Equal(t, StatusSucceeded, info.Status, info.Cause)
			assert.Equal(t, int32(8), calls.Load())
			assert.LessOrEqual(t, peak.Load(), tc.want)
			assert.Equal(t, tc.want, peak.Load(), "the limit is reached")
		})
	}
	t.Run("MaxConcurrency 0 runs all at once", func(t *testing.T) {
		r, _ := rtNew(t, Options{})
		var arrived sync.WaitGroup
		arrived.Add(4)
		r.RegisterFunction("Work", func(context.Context, json.RawMessage) (json.RawMessage, error) {
			arrived.Done()
			arrived.Wait() // only returns once all four run together
			return json.RawMessage(`{}`), nil
		})
		def := `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":0,
		  "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Work","End":true}}},"End":true}}}`
		info := rtRun(t, r, def, `[1,2,3,4]`)
		assert.Equal(t, StatusSucceeded, info.Status)
	})
}

func TestMapWaitsInsideIterations(t *testing.T) {
	// Waits inside iterations advance the virtual clock as a whole.
	r, clk := rtNew(t, Options{})
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,
	  "ItemSelector":{"s.$":"$$.Map.Item.Value"},
	  "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","Next":"T"},
	    "T":{"Type":"Pass","Parameters":{"at.$":"$$.State.EnteredTime"},"End":true}}},"End":true}}}`
	info := rtRun(t, r, def, `[100,10,50]`)
	require.Equal(t, StatusSucceeded, info.Status, info.Cause)
	// Item 0 waits 100s; item 1 waits 10s then item 2 starts at 10s and
	// waits 50s.
	assert.JSONEq(t, `[{"at":"`+formatTime(rtStart.Add(100*time.Second))+`"},{"at":"`+formatTime(rtStart.Add(10*time.Second))+`"},{"at":"`+formatTime(rtStart.Add(60*time.Second))+`"}]`, info.Output)
	assert.Equal(t, rtStart.Add(100*time.Second), clk.Now())
}

func TestTaskTokenTimeouts(t *testing.T) {
	const base = `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
	  "Parameters":{"FunctionName":"Ask","Payload":{"token.$":"$$.Task.Token"}},
	  "TimeoutSeconds":604800,%s"End":true}}}`
	def := fmt.Sprintf(base, `"HeartbeatSecondsPath":"$.hb",`)
	t.Run("the 7-day task timeout fires", func(t *testing.T) {
		r, clk := rtNew(t, Options{})
		r.RegisterFunction("Ask", echo)
		info := rtRun(t, r, fmt.Sprintf(base, ""), `{}`)
		assert.Equal(t, StatusFailed, info.Status)
		assert.Equal(t, ErrTimeout, info.Error)
		assert.Equal(t, rtStart.Add(7*24*time.Hour), clk.Now())
		err := r.SendTaskSuccess("token-1", `{}`)
		assert.ErrorIs(t, err, ErrTaskTimedOut)
	})
	t.Run("the heartbeat timeout fires without heartbeats", func(t *testing.T) {
		r, clk := rtNew(t, Options{})
		r.RegisterFunction("Ask", echo)
		info := rtRun(t, r, def, `{"hb":3600}`)
		assert.Equal(t, StatusFailed, info.Status)
		assert.Equal(t, ErrHeartbeatTimeout, info.Error)
		assert.Equal(t, rtStart.Add(time.Hour), clk.Now())
	})
	t.Run("heartbeats keep it alive until success", func(t *testing.T) {
		clk := NewManualClock(rtStart)
		r, _ := rtNew(t, Options{Clock: clk})
		r.RegisterFunction("Ask", echo)
		arn, err := r.Register("hb", []byte(def), nil)
		require.NoError(t, err)
		info, err := r.Start(arn, "x", `{"hb":3600}`)
		require.NoError(t, err)
		waitHistory(t, r, info.ExecutionARN, "TaskSubmitted", 0)
		for range 5 {
			clk.Advance(50 * time.Minute)
			require.NoError(t, r.SendTaskHeartbeat("token-1"))
			require.NoError(t, clk.WaitIdle(context.Background())) // the heartbeat has landed
		}
		assert.Equal(t, rtStart.Add(250*time.Minute), clk.Now())
		require.NoError(t, r.SendTaskSuccess("token-1", `{"ok":true}`))
		info, err = r.Wait(context.Background(), info.ExecutionARN)
		require.NoError(t, err)
		assert.Equal(t, StatusSucceeded, info.Status, info.Error)
		assert.JSONEq(t, `{"ok":true}`, info.Output)
	})
	t.Run("SendTaskFailure is caught like any error", func(t *testing.T) {
		r, _ := rtNew(t, Options{})
		r.RegisterFunction("Ask", func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
			var in struct{ Token string }
			_ = json.Unmarshal(p, &in)
			go func() { _ = r.SendTaskFailure(in.Token, "Declined", "the owner said no") }()
			return nil, nil
		})
		clkHold := r.clock.(*VirtualClock).Hold() // keep the 7 days from passing before the failure lands
		defer clkHold()
		arn, err := r.Register("f", []byte(def), nil)
		require.NoError(t, err)
		info, err := r.Start(arn, "", `{"hb":100}`)
		require.NoError(t, err)
		info, err = r.Wait(context.Background(), info.ExecutionARN)
		require.NoError(t, err)
		assert.Equal(t, "Declined", info.Error)
		assert.Equal(t, "the owner said no", info.Cause)
	})
}

// waitHistory polls until the execution's history has an event of type typ
// (any event when typ is ""), beyond the first n events.
func waitHistory(t testing.TB, r *Runtime, arn, typ string, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		evs, err := r.History(arn)
		if err != nil {
			return false
		}
		for _, e := range evs[min(n, len(evs)):] {
			if typ == "" || e.Type == typ {
				return true
			}
		}
		return false
	}, 5*time.Second, time.Millisecond)
}

func TestSyncTaskTimeout(t *testing.T) {
	clk := NewManualClock(rtStart)
	r, _ := rtNew(t, Options{Clock: clk})
	started := make(chan struct{})
	r.RegisterFunction("Hang", func(ctx context.Context, _ json.RawMessage) (json.RawMessage, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"Hang"},"TimeoutSeconds":30,"End":true}}}`
	arn, err := r.Register("hang", []byte(def), nil)
	require.NoError(t, err)
	info, err := r.Start(arn, "", `{}`)
	require.NoError(t, err)
	<-started
	clk.Advance(31 * time.Second)
	info, err = r.Wait(context.Background(), info.ExecutionARN)
	require.NoError(t, err)
	assert.Equal(t, StatusFailed, info.Status)
	assert.Equal(t, ErrTimeout, info.Error)
}

func TestStopExecution(t *testing.T) {
	r, _ := rtNew(t, Options{})
	r.RegisterFunction("Ask", echo)
	def := `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"Ask"},"End":true}}}`
	arn, err := r.Register("stop", []byte(def), nil)
	require.NoError(t, err)
	info, err := r.Start(arn, "s1", `{}`)
	require.NoError(t, err)
	waitHistory(t, r, info.ExecutionARN, "TaskSubmitted", 0)
	_, err = r.Stop(info.ExecutionARN, "Cancelled", "requester withdrew")
	require.NoError(t, err)
	info, err = r.Wait(context.Background(), info.ExecutionARN)
	require.NoError(t, err)
	assert.Equal(t, StatusAborted, info.Status)
	assert.ErrorIs(t, r.SendTaskSuccess("token-1", `{}`), ErrTaskTimedOut)
	assert.ErrorIs(t, r.SendTaskSuccess("token-99", `{}`), ErrTaskDoesNotExist)
}

func TestStartIsIdempotentByName(t *testing.T) {
	r, _ := rtNew(t, Options{})
	r.RegisterFunction("Ask", echo)
	def := `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"Ask"},"End":true}}}`
	arn, err := r.Register("idem", []byte(def), nil)
	require.NoError(t, err)
	first, err := r.Start(arn, "req-1", `{"requestId":"req-1"}`)
	require.NoError(t, err)
	again, err := r.Start(arn, "req-1", `{ "requestId" : "req-1" }`)
	require.NoError(t, err)
	assert.Equal(t, first.ExecutionARN, again.ExecutionARN)
	assert.Equal(t, first.StartDate, again.StartDate)
	_, err = r.Start(arn, "req-1", `{"requestId":"other"}`)
	assert.ErrorIs(t, err, ErrExecutionAlreadyExists)
	assert.Len(t, r.List(arn, ""), 1)

	waitHistory(t, r, first.ExecutionARN, "TaskSubmitted", 0)
	require.NoError(t, r.SendTaskSuccess("token-1", `{}`))
	_, err = r.Wait(context.Background(), first.ExecutionARN)
	require.NoError(t, err)
	_, err = r.Start(arn, "req-1", `{"requestId":"req-1"}`)
	assert.ErrorIs(t, err, ErrExecutionAlreadyExists, "a closed execution's name stays taken")
}

func TestContextObject(t *testing.T) {
	r, _ := rtNew(t, Options{})
	def := `{"StartAt":"Look","States":{"Look":{"Type":"Pass","Parameters":{"ctx.$":"$$"},"End":true}}}`
	arn, err := r.Register("ctx", []byte(def), nil)
	require.NoError(t, err)
	info, err := r.Start(arn, "run-1", `{"a":1}`)
	require.NoError(t, err)
	info, err = r.Wait(context.Background(), info.ExecutionARN)
	require.NoError(t, err)
	assert.JSONEq(t, `{"ctx":{
	  "Execution":{"Id":"arn:aws:states:us-east-1:123456789012:execution:ctx:run-1","Input":{"a":1},"Name":"run-1",
	    "RoleArn":"arn:aws:iam::123456789012:role/local-states","StartTime":"2026-03-02T09:00:00.000Z"},
	  "State":{"EnteredTime":"2026-03-02T09:00:00.000Z","Name":"Look","RetryCount":0},
	  "StateMachine":{"Id":"arn:aws:states:us-east-1:123456789012:stateMachine:ctx","Name":"ctx"}}}`, info.Output)
}

func TestHistoryEvents(t *testing.T) {
	r, _ := rtNew(t, Options{})
	r.RegisterFunction("Work", echo)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"T"},
	  "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"Work","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}}`
	info := rtRun(t, r, def, `{"x":1}`)
	require.Equal(t, StatusSucceeded, info.Status)
	evs, err := r.History(info.ExecutionARN)
	require.NoError(t, err)
	var types []string
	for i, e := range evs {
		types = append(types, e.Type)
		assert.Equal(t, int64(i+1), e.ID)
		if i > 0 {
			assert.Equal(t, int64(i), e.PreviousEventID)
		}
	}
	assert.Equal(t, []string{"ExecutionStarted", "WaitStateEntered", "WaitStateExited", "TaskStateEntered",
		"TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}, types)
	assert.Equal(t, rtStart.Add(5*time.Second), evs[len(evs)-1].Timestamp)
}

func rtReadFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	return data
}

func TestExecutionTimeout(t *testing.T) {
	r, clk := rtNew(t, Options{})
	def := `{"StartAt":"W","TimeoutSeconds":3600,"States":{"W":{"Type":"Wait","Seconds":7200,"End":true}}}`
	info := rtRun(t, r, def, `{}`)
	assert.Equal(t, StatusTimedOut, info.Status)
	assert.Equal(t, ErrTimeout, info.Error)
	assert.Equal(t, rtStart.Add(time.Hour), info.StopDate)
	require.NoError(t, clk.WaitIdle(context.Background()))

	info = rtRun(t, r, `{"StartAt":"W","TimeoutSeconds":3600,"States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`, `{}`)
	assert.Equal(t, StatusSucceeded, info.Status)
}

func TestTimeoutSecondsPathAndUnknownFunction(t *testing.T) {
	t.Run("TimeoutSecondsPath", func(t *testing.T) {
		r, clk := rtNew(t, Options{})
		r.RegisterFunction("Ask", echo)
		def := `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
		  "Parameters":{"FunctionName":"Ask"},"TimeoutSecondsPath":"$.limit","End":true}}}`
		info := rtRun(t, r, def, `{"limit":86400}`)
		assert.Equal(t, ErrTimeout, info.Error)
		assert.Equal(t, rtStart.Add(24*time.Hour), clk.Now())
	})
	t.Run("an unregistered function fails as Lambda would", func(t *testing.T) {
		r, _ := rtNew(t, Options{})
		info := rtRun(t, r, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"Nobody"},"End":true}}}`, `{}`)
		assert.Equal(t, StatusFailed, info.Status)
		assert.Equal(t, "Lambda.ResourceNotFoundException", info.Error)
	})
	t.Run("a panicking handler fails the task", func(t *testing.T) {
		r, _ := rtNew(t, Options{})
		r.RegisterFunction("Boom", func(context.Context, json.RawMessage) (json.RawMessage, error) { panic("boom") })
		info := rtRun(t, r, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Boom","End":true}}}`, `{}`)
		assert.Equal(t, StatusFailed, info.Status)
		assert.Equal(t, "string", info.Error)
		assert.Equal(t, "boom", info.Cause)
	})
}

func TestRealClockAdvanceFiresTimers(t *testing.T) {
	clk := NewRealClock()
	start := clk.Now()
	ch, _ := clk.Timer(start.Add(time.Hour))
	_, stopLater := clk.Timer(start.Add(3 * time.Hour))
	select {
	case <-ch:
		t.Fatal("fired before its time")
	default:
	}
	clk.Advance(2 * time.Hour)
	select {
	case <-ch:
	case <-time.After(2 * time.Minute):
		t.Fatal("Advance did not fire the timer")
	}
	assert.True(t, stopLater(), "the later timer is still pending")
	assert.GreaterOrEqual(t, clk.Now().Sub(start), 2*time.Hour)
}

// TestRealClockAheadKeepsItsMoves: a clock started ahead (as an earlier
// run left it) reads the wall clock plus that offset, and reports each move
// with the offset it leaves, for the next run.
func TestRealClockAheadKeepsItsMoves(t *testing.T) {
	wall := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	var kept []time.Duration
	clk := NewRealClockAhead(48*time.Hour, func(d time.Duration) { kept = append(kept, d) })
	clk.now = func() time.Time { return wall }
	assert.Equal(t, wall.Add(48*time.Hour), clk.Now())
	clk.Advance(24 * time.Hour)
	clk.Advance(0) // not a move
	assert.Equal(t, wall.Add(72*time.Hour), clk.Now())
	assert.Equal(t, []time.Duration{72 * time.Hour}, kept)
	assert.Equal(t, 72*time.Hour, clk.Offset())
	assert.Equal(t, time.Duration(0), NewRealClockAhead(-time.Hour, nil).Offset(), "never behind the wall clock")
}

func TestMapFailureAndParallelRetry(t *testing.T) {
	t.Run("a failing iteration fails the Map with its error", func(t *testing.T) {
		r, _ := rtNew(t, Options{})
		r.RegisterFunction("Check", func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
			if string(p) == `3` {
				return nil, PermanentError{}
			}
			return p, nil
		})
		def := `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"End":true,
		  "ItemProcessor":{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Check","End":true}}}}}}`
		info := rtRun(t, r, def, `[1,2,3,4]`)
		assert.Equal(t, StatusFailed, info.Status)
		assert.Equal(t, "PermanentError", info.Error)
		evs, err := r.History(info.ExecutionARN)
		require.NoError(t, err)
		var types []string
		for _, e := range evs {
			types = append(types, e.Type)
		}
		assert.Contains(t, types, "MapIterationFailed")
		assert.Contains(t, types, "MapStateFailed")
		assert.NotContains(t, types, "MapStateExited")
	})
	t.Run("Retry on a Parallel state runs the branches again", func(t *testing.T) {
		r, clk := rtNew(t, Options{})
		calls := 0
		r.RegisterFunction("Once", func(context.Context, json.RawMessage) (json.RawMessage, error) {
			calls++
			if calls == 1 {
				return nil, &RetryableError{Msg: "first time"}
			}
			return json.RawMessage(`"fine"`), nil
		})
		def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,
		  "Retry":[{"ErrorEquals":["RetryableError"],"IntervalSeconds":10}],
		  "Branches":[{"StartAt":"O","States":{"O":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Once","End":true}}}]}}}`
		info := rtRun(t, r, def, `{}`)
		require.Equal(t, StatusSucceeded, info.Status, info.Cause)
		assert.JSONEq(t, `["fine"]`, info.Output)
		assert.Equal(t, 2, calls)
		assert.Equal(t, rtStart.Add(10*time.Second), clk.Now())
	})
}

func TestHandlersGetALambdaContext(t *testing.T) {
	r, _ := rtNew(t, Options{})
	var got *lambdacontext.LambdaContext
	r.RegisterLambda("Who", func(ctx context.Context) error {
		got, _ = lambdacontext.FromContext(ctx)
		return nil
	})
	info := rtRun(t, r, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"Who"},"End":true}}}`, `{}`)
	require.Equal(t, StatusSucceeded, info.Status, info.Cause)
	require.NotNil(t, got)
	assert.Equal(t, "arn:aws:lambda:us-east-1:123456789012:function:Who", got.InvokedFunctionArn)
	assert.NotEmpty(t, got.AwsRequestID)
}
