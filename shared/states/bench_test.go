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

func BenchmarkTwentyStateWorkflow(b *testing.B) {
	r, _ := rtNew(b, Options{})
	r.RegisterFunction("noop", func(context.Context, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"ok":true}`), nil
	})
	arn, err := r.Register("bench", []byte(benchDefinition()), nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var before, after runtime.MemStats
	transitions := 0
	b.ReportAllocs()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		info, err := r.Start(arn, fmt.Sprintf("run-%d", i), `{"requestId":"req-1"}`)
		if err != nil {
			b.Fatal(err)
		}
		info, err = r.Wait(ctx, info.ExecutionARN)
		if err != nil || info.Status != StatusSucceeded {
			b.Fatalf("execution %s: %v %s", info.Status, err, info.Cause)
		}
		transitions += info.Transitions
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "executions/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(transitions), "allocs/transition")
	b.ReportMetric(float64(transitions)/float64(b.N), "transitions/execution")
}
