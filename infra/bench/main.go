// Command bench is make bench: one report of every performance figure of
// the desk, each beside its floor where it has one, as medians and
// ratios. It runs, one after the other:
//
//   - the cold-start report (infra/bench/cold): each function's init and
//     binary size beside its SDK floor's;
//   - the form submission benchmark beside its floor (BenchmarkFormSubmission
//     and BenchmarkFormFloor, in the package that declares them);
//   - the local Step Functions runtime's 20-state benchmark
//     (BenchmarkTwentyState in shared/states);
//   - the runtime's resident memory after 1,000 and 100,000 executions
//     (infra/bench/statesmem);
//   - make cost, as it prints itself.
//
// A part that is not there (a benchmark not written yet) is reported as
// not found; a part that fails is reported and the others still run.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/productionflow/privacy-desk/infra/bench/figures"
	"github.com/productionflow/privacy-desk/shared/standin"
)

func main() {
	n := flag.Int("n", 32, "cold starts of each function")
	count := flag.Int("count", 5, "runs of each Go benchmark (-count), of which the median is shown")
	executions := flag.Int("executions", 100000, "executions for the runtime's memory figure (statesmem -n)")
	only := flag.String("only", "", "comma-separated parts to run: cold, form, states, statesmem, cost (default: all)")
	flag.Parse()
	root, err := standin.Root()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	want := func(part string) bool { return *only == "" || slices.Contains(strings.Split(*only, ","), part) }
	r := &report{root: root, out: os.Stdout}
	if want("cold") {
		r.cold(*n)
	}
	if want("form") {
		r.form(*count)
	}
	if want("states") {
		r.states(*count)
	}
	if want("statesmem") {
		r.statesmem(*executions)
	}
	if want("cost") {
		r.cost()
	}
	if len(r.failed) > 0 {
		fmt.Fprintf(r.out, "\nParts that failed: %s\n", strings.Join(r.failed, ", "))
		os.Exit(1)
	}
}

type report struct {
	root   string
	out    io.Writer
	failed []string
}

func (r *report) heading(title, command string) {
	fmt.Fprintf(r.out, "\n== %s\n$ %s\n\n", title, command)
}

// run runs a command in the repository, its standard error passed on (the
// progress of the longer parts), and gives its output.
func (r *report) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = r.root
	cmd.Stderr = os.Stderr
	return cmd.Output()
}

func (r *report) fail(part string, err error, out []byte) {
	r.failed = append(r.failed, part)
	if len(out) > 0 {
		_, _ = r.out.Write(out)
	}
	fmt.Fprintf(r.out, "%s failed: %v\n", part, err)
}

func (r *report) cold(n int) {
	args := []string{"run", "./infra/bench/cold", "-n", strconv.Itoa(n)}
	r.heading("Cold starts: each function beside its SDK floor (make bench-cold)", "go "+strings.Join(args, " "))
	out, err := r.run("go", args...)
	if err != nil {
		r.fail("cold", err, out)
		return
	}
	_, _ = r.out.Write(out)
}

// form reports the form submission benchmark beside its floor, found by
// name in whichever package declares it.
func (r *report) form(count int) {
	pkg, err := declaring(r.root, "BenchmarkFormSubmission")
	if err != nil {
		r.fail("form", err, nil)
		return
	}
	if pkg == "" {
		r.heading("Form submission beside its floor", "go test -run '^$' -bench BenchmarkForm -benchmem <package>")
		fmt.Fprintln(r.out, "not found: no package declares BenchmarkFormSubmission yet")
		return
	}
	args := []string{"test", "-run", "^$", "-bench", "BenchmarkForm", "-benchmem", "-count", strconv.Itoa(count), pkg}
	r.heading("Form submission beside its floor (ParseForm and a short write)", "go "+strings.Join(args, " "))
	out, err := r.run("go", args...)
	if err != nil {
		r.fail("form", err, out)
		return
	}
	res := parseBench(out)
	sub, floor := res["BenchmarkFormSubmission"], res["BenchmarkFormFloor"]
	if sub == nil {
		fmt.Fprintln(r.out, "not found: BenchmarkFormSubmission printed no result")
		return
	}
	fmt.Fprintf(r.out, "medians of %d runs\n", count)
	fmt.Fprintf(r.out, "%-14s %14s %14s %8s\n", "", "submission", "floor", "ratio")
	for _, unit := range []string{"ns/op", "B/op", "allocs/op"} {
		s := figures.Median(sub[unit])
		if floor == nil {
			fmt.Fprintf(r.out, "%-14s %14.0f %14s %8s\n", unit, s, "not found", "")
			continue
		}
		f := figures.Median(floor[unit])
		fmt.Fprintf(r.out, "%-14s %14.0f %14.0f %8.1f\n", unit, s, f, figures.Ratio(s, f))
	}
	extra(r.out, sub, "ns/op", "B/op", "allocs/op")
}

func (r *report) states(count int) {
	args := []string{"test", "-run", "^$", "-bench", "BenchmarkTwentyState", "-benchmem", "-count", strconv.Itoa(count), "./shared/states"}
	r.heading("Local Step Functions runtime: a 20-state workflow", "go "+strings.Join(args, " "))
	out, err := r.run("go", args...)
	if err != nil {
		r.fail("states", err, out)
		return
	}
	res := parseBench(out)
	if len(res) == 0 {
		fmt.Fprintln(r.out, "not found: no BenchmarkTwentyState result")
		return
	}
	for _, name := range slices.Sorted(maps.Keys(res)) {
		fmt.Fprintf(r.out, "%s, medians of %d runs:\n", name, count)
		extra(r.out, res[name])
	}
}

func (r *report) statesmem(executions int) {
	args := []string{"run", "./infra/bench/statesmem", "-n", strconv.Itoa(executions)}
	r.heading("Local Step Functions runtime: resident memory after 1,000 and after many executions", "go "+strings.Join(args, " "))
	if _, err := os.Stat(filepath.Join(r.root, "infra", "bench", "statesmem")); err != nil {
		fmt.Fprintln(r.out, "not found: infra/bench/statesmem is not there yet")
		return
	}
	out, err := r.run("go", args...)
	if err != nil {
		r.fail("statesmem", err, out)
		return
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	fmt.Fprintln(r.out, strings.Join(lines[max(0, len(lines)-4):], "\n"))
}

func (r *report) cost() {
	r.heading("Cost per request on AWS (make cost)", "make cost")
	out, err := r.run("make", "--no-print-directory", "cost")
	if err != nil {
		r.fail("cost", err, out)
		return
	}
	_, _ = r.out.Write(out)
}

// declaring is the package (./relative path) whose test files declare
// func name, or "" when none does.
func declaring(root, name string) (string, error) {
	var found string
	err := filepath.WalkDir(filepath.Join(root, "shared"), func(path string, d os.DirEntry, err error) error {
		if err != nil || found != "" {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("\nfunc "+name+"(")) {
			rel, err := filepath.Rel(root, filepath.Dir(path))
			if err != nil {
				return err
			}
			found = "./" + filepath.ToSlash(rel)
		}
		return nil
	})
	return found, err
}

// parseBench reads go test -bench output: per benchmark (its name without
// the -GOMAXPROCS suffix), per unit, the value of each run.
func parseBench(out []byte) map[string]map[string][]float64 {
	res := map[string]map[string][]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndex(name, "-"); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		if res[name] == nil {
			res[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			res[name][f[i+1]] = append(res[name][f[i+1]], v)
		}
	}
	return res
}

// extra prints each unit of units's median, but those in skip.
func extra(w io.Writer, units map[string][]float64, skip ...string) {
	for _, unit := range slices.Sorted(maps.Keys(units)) {
		if slices.Contains(skip, unit) {
			continue
		}
		fmt.Fprintf(w, "  %-24s %14s\n", unit, strconv.FormatFloat(figures.Median(units[unit]), 'f', -1, 64))
	}
}
