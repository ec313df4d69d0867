package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/productionflow/privacy-desk/shared/deadline"
	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/setup"
	deskdeadline "github.com/productionflow/privacy-desk/shared/setup/deadline"
	intakeweb "github.com/productionflow/privacy-desk/shared/setup/intake/web"
	"github.com/productionflow/privacy-desk/shared/setup/workflows"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
	"github.com/productionflow/privacy-desk/shared/standin/stack"
	"github.com/productionflow/privacy-desk/shared/states"
)

// Prices are list prices in USD per unit (us-east-1, on-demand, without
// free tiers); every one can be overridden by a flag.
type Prices struct {
	LambdaGBSecond, LambdaRequest, Transition, WriteUnit, ReadUnit, Email, APIRequest float64
}

type config struct {
	N        int
	OpenDays int // how long the left-open request is followed
	Prices   Prices
}

// scenario is one run of the desk: N deletion requests over a registry.
type scenario struct {
	Name     string
	Registry string // SYSTEMS_FILE; "" is the shipped registry
	N        int
	// LeaveOpen: the owners never answer, and the clock runs OpenDays.
	LeaveOpen bool
	OpenDays  int
}

// usage is what a scenario consumed.
type usage struct {
	Requests, Answered, APIRequests int
	Invocations                     map[string]int           // by function
	Durations                       map[string]time.Duration // summed, by function
	Transitions                     int
	States                          map[string]int // "workflow: State" → times entered
	Writes, Reads                   int
	GSIWrites                       map[string]int
	Mails                           map[string]int // by kind
	DynamoOps                       map[string]int
	SubmitLatencies, FloorLatencies []time.Duration
	// Sweeps and OpenWorkQueries are the hourly sweep's runs and its index
	// queries: the desk's cost per hour, not per request.
	Sweeps, OpenWorkQueries int
	Memory                  map[string]int // MB, by function (template.yaml)
}

// pageLink is a link mail carries to a page of the desk: how to find it
// in a mail's text, and the page's path.
type pageLink struct {
	re   *regexp.Regexp
	path string
}

var (
	verifyLink   = regexp.MustCompile(`https?://\S+/verify\?t=([A-Za-z0-9_-]+)`)
	taskLink     = regexp.MustCompile(`https?://\S+/tasks/confirm\?t=([A-Za-z0-9_-]+)`)
	submissionID = regexp.MustCompile(`name="submissionId" value="([^"]+)"`)
)

// start is Tuesday 1 December 2026, 09:00 in New York.
var start = time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)

func run(ctx context.Context, c config, out io.Writer, log *slog.Logger) error {
	if c.N < 1 {
		return fmt.Errorf("-n must be at least 1")
	}
	if c.OpenDays < 1 {
		c.OpenDays = 90
	}
	root, err := standin.Root()
	if err != nil {
		return err
	}
	memory, err := memoryByFunction(root)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "privacy-desk-cost-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	manual, err := allManual(root, tmp)
	if err != nil {
		return err
	}
	scenarios := []scenario{
		{Name: "shipped registry (API systems)", N: c.N},
		{Name: "all-manual registry (every action an owner's task)", Registry: manual, N: c.N},
		{Name: fmt.Sprintf("one request left open to day %d (all-manual, owners never answer)", c.OpenDays), Registry: manual, N: 1, LeaveOpen: true, OpenDays: c.OpenDays},
	}
	totals := make([]float64, len(scenarios))
	var first usage
	for i, sc := range scenarios {
		fmt.Fprintf(out, "running %s: %d deletion request(s) from the form to their answer on the stand-ins…\n", sc.Name, sc.N)
		u, err := runScenario(ctx, c, sc, root, log, i == 0)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.Name, err)
		}
		u.Memory = memory
		totals[i] = report(out, c, sc, u)
		if i == 0 {
			first = u
		}
	}
	fixed(out, c, first)
	fmt.Fprintf(out, "\nSubmission latency on the stand-ins (through the counting proxies): median %v; floor (one conditional PutItem + one SendEmail): median %v; ratio %.1f×\n",
		median(first.SubmitLatencies).Round(time.Microsecond), median(first.FloorLatencies).Round(time.Microsecond),
		float64(median(first.SubmitLatencies))/float64(max(median(first.FloorLatencies), 1)))
	fmt.Fprintln(out, "Durations are measured in process on this machine, not on Lambda; units count one per item (items here are under 1 KB, reads strongly consistent).")
	fmt.Fprintf(out, "cost per 1,000 deletion requests: shipped registry $%.2f (target ≤ $0.50), all-manual $%.2f (target ≤ $0.75); one request open to day %d: $%.4f\n",
		totals[0], totals[1], c.OpenDays, totals[2]/1000)
	return nil
}

// runScenario starts the stand-ins and a local runtime on a manual clock,
// submits sc.N requests through the web intake, and plays the people:
// requesters confirm their links, owners answer their tasks (unless
// LeaveOpen), the owners' digest runs at 08:00 and the deadline sweep every
// hour, until every request is answered (or OpenDays have passed).
func runScenario(ctx context.Context, c config, sc scenario, root string, log *slog.Logger, withFloor bool) (usage, error) {
	u := usage{Requests: sc.N, Invocations: map[string]int{}, Durations: map[string]time.Duration{}, States: map[string]int{}, Mails: map[string]int{}}
	if sc.Registry != "" {
		os.Setenv("SYSTEMS_FILE", sc.Registry)
	} else {
		os.Unsetenv("SYSTEMS_FILE")
	}
	svc, err := stack.Start(ctx, stack.Options{Root: root})
	if err != nil {
		return u, err
	}
	defer svc.Stop()
	clk := states.NewManualClock(start)
	// Every execution is counted at the end: none may be forgotten.
	rt := states.New(states.Options{Clock: clk, Logger: log, KeepEnded: 1 << 30})
	defer rt.Close()
	api := httptest.NewServer(rt.Handler())
	defer api.Close()

	// Every AWS call of every function goes through a counting proxy.
	count := newUnits()
	targets := svc.Endpoints()
	targets["SFN"] = api.URL
	proxied := map[string]string{}
	for name, target := range targets {
		p, err := proxy(target, count)
		if err != nil {
			return u, err
		}
		defer p.Close()
		proxied[name] = p.URL
	}
	env := svc.Env()
	files, err := stack.WorkflowFiles(root)
	if err != nil {
		return u, err
	}
	if err := stack.InProcessEnv(env, root, proxied, rt.StateMachineARN); err != nil {
		return u, err
	}
	if sc.Registry != "" {
		// No system is called: nothing to rebase onto the stand-ins.
		env["SYSTEMS_FILE"] = sc.Registry
		delete(env, "SYSTEMS_REBASE")
		os.Unsetenv("SYSTEMS_REBASE")
	}
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return u, err
		}
	}
	var mu sync.Mutex
	record := func(fn string, d time.Duration) {
		mu.Lock()
		u.Invocations[fn]++
		u.Durations[fn] += d
		mu.Unlock()
	}
	fns, err := workflows.Build(ctx, os.Getenv, log, setup.WithNow(clk.Now))
	if err != nil {
		return u, err
	}
	if err := stack.Register(rt, fns, files, func(id string, call func() (json.RawMessage, error)) (json.RawMessage, error) {
		began := time.Now()
		defer func() { record(id, time.Since(began)) }()
		return call()
	}); err != nil {
		return u, err
	}
	tasks, ok := fns["FulfilTasksFunction"].(func(context.Context, fulfil.OwnersInput) (fulfil.OwnersOutput, error))
	if !ok {
		return u, fmt.Errorf("FulfilTasksFunction has an unexpected handler %T", fns["FulfilTasksFunction"])
	}
	web, err := intakeweb.Handler(ctx, os.Getenv, log, setup.WithNow(clk.Now))
	if err != nil {
		return u, err
	}
	sweep, err := deskdeadline.Sweep(ctx, os.Getenv, log, setup.WithNow(clk.Now))
	if err != nil {
		return u, err
	}
	loc, err := time.LoadLocation(env["BUSINESS_TIME_ZONE"])
	if err != nil || env["BUSINESS_TIME_ZONE"] == "" {
		loc, _ = time.LoadLocation("America/New_York")
	}
	idle := func() error { return clk.WaitIdle(ctx) }

	// call is one API Gateway request to IntakeWebFunction.
	call := func(method, path string, form url.Values) (int, time.Duration) {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req := httptest.NewRequest(method, path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		began := time.Now()
		web.ServeHTTP(rec, req)
		d := time.Since(began)
		record("IntakeWebFunction", d)
		u.APIRequests++
		return rec.Code, d
	}

	for i := range sc.N {
		// The submission ID the form issues; the form's GET is not
		// counted: the report prices the submission.
		count.pause(true)
		rec := httptest.NewRecorder()
		web.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		count.pause(false)
		m := submissionID.FindStringSubmatch(rec.Body.String())
		if m == nil {
			return u, fmt.Errorf("submission %d: the form carries no submission ID", i)
		}
		code, d := call(http.MethodPost, "/requests", url.Values{
			"submissionId": {m[1]}, "kinds": {"deletion"},
			"name": {"Cost Report"}, "email": {fmt.Sprintf("person%d@example.com", i)}, "state": {"CA"},
		})
		if code != http.StatusOK {
			return u, fmt.Errorf("submission %d answered %d", i, code)
		}
		u.SubmitLatencies = append(u.SubmitLatencies, d)
	}
	if err := idle(); err != nil {
		return u, err
	}

	used := map[string]bool{}
	// follow opens every new link in the outbox and presses its button,
	// as the requester (verification) and the owners (tasks) do.
	follow := func() error {
		mails, err := outbox.Read(ctx, svc.SES.URL)
		if err != nil {
			return err
		}
		u.Answered = 0
		for _, m := range mails {
			if strings.Contains(m.Subject, " is done") {
				u.Answered++
			}
			links := []pageLink{{verifyLink, "/verify"}}
			if !sc.LeaveOpen {
				links = append(links, pageLink{taskLink, "/tasks/confirm"})
			}
			for _, l := range links {
				for _, match := range l.re.FindAllStringSubmatch(m.Text, -1) {
					if used[match[1]] {
						continue
					}
					used[match[1]] = true
					call(http.MethodGet, l.path+"?t="+match[1], nil)
					form := url.Values{"t": {match[1]}}
					if l.path == "/tasks/confirm" {
						// The owner finds nothing of the person's.
						form.Set("outcome", "nothing-held")
					}
					if code, _ := call(http.MethodPost, l.path, form); code != http.StatusOK {
						return fmt.Errorf("confirming %s answered %d", l.path, code)
					}
					if err := idle(); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}

	last := clk.Now()
	end := start.AddDate(0, 0, max(sc.OpenDays, 30))
	for {
		if err := follow(); err != nil {
			return u, err
		}
		now := clk.Now()
		if now.In(loc).Hour() == 8 {
			began := time.Now()
			if _, err := tasks(ctx, fulfil.OwnersInput{Op: "digest"}); err != nil {
				return u, fmt.Errorf("owners' digest: %w", err)
			}
			record("FulfilTasksFunction", time.Since(began))
			if err := idle(); err != nil {
				return u, err
			}
			if err := follow(); err != nil {
				return u, err
			}
		}
		if now.After(last) {
			began := time.Now()
			if _, err := sweep(ctx, deadline.SweepInput{Since: last, At: now}); err != nil {
				return u, fmt.Errorf("deadline sweep: %w", err)
			}
			record("DeadlineReminderFunction", time.Since(began))
			u.Sweeps++
			last = now
			if err := idle(); err != nil {
				return u, err
			}
		}
		if !sc.LeaveOpen && u.Answered >= sc.N && len(rt.List("", states.StatusRunning)) == 0 {
			break
		}
		if sc.LeaveOpen && !now.Before(start.AddDate(0, 0, sc.OpenDays)) {
			break
		}
		if now.After(end) {
			kinds := map[string]int{}
			if mails, err := outbox.Read(ctx, svc.SES.URL); err == nil {
				for _, m := range mails {
					kinds[mailKind(m, env["TEAM_ADDRESS"])]++
				}
			}
			return u, fmt.Errorf("only %d of %d requests were answered by %s (mail so far: %v; executions: %d running)",
				u.Answered, sc.N, now.Format(time.DateOnly), kinds, len(rt.List("", states.StatusRunning)))
		}
		clk.Advance(time.Hour)
		if err := idle(); err != nil {
			return u, err
		}
	}

	for _, x := range rt.List("", "") {
		if !sc.LeaveOpen && x.Status != states.StatusSucceeded {
			return u, fmt.Errorf("execution %s ended %s: %s %s", x.ExecutionARN, x.Status, x.Error, x.Cause)
		}
		u.Transitions += x.Transitions
		hist, err := rt.History(x.ExecutionARN)
		if err != nil {
			return u, err
		}
		machine := x.StateMachineARN[strings.LastIndex(x.StateMachineARN, ":")+1:]
		for _, e := range hist {
			if strings.HasSuffix(e.Type, "StateEntered") {
				if name, ok := e.Details["name"].(string); ok {
					u.States[machine+": "+name]++
				}
			}
		}
	}
	mails, err := outbox.Read(ctx, svc.SES.URL)
	if err != nil {
		return u, err
	}
	for _, m := range mails {
		u.Mails[mailKind(m, env["TEAM_ADDRESS"])]++
	}
	ops, writes, reads, gsi := count.snapshot()
	u.Writes, u.Reads, u.GSIWrites = writes, reads, gsi
	count.mu.Lock()
	u.OpenWorkQueries = count.openWorkQueries
	count.mu.Unlock()
	u.DynamoOps = map[string]int{}
	for op, n := range ops {
		if name, ok := strings.CutPrefix(op, "DynamoDB_20120810."); ok {
			u.DynamoOps[name] = n
		}
	}
	if withFloor {
		if u.FloorLatencies, err = floor(ctx, env, sc.N); err != nil {
			return u, err
		}
	}
	return u, nil
}

// floor times the stand-in calls a submission cannot do without (one
// conditional write and one email), through the same proxies.
func floor(ctx context.Context, env map[string]string, n int) ([]time.Duration, error) {
	awsCfg, err := setup.LoadAWS(ctx)
	if err != nil {
		return nil, err
	}
	client := dynamodb.NewFromConfig(awsCfg)
	ses2 := sesv2.NewFromConfig(awsCfg)
	var out []time.Duration
	for i := range n {
		began := time.Now()
		_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(env["TABLE_NAME"]), Item: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: fmt.Sprintf("FLOOR#%d", i)}, "SK": &types.AttributeValueMemberS{Value: "X"},
		}, ConditionExpression: aws.String("attribute_not_exists(PK)")})
		if err != nil {
			return nil, err
		}
		_, err = ses2.SendEmail(ctx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String(env["SENDER_ADDRESS"]),
			Destination:      &sestypes.Destination{ToAddresses: []string{"floor@example.com"}},
			Content: &sestypes.EmailContent{Simple: &sestypes.Message{
				Subject: &sestypes.Content{Data: aws.String("floor")}, Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("floor")}},
			}},
		})
		if err != nil {
			return nil, err
		}
		out = append(out, time.Since(began))
	}
	return out, nil
}

// mailKinds name each mail the desk sends by its subject; the first
// match wins.
var mailKinds = []struct{ kind, subject string }{
	{"acknowledgement", "We received your privacy request"},
	{"verification", "Please confirm your privacy request"},
	{"answer", " is done"},
	{"opt-out confirmation", "Your opt-out is recorded"},
	{"closed unverified", "it was not confirmed"},
	{"digest", "tasks for you"},
	{"daily digest", "Privacy desk, "},
	{"deadline missed", "Deadline missed: "},
	{"task reminder", "Reminder: privacy request"},
	{"task overdue", "Overdue owner's task"},
	{"deadline reminder", "eminder: "},
	{"new request", "New "},
	{"needs attention", "needs attention"},
	{"task overdue", "Overdue: "},
	{"task", "Privacy request "},
}

// mailKind names m by whom it went to (the requester, the team, a
// system's owner) and its subject.
func mailKind(m outbox.Email, team string) string {
	who := "owner"
	switch {
	case slices.Contains(m.To, team):
		who = "team"
	case len(m.To) > 0 && strings.HasPrefix(m.To[0], "person"):
		who = "requester"
	}
	for _, k := range mailKinds {
		if strings.Contains(m.Subject, k.subject) {
			return who + ": " + k.kind
		}
	}
	return who + ": other"
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// report prints one scenario per request and returns its USD per 1,000
// requests. The sweep's runs and its index queries are left out: they are
// the desk's cost per hour (see fixed), whatever the number of requests.
func report(out io.Writer, c config, sc scenario, u usage) float64 {
	n := float64(u.Requests)
	invocations := 0
	var gbSeconds float64
	for fn, k := range u.Invocations {
		runs := k
		if fn == "DeadlineReminderFunction" {
			runs -= u.Sweeps
			if runs <= 0 {
				continue
			}
		}
		invocations += runs
		// Lambda bills each invocation's duration rounded up to the millisecond.
		per := u.Durations[fn] / time.Duration(k)
		billed := float64((per+time.Millisecond-1)/time.Millisecond) / 1000
		gbSeconds += float64(runs) * billed * float64(memoryOf(u, fn)) / 1024
	}
	gsi := 0
	for _, w := range u.GSIWrites {
		gsi += w
	}
	p := c.Prices
	mails := 0
	for _, k := range u.Mails {
		mails += k
	}
	lines := []struct {
		what  string
		units float64
		price float64
	}{
		{"API Gateway requests", float64(u.APIRequests), p.APIRequest},
		{"Lambda invocations", float64(invocations), p.LambdaRequest},
		{"Lambda GB-seconds", gbSeconds, p.LambdaGBSecond},
		{"Step Functions transitions", float64(u.Transitions), p.Transition},
		{"DynamoDB write units (table)", float64(u.Writes), p.WriteUnit},
		{"DynamoDB write units (indexes)", float64(gsi), p.WriteUnit},
		{"DynamoDB read units", float64(u.Reads), p.ReadUnit},
		{"SES emails", float64(mails), p.Email},
	}
	fmt.Fprintf(out, "\n%s, per deletion request (mean of %d):\n\n", sc.Name, u.Requests)
	fmt.Fprintf(out, "  %-32s %12s %14s\n", "unit", "per request", "USD/1000 req")
	total := 0.0
	for _, l := range lines {
		cost := l.units / n * l.price * 1000
		total += cost
		fmt.Fprintf(out, "  %-32s %12.2f %14.5f\n", l.what, l.units/n, cost)
	}
	fmt.Fprintf(out, "  %-32s %12s %14.5f\n", "total", "", total)

	fmt.Fprintf(out, "  transitions by workflow and state (per request):")
	for _, k := range sortedKeys(u.States) {
		fmt.Fprintf(out, "\n    %-40s %6.2f", k, float64(u.States[k])/n)
	}
	fmt.Fprintf(out, "\n  mails by kind (per request):")
	for _, k := range sortedKeys(u.Mails) {
		fmt.Fprintf(out, " %s %.2f;", k, float64(u.Mails[k])/n)
	}
	fmt.Fprintf(out, "\n  index writes (per request):")
	for _, k := range sortedKeys(u.GSIWrites) {
		fmt.Fprintf(out, " %s %.2f;", k, float64(u.GSIWrites[k])/n)
	}
	fmt.Fprintf(out, "\n  functions (memory from template.yaml; invocations per request; mean in process):")
	for _, fn := range sortedKeys(u.Invocations) {
		fmt.Fprintf(out, "\n    %-26s %4d MB %6.2f %10v", fn, memoryOf(u, fn), float64(u.Invocations[fn])/n,
			(u.Durations[fn] / time.Duration(u.Invocations[fn])).Round(time.Microsecond))
	}
	fmt.Fprint(out, "\n  DynamoDB calls:")
	for _, op := range sortedKeys(u.DynamoOps) {
		fmt.Fprintf(out, " %s %d", op, u.DynamoOps[op])
	}
	fmt.Fprintln(out)
	return total
}

// fixed prints what the desk costs per month whatever the volume: the
// hourly deadline sweep (an invocation and an OpenWork query each hour).
func fixed(out io.Writer, c config, u usage) {
	runs := 24 * 30
	per := time.Duration(0)
	if k := u.Invocations["DeadlineReminderFunction"]; k > 0 {
		per = u.Durations["DeadlineReminderFunction"] / time.Duration(k)
	}
	billed := float64((per+time.Millisecond-1)/time.Millisecond) / 1000
	gbs := float64(runs) * billed * float64(memoryOf(u, "DeadlineReminderFunction")) / 1024
	cost := float64(runs)*(c.Prices.LambdaRequest+c.Prices.ReadUnit) + gbs*c.Prices.LambdaGBSecond
	fmt.Fprintf(out, "\nFixed, whatever the volume: the hourly deadline sweep, %d runs a month (one invocation and one OpenWork query each, ~%v): $%.4f a month\n",
		runs, per.Round(time.Microsecond), cost)
}

func memoryOf(u usage, fn string) int {
	if mb, ok := u.Memory[fn]; ok {
		return mb
	}
	return 256
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
