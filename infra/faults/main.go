// Command faults runs the fault campaign on the local desk: every
// downstream stand-in behind a proxy that fails about half of the calls
// (5xx with and without Retry-After, slow answers, dropped connections,
// malformed JSON), N deletion requests verified and run to their end on
// the virtual clock, then checks what the desk made of it: every request
// closed, or needing attention with the team told; no requester mailed the
// same mail twice; no non-idempotent step done twice.
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
	flag.DurationVar(&c.KillAfter, "kill-after", 300*time.Millisecond, "real time between the two kills of the workflows' runtime")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := run(ctx, c, os.Stdout, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
}
