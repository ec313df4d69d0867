package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
	"github.com/productionflow/privacy-desk/shared/states"
)

// deskEnv is the local configuration the stack runs the desk with.
var deskEnv = standin.DeskEnv()

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestLocalStack runs the stack as make run does (on free ports, data in a
// temporary folder), submits the form and finds the acknowledgement in the
// outbox; then stops it and checks the stand-ins are gone.
func TestLocalStack(t *testing.T) {
	if _, err := os.Stat("node_modules/.bin/dynalite"); err != nil && !standin.Required() {
		t.Skip("skipping: the stand-ins are not installed (make test installs them)")
	}
	standin.KeepEnv(t) // run sets the desk's environment
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan addresses, 1)
	data := t.TempDir()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, options{Addr: "127.0.0.1:0", DataDir: data, SESPort: 0, ready: ready, calls: recorded}, out, slog.New(slog.DiscardHandler))
	}()
	var addrs addresses
	select {
	case addrs = <-ready:
	case err := <-done:
		t.Fatalf("stack stopped early: %v\n%s", err, out.String())
	case <-time.After(hangGuard):
		t.Fatal("stack did not start")
	}
	assert.Contains(t, out.String(), "web form:   "+addrs.Form)
	assert.Contains(t, out.String(), "outbox:     "+addrs.Outbox)
	assert.Contains(t, out.String(), "console: sign in at "+addrs.Console+" as alice, password "+addrs.Team.Member.Password+" (in the privacy-team group)",
		"make run prints the demo team member's credentials")
	for _, p := range addrs.Downstream.People() {
		assert.Contains(t, out.String(), "demo person: "+p.Email+" — ", "the demo people are listed at start")
	}
	assert.Contains(t, out.String(), "demo person: ada@example.com — in every system")

	res, err := http.Get(addrs.Form)
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	start := strings.Index(string(page), `name="submissionId" value="`) + len(`name="submissionId" value="`)
	submissionID := string(page[start : start+strings.IndexByte(string(page[start:]), '"')])

	res, err = http.PostForm(strings.TrimSuffix(addrs.Form, "/")+"/requests", url.Values{
		"submissionId": {submissionID}, "kinds": {"opt-out-sale"}, "name": {"Local Tester"}, "email": {"tester@example.com"},
	})
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	assert.Contains(t, string(body), "We have received your request")

	// An opt-out needs no verification: its confirmation is the requester's
	// only mail so far (owners may already be getting their tasks).
	mails := outboxFor(t, strings.TrimSuffix(addrs.Outbox, "/"), "tester@example.com")
	require.Len(t, mails, 1)
	assert.Contains(t, mails[0].Subject, "opt-out")

	// The local Step Functions endpoint answers the SDK, and its clock moves.
	sfnClient := sfn.NewFromConfig(standin.Config(), func(o *sfn.Options) { o.BaseEndpoint = aws.String(addrs.StepFunctions) })
	machines, err := sfnClient.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	require.NoError(t, err)
	files, _ := filepath.Glob("../../workflows/*.asl.json")
	assert.Len(t, machines.StateMachines, len(files), "every workflow is registered")
	// Nothing runs per request while it waits: the hourly deadline sweep
	// on the desk's clock reminds the team.
	requestID := regexp.MustCompile(`PR-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}`).FindString(string(body))
	require.NotEmpty(t, requestID)

	// Moving the local clock 40 days on brings the team's reminder of the
	// opt-out deadline (15 business days).
	res, err = http.Post(addrs.StepFunctions+"/_local/clock/advance?by=960h", "", nil)
	require.NoError(t, err)
	clockBody, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(clockBody))
	var reminder *outbox.Email
	eventually(func() bool {
		mails, err = outbox.Read(ctx, strings.TrimSuffix(addrs.Outbox, "/"))
		require.NoError(t, err)
		for i := range mails {
			if slices.Contains(mails[i].To, deskEnv["TEAM_ADDRESS"]) && strings.Contains(mails[i].Subject, requestID) &&
				strings.Contains(mails[i].Subject, "opt-out of ") {
				reminder = &mails[i]
			}
		}
		return reminder != nil
	})
	if reminder == nil {
		for _, m := range mails {
			t.Logf("mail to %v: %s", m.To, m.Subject)
		}
	}
	require.NotNil(t, reminder, "a deadline reminder reaches the team after the clock moves")
	assert.NotContains(t, reminder.Text, "tester@example.com", "team reminders carry no requester data")

	envFile, err := os.ReadFile(filepath.Join(data, "env"))
	require.NoError(t, err)
	assert.Contains(t, string(envFile), "AWS_ENDPOINT_URL_DYNAMODB="+addrs.DynamoDB)
	assert.Contains(t, string(envFile), "AWS_ENDPOINT_URL_SFN="+addrs.StepFunctions)
	assert.Contains(t, string(envFile), "SYSTEMS_REBASE="+addrs.Downstream.Rebase(), "make invoke runs the built-in registry against the same stand-ins")
	assert.Contains(t, string(envFile), "AWS_ENDPOINT_URL_SECRETS_MANAGER="+addrs.Downstream.SecretsURL())
	assert.NotContains(t, string(envFile), "SYSTEMS_FILE")
	_, err = os.Stat(filepath.Join(data, "dynalite"))
	assert.NoError(t, err, "make run keeps DynamoDB data on disk")

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(hangGuard):
		t.Fatal("stack did not stop")
	}
	_, err = http.Get(addrs.DynamoDB)
	assert.Error(t, err, "dynalite must stop with the stack")
}

// TestAlreadyRunning starts the stack where a desk already runs — its data
// folder locked, or one of its ports taken — and expects a plain message
// before anything starts.
func TestAlreadyRunning(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	locked := t.TempDir()
	release, err := standin.LockDir(locked)
	require.NoError(t, err)
	defer release()

	tests := []struct {
		name string
		opt  options
		want []string
	}{
		{"the data folder is locked", options{Addr: "127.0.0.1:0", DataDir: locked},
			[]string{"a desk is already running with the data folder " + locked, "-data"}},
		{"the form's port is taken", options{Addr: taken.Addr().String(), DataDir: t.TempDir()},
			[]string{taken.Addr().String() + " is already taken (the port of the web form)", "is a desk already running?", "-addr"}},
		{"the outbox's port is taken", options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), SESPort: port},
			[]string{taken.Addr().String() + " is already taken (the port of the SES outbox)", "-ses-port"}},
		{"the SMTP port is taken", options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), SMTPPort: port},
			[]string{taken.Addr().String() + " is already taken (the port of the SMTP listener)", "-smtp-port"}},
		{"the Step Functions port is taken", options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), StatesAddr: taken.Addr().String()},
			[]string{taken.Addr().String() + " is already taken (the port of Step Functions)", "-states-addr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := &syncBuffer{}
			err := run(context.Background(), tt.opt, out, slog.New(slog.DiscardHandler))
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Empty(t, out.String(), "nothing started")
		})
	}

	// Once the other desk stops, the folder is free again.
	require.NoError(t, release())
	again, err := standin.LockDir(locked)
	require.NoError(t, err)
	require.NoError(t, again())
}

// TestTheDeskClockIsKeptWithItsData: a move of the desk's clock is kept in
// the data folder, and the next start reads it, so a restart does not take
// the desk back in time behind its own data; a file that is not a
// duration stops the start with a clear message.
func TestTheDeskClockIsKeptWithItsData(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	first, err := keptClock(dir, log)
	require.NoError(t, err)
	assert.Equal(t, time.Duration(0), first.Offset(), "a new data folder: this machine's time")
	first.Advance(720 * time.Hour)

	again, err := keptClock(dir, log)
	require.NoError(t, err)
	assert.Equal(t, 720*time.Hour, again.Offset(), "the next run starts where the last one left the clock")
	assert.Contains(t, clockWords(again, dir), "720h0m0s ahead of this machine's")
	assert.Contains(t, clockWords(states.NewRealClock(), dir), "(this machine's time;")

	// Moves made at once are all kept, the furthest last, in one file.
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); again.Advance(time.Hour) }()
	}
	wg.Wait()
	kept, err := keptClock(dir, log)
	require.NoError(t, err)
	assert.Equal(t, 740*time.Hour, kept.Offset())
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, files, 1, "no temporary file left beside it")

	require.NoError(t, os.WriteFile(filepath.Join(dir, clockFile), []byte("soon\n"), 0o600))
	_, err = keptClock(dir, log)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "delete it to start from this machine's time")
}
