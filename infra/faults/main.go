// Command faults runs the fault campaign on the local desk: every
// downstream system's stand-in fails about half of the calls (5xx, 429 and
// 503 with Retry-After, timeouts, slow answers, dropped connections,
// malformed JSON), N deletion requests are verified and run to their end
// on the virtual clock, and the whole local stack is killed and started
// again twice mid-run. Then it checks what the desk made of it: every
// request closed, or needing attention with the team told; Retry-After
// honoured; every attempt at a system on the audit trail; no requester
// mailed the same mail twice; no change that is not idempotent made twice.
//
//	go run ./infra/faults -n 30
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
)

func main() {
	var c config
	flag.IntVar(&c.N, "n", 30, "deletion requests")
	flag.Float64Var(&c.FailRate, "fail", 0.5, "share of downstream calls that fail")
	flag.Uint64Var(&c.Seed, "seed", 1, "the random seed of the faults")
	flag.DurationVar(&c.CallTimeout, "call-timeout", 2*time.Second, "every registry call's timeout in the campaign (a timeout fault costs this much real time)")
	flag.Parse()
	c.RetryAfter = []time.Duration{2 * time.Second, 45 * time.Second, 120 * time.Second}
	c.KillAt = []int{5 * c.N, 15 * c.N}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if err := run(ctx, c, os.Stdout, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
}
