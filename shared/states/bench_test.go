package states

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// benchDefinition is a chain of 20 states: 19 no-op Lambda tasks (the
// lambda:invoke integration, Parameters and ResultSelector, as the desk's
// workflows use them) and a Succeed state.
func benchDefinition() string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := range 19 {
		fmt.Fprintf(&b, `"S%d":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		  "Parameters":{"FunctionName":"noop","Payload":{"requestId.$":"$.requestId","step":%d}},
		  "ResultSelector":{"ok.$":"$.Payload.ok"},"ResultPath":"$.last","Next":"S%d"},`, i, i, i+1)
	}
	b.WriteString(`"S19":{"Type":"Succeed"}}}`)
	return b.String()
}

// BenchmarkTwentyStateWorkflow runs the 20-state workflow to its end, one
// execution after another, in steady state: the runtime already holds as
// many ended executions as it keeps (KeepEnded), so each new one pushes an
// old one out. It reports executions/s, allocations per transition and the
// heap each execution leaves behind (retained-B/execution, heap in use
// after a collection, before and after), which stays near zero while
// memory is flat.
func BenchmarkTwentyStateWorkflow(b *testing.B) {
	const keep = 100
	r, _ := rtNew(b, Options{KeepEnded: keep})
	r.RegisterFunction("noop", func(context.Context, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"ok":true}`), nil
	})
	arn, err := r.Register("bench", []byte(benchDefinition()), nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	transitions := 0
	runOne := func(name string) {
		info, err := r.Start(arn, name, `{"requestId":"req-1"}`)
		if err != nil {
			b.Fatal(err)
		}
		info, err = r.Wait(ctx, info.ExecutionARN)
		if err != nil || info.Status != StatusSucceeded {
			b.Fatalf("execution %s: %v %s", info.Status, err, info.Cause)
		}
		transitions += info.Transitions
	}
	for i := range 3 * keep { // fills the kept set, and the maps behind it reach their size
		runOne(fmt.Sprintf("warm-%d", i))
	}
	transitions = 0
	var before, after runtime.MemStats
	b.ReportAllocs()
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runOne(fmt.Sprintf("run-%d", i))
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := r.EndedInMemory(); n > keep {
		b.Fatalf("%d ended executions in memory, more than the %d kept", n, keep)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "executions/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(transitions), "allocs/transition")
	b.ReportMetric(float64(transitions)/float64(b.N), "transitions/execution")
	b.ReportMetric((float64(after.HeapInuse)-float64(before.HeapInuse))/float64(b.N), "retained-B/execution")
}
