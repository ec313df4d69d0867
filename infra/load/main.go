// Command load reports how the local desk takes many requests at once: N
// web submissions with distinct addresses at concurrency C, and M received
// mails each delivered R times at once (SES may deliver a receipt event
// more than once), through the desk's own handlers and workflows on the
// stand-ins. It prints submissions per second and latency beside a floor
// (raw conditional PutItem on the same dynalite at the same concurrency),
// then counts in DynamoDB and the outbox what the desk made of it: requests
// created, duplicates, lost, and acknowledgements per request. A report,
// not a timed test: figures depend on the machine; the counts do not.
//
//	go run ./infra/load -n 1000 -c 32
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
	flag.IntVar(&c.N, "n", 1000, "web submissions, each from its own address")
	flag.IntVar(&c.C, "c", 32, "concurrent submissions (and concurrent floor writes)")
	flag.IntVar(&c.Mails, "mails", 200, "received mails, each from its own address")
	flag.IntVar(&c.Redeliveries, "redeliver", 5, "times each mail's receipt event is delivered, all at once")
	flag.IntVar(&c.WarmUp, "warm-up", 5000, "puts that warm dynalite up before the floor is measured (not counted)")
	flag.BoolVar(&c.CountCalls, "count-calls", false, "count the DynamoDB, SES and Step Functions calls per web submission (through proxies: rates are then not comparable)")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if err := run(ctx, c, os.Stdout, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}
