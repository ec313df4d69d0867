package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/setup"
	intakeweb "github.com/productionflow/privacy-desk/shared/setup/intake/web"
	"github.com/productionflow/privacy-desk/shared/setup/workflows"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/downstream"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
	"github.com/productionflow/privacy-desk/shared/standin/stack"
	"github.com/productionflow/privacy-desk/shared/states"
)

type config struct {
	N        int
	FailRate float64
	Seed     uint64
	// CallTimeout is every registry call's timeout in the campaign.
	CallTimeout time.Duration
	// RetryAfter are the waits the systems' Retry-After answers ask for.
	RetryAfter []time.Duration
	// KillAt are the numbers of downstream calls after which the whole
	// stack is killed and started again.
	KillAt []int
}

// erasing are the systems a deletion erases in; the factoring partner
// keeps its records under legal holds and is not called.
var erasing = []string{downstream.CustomerAccounts, downstream.Payments, downstream.Analytics, downstream.SupportDesk, downstream.Newsletter}

var (
	verifyLink   = regexp.MustCompile(`https?://\S+/verify\?t=([A-Za-z0-9_-]+)`)
	submissionID = regexp.MustCompile(`name="submissionId" value="([^"]+)"`)
)

// campaign is the running local stack the report kills and starts again:
// the stand-ins (dynalite on its data folder, SES, S3, Cognito), the
// downstream systems, the workflows' runtime on its execution store, and
// the desk's functions built against them.
type campaign struct {
	root, dataDir string
	clk           *states.VirtualClock
	execs         states.Store
	systems       *downstream.Systems
	registry      string // SYSTEMS_FILE
	api           *httptest.Server
	current       atomic.Pointer[states.Runtime]
	log           *slog.Logger

	svc   *stack.Services
	rt    *states.Runtime
	web   http.Handler
	env   map[string]string
	mails []outbox.Email // read from each SES before it stopped
	// killedAt are the downstream calls made and the virtual time at each
	// kill.
	killedAt []killMark
	// foundAfter is how many of the requests the table held after each
	// start again.
	foundAfter []int
}

// requestsFound counts the campaign's requests the table holds.
func (c *campaign) requestsFound(ctx context.Context, n int, addr func(int) string) (int, error) {
	awsCfg, err := setup.LoadAWS(ctx)
	if err != nil {
		return 0, err
	}
	store := &dynamo.Store{API: dynamodb.NewFromConfig(awsCfg), Table: c.env["TABLE_NAME"]}
	found := 0
	for i := range n {
		ids, err := store.EarlierRequests(ctx, addr(i))
		if err != nil {
			return 0, fmt.Errorf("read the requests after a restart: %w", err)
		}
		if len(ids) == 1 {
			found++
		}
	}
	return found, nil
}

type killMark struct {
	// before and calls are the downstream calls made when the kill began
	// and when the stack had started again: calls in between come from the
	// dying process (a round it was cut short in, whose function may still
	// be calling a system after the runtime stopped waiting for it: in one
	// process, a kill cannot take the functions' goroutines with it) or
	// from the restarted one running that round again at once.
	before, calls int
	at            time.Time
}

// start starts the stand-ins on the data folder, points the desk's
// environment at them, builds the functions as at a cold start and resumes
// the saved executions.
func (c *campaign) start(ctx context.Context) error {
	svc, err := stack.Start(ctx, stack.Options{Root: c.root, DynamoDataDir: filepath.Join(c.dataDir, "dynalite"),
		CognitoDataDir: filepath.Join(c.dataDir, "cognito")})
	if err != nil {
		return err
	}
	c.svc = svc
	// The registry's calls go to the campaign's own stand-ins, which keep
	// their data across restarts and fail calls; the stack's secrets
	// stand-in serves the same local secrets, and the desk's own.
	env := svc.Env()
	env["SYSTEMS_REBASE"] = c.systems.Rebase()
	env["SYSTEMS_FILE"] = c.registry
	targets := svc.Endpoints()
	targets["SFN"] = c.api.URL
	if err := stack.InProcessEnv(env, c.root, targets, states.New(states.Options{}).StateMachineARN); err != nil {
		return err
	}
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	c.env = env
	files, err := stack.WorkflowFiles(c.root)
	if err != nil {
		return err
	}
	rt := states.New(states.Options{Clock: c.clk, Logger: c.log, Store: c.execs})
	fns, err := workflows.Build(ctx, os.Getenv, c.log, setup.WithNow(c.clk.Now))
	if err != nil {
		return err
	}
	if err := stack.Register(rt, fns, files, nil); err != nil {
		return err
	}
	c.rt = rt
	c.current.Store(rt)
	if c.web, err = intakeweb.Handler(ctx, os.Getenv, c.log, setup.WithNow(c.clk.Now)); err != nil {
		return err
	}
	return rt.Resume()
}

// kill stops everything as a crash of the machine would, after keeping the
// mail the SES stand-in holds (it keeps its outbox in memory); the data
// of dynalite, the executions and the downstream systems stay.
func (c *campaign) kill(ctx context.Context) error {
	// A runtime that does not stop is a finding, not a reason to wait
	// for ever.
	before := len(c.systems.Attempts())
	stopped := make(chan struct{})
	go func() { c.rt.Close(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(time.Minute):
		return fmt.Errorf("the workflows' runtime did not stop within a minute of Close")
	case <-ctx.Done():
		return ctx.Err()
	}
	c.killedAt = append(c.killedAt, killMark{before: before, calls: len(c.systems.Attempts()), at: c.clk.Now()})
	mails, err := outbox.Read(ctx, c.svc.SES.URL)
	if err != nil {
		return err
	}
	c.mails = append(c.mails, mails...)
	c.svc.Stop()
	return c.systems.Restart(ctx)
}

// call sends one request to the web intake.
func (c *campaign) call(method, path string, form url.Values) (int, string) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	rec := httptest.NewRecorder()
	c.web.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func run(ctx context.Context, cfg config, out io.Writer, log *slog.Logger) error {
	if cfg.N < 1 {
		return fmt.Errorf("-n must be at least 1")
	}
	fmt.Fprintf(out, "starting the stand-ins; %d deletion requests with %.0f%% of downstream calls failing…\n", cfg.N, 100*cfg.FailRate)
	root, err := standin.Root()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "faults-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	execs, err := states.NewFileStore(filepath.Join(dir, "states"))
	if err != nil {
		return err
	}
	registry, err := registryWithTimeout(dir, cfg.CallTimeout)
	if err != nil {
		return err
	}
	clk := states.NewVirtualClock(time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC))
	systems, err := downstream.Start(ctx, downstream.WithNow(clk.Now),
		downstream.WithFaults(downstream.Faults{Rate: cfg.FailRate, Seed: cfg.Seed, RetryAfter: cfg.RetryAfter, TimeoutCap: 2 * cfg.CallTimeout}))
	if err != nil {
		return err
	}
	defer systems.Close()
	addr := func(i int) string { return fmt.Sprintf("fault%04d@faults.example", i) }
	for i := range cfg.N {
		systems.AddPerson(addr(i), fmt.Sprintf("Fault Campaign %d", i))
	}

	c := &campaign{root: root, dataDir: dir, clk: clk, execs: execs, systems: systems, registry: registry, log: log}
	// The Step Functions endpoint serves whichever runtime runs now.
	c.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.current.Load().Handler().ServeHTTP(w, r)
	}))
	defer c.api.Close()
	if err := c.start(ctx); err != nil {
		return err
	}
	defer func() {
		c.rt.Close()
		c.svc.Stop()
	}()

	// Submissions and their verification while the clock stands still.
	release := clk.Hold()
	defer release()
	for i := range cfg.N {
		id := fmt.Sprintf("faults-run-%06d", i)
		if _, page := c.call(http.MethodGet, "/", nil); submissionID.MatchString(page) {
			id = submissionID.FindStringSubmatch(page)[1] // the one the form issued
		}
		if code, _ := c.call(http.MethodPost, "/requests", url.Values{
			"submissionId": {id}, "kinds": {"deletion"},
			"name": {"Fault Campaign"}, "email": {addr(i)}, "state": {"CA"},
		}); code != http.StatusOK {
			return fmt.Errorf("submission %d answered %d", i, code)
		}
	}
	used := map[string]bool{}
	for deadline := time.Now().Add(2 * time.Minute); len(used) < cfg.N; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d verification links arrived", len(used), cfg.N)
		}
		mails, err := outbox.Read(ctx, c.svc.SES.URL)
		if err != nil {
			return err
		}
		for _, m := range mails {
			match := verifyLink.FindStringSubmatch(m.Text)
			if match == nil || used[match[1]] {
				continue
			}
			used[match[1]] = true
			if code, _ := c.call(http.MethodPost, "/verify", url.Values{"t": {match[1]}}); code != http.StatusOK {
				return fmt.Errorf("confirming a verification link answered %d", code)
			}
		}
	}

	// The clock runs; the whole stack is killed and started again when
	// the downstream systems have had so many calls.
	release()
	kills, midRun := 0, 0
	for _, n := range cfg.KillAt {
		// At n calls, or once every execution has ended should the run
		// need fewer (then the kill is not mid-run, and the report says
		// so).
		waitCtx, stopWaiting := context.WithCancel(ctx)
		ended := c.allEnded(waitCtx)
		select {
		case <-systems.AttemptsReached(n):
		case <-ended:
		case <-ctx.Done():
			stopWaiting()
			return ctx.Err()
		}
		stopWaiting()
		hold := clk.Hold()
		if len(c.rt.List("", states.StatusRunning)) > 0 {
			midRun++
		}
		if err := c.kill(ctx); err != nil {
			hold()
			return fmt.Errorf("kill: %w", err)
		}
		err := c.start(ctx)
		if err == nil {
			c.killedAt[len(c.killedAt)-1].calls = len(systems.Attempts())
		}
		hold()
		if err != nil {
			return fmt.Errorf("start again: %w", err)
		}
		kills++
		// dynalite kept its data: every request is there after the start.
		found, err := c.requestsFound(ctx, cfg.N, addr)
		if err != nil {
			return err
		}
		c.foundAfter = append(c.foundAfter, found)
	}
	ended := map[string]int{}
	for _, x := range c.rt.List("", "") {
		info, err := c.rt.Wait(ctx, x.ExecutionARN)
		if err != nil {
			return fmt.Errorf("wait for %s: %w", x.Name, err)
		}
		ended[info.Status]++
	}
	mails, err := outbox.Read(ctx, c.svc.SES.URL)
	if err != nil {
		return err
	}
	c.mails = append(c.mails, mails...)
	return c.report(ctx, cfg, out, addr, kills, midRun, ended)
}

// figures are what the report found; the last lines print them.
type figures struct {
	calls, failed         int
	kinds                 map[string]int
	retryAfter            map[time.Duration]int
	raFollowed, raHonored int
	raCutShort            int     // answered to a round a kill cut short
	raShortest            float64 // the shortest wait after a Retry-After, as a share of what it asked
	closed, attention     int
	untold, neither       int
	stepAttempts          int // at the stand-ins: calls about one person to one system at one instant
	recordedFailed        int
	recordedDone          int
	unrecorded            int
	unrecordedCut         int // in a round a kill cut short: the process died before it could write
	duplicates            int
	twice, idempotentRep  int
	dataLeft              int
	leftIn                map[string]int // by system
}

// allEnded is closed once every execution of the running runtime has
// ended (or ctx is done).
func (c *campaign) allEnded(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	rt := c.rt
	go func() {
		defer close(done)
		for _, x := range rt.List("", "") {
			if _, err := rt.Wait(ctx, x.ExecutionARN); err != nil {
				return
			}
		}
	}()
	return done
}

func (c *campaign) report(ctx context.Context, cfg config, out io.Writer, addr func(int) string, kills, midRun int, ended map[string]int) error {
	f := figures{kinds: map[string]int{}, retryAfter: map[time.Duration]int{}, raShortest: -1, leftIn: map[string]int{}}
	attempts := c.systems.Attempts()
	type key struct{ person, system string }
	byKey := map[key][]downstream.Attempt{}
	index := map[key][]int{} // each attempt's place among all calls
	for i, a := range attempts {
		index[key{a.Person, a.System}] = append(index[key{a.Person, a.System}], i)
		f.calls++
		if a.Fault != "" {
			f.failed++
			f.kinds[a.Fault]++
		}
		byKey[key{a.Person, a.System}] = append(byKey[key{a.Person, a.System}], a)
	}
	// Retry-After: the next call about the same person to the same system
	// comes at least as late as the system asked (on the virtual clock the
	// stand-ins stamp calls with).
	var raViolations []string
	for k, list := range byKey {
		for i, a := range list {
			if a.Fault != downstream.FaultRetryAfter {
				continue
			}
			f.retryAfter[a.RetryAfter]++
			if i+1 == len(list) {
				continue
			}
			waited := list[i+1].At.Sub(a.At)
			if waited < a.RetryAfter {
				// A kill at the same virtual instant, between this answer
				// and the next call, cut its round short: the process that
				// got the answer died with it, and the restarted runtime
				// ran the round again at once. "Between" takes the kill as
				// the span from its start to the runtime's stop: a call
				// made meanwhile comes from the dying process.
				cutShort := false
				for _, k := range c.killedAt {
					at := index[key{a.Person, a.System}]
					if k.at.Equal(a.At) && at[i] < k.calls && at[i+1] >= k.before {
						cutShort = true
					}
				}
				if cutShort {
					f.raCutShort++
					continue
				}
			}
			f.raFollowed++
			if share := float64(waited) / float64(a.RetryAfter); f.raShortest < 0 || share < f.raShortest {
				f.raShortest = share
			}
			if waited >= a.RetryAfter {
				f.raHonored++
			} else {
				raViolations = append(raViolations, fmt.Sprintf("  %s %s: asked %s, next call after %s", k.person, k.system, a.RetryAfter, waited))
			}
		}
	}

	awsCfg, err := setup.LoadAWS(ctx)
	if err != nil {
		return err
	}
	store := &dynamo.Store{API: dynamodb.NewFromConfig(awsCfg), Table: c.env["TABLE_NAME"]}
	teamMail := ""
	perRecipient := map[string]int{}
	mailsTo, dupesTo := map[string]int{}, map[string]int{}
	for _, m := range c.mails {
		for _, to := range m.To {
			if strings.EqualFold(to, c.env["TEAM_ADDRESS"]) {
				teamMail += m.Subject + "\n" + m.Text + "\n"
				continue
			}
			k := strings.ToLower(to) + "\x00" + m.Subject
			perRecipient[k]++
			mailsTo[strings.ToLower(to)]++
			if perRecipient[k] > 1 {
				dupesTo[strings.ToLower(to)]++
			}
		}
	}
	for _, n := range perRecipient {
		f.duplicates += max(0, n-1)
	}
	var unrecorded, left, perRequest []string
	for i := range cfg.N {
		email := addr(i)
		ids, err := store.EarlierRequests(ctx, email)
		if err != nil || len(ids) != 1 {
			return fmt.Errorf("request of %s: %v (%d found)", email, err, len(ids))
		}
		r, err := store.Get(ctx, ids[0])
		if err != nil {
			return err
		}
		evs, err := store.Events(ctx, r.ID)
		if err != nil {
			return err
		}
		state := string(r.Status)
		switch {
		case r.Status.Closed():
			f.closed++
		case r.Attention != "":
			f.attention++
			state = "needs attention, the team told"
			if !strings.Contains(teamMail, r.ID) {
				f.untold++
				state = "needs attention, the team NOT told"
			}
		default:
			f.neither++
			state += ", neither closed nor needing attention"
		}
		attempts0, recorded0, twice0 := f.stepAttempts, f.recordedFailed+f.recordedDone, f.twice
		// The trail against the stand-ins: each attempt of a step (the
		// calls about the person to one system at one instant) has its
		// event, fulfilment-step-failed or fulfilment-step.
		recorded := map[string]int{}
		for _, e := range evs {
			switch e.Action {
			case request.ActionStepFailed:
				f.recordedFailed++
				recorded[e.Data["system"]]++
			case request.ActionStepDone:
				f.recordedDone++
				recorded[e.Data["system"]]++
			}
		}
		for _, sys := range downstream.Names {
			instants := map[time.Time]bool{}
			for _, a := range byKey[key{email, sys}] {
				instants[a.At] = true
			}
			f.stepAttempts += len(instants)
			if missing := len(instants) - recorded[sys]; missing > 0 {
				cut := 0
				for _, k := range c.killedAt {
					if instants[k.at] {
						cut++
					}
				}
				cut = min(cut, missing)
				f.unrecordedCut += cut
				f.unrecorded += missing - cut
				var at, kills []string
				for _, a := range byKey[key{email, sys}] {
					at = append(at, a.At.Format("15:04:05")+" "+cmp.Or(a.Fault, "ok"))
				}
				for _, k := range c.killedAt {
					kills = append(kills, k.at.Format("15:04:05"))
				}
				unrecorded = append(unrecorded, fmt.Sprintf("  %s %s: %d attempts at the stand-in (calls at %s; kills at %s), %d on the trail, %d of the missing in a round a kill cut short",
					r.ID, sys, len(instants), strings.Join(at, ", "), strings.Join(kills, ", "), recorded[sys], cut))
			}
		}
		// What the systems did to the person's data: nothing that is not
		// idempotent twice.
		seen := map[string]int{}
		for _, a := range c.systems.Applied(email) {
			seen[a.System+"\x00"+a.Action]++
			if seen[a.System+"\x00"+a.Action] > 1 {
				if a.Idempotent {
					f.idempotentRep++
				} else {
					f.twice++
				}
			}
		}
		perRequest = append(perRequest, fmt.Sprintf("%s %s; step attempts at the stand-ins %d, on the trail %d; mails to the requester %d, the same twice %d; non-idempotent changes twice %d",
			r.ID, state, f.stepAttempts-attempts0, f.recordedFailed+f.recordedDone-recorded0, mailsTo[email], dupesTo[email], f.twice-twice0))
		if r.Status == request.Completed {
			for _, sys := range erasing {
				if c.systems.Holds(sys, email) {
					f.dataLeft++
					f.leftIn[sys]++
					var did []string
					for _, a := range c.systems.Applied(email) {
						if a.System == sys {
							did = append(did, a.Action)
						}
					}
					left = append(left, fmt.Sprintf("%s: %s still holds the person's data (changes made: %s)", r.ID, sys, strings.Join(did, ", ")))
				}
			}
		}
	}

	fmt.Fprintln(out)
	for _, p := range perRequest {
		fmt.Fprintln(out, p)
	}
	for _, v := range raViolations {
		fmt.Fprintln(out, "Retry-After not honoured:", strings.TrimSpace(v))
	}
	for _, u := range unrecorded {
		fmt.Fprintln(out, "not on the trail:", strings.TrimSpace(u))
	}
	for _, l := range left {
		fmt.Fprintln(out, "completed, data left:", l)
	}
	fmt.Fprintf(out, "downstream calls %d: failed %d (", f.calls, f.failed)
	missingKinds := 0
	for i, k := range downstream.FaultKinds {
		if i > 0 {
			fmt.Fprint(out, ", ")
		}
		fmt.Fprintf(out, "%s %d", k, f.kinds[k])
		if f.kinds[k] == 0 {
			missingKinds++
		}
	}
	fmt.Fprintf(out, "), every kind injected: %v\n", missingKinds == 0)
	var waits []time.Duration
	for d := range f.retryAfter {
		waits = append(waits, d)
	}
	sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
	fmt.Fprintf(out, "Retry-After answers %d (", f.kinds[downstream.FaultRetryAfter])
	for i, d := range waits {
		if i > 0 {
			fmt.Fprint(out, ", ")
		}
		fmt.Fprintf(out, "%s: %d", d, f.retryAfter[d])
	}
	fmt.Fprintf(out, "): the next call waited at least as asked after %d of %d (shortest wait %.2f× the ask, on the virtual clock); %d more reached a round a kill cut short, which ran again at once after the restart\n",
		f.raHonored, f.raFollowed, max(f.raShortest, 0), f.raCutShort)
	var endedKeys []string
	for k := range ended {
		endedKeys = append(endedKeys, fmt.Sprintf("%s %d", strings.ToLower(k), ended[k]))
	}
	sort.Strings(endedKeys)
	fmt.Fprintf(out, "the whole local stack (dynalite on its data folder, SES, S3, Cognito, the downstream systems, the workflows' runtime) killed and started again %d times, %d of them mid-run; requests in dynalite after each start: %s of %d; executions ended: %s\n",
		kills, midRun, strings.Join(strings.Fields(strings.Trim(fmt.Sprint(c.foundAfter), "[]")), " and "), cfg.N, strings.Join(endedKeys, ", "))
	fmt.Fprintf(out, "requests %d: closed %d, needing attention %d (team not told of %d), neither %d\n",
		cfg.N, f.closed, f.attention, f.untold, f.neither)
	fmt.Fprintf(out, "audit trail: step attempts at the stand-ins %d, on the trails %d (failed %d, done %d), attempts not on the trail %d (and %d in a round a kill cut short)\n",
		f.stepAttempts, f.recordedFailed+f.recordedDone, f.recordedFailed, f.recordedDone, f.unrecorded, f.unrecordedCut)
	fmt.Fprintf(out, "duplicate mails to requesters %d; non-idempotent changes done twice %d (idempotent ones repeated %d); completed requests' data still held %d\n",
		f.duplicates, f.twice, f.idempotentRep, f.dataLeft)
	switch {
	case missingKinds > 0:
		return fmt.Errorf("not every kind of fault was injected (see the report)")
	case f.neither != 0 || f.untold != 0:
		return fmt.Errorf("the desk left requests unfinished or the team untold under faults (see the report)")
	case f.duplicates != 0 || f.twice != 0:
		return fmt.Errorf("the desk mailed a requester twice or did a step twice under faults (see the report)")
	case f.unrecorded != 0:
		return fmt.Errorf("calls to the systems are missing from the audit trail (see the report)")
	case f.dataLeft != 0:
		return fmt.Errorf("a request was answered as done while a system still holds the person's data (see the report)")
	case f.raHonored != f.raFollowed:
		return fmt.Errorf("a system's Retry-After was not honoured (see the report)")
	case slices.ContainsFunc(c.foundAfter, func(n int) bool { return n != cfg.N }):
		return fmt.Errorf("the table lost requests across a restart (see the report)")
	case midRun != len(cfg.KillAt):
		return fmt.Errorf("the stack was killed %d times mid-run, not %d: the run made fewer calls than -kill-at asks", midRun, len(cfg.KillAt))
	}
	return nil
}
