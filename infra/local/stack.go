package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/setup"
	teamconsole "github.com/productionflow/privacy-desk/shared/setup/console"
	deskdeadline "github.com/productionflow/privacy-desk/shared/setup/deadline"
	intakeweb "github.com/productionflow/privacy-desk/shared/setup/intake/web"
	"github.com/productionflow/privacy-desk/shared/setup/teamdigest"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/downstream"
	"github.com/productionflow/privacy-desk/shared/standin/stack"
	"github.com/productionflow/privacy-desk/shared/states"
)

type options struct {
	Addr       string
	DataDir    string
	SESPort    int
	DynamoPort int
	// CognitoPort is the user pool stand-in's (the console's sign-in).
	CognitoPort int
	SMTPPort    int    // the local SES receiving stand-in (mailin.go)
	StatesAddr  string // the local Step Functions endpoint (workflows.go)
	InMemory    bool
	// ready, when set, receives the stack's addresses once it serves.
	ready chan<- addresses
	// calls, when set (tests), records the AWS calls each function makes.
	calls *callLog
}

// function is what a function of the stack is built with: the desk's
// movable clock and, in tests, the recorder of its AWS calls under its
// template logical ID.
func (o options) function(id string, now func() time.Time) []setup.Option {
	opts := []setup.Option{setup.WithNow(now)}
	if o.calls != nil {
		opts = append(opts, setup.WithHTTP(o.calls.recorder(id)))
	}
	return opts
}

type addresses struct {
	Form, Outbox, DynamoDB string
	// Console is the team console; Cognito the user pool stand-in, and
	// Team its pool and demo users.
	Console, Cognito string
	Team             standin.Team
	SMTP, S3         string // mail-in: host:port of the SMTP listener, S3 endpoint
	StepFunctions    string // the local Step Functions API and /_local endpoints
	// Downstream are the downstream systems' stand-ins, to look into.
	Downstream *downstream.Systems
}

// run starts the stand-ins (with the table and buckets), serves the desk
// and blocks until ctx ends; then it stops everything it started. It first
// makes sure no other desk runs on the same data folder or ports.
func run(ctx context.Context, opt options, out io.Writer, log *slog.Logger) error {
	data, err := filepath.Abs(opt.DataDir)
	if err != nil {
		return err
	}
	release, err := standin.LockDir(data)
	if errors.Is(err, standin.ErrInUse) {
		return fmt.Errorf("a desk is already running with the data folder %s (it is locked): stop it first (Ctrl-C where it runs), or give this one another folder with -data", data)
	}
	if err != nil {
		return err
	}
	defer release()
	if err := checkPorts(opt); err != nil {
		return err
	}

	fmt.Fprintln(out, "starting the local stand-ins (dynalite, aws-ses-v2-local, gofakes3, cognito-local, SMTP, downstream systems)…")
	// The downstream systems the registry calls, and the secrets their
	// calls authenticate with, start too: the built-in production registry
	// runs against them with only its origins rebased.
	svcOpt := stack.Options{DynamoPort: opt.DynamoPort, SESPort: opt.SESPort, CognitoPort: opt.CognitoPort}
	if !opt.InMemory {
		svcOpt.DynamoDataDir = filepath.Join(data, "dynalite")
		svcOpt.CognitoDataDir = filepath.Join(data, "cognito")
	}
	svc, err := stack.Start(ctx, svcOpt)
	if err != nil {
		return err
	}
	defer svc.Stop()

	// The SDK reads endpoints and credentials from the environment, as on
	// Lambda; the local stack is the one place that sets them. env keeps
	// what was set, for the env file.
	env := map[string]string{}
	if err := setEnv(env, svc.Env()); err != nil {
		return err
	}
	awsCfg, err := setup.LoadAWS(ctx)
	if err != nil {
		return err
	}

	// The form's address first: the verification links point at it.
	l, err := net.Listen("tcp", opt.Addr)
	if err != nil {
		return fmt.Errorf("listen for the web form on %s: %w", opt.Addr, err)
	}
	defer l.Close()
	formURL := "http://" + l.Addr().String() + "/"

	root, err := standin.Root()
	if err != nil {
		return err
	}
	stateDir := ""
	if !opt.InMemory {
		stateDir = filepath.Join(data, "states")
	}
	statesAddr := opt.StatesAddr
	if statesAddr == "" {
		statesAddr = "127.0.0.1:0"
	}
	// What the functions need before they are registered: the workflows'
	// ARNs, the export bucket, the manual-task confirm page, and the
	// downstream stand-ins' origins and secrets endpoint.
	names, err := workflowFiles(root)
	if err != nil {
		return err
	}
	workflowARNs := map[string]string{}
	for _, name := range names {
		workflowARNs[setup.ARNVariable(name)] = machineARN(name)
	}
	if err := setEnv(env, workflowARNs, standin.SiteEnv(formURL)); err != nil {
		return err
	}
	// The team's user pool, as the template makes it on AWS, with a demo
	// member of the privacy team and a user outside it.
	team, err := standin.SeedTeam(ctx, svc.Cognito.URL, formURL+"console/")
	if err != nil {
		return err
	}
	if err := setEnv(env, team.Env); err != nil {
		return err
	}
	setSFN := func(url string) error {
		return setEnv(env, map[string]string{"AWS_ENDPOINT_URL_SFN": url})
	}
	wf, err := startWorkflows(root, stateDir, statesAddr, setSFN, registerFunctions(ctx, log, opt), substitutions(root), log)
	if err != nil {
		return err
	}
	defer wf.Stop()

	// The desk reads the same movable clock as the workflows.
	now := wf.Runtime.Clock().Now
	web, err := intakeweb.Handler(ctx, os.Getenv, log, opt.function("IntakeWebFunction", now)...)
	if err != nil {
		_ = l.Close()
		return err
	}
	console, err := teamconsole.Handler(ctx, os.Getenv, log, opt.function("ConsoleFunction", now)...)
	if err != nil {
		_ = l.Close()
		return err
	}
	// The team's daily digest runs on a schedule on AWS; here a POST
	// sends it now, as of the desk's clock.
	digest, err := teamdigest.Digest(ctx, os.Getenv, log, opt.function("TeamDigestFunction", now)...)
	if err != nil {
		_ = l.Close()
		return err
	}
	// The deadline sweep runs on a schedule on AWS; here on the desk's
	// clock, each hour and whenever the clock is moved on, and a POST
	// sweeps now.
	sweep, err := deskdeadline.Sweep(ctx, os.Getenv, log, opt.function("DeadlineReminderFunction", now)...)
	if err != nil {
		_ = l.Close()
		return err
	}
	sweeps := &sweeper{clock: wf.Runtime.Clock(), sweep: sweep, log: log}
	if stateDir != "" {
		sweeps.file = filepath.Join(data, "deadline-sweep")
	}
	sweepCtx, stopSweeps := context.WithCancel(ctx)
	defer stopSweeps()
	go sweeps.run(sweepCtx)
	site := http.NewServeMux()
	site.HandleFunc("POST /_local/sweep", runNow(log, "deadline sweep", func(ctx context.Context) (any, error) { return sweeps.now(ctx) }))
	site.Handle("/console", console)
	site.Handle("/console/", console)
	// SES's bounces and complaints reach the mail-events function through
	// SNS and SQS on AWS; here a POST hands one over (mailevents.go).
	sesEvents, err := mailEventsRoute(ctx, log, opt.function("MailEventsFunction", now))
	if err != nil {
		_ = l.Close()
		return err
	}
	site.HandleFunc("POST /_local/ses-event", sesEvents)
	ownerDigest, err := ownerDigestRoute(ctx, log, opt.function("FulfilTasksFunction", now))
	if err != nil {
		_ = l.Close()
		return err
	}
	site.HandleFunc("POST /_local/owner-digest", ownerDigest)
	site.HandleFunc("POST /_local/digest", runNow(log, "team digest", func(ctx context.Context) (any, error) { return digest(ctx) }))
	site.Handle("/", web)
	mail, err := startMailIn(ctx, opt.SMTPPort, awsCfg, log, now, opt.function("IntakeEmailFunction", now))
	if err != nil {
		_ = l.Close()
		return err
	}
	defer mail.Stop()
	if err := writeEnvFile(filepath.Join(data, "env"), env); err != nil {
		_ = l.Close()
		return err
	}
	srv := &http.Server{Handler: site, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()

	addrs := addresses{Form: formURL, Outbox: svc.SES.URL + "/", DynamoDB: svc.DynamoDB.URL, SMTP: mail.Addr, S3: svc.S3, StepFunctions: wf.URL, Downstream: svc.Systems,
		Console: formURL + "console/", Cognito: svc.Cognito.URL, Team: team}
	fmt.Fprintf(out, "\nThe privacy desk is running.\n  web form:   %s\n  console:    %s\n  outbox:     %s\n  DynamoDB:   %s\n  SMTP:       localhost:%s (mail to %s)\n  S3:         %s\n  Step Functions: %s (move the clock: POST %s/_local/clock/advance?by=720h)\n  digest:     POST %s_local/digest (the team's daily digest, now)\n  sweep:      POST %s_local/sweep (the hourly deadline sweep, now; it also runs on each hour of the clock)\n  env file:   %s (for make invoke)\n",
		addrs.Form, addrs.Console, addrs.Outbox, addrs.DynamoDB, mail.Port(), standin.PrivacyAddress, addrs.S3, wf.URL, wf.URL, formURL, formURL, filepath.Join(data, "env"))
	fmt.Fprintf(out, "  clock:      %s\n", clockWords(wf.Runtime.Clock(), data))
	fmt.Fprintf(out, "  SES events: POST %s_local/ses-event (a bounce or complaint as SES publishes it: events/ses-bounce.json)\n", formURL)
	fmt.Fprintf(out, "  owners' digest: POST %s_local/owner-digest (each owner's daily digest of their tasks, now)\n", formURL)
	fmt.Fprintf(out, "console: sign in at %s as %s, password %s (in the %s group); %s, same password, is outside it and is refused (user pool stand-in: %s)\n",
		addrs.Console, team.Member.Username, team.Member.Password, team.Group, team.Outsider.Username, svc.Cognito.URL)
	fmt.Fprintln(out, "Downstream systems (stand-ins, in memory, reseeded at each start):")
	for _, o := range slices.Sorted(maps.Keys(svc.Systems.Origins())) {
		fmt.Fprintf(out, "  %s → %s\n", o, svc.Systems.Origins()[o])
	}
	for _, p := range svc.Systems.People() {
		fmt.Fprintf(out, "demo person: %s — %s\n", p.Email, p.Description)
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop.")
	if opt.ready != nil {
		opt.ready <- addrs
	}

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	fmt.Fprintln(out, "stopping…")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// checkPorts makes sure the fixed ports the stack listens on are free, and
// says plainly which one is taken, most likely by a desk already running.
func checkPorts(opt options) error {
	for _, p := range []struct{ addr, what, flag string }{
		{opt.Addr, "the web form", "-addr"},
		{fmt.Sprintf("127.0.0.1:%d", opt.SESPort), "the SES outbox", "-ses-port"},
		{fmt.Sprintf("127.0.0.1:%d", opt.DynamoPort), "DynamoDB", "-dynamodb-port"},
		{fmt.Sprintf("127.0.0.1:%d", opt.CognitoPort), "the user pool stand-in", "-cognito-port"},
		{fmt.Sprintf("127.0.0.1:%d", opt.SMTPPort), "the SMTP listener", "-smtp-port"},
		{opt.StatesAddr, "Step Functions", "-states-addr"},
	} {
		if p.addr == "" {
			continue
		}
		err := standin.CheckFree(p.addr)
		if errors.Is(err, standin.ErrInUse) {
			return fmt.Errorf("%s is already taken (the port of %s): is a desk already running? Stop it first (Ctrl-C where it runs), or choose another port with %s", p.addr, p.what, p.flag)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// setEnv sets each group of variables in the process environment and
// records them in env.
func setEnv(env map[string]string, groups ...map[string]string) error {
	for _, g := range groups {
		for k, v := range g {
			if err := os.Setenv(k, v); err != nil {
				return err
			}
			env[k] = v
		}
	}
	return nil
}

// writeEnvFile records the local configuration so make invoke can run a
// built function against the same stand-ins.
func writeEnvFile(path string, env map[string]string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, env[k])
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// runNow serves a POST that runs now what a schedule runs on AWS (the
// deadline sweep, a digest) and answers with what it did, as JSON (counts,
// no address); 500 when it failed, the cause in the desk's log.
func runNow(log *slog.Logger, what string, job func(context.Context) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, err := job(r.Context())
		if err != nil {
			log.ErrorContext(r.Context(), "local: "+what+" failed", "error", err)
			http.Error(w, "the "+what+" failed: see the desk's log", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(res)
	}
}

// clockWords says where the desk's clock stands: this machine's time, or
// ahead of it as an earlier run left it (kept with the data).
func clockWords(c states.Clock, data string) string {
	now := c.Now().UTC().Format("2006-01-02 15:04 MST")
	rc, ok := c.(*states.RealClock)
	if !ok || rc.Offset() == 0 {
		return now + " (this machine's time; the outbox starts empty at each start)"
	}
	return fmt.Sprintf("%s, %s ahead of this machine's, as moved on an earlier run (kept in %s; delete the folder to start afresh); the outbox starts empty at each start",
		now, rc.Offset(), data)
}
