package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/productionflow/privacy-desk/shared/setup"
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
	MemoryMB int
	Prices   Prices
}

// usage is what a run consumed.
type usage struct {
	Requests         int
	APIRequests      int
	Invocations      map[string]int           // by function
	Durations        map[string]time.Duration // summed, by function
	Transitions      int
	DynamoWrites     int
	DynamoReads      int
	Emails           int
	SubmitLatencies  []time.Duration
	FloorLatencies   []time.Duration
	DynamoOperations map[string]int
}

// counter counts AWS API calls by operation on their way to the stand-ins.
type counter struct {
	mu  sync.Mutex
	ops map[string]int
	rt  http.RoundTripper
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	op := r.Header.Get("X-Amz-Target")
	if op == "" {
		op = r.Method + " " + r.URL.Path
	}
	c.mu.Lock()
	c.ops[op]++
	c.mu.Unlock()
	return c.rt.RoundTrip(r)
}

func (c *counter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.ops))
	for k, v := range c.ops {
		out[k] = v
	}
	return out
}

// proxy forwards to a stand-in and counts each call on the way.
func proxy(target string, c *counter) (*httptest.Server, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = c
	return httptest.NewServer(rp), nil
}

var (
	verifyLink = regexp.MustCompile(`https?://\S+/verify\?t=([A-Za-z0-9_-]+)`)
	taskLink   = regexp.MustCompile(`https?://\S+/tasks/confirm\?t=([A-Za-z0-9_-]+)`)
)

func run(ctx context.Context, c config, out io.Writer, log *slog.Logger) error {
	if c.N < 1 {
		return fmt.Errorf("-n must be at least 1")
	}
	fmt.Fprintf(out, "starting the stand-ins and running %d deletion requests from the form to their answer, and their deadline watches to the end…\n", c.N)
	root, err := standin.Root()
	if err != nil {
		return err
	}
	// The stand-ins, with the table and buckets, as the local stack starts
	// them: the downstream systems are the built-in registry's, with its
	// origins rebased onto their stand-ins.
	svc, err := stack.Start(ctx, stack.Options{Root: root})
	if err != nil {
		return err
	}
	defer svc.Stop()

	clk := states.NewVirtualClock(time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC))
	rt := states.New(states.Options{Clock: clk, Logger: log})
	defer rt.Close()
	api := httptest.NewServer(rt.Handler())
	defer api.Close()

	// Every AWS call of every function goes through a counting proxy.
	count := &counter{ops: map[string]int{}, rt: http.DefaultTransport}
	targets := svc.Endpoints()
	targets["SFN"] = api.URL
	proxied := map[string]string{}
	for name, target := range targets {
		p, err := proxy(target, count)
		if err != nil {
			return err
		}
		defer p.Close()
		proxied[name] = p.URL
	}
	// The local stack's environment, with every endpoint behind its proxy.
	env := svc.Env()
	files, err := stack.WorkflowFiles(root)
	if err != nil {
		return err
	}
	if err := stack.InProcessEnv(env, root, proxied, rt.StateMachineARN); err != nil {
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

	u := usage{Invocations: map[string]int{}, Durations: map[string]time.Duration{}}
	var mu sync.Mutex
	record := func(fn string, d time.Duration) {
		mu.Lock()
		u.Invocations[fn]++
		u.Durations[fn] += d
		mu.Unlock()
	}

	// The workflows' functions, as their mains build them, timed.
	fns, err := workflows.Build(ctx, os.Getenv, log, setup.WithNow(clk.Now))
	if err != nil {
		return err
	}
	if err := stack.Register(rt, fns, files, func(id string, call func() (json.RawMessage, error)) (json.RawMessage, error) {
		start := time.Now()
		defer func() { record(id, time.Since(start)) }()
		return call()
	}); err != nil {
		return err
	}
	web, err := intakeweb.Handler(ctx, os.Getenv, log, setup.WithNow(clk.Now))
	if err != nil {
		return err
	}
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
		start := time.Now()
		web.ServeHTTP(rec, req)
		d := time.Since(start)
		record("IntakeWebFunction", d)
		u.APIRequests++
		return rec.Code, d
	}

	// Submissions, confirmations by the requesters and the system owners,
	// while the virtual clock stands still; then the clock runs the
	// deadline watches to their end.
	release := clk.Hold()
	for i := range c.N {
		code, d := call(http.MethodPost, "/requests", url.Values{
			"submissionId": {fmt.Sprintf("cost-run-%06d", i)}, "kinds": {"deletion"},
			"name": {"Cost Report"}, "email": {fmt.Sprintf("person%d@example.com", i)}, "state": {"CA"},
		})
		if code != http.StatusOK {
			release()
			return fmt.Errorf("submission %d answered %d", i, code)
		}
		u.SubmitLatencies = append(u.SubmitLatencies, d)
	}
	used := map[string]bool{}
	answered := 0
	for deadline := time.Now().Add(2 * time.Minute); answered < c.N; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			release()
			return fmt.Errorf("only %d of %d requests were answered", answered, c.N)
		}
		mails, err := outbox.Read(ctx, svc.SES.URL)
		if err != nil {
			release()
			return err
		}
		answered = 0
		for _, m := range mails {
			if strings.Contains(m.Subject, " is done") {
				answered++
			}
			for _, l := range []struct {
				re   *regexp.Regexp
				path string
			}{{verifyLink, "/verify"}, {taskLink, "/tasks/confirm"}} {
				match := l.re.FindStringSubmatch(m.Text)
				if match == nil || used[match[1]] {
					continue
				}
				used[match[1]] = true
				// A person opens the link, then presses the button.
				call(http.MethodGet, l.path+"?t="+match[1], nil)
				if code, _ := call(http.MethodPost, l.path, url.Values{"t": {match[1]}}); code != http.StatusOK {
					release()
					return fmt.Errorf("confirming %s answered %d", l.path, code)
				}
			}
		}
	}
	release()

	for _, x := range rt.List("", "") {
		info, err := rt.Wait(ctx, x.ExecutionARN)
		if err != nil {
			return fmt.Errorf("wait for %s: %w", x.Name, err)
		}
		if info.Status != "SUCCEEDED" {
			return fmt.Errorf("execution %s ended %s: %s %s", x.ExecutionARN, info.Status, info.Error, info.Cause)
		}
		u.Transitions += info.Transitions
	}
	u.Requests = c.N

	mails, err := outbox.Read(ctx, svc.SES.URL)
	if err != nil {
		return err
	}
	u.Emails = len(mails)
	u.DynamoOperations = map[string]int{}
	for op, n := range count.snapshot() {
		name, ok := strings.CutPrefix(op, "DynamoDB_20120810.")
		if !ok {
			continue
		}
		u.DynamoOperations[name] = n
		switch name {
		case "PutItem", "UpdateItem", "DeleteItem":
			u.DynamoWrites += n
		case "GetItem", "Query":
			u.DynamoReads += n
		}
	}

	// The floor: the stand-in calls a submission cannot do without (one
	// conditional write and one email), through the same proxies.
	client := dynamodb.NewFromConfig(awsCfg)
	ses2 := sesv2.NewFromConfig(awsCfg)
	for i := range c.N {
		start := time.Now()
		_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(env["TABLE_NAME"]), Item: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: fmt.Sprintf("FLOOR#%d", i)}, "SK": &types.AttributeValueMemberS{Value: "X"},
		}, ConditionExpression: aws.String("attribute_not_exists(PK)")})
		if err != nil {
			return err
		}
		_, err = ses2.SendEmail(ctx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String(env["SENDER_ADDRESS"]),
			Destination:      &sestypes.Destination{ToAddresses: []string{"floor@example.com"}},
			Content: &sestypes.EmailContent{Simple: &sestypes.Message{
				Subject: &sestypes.Content{Data: aws.String("floor")}, Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("floor")}},
			}},
		})
		if err != nil {
			return err
		}
		u.FloorLatencies = append(u.FloorLatencies, time.Since(start))
	}

	report(out, c, u)
	return nil
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func report(out io.Writer, c config, u usage) {
	n := float64(u.Requests)
	invocations := 0
	var gbSeconds float64
	for fn, k := range u.Invocations {
		invocations += k
		// Lambda bills each invocation's duration rounded up to the millisecond.
		per := u.Durations[fn] / time.Duration(k)
		billed := float64((per+time.Millisecond-1)/time.Millisecond) / 1000
		gbSeconds += float64(k) * billed * float64(c.MemoryMB) / 1024
	}
	p := c.Prices
	lines := []struct {
		what  string
		units float64
		price float64
	}{
		{"API Gateway requests", float64(u.APIRequests), p.APIRequest},
		{"Lambda invocations", float64(invocations), p.LambdaRequest},
		{fmt.Sprintf("Lambda GB-seconds (%d MB)", c.MemoryMB), gbSeconds, p.LambdaGBSecond},
		{"Step Functions transitions", float64(u.Transitions), p.Transition},
		{"DynamoDB write units", float64(u.DynamoWrites), p.WriteUnit},
		{"DynamoDB read units", float64(u.DynamoReads), p.ReadUnit},
		{"SES emails", float64(u.Emails), p.Email},
	}
	fmt.Fprintf(out, "\nPer deletion request (mean of %d: web submission, acknowledgement, verification link, every system's owner task, answer, deadline watch to its end):\n\n", u.Requests)
	fmt.Fprintf(out, "  %-30s %12s %14s\n", "unit", "per request", "USD/1000 req")
	total := 0.0
	for _, l := range lines {
		cost := l.units / n * l.price * 1000
		total += cost
		fmt.Fprintf(out, "  %-30s %12.2f %14.5f\n", l.what, l.units/n, cost)
	}
	fmt.Fprintf(out, "  %-30s %12s %14.5f\n\n", "total", "", total)
	var fns []string
	for fn := range u.Invocations {
		fns = append(fns, fn)
	}
	sort.Strings(fns)
	for _, fn := range fns {
		fmt.Fprintf(out, "  %s: %d invocations, mean %v in process\n", fn, u.Invocations[fn], (u.Durations[fn] / time.Duration(u.Invocations[fn])).Round(time.Microsecond))
	}
	var ops []string
	for op := range u.DynamoOperations {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	fmt.Fprint(out, "  DynamoDB calls:")
	for _, op := range ops {
		fmt.Fprintf(out, " %s %d", op, u.DynamoOperations[op])
	}
	fmt.Fprintln(out)
	sub, floor := median(u.SubmitLatencies), median(u.FloorLatencies)
	ratio := 0.0
	if floor > 0 {
		ratio = float64(sub) / float64(floor)
	}
	fmt.Fprintf(out, "\nSubmission latency on the stand-ins (both through the counting proxies): median %v; floor (one conditional PutItem + one SendEmail): median %v; ratio %.1f×\n",
		sub.Round(time.Microsecond), floor.Round(time.Microsecond), ratio)
	fmt.Fprintln(out, "Durations are measured in process on this machine, not on Lambda; units count one per call (items here are under 1 KB, reads strongly consistent).")
}
