package main

import (
	"context"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/setup"
	intakeweb "github.com/productionflow/privacy-desk/shared/setup/intake/web"
	"github.com/productionflow/privacy-desk/shared/setup/workflows"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
	"github.com/productionflow/privacy-desk/shared/standin/stack"
	"github.com/productionflow/privacy-desk/shared/states"
)

type config struct {
	N         int
	KillAfter time.Duration // real time between the kills
	FailRate  float64
	Seed      uint64
}

// faulty fails a share of the calls its proxies pass, in one of five
// ways, and counts them.
type faulty struct {
	mu     sync.Mutex
	rnd    *rand.Rand
	rate   float64
	counts map[string]int
}

// proxy is one downstream system's stand-in behind the faults.
type proxy struct {
	f    *faulty
	next http.Handler
}

func (f *faulty) pick() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	kind := "passed"
	if f.rnd.Float64() < f.rate {
		kind = []string{"503", "503 Retry-After", "slow", "dropped", "malformed JSON"}[f.rnd.IntN(5)]
	}
	f.counts[kind]++
	return kind
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p.f.pick() {
	case "503":
		http.Error(w, `{"error":"unavailable"}`, http.StatusServiceUnavailable)
	case "503 Retry-After":
		w.Header().Set("Retry-After", "2")
		http.Error(w, `{"error":"unavailable"}`, http.StatusServiceUnavailable)
	case "slow":
		time.Sleep(300 * time.Millisecond)
		p.next.ServeHTTP(w, r)
	case "dropped":
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		http.Error(w, "", http.StatusBadGateway)
	case "malformed JSON":
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status": "ok", "data": [`)
	default:
		p.next.ServeHTTP(w, r)
	}
}

var verifyLink = regexp.MustCompile(`https?://\S+/verify\?t=([A-Za-z0-9_-]+)`)

func run(ctx context.Context, c config, out io.Writer, log *slog.Logger) error {
	if c.N < 1 {
		return fmt.Errorf("-n must be at least 1")
	}
	fmt.Fprintf(out, "starting the stand-ins; %d deletion requests with %.0f%% of downstream calls failing…\n", c.N, 100*c.FailRate)
	root, err := standin.Root()
	if err != nil {
		return err
	}
	svc, err := stack.Start(ctx, stack.Options{Root: root})
	if err != nil {
		return err
	}
	defer svc.Stop()

	clk := states.NewVirtualClock(time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC))
	dir, err := os.MkdirTemp("", "faults-executions-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	execs, err := states.NewFileStore(dir)
	if err != nil {
		return err
	}
	// The runtime keeps its executions on disk and is killed and started
	// again mid-run; the API endpoint serves whichever runs now.
	var current atomic.Pointer[states.Runtime]
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		current.Load().Handler().ServeHTTP(w, r)
	}))
	defer api.Close()

	env := svc.Env()
	// Every downstream system behind a faulty proxy.
	f := &faulty{rnd: rand.New(rand.NewPCG(c.Seed, 12)), rate: c.FailRate, counts: map[string]int{}}
	var pairs []string
	for _, pair := range strings.Split(env["SYSTEMS_REBASE"], ",") {
		origin, base, ok := strings.Cut(pair, "=")
		if !ok {
			continue
		}
		target, err := url.Parse(base)
		if err != nil {
			return err
		}
		rp := httputil.NewSingleHostReverseProxy(target)
		rp.ErrorLog = stdlog.New(io.Discard, "", 0) // a call given up by the desk is no news
		p := httptest.NewServer(&proxy{f: f, next: rp})
		defer p.Close()
		pairs = append(pairs, origin+"="+p.URL)
	}
	env["SYSTEMS_REBASE"] = strings.Join(pairs, ",")
	targets := svc.Endpoints()
	targets["SFN"] = api.URL
	files, err := stack.WorkflowFiles(root)
	if err != nil {
		return err
	}
	if err := stack.InProcessEnv(env, root, targets, states.New(states.Options{}).StateMachineARN); err != nil { // the runtime's ARN for each
		return err
	}
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	awsCfg, err := setup.LoadAWS(ctx)
	if err != nil {
		return err
	}
	// start is a start of the stack's workflow side: a new runtime on the
	// same execution store, the functions built again as at a cold start,
	// and the running executions resumed.
	start := func() (*states.Runtime, error) {
		rt := states.New(states.Options{Clock: clk, Logger: log, Store: execs})
		fns, err := workflows.Build(ctx, os.Getenv, log, setup.WithNow(clk.Now))
		if err != nil {
			return nil, err
		}
		if err := stack.Register(rt, fns, files, nil); err != nil {
			return nil, err
		}
		current.Store(rt)
		return rt, rt.Resume()
	}
	rt, err := start()
	if err != nil {
		return err
	}
	defer func() { current.Load().Close() }()
	web, err := intakeweb.Handler(ctx, os.Getenv, log, setup.WithNow(clk.Now))
	if err != nil {
		return err
	}
	call := func(method, path string, form url.Values) int {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req := httptest.NewRequest(method, path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		web.ServeHTTP(rec, req)
		return rec.Code
	}

	// Submissions and their verification while the clock stands still;
	// then the clock runs every workflow to its end.
	release := clk.Hold()
	addr := func(i int) string { return fmt.Sprintf("fault%04d@faults.example", i) }
	for i := range c.N {
		if code := call(http.MethodPost, "/requests", url.Values{
			"submissionId": {fmt.Sprintf("faults-run-%06d", i)}, "kinds": {"deletion"},
			"name": {"Fault Campaign"}, "email": {addr(i)}, "state": {"CA"},
		}); code != http.StatusOK {
			release()
			return fmt.Errorf("submission %d answered %d", i, code)
		}
	}
	used := map[string]bool{}
	for deadline := time.Now().Add(2 * time.Minute); len(used) < c.N; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			release()
			return fmt.Errorf("only %d of %d verification links arrived", len(used), c.N)
		}
		mails, err := outbox.Read(ctx, svc.SES.URL)
		if err != nil {
			release()
			return err
		}
		for _, m := range mails {
			match := verifyLink.FindStringSubmatch(m.Text)
			if match == nil || used[match[1]] {
				continue
			}
			used[match[1]] = true
			if code := call(http.MethodPost, "/verify", url.Values{"t": {match[1]}}); code != http.StatusOK {
				release()
				return fmt.Errorf("confirming a verification link answered %d", code)
			}
		}
	}
	// Killed and started again twice while the workflows run.
	restarts := 0
	for range 2 {
		time.Sleep(c.KillAfter)
		rt.Close()
		if rt, err = start(); err != nil {
			release()
			return fmt.Errorf("restart: %w", err)
		}
		restarts++
		if restarts == 1 {
			release()
		}
	}
	ended := map[string]int{}
	for _, x := range rt.List("", "") {
		info, err := rt.Wait(ctx, x.ExecutionARN)
		if err != nil {
			return fmt.Errorf("wait for %s: %w", x.Name, err)
		}
		ended[info.Status]++
	}

	// What the desk made of it.
	store := &dynamo.Store{API: dynamodb.NewFromConfig(awsCfg), Table: env["TABLE_NAME"]}
	mails, err := outbox.Read(ctx, svc.SES.URL)
	if err != nil {
		return err
	}
	perRecipient := map[string]int{}
	teamMail := ""
	for _, m := range mails {
		for _, to := range m.To {
			if strings.EqualFold(to, env["TEAM_ADDRESS"]) {
				teamMail += m.Subject + "\n" + m.Text + "\n"
				continue
			}
			perRecipient[strings.ToLower(to)+"\x00"+m.Subject]++
		}
	}
	duplicates := 0
	for _, n := range perRecipient {
		if n > 1 {
			duplicates += n - 1
		}
	}
	var closed, attention, untold, open, steps int
	statuses := map[request.Status]int{}
	for i := range c.N {
		ids, err := store.EarlierRequests(ctx, addr(i))
		if err != nil || len(ids) != 1 {
			return fmt.Errorf("request of %s: %v (%d found)", addr(i), err, len(ids))
		}
		r, err := store.Get(ctx, ids[0])
		if err != nil {
			return err
		}
		evs, err := store.Events(ctx, r.ID)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if e.Action == request.ActionStepDone {
				steps++
			}
		}
		statuses[r.Status]++
		switch {
		case r.Status.Closed():
			closed++
		case r.Attention != "":
			attention++
			if !strings.Contains(teamMail, r.ID) {
				untold++
			}
		default:
			open++
		}
	}
	// Every action of the registry is idempotent in its system (erase,
	// suppress, opt out; an export overwrites its part), so a call
	// repeated after a fault or a kill is counted, not failed.
	repeated := 0
	for i := range c.N {
		repeated += max(0, len(svc.Systems.AnalyticsDeletions(addr(i)))-1) + max(0, len(svc.Systems.Unsubscribes(addr(i)))-1)
	}

	var kinds []string
	for k := range f.counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	fmt.Fprintf(out, "\ndownstream calls:")
	for _, k := range kinds {
		fmt.Fprintf(out, " %s %d;", k, f.counts[k])
	}
	fmt.Fprintf(out, "\nthe workflows' runtime killed and started again %d times; executions ended: %v\n", restarts, ended)
	fmt.Fprintf(out, "requests %d: closed %d, needing attention %d (team not told of %d), neither %d; steps recorded %d\n",
		c.N, closed, attention, untold, open, steps)
	fmt.Fprintf(out, "duplicate mails to requesters %d; idempotent calls repeated (analytics deletions, unsubscribes) %d\n", duplicates, repeated)
	if open != 0 || untold != 0 || duplicates != 0 {
		return fmt.Errorf("the desk left requests unfinished, untold or doubled under faults (see the report)")
	}
	return nil
}
