package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/states"
)

// localAccount and localRegion name the local ARNs.
const (
	localRegion  = "us-east-1"
	localAccount = "123456789012"
)

// machineARN is the local ARN of a workflow (file name without .asl.json),
// as the runtime names it; functions learn it from the environment before
// the workflows are registered.
func machineARN(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", localRegion, localAccount, name)
}

// functionARN is the local ARN of a function folder's Lambda, as the
// workflows' DefinitionSubstitutions name it.
func functionARN(logicalID string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", localRegion, localAccount, logicalID)
}

// workflowStack is the local Step Functions runtime, its HTTP endpoint and
// the state machines of workflows/.
type workflowStack struct {
	URL      string
	Runtime  *states.Runtime
	Machines map[string]string // file name without .asl.json → state machine ARN
	srv      *http.Server
}

// startWorkflows starts the local Step Functions runtime on the real clock
// (movable through /_local/clock), keeping executions in dataDir so they
// survive a restart, registers the desk's functions with register and every
// workflows/*.asl.json with subs, resumes saved executions and serves the
// Step Functions API on addr.
func startWorkflows(root, dataDir, addr string, onListen func(url string) error, register func(*states.Runtime), subs map[string]string, log *slog.Logger) (*workflowStack, error) {
	// Listen first: the functions registered below call this endpoint and
	// must know it when they are built.
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for Step Functions on %s: %w", addr, err)
	}
	url := "http://" + l.Addr().String()
	if err := onListen(url); err != nil {
		_ = l.Close()
		return nil, err
	}
	var store states.Store
	clock := states.NewRealClock()
	if dataDir != "" {
		fs, err := states.NewFileStore(dataDir)
		if err != nil {
			_ = l.Close()
			return nil, fmt.Errorf("workflow data folder: %w", err)
		}
		store = fs
		if clock, err = keptClock(dataDir, log); err != nil {
			_ = l.Close()
			return nil, err
		}
	}
	rt := states.New(states.Options{Clock: clock, Store: store, Logger: log, Region: localRegion, Account: localAccount})
	register(rt)
	files, err := filepath.Glob(filepath.Join(root, "workflows", "*.asl.json"))
	if err != nil {
		_ = l.Close()
		rt.Close()
		return nil, err
	}
	sort.Strings(files)
	machines := map[string]string{}
	for _, f := range files {
		def, err := os.ReadFile(f)
		if err != nil {
			_ = l.Close()
			rt.Close()
			return nil, err
		}
		name := strings.TrimSuffix(filepath.Base(f), ".asl.json")
		arn, err := rt.Register(name, def, subs)
		if err == nil && arn != machineARN(name) {
			err = fmt.Errorf("registered as %s, not %s", arn, machineARN(name))
		}
		if err != nil {
			_ = l.Close()
			rt.Close()
			return nil, fmt.Errorf("workflow %s: %w", filepath.Base(f), err)
		}
		machines[name] = arn
	}
	if err := rt.Resume(); err != nil {
		_ = l.Close()
		rt.Close()
		return nil, fmt.Errorf("resume saved executions: %w", err)
	}
	w := &workflowStack{URL: url, Runtime: rt, Machines: machines,
		srv: &http.Server{Handler: rt.Handler(), ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		if err := w.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("step functions endpoint stopped", "error", err)
		}
	}()
	return w, nil
}

// Stop ends the endpoint and the runtime; running executions stay saved.
func (w *workflowStack) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = w.srv.Shutdown(ctx)
	w.Runtime.Close()
}

// substitutions are the workflows' DefinitionSubstitutions, as template.yaml
// gives them on AWS: <LogicalID>Arn for every function folder.
func substitutions(root string) map[string]string {
	subs := map[string]string{}
	dirs, _ := os.ReadDir(filepath.Join(root, "functions"))
	for _, d := range dirs {
		if d.IsDir() {
			id := logicalIDOf(d.Name())
			subs[id+"Arn"] = functionARN(id)
		}
	}
	return subs
}

// logicalIDOf turns a function folder (kebab-case) into its template
// logical ID: intake-web → IntakeWebFunction.
func logicalIDOf(dir string) string {
	var b strings.Builder
	for _, part := range strings.Split(dir, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String() + "Function"
}

// workflowFiles lists the workflow names (file names without .asl.json).
func workflowFiles(root string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(root, "workflows", "*.asl.json"))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".asl.json"))
	}
	sort.Strings(names)
	return names, nil
}

// clockFile keeps, in the workflows' data folder, how far the desk's clock
// was moved ahead of this machine's (a Go duration), so that a restart
// does not take the desk back in time behind its own data.
const clockFile = "clock-offset"

// keptClock is the real clock moved ahead as far as the last run left it,
// keeping each move in dataDir.
func keptClock(dataDir string, log *slog.Logger) (*states.RealClock, error) {
	path := filepath.Join(dataDir, clockFile)
	var offset time.Duration
	switch b, err := os.ReadFile(path); {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("desk clock: %w", err)
	default:
		if offset, err = time.ParseDuration(strings.TrimSpace(string(b))); err != nil || offset < 0 {
			return nil, fmt.Errorf("desk clock: %s holds %q, not a duration the clock was moved ahead by (delete it to start from this machine's time)", path, strings.TrimSpace(string(b)))
		}
	}
	return states.NewRealClockAhead(offset, func(offset time.Duration) {
		if err := replaceFile(path, []byte(offset.String()+"\n")); err != nil {
			log.Warn("the desk clock's move is not kept for the next run", "error", err)
		}
	}), nil
}

// replaceFile writes b to path whole or not at all: into a new file beside
// it, synced, then renamed over it (a crash leaves the old file or the
// new, never half of one).
func replaceFile(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
