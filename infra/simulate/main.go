// Command simulate runs a year of the desk on a virtual clock: requests
// arriving on a realistic calendar, a mix of kinds and channels,
// verification late or never, downstream systems down for hours or weeks,
// owners answering late or never, unclear mail the team triages, children's
// data (expedited), floods of submissions for one address that meet the
// acknowledgement cap, withdrawals, and the team triaging, extending,
// denying, recording withdrawals and finishing by hand through the
// console's services. It prints, per legal clock, how many were met,
// stopped by a withdrawal and missed, and each miss with its cause.
//
//	go run ./infra/simulate -n 10000 -seed 1
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
)

func main() {
	var c config
	flag.IntVar(&c.N, "n", 10000, "requests received in the year")
	flag.Uint64Var(&c.Seed, "seed", 1, "the random seed: the same seed gives the same year")
	flag.IntVar(&c.Year, "year", 2026, "the year the requests arrive in")
	flag.IntVar(&c.PerDay, "team-per-day", 8, "steps the team finishes by hand in a morning")
	flag.IntVar(&c.TriagePerDay, "triage-per-day", 10, "unclear mails the team triages in a morning")
	flag.IntVar(&c.Floods, "floods", 6, "addresses that flood the desk with submissions in the year")
	flag.Parse()
	if err := run(context.Background(), c, os.Stdout, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		fmt.Fprintln(os.Stderr, "simulate:", err)
		os.Exit(1)
	}
}
