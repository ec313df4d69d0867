// Command statesmem reports whether the local Step Functions runtime's
// memory stays flat as executions end: it runs 1,000 executions of a small
// workflow to their end, measures resident memory (VmRSS, after a garbage
// collection that gives memory back to the system) and the heap in use,
// runs on to N executions and measures again. The last line gives both
// resident figures and their ratio, with the target (≤ 1.5):
//
//	go run ./infra/bench/statesmem -n 100000
//	…
//	resident after 1000: 14.2 MB; after 100000: 14.9 MB; ratio 1.05 (target ≤ 1.5)
//
// By default the runtime has no Store, as in the reports and benchmarks,
// and keeps the newest states.DefaultKeepEnded ended executions in memory;
// -store keeps executions in a file store in a temporary folder instead, as
// make run does (every step is written with fsync: use a smaller -n).
// It exits with status 1 when the ratio is above the target.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
)

func main() {
	c := config{First: 1000}
	flag.IntVar(&c.N, "n", 100000, "executions in all")
	flag.BoolVar(&c.Store, "store", false, "keep executions in a file store in a temporary folder, as make run does")
	flag.IntVar(&c.KeepEnded, "keep", 0, "ended executions kept in memory without a store (0: states.DefaultKeepEnded)")
	flag.Parse()
	res, err := run(context.Background(), c, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "statesmem:", err)
		os.Exit(1)
	}
	if res.Ratio > target {
		os.Exit(1)
	}
}
