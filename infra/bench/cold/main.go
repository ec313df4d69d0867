// Command cold is the cold-start report (make bench-cold): it builds every
// function under functions/ for this machine as make build does, a
// hello-world Lambda, and per function an SDK floor — hello with
// config.LoadDefaultConfig and one client and one call on each AWS service
// the function links (go list) — and starts each under the Lambda runtime
// interface emulator N times, a fresh emulator each time, one invocation
// each, interleaving each function with its floor. It prints per function
// the median init duration the emulator reports (INIT REPORT durationMs)
// beside its floor's, and the binary's size beside its floor's, with the
// ratios and their targets.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/productionflow/privacy-desk/infra/bench/figures"
	"github.com/productionflow/privacy-desk/shared/standin"
)

// The targets: a function's init within 25% of its floor's, its binary
// within 30% of its floor's.
const (
	InitTarget = 1.25
	SizeTarget = 1.30
)

// Options configure a report.
type Options struct {
	Root      string    // the repository
	RIE       string    // the emulator
	N         int       // starts of each function (its floor starts as often)
	Functions []string  // under functions/; empty: all
	Progress  io.Writer // a line per round; nil: none
}

// Target is a program the report starts: a function, its floor or hello.
type Target struct {
	Name      string
	Bootstrap string
	Size      int64
	Services  []string // the floor's services (a function's: its floor's)
	Floor     *Target  // a function's floor; hello's for a floor
	Inits     []float64
	Failures  []error
}

// Median is the median init duration in milliseconds, or 0 with no
// successful start.
func (t *Target) Median() float64 { return figures.Median(t.Inits) }

// Report is what a run measured.
type Report struct {
	N         int
	Hello     *Target
	Floors    []*Target
	Functions []*Target
}

// Run builds everything and starts it opts.N times, interleaved.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.N < 1 {
		return nil, errors.New("N must be at least 1")
	}
	if _, err := os.Stat(opts.RIE); err != nil {
		return nil, fmt.Errorf("the Lambda runtime interface emulator: %w (make tools installs it)", err)
	}
	fns := opts.Functions
	if len(fns) == 0 {
		dirs, err := filepath.Glob(filepath.Join(opts.Root, "functions", "*", "main.go"))
		if err != nil {
			return nil, err
		}
		for _, d := range dirs {
			fns = append(fns, filepath.Base(filepath.Dir(d)))
		}
		sort.Strings(fns)
	}
	if len(fns) == 0 {
		return nil, errors.New("no function under functions/")
	}
	sets, err := Services(opts.Root, fns)
	if err != nil {
		return nil, err
	}

	tmp, err := os.MkdirTemp("", "cold-start-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	floorDir := filepath.Join(tmp, "floor")
	if err := os.Mkdir(floorDir, 0o755); err != nil {
		return nil, err
	}
	unique := [][]string{nil}
	for _, fn := range fns {
		if !slices.ContainsFunc(unique, func(s []string) bool { return slices.Equal(s, sets[fn]) }) {
			unique = append(unique, sets[fn])
		}
	}
	pkgs, err := FloorModule(opts.Root, floorDir, unique)
	if err != nil {
		return nil, err
	}

	rep := &Report{N: opts.N}
	floors := map[string]*Target{}
	for _, set := range unique {
		name := FloorName(set)
		t := &Target{Name: name, Services: set, Bootstrap: filepath.Join(tmp, "bin", dirName(name), "bootstrap")}
		if err := Build(floorDir, pkgs[name], t.Bootstrap, "GOFLAGS=-mod=mod"); err != nil {
			return nil, fmt.Errorf("build %s: %w", name, err)
		}
		floors[name] = t
		if set == nil {
			rep.Hello = t
		} else {
			rep.Floors = append(rep.Floors, t)
		}
	}
	for _, f := range rep.Floors {
		f.Floor = rep.Hello
	}
	for _, fn := range fns {
		t := &Target{Name: fn, Services: sets[fn], Floor: floors[FloorName(sets[fn])], Bootstrap: filepath.Join(tmp, "bin", fn, "bootstrap")}
		if err := Build(opts.Root, "./functions/"+fn, t.Bootstrap); err != nil {
			return nil, fmt.Errorf("build %s: %w", fn, err)
		}
		rep.Functions = append(rep.Functions, t)
	}
	for _, t := range append(append([]*Target{rep.Hello}, rep.Floors...), rep.Functions...) {
		st, err := os.Stat(t.Bootstrap)
		if err != nil {
			return nil, err
		}
		t.Size = st.Size()
	}

	url, stop, err := backend()
	if err != nil {
		return nil, err
	}
	defer stop()
	home := filepath.Join(tmp, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		return nil, err
	}
	start := func(t *Target, function string) {
		env := environment(os.Getenv("PATH"), home, url, function)
		ms, err := Start(ctx, opts.RIE, t.Bootstrap, env)
		if err != nil && ctx.Err() == nil {
			// Once more: a free port taken between its choice and the
			// emulator's listening is no fault of the function.
			ms, err = Start(ctx, opts.RIE, t.Bootstrap, env)
		}
		if err != nil {
			t.Failures = append(t.Failures, err)
			return
		}
		t.Inits = append(t.Inits, ms)
	}
	for round := range opts.N {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "cold: round %d of %d\n", round+1, opts.N)
		}
		// Each function beside its floor, in an order that changes every
		// round, and which of the two goes first alternating: a noisy
		// moment falls on both, or on neither.
		start(rep.Hello, "hello")
		for _, i := range rand.New(rand.NewPCG(uint64(round), 1)).Perm(len(rep.Functions)) {
			fn := rep.Functions[i]
			pair := []*Target{fn, fn.Floor}
			if round%2 == 1 {
				pair[0], pair[1] = pair[1], pair[0]
			}
			for _, t := range pair {
				start(t, fn.Name)
			}
		}
	}
	return rep, nil
}

// Missed counts the functions over a target, or with no init figure.
func (r *Report) Missed() int {
	n := 0
	for _, f := range r.Functions {
		if len(f.Inits) == 0 || figures.Ratio(f.Median(), f.Floor.Median()) > InitTarget || figures.Ratio(float64(f.Size), float64(f.Floor.Size)) > SizeTarget {
			n++
		}
	}
	return n
}

// Print writes the report's table.
func (r *Report) Print(w io.Writer, rie string) {
	fmt.Fprintf(w, "Cold starts under the Lambda runtime interface emulator (%s), linux built for this machine as make build builds,\n", filepath.Base(rie))
	fmt.Fprintf(w, "%d starts of each function, each a fresh emulator and one invocation; init = the emulator's INIT REPORT durationMs; medians.\n", r.N)
	fmt.Fprintf(w, "Targets: init ≤ %.2f × the floor's, binary ≤ %.2f × the floor's. Floor: hello + config.LoadDefaultConfig + one client and call per AWS service the function links.\n\n", InitTarget, SizeTarget)
	width := len("function")
	for _, t := range append(append([]*Target{r.Hello}, r.Floors...), r.Functions...) {
		width = max(width, len(t.Name))
	}
	const cols = "%-*s %8s %9s %6s %-4s %8s %9s %6s %-4s  %s\n"
	fmt.Fprintf(w, cols, width, "function", "init ms", "floor ms", "ratio", "", "size MiB", "floor MiB", "ratio", "", "floor services")
	num := func(v float64) string { return fmt.Sprintf("%.1f", v) }
	rat := func(v float64) string { return fmt.Sprintf("%.2f", v) }
	for _, f := range r.Functions {
		initRatio, sizeRatio := figures.Ratio(f.Median(), f.Floor.Median()), figures.Ratio(float64(f.Size), float64(f.Floor.Size))
		fmt.Fprintf(w, cols, width, f.Name, num(f.Median()), num(f.Floor.Median()), rat(initRatio), verdict(initRatio, InitTarget),
			num(mb(f.Size)), num(mb(f.Floor.Size)), rat(sizeRatio), verdict(sizeRatio, SizeTarget), strings.Join(f.Services, " "))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, cols, width, "hello", num(r.Hello.Median()), "", "", "", num(mb(r.Hello.Size)), "", "", "", "")
	for _, f := range r.Floors {
		fmt.Fprintf(w, cols, width, f.Name, num(f.Median()), num(f.Floor.Median()), rat(figures.Ratio(f.Median(), f.Floor.Median())), "",
			num(mb(f.Size)), num(mb(f.Floor.Size)), rat(figures.Ratio(float64(f.Size), float64(f.Floor.Size))), "", "(beside hello)")
	}
	for _, t := range append(append([]*Target{r.Hello}, r.Floors...), r.Functions...) {
		if len(t.Failures) > 0 {
			fmt.Fprintf(w, "%s: %d of %d starts failed, first: %v\n", t.Name, len(t.Failures), len(t.Failures)+len(t.Inits), t.Failures[0])
		}
	}
	if n := r.Missed(); n > 0 {
		fmt.Fprintf(w, "\n%d of %d functions miss a target.\n", n, len(r.Functions))
	} else {
		fmt.Fprintf(w, "\nEvery function (%d) meets both targets.\n", len(r.Functions))
	}
}

func verdict(r, target float64) string {
	if r > 0 && r <= target {
		return "ok"
	}
	return "OVER"
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

func main() {
	n := flag.Int("n", 32, "starts of each function (and as many of its floor)")
	only := flag.String("functions", "", "comma-separated functions (default: every folder under functions/)")
	rie := flag.String("rie", "", "the Lambda runtime interface emulator (default: bin/aws-lambda-rie, as make tools installs it)")
	flag.Parse()
	wd, err := standin.Root()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cold:", err)
		os.Exit(1)
	}
	if *rie == "" {
		*rie = filepath.Join(wd, "bin", "aws-lambda-rie")
	}
	var fns []string
	if *only != "" {
		fns = strings.Split(*only, ",")
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	rep, err := Run(ctx, Options{Root: wd, RIE: *rie, N: *n, Functions: fns, Progress: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "cold:", err)
		os.Exit(1)
	}
	rep.Print(os.Stdout, *rie)
}
