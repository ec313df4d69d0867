package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/states"
)

// target is the most resident memory after N executions may be, as a
// multiple of resident memory after the first ones.
const target = 1.5

type config struct {
	N         int  // executions in all
	First     int  // executions before the first measurement
	Store     bool // a file store in a temporary folder
	KeepEnded int  // Options.KeepEnded; 0 for the default
}

// sample is one measurement.
type sample struct {
	Executions    int
	ResidentBytes int64 // VmRSS
	HeapInuse     uint64
	EndedInMemory int
	Elapsed       time.Duration // running the executions since the last sample
}

type result struct {
	First, Last sample
	Ratio       float64 // Last.ResidentBytes / First.ResidentBytes
}

// workflow is a small workflow of the desk's shape: a Pass that sets a
// field, a Lambda task through lambda:invoke with Parameters and a
// ResultSelector, a Choice on its result and a Succeed.
const workflow = `{"StartAt":"Prepare","States":{
  "Prepare":{"Type":"Pass","Result":{"step":"prepared"},"ResultPath":"$.prepared","Next":"Work"},
  "Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
    "Parameters":{"FunctionName":"work","Payload":{"requestId.$":"$.requestId"}},
    "ResultSelector":{"ok.$":"$.Payload.ok"},"ResultPath":"$.work","Next":"Check"},
  "Check":{"Type":"Choice","Choices":[{"Variable":"$.work.ok","BooleanEquals":true,"Next":"Done"}],"Default":"Done"},
  "Done":{"Type":"Succeed"}}}`

func run(ctx context.Context, c config, out io.Writer) (result, error) {
	if c.First < 1 || c.N < c.First {
		return result{}, fmt.Errorf("need 1 ≤ first (%d) ≤ n (%d)", c.First, c.N)
	}
	opt := states.Options{
		Clock:     states.NewVirtualClock(time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)),
		KeepEnded: c.KeepEnded,
	}
	where := fmt.Sprintf("no store, the newest %d ended executions kept in memory", keepEnded(c.KeepEnded))
	if c.Store {
		dir, err := os.MkdirTemp("", "statesmem-")
		if err != nil {
			return result{}, err
		}
		defer os.RemoveAll(dir)
		store, err := states.NewFileStore(dir)
		if err != nil {
			return result{}, err
		}
		opt.Store = store
		where = "a file store in " + dir
	}
	rt := states.New(opt)
	defer rt.Close()
	rt.RegisterFunction("work", func(context.Context, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"ok":true}`), nil
	})
	arn, err := rt.Register("statesmem", []byte(workflow), nil)
	if err != nil {
		return result{}, err
	}
	fmt.Fprintf(out, "a 4-state workflow (Pass, lambda:invoke Task, Choice, Succeed) run to its end %d times, one after another, on a virtual clock; %s\n", c.N, where)

	done := 0
	runTo := func(n int) (sample, error) {
		start := time.Now()
		for ; done < n; done++ {
			info, err := rt.Start(arn, "run-"+strconv.Itoa(done), `{"requestId":"PR-`+strconv.Itoa(done)+`"}`)
			if err != nil {
				return sample{}, err
			}
			if info, err = rt.Wait(ctx, info.ExecutionARN); err != nil {
				return sample{}, err
			}
			if info.Status != states.StatusSucceeded {
				return sample{}, fmt.Errorf("execution %s ended %s: %s %s", info.Name, info.Status, info.Error, info.Cause)
			}
		}
		s := sample{Executions: n, Elapsed: time.Since(start), EndedInMemory: rt.EndedInMemory()}
		s.ResidentBytes, s.HeapInuse, err = measure()
		return s, err
	}
	first, err := runTo(c.First)
	if err != nil {
		return result{}, err
	}
	report(out, first)
	last, err := runTo(c.N)
	if err != nil {
		return result{}, err
	}
	report(out, last)
	// Every execution the runtime still knows is listed: all of them with
	// a store, the newest KeepEnded without.
	want := min(c.N, keepEnded(c.KeepEnded))
	if c.Store {
		want = c.N
	}
	if n := len(rt.List(arn, states.StatusSucceeded)); n != want {
		return result{}, fmt.Errorf("the runtime lists %d ended executions, not %d", n, want)
	}
	res := result{First: first, Last: last, Ratio: float64(last.ResidentBytes) / float64(first.ResidentBytes)}
	fmt.Fprintf(out, "resident after %d: %s; after %d: %s; ratio %.2f (target ≤ %.1f)\n",
		first.Executions, mb(first.ResidentBytes), last.Executions, mb(last.ResidentBytes), res.Ratio, target)
	return res, nil
}

func keepEnded(k int) int {
	if k <= 0 {
		return states.DefaultKeepEnded
	}
	return k
}

func report(out io.Writer, s sample) {
	rate := ""
	if s.Elapsed > 0 {
		rate = fmt.Sprintf(", %.0f executions/s", float64(s.Executions)/s.Elapsed.Seconds())
	}
	fmt.Fprintf(out, "after %d executions: resident %s, heap in use %s, ended executions in memory %d%s\n",
		s.Executions, mb(s.ResidentBytes), mb(int64(s.HeapInuse)), s.EndedInMemory, rate)
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// measure collects garbage, gives freed memory back to the system and reads
// VmRSS from /proc/self/status and HeapInuse.
func measure() (resident int64, heapInuse uint64, err error) {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, fmt.Errorf("resident memory: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("resident memory: %q: %w", rest, err)
		}
		return kb << 10, ms.HeapInuse, nil
	}
	return 0, 0, fmt.Errorf("resident memory: no VmRSS in /proc/self/status")
}
