package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/setup/intake/email"
	intakeweb "github.com/productionflow/privacy-desk/shared/setup/intake/web"
	"github.com/productionflow/privacy-desk/shared/setup/workflows"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
	smtpin "github.com/productionflow/privacy-desk/shared/standin/smtp"
	"github.com/productionflow/privacy-desk/shared/standin/stack"
	"github.com/productionflow/privacy-desk/shared/states"
)

type config struct {
	N, C                int // web submissions, concurrency
	Mails, Redeliveries int // received mails, deliveries of each
	// WarmUp is how many puts warm dynalite up before the floor is
	// measured, and ten times how many submissions before the desk's load
	// is (neither counted in the rates).
	WarmUp int
	// CountCalls puts counting proxies in front of DynamoDB, SES and Step
	// Functions and prints the calls per web submission.
	CountCalls bool
}

// batch is what one kind of call did: how many, how long in all, each
// call's latency, and how many failed.
type batch struct {
	Calls     int
	Wall      time.Duration
	Latencies []time.Duration
	Errors    int
	FirstErr  string
}

func (b batch) rate() float64 { return float64(b.Calls) / b.Wall.Seconds() }

func (b batch) quantile(q float64) time.Duration {
	if len(b.Latencies) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), b.Latencies...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// concurrently runs call for each of n jobs on c workers and times them.
func concurrently(n, c int, call func(i int) error) batch {
	b := batch{Calls: n, Latencies: make([]time.Duration, n)}
	jobs := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Go(func() {
			for i := range jobs {
				t := time.Now()
				err := call(i)
				b.Latencies[i] = time.Since(t)
				if err != nil {
					mu.Lock()
					b.Errors++
					if b.FirstErr == "" {
						b.FirstErr = err.Error()
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	b.Wall = time.Since(start)
	return b
}

// counts is what the desk made of the load, read back from the table and
// the outbox.
type counts struct {
	Expected, Created, Duplicates, Lost int
	Unacknowledged                      int // requests without acknowledgedAt
	Acks, AckOnce, AckNone, AckMore     int
}

const ackSubject = "We received your privacy request"

func webAddress(i int) string  { return fmt.Sprintf("web%06d@load.example", i) }
func mailAddress(i int) string { return fmt.Sprintf("mail%06d@load.example", i) }

func run(ctx context.Context, c config, out io.Writer, log *slog.Logger) error {
	if c.N < 1 || c.C < 1 || c.Mails < 0 || c.Redeliveries < 1 {
		return fmt.Errorf("-n and -c must be at least 1, -mails at least 0, -redeliver at least 1")
	}
	fmt.Fprintf(out, "starting the stand-ins; %d web submissions at concurrency %d, %d mails delivered %d× each at once…\n",
		c.N, c.C, c.Mails, c.Redeliveries)
	root, err := standin.Root()
	if err != nil {
		return err
	}
	svc, err := stack.Start(ctx, stack.Options{Root: root})
	if err != nil {
		return err
	}
	defer svc.Stop()

	// The local Step Functions runtime on a virtual clock held still: the
	// workflows start and run to their first wait (the verification link),
	// and no deadline comes during the run.
	clk := states.NewVirtualClock(time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC))
	rt := states.New(states.Options{Clock: clk, Logger: log})
	release := clk.Hold()
	defer func() { rt.Close(); release() }()
	api := httptest.NewServer(rt.Handler())
	defer api.Close()

	targets := svc.Endpoints()
	targets["SFN"] = api.URL
	var counted calls
	if c.CountCalls {
		for _, service := range []string{"DYNAMODB", "SESV2", "SFN"} {
			u, stop, err := counted.proxy(service, targets[service])
			if err != nil {
				return err
			}
			defer stop()
			targets[service] = u
		}
	}
	env := svc.Env()
	files, err := stack.WorkflowFiles(root)
	if err != nil {
		return err
	}
	if err := stack.InProcessEnv(env, root, targets, rt.StateMachineARN); err != nil {
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
	fns, err := workflows.Build(ctx, os.Getenv, log, setup.WithNow(clk.Now))
	if err != nil {
		return err
	}
	if err := stack.Register(rt, fns, files, nil); err != nil {
		return err
	}
	web, err := intakeweb.Handler(ctx, os.Getenv, log, setup.WithNow(clk.Now))
	if err != nil {
		return err
	}
	mailIntake, err := email.Handler(ctx, os.Getenv, log, setup.WithNow(clk.Now))
	if err != nil {
		return err
	}
	// Straight to dynalite, past any counting proxy: the floor and the counts.
	ddb := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(svc.DynamoDB.URL) })
	table := env["TABLE_NAME"]

	// The floor: one conditional PutItem per call on the same dynalite, at
	// the same concurrency, before the desk's load. dynalite (Node)
	// compiles its hot paths over its first few thousand calls, which the
	// desk's load, coming later, would not pay: warm it up first with
	// c.WarmUp such puts, not counted.
	put := func(prefix string) func(i int) error {
		return func(i int) error {
			_, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
				"PK": &types.AttributeValueMemberS{Value: fmt.Sprintf("%s#%d", prefix, i)}, "SK": &types.AttributeValueMemberS{Value: "FLOOR"},
			}, ConditionExpression: aws.String("attribute_not_exists(PK)")})
			return err
		}
	}
	if warm := concurrently(c.WarmUp, c.C, put("WARM")); warm.Errors > 0 {
		return fmt.Errorf("warm-up: %d of %d puts failed: %s", warm.Errors, c.WarmUp, warm.FirstErr)
	}
	cpu0, own0 := cpuTime(svc.DynamoDB), ownCPUTime()
	floor := concurrently(c.N, c.C, put("FLOOR"))
	floorCPU, floorOwn := cpuTime(svc.DynamoDB)-cpu0, ownCPUTime()-own0

	// The received mails: each stored in the inbound bucket by the SMTP
	// stand-in, which hands over the receipt event SES would send; the
	// events are kept and delivered below.
	receipts, err := receive(ctx, c.Mails, awsCfg, env, log, clk.Now)
	if err != nil {
		return err
	}

	submit := func(i int) error {
		form := url.Values{
			"kinds": {"deletion"}, "name": {"Load Report"}, "email": {webAddress(i)}, "state": {"CA"},
		}
		req := httptest.NewRequest(http.MethodPost, "/requests", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// An API client's own key: a form's submissionId is one the desk
		// signed, which only a GET of the form gives.
		req.Header.Set("Idempotency-Key", fmt.Sprintf("load-run-%06d", i))
		rec := httptest.NewRecorder()
		web.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("submission %d answered %d", i, rec.Code)
		}
		return nil
	}
	// The desk's calls are warmed up as the floor's were: a tenth as many
	// submissions (each makes about ten calls), not counted in the rates,
	// from addresses after the measured ones'.
	if warm := concurrently(deskWarmUp(c), c.C, func(i int) error { return submit(c.N + i) }); warm.Errors > 0 {
		return fmt.Errorf("warm-up: %d of %d submissions failed: %s", warm.Errors, deskWarmUp(c), warm.FirstErr)
	}
	settled(svc.DynamoDB)
	counted.take()
	cpu0, own0 = cpuTime(svc.DynamoDB), ownCPUTime()
	webBatch := concurrently(c.N, c.C, submit)
	// The workflows' first steps run on after the last answer.
	webCPU := settled(svc.DynamoDB) - cpu0
	webOwn := ownCPUTime() - own0
	webCalls := counted.take()
	// Every copy of a mail's receipt event next to each other: the copies
	// of one mail run at the same time.
	mailBatch := concurrently(len(receipts)*c.Redeliveries, c.C, func(i int) error {
		return mailIntake(ctx, receipts[i/c.Redeliveries])
	})

	n, err := count(ctx, c, &dynamo.Store{API: ddb, Table: table}, ddb, table, svc.SES.URL)
	if err != nil {
		return err
	}
	if c.CountCalls {
		printCalls(out, webCalls, c.N)
	}
	report(out, c, floor, webBatch, mailBatch, n, cpuFigures{floorCPU, webCPU, floorOwn, webOwn})
	if n.Duplicates != 0 || n.Lost != 0 || n.AckOnce != n.Expected || n.Unacknowledged != 0 || webBatch.Errors != 0 || mailBatch.Errors != 0 {
		return fmt.Errorf("the desk lost, doubled or failed requests under load (see the report)")
	}
	return nil
}

// deskWarmUp is how many submissions warm the desk's calls up before the
// measured ones: a tenth of the floor's warm-up puts.
func deskWarmUp(c config) int { return c.WarmUp / 10 }

// cpuTime is the stand-in's processor time so far, or 0 where it cannot be
// read (not Linux): the report then leaves its line out.
func cpuTime(s *standin.Server) time.Duration {
	d, err := s.CPUTime()
	if err != nil {
		return 0
	}
	return d
}

// ownCPUTime is this process's processor time so far (user and system),
// or 0 where it cannot be read.
func ownCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// settled is the stand-in's processor time once it has stopped growing for
// a second (the work started before has run out), or after 10 seconds.
func settled(s *standin.Server) time.Duration {
	last := cpuTime(s)
	for range 10 {
		time.Sleep(time.Second)
		now := cpuTime(s)
		if now == last {
			return now
		}
		last = now
	}
	return last
}

// receive sends n mails from distinct addresses to the SMTP stand-in and
// returns the receipt event of each, without running the intake.
func receive(ctx context.Context, n int, awsCfg aws.Config, env map[string]string, log *slog.Logger, now func() time.Time) ([]events.SimpleEmailEvent, error) {
	if n == 0 {
		return nil, nil // -mails 0: no SMTP server to start (one never served would not stop)
	}
	var mu sync.Mutex
	var got []events.SimpleEmailEvent
	cfg := smtpin.Config{
		Recipients: []string{standin.PrivacyAddress}, Bucket: env["INBOUND_BUCKET"], Prefix: env["INBOUND_PREFIX"],
		Logger: log, Now: now,
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	srv := smtpin.New(cfg, s3.NewFromConfig(awsCfg), func(_ context.Context, e events.SimpleEmailEvent) error {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
		return nil
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	defer func() { _ = srv.Close(); <-done }()
	for i := range n {
		from := mailAddress(i)
		msg := "From: Load Report <" + from + ">\r\n" +
			"To: " + standin.PrivacyAddress + "\r\n" +
			fmt.Sprintf("Message-ID: <load-%06d@load.example>\r\n", i) +
			"Subject: Delete my data\r\n" +
			"Content-Type: text/plain; charset=UTF-8\r\n\r\n" +
			"Please delete all personal information you have about me.\r\n"
		if err := smtp.SendMail(l.Addr().String(), nil, from, []string{standin.PrivacyAddress}, []byte(msg)); err != nil {
			return nil, fmt.Errorf("send mail %d: %w", i, err)
		}
	}
	if len(got) != n {
		return nil, fmt.Errorf("the SMTP stand-in handed over %d of %d receipt events", len(got), n)
	}
	return got, nil
}

// count reads back what the desk stored and sent: the request items in the
// table, each address's requests (by the ByEmail index), and each
// address's acknowledgements in the outbox.
func count(ctx context.Context, c config, store *dynamo.Store, ddb *dynamodb.Client, table, sesURL string) (counts, error) {
	var n counts
	p := dynamodb.NewScanPaginator(ddb, &dynamodb.ScanInput{
		TableName: aws.String(table), FilterExpression: aws.String("SK = :r"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":r": &types.AttributeValueMemberS{Value: "REQUEST"}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return n, fmt.Errorf("scan the table: %w", err)
		}
		n.Created += int(page.Count)
		for _, it := range page.Items {
			if _, ok := it["acknowledgedAt"]; !ok {
				n.Unacknowledged++
			}
		}
	}
	var addrs []string
	for i := range c.N + deskWarmUp(c) {
		addrs = append(addrs, webAddress(i))
	}
	for i := range c.Mails {
		addrs = append(addrs, mailAddress(i))
	}
	n.Expected = len(addrs)
	for _, a := range addrs {
		ids, err := store.EarlierRequests(ctx, a)
		if err != nil {
			return n, err
		}
		switch {
		case len(ids) == 0:
			n.Lost++
		case len(ids) > 1:
			n.Duplicates += len(ids) - 1
		}
	}
	mails, err := outbox.Read(ctx, sesURL)
	if err != nil {
		return n, err
	}
	acks := map[string]int{}
	for _, m := range mails {
		if strings.HasPrefix(m.Subject, ackSubject) {
			n.Acks++
			for _, to := range m.To {
				acks[strings.ToLower(to)]++
			}
		}
	}
	for _, a := range addrs {
		switch acks[a] {
		case 0:
			n.AckNone++
		case 1:
			n.AckOnce++
		default:
			n.AckMore++
		}
	}
	return n, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func us(d time.Duration) string { return fmt.Sprintf("%d µs", d.Microseconds()) }

// cpuFigures are processor times over the floor and over the web
// submissions: dynalite's, and this process's (the desk's functions, the
// SDK's clients, the local Step Functions runtime; for the floor, the SDK
// client making the puts). 0: unknown.
type cpuFigures struct {
	FloorDynalite, WebDynalite, FloorOwn, WebOwn time.Duration
}

// report prints the figures, the ratios last.
func report(out io.Writer, c config, floor, web, mail batch, n counts, cpu cpuFigures) {
	fmt.Fprintf(out, "\nweb submissions   %5d at concurrency %d: %7.1f/s  p50 %s  p99 %s  errors %d\n",
		web.Calls, c.C, web.rate(), ms(web.quantile(0.5)), ms(web.quantile(0.99)), web.Errors)
	fmt.Fprintf(out, "mail deliveries   %5d (%d mails × %d at once): %7.1f/s  p50 %s  p99 %s  errors %d\n",
		mail.Calls, c.Mails, c.Redeliveries, mail.rate(), ms(mail.quantile(0.5)), ms(mail.quantile(0.99)), mail.Errors)
	fmt.Fprintf(out, "floor: PutItem    %5d at concurrency %d: %7.1f/s  p50 %s  p99 %s  errors %d  (after %d puts to warm dynalite up; the desk's submissions after %d of their own)\n",
		floor.Calls, c.C, floor.rate(), ms(floor.quantile(0.5)), ms(floor.quantile(0.99)), floor.Errors, c.WarmUp, deskWarmUp(c))
	for _, b := range []batch{web, mail, floor} {
		if b.FirstErr != "" {
			fmt.Fprintf(out, "  first error: %s\n", b.FirstErr)
		}
	}
	fmt.Fprintf(out, "requests created %d (expected %d), duplicates %d, lost %d\n", n.Created, n.Expected, n.Duplicates, n.Lost)
	fmt.Fprintf(out, "acknowledgements in the outbox %d: one for %d of %d requests, none for %d, more than one for %d; not recorded on the request %d\n",
		n.Acks, n.AckOnce, n.Expected, n.AckNone, n.AckMore, n.Unacknowledged)
	if cpu.FloorDynalite > 0 && cpu.WebDynalite > 0 {
		perPut, perSubmission := cpu.FloorDynalite/time.Duration(floor.Calls), cpu.WebDynalite/time.Duration(web.Calls)
		fmt.Fprintf(out, "dynalite processor time: %s per submission (its workflow's first step included), %s per floor PutItem: %.1f PutItems' worth\n",
			us(perSubmission), us(perPut), float64(perSubmission)/float64(perPut))
	}
	if cpu.FloorOwn > 0 && cpu.WebOwn > 0 {
		perPut, perSubmission := cpu.FloorOwn/time.Duration(floor.Calls), cpu.WebOwn/time.Duration(web.Calls)
		fmt.Fprintf(out, "the desk's processor time: %s per submission (handler, SDK clients, workflow runtime and first step), %s per floor PutItem's SDK call: %.1f calls' worth\n",
			us(perSubmission), us(perPut), float64(perSubmission)/float64(perPut))
	}
	fmt.Fprintf(out, "latency ours/raw: submission p50 %s / PutItem p50 %s = %.1f×\n",
		ms(web.quantile(0.5)), ms(floor.quantile(0.5)), float64(web.quantile(0.5))/float64(floor.quantile(0.5)))
	fmt.Fprintf(out, "rate ours/raw: %.1f submissions/s / %.1f PutItem/s = %.3f×\n", web.rate(), floor.rate(), web.rate()/floor.rate())
}
