package deadline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/deadline"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/sesmail"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
	"github.com/productionflow/privacy-desk/shared/states"
)

const reminderARN = "arn:aws:lambda:us-east-1:123456789012:function:DeadlineReminderFunction"

// watch runs workflows/deadline-watch.asl.json in the local runtime on a
// virtual clock, with DeadlineReminderFunction backed by the real Service
// on dynalite and aws-ses-v2-local.
type watch struct {
	rt     *states.Runtime
	clk    *states.VirtualClock
	arn    string
	store  *dynamo.Store
	sesURL string
	cal    calendar
	// calls counts invocations of the function; after, when set, runs after
	// each one with its input (to close or extend the request midway).
	calls atomic.Int32
	after func(in deadline.Input)
	// failSends fails that many sends before letting mail through.
	failSends atomic.Int32
}

type calendar = interface{ Location() *time.Location }

// flakySender fails the first sends it is told to, then delivers.
type flakySender struct {
	next mail.Sender
	w    *watch
}

func (f flakySender) Send(ctx context.Context, m mail.Message) (string, error) {
	if f.w.failSends.Add(-1) >= 0 {
		return "", errors.New("sesmail: send email: Throttling")
	}
	return f.next.Send(ctx, m)
}

func newWatch(t *testing.T, start time.Time) *watch {
	t.Helper()
	db, ses := standin.Dynalite(t), standin.SES(t)
	ddb := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(db.URL) })
	require.NoError(t, dynamo.EnsureTable(context.Background(), ddb, "privacy-desk"))
	// dynalite makes a new table active a moment after CreateTable returns.
	require.NoError(t, dynamodb.NewTableExistsWaiter(ddb, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 20 * time.Millisecond }).
		Wait(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("privacy-desk")}, 10*time.Second))
	sesClient := sesv2.NewFromConfig(standin.Config(), func(o *sesv2.Options) { o.BaseEndpoint = aws.String(ses.URL) })

	w := &watch{store: &dynamo.Store{API: ddb, Table: "privacy-desk"}, sesURL: ses.URL}
	w.clk = states.NewVirtualClock(start)
	w.rt = states.New(states.Options{Clock: w.clk})
	t.Cleanup(w.rt.Close)
	cal := newCalendar(t)
	w.cal = cal
	svc := &deadline.Service{
		Store: w.store, Calendar: cal, TeamAddress: team, Now: w.clk.Now,
		Mail: flakySender{next: &sesmail.Sender{API: sesClient, From: "privacy-desk@productionflow.example"}, w: w},
	}
	w.rt.RegisterLambda(reminderARN, func(ctx context.Context, in deadline.Input) (deadline.Output, error) {
		w.calls.Add(1)
		out, err := svc.Remind(ctx, in)
		if err == nil && w.after != nil {
			w.after(in)
		}
		return out, err
	})
	def, err := os.ReadFile(filepath.Join("..", "..", "workflows", "deadline-watch.asl.json"))
	require.NoError(t, err)
	w.arn, err = w.rt.Register("deadline-watch", def, map[string]string{"DeadlineReminderFunctionArn": reminderARN})
	require.NoError(t, err)
	return w
}

// start stores r and starts its watch with the schedule Schedule plans.
func (w *watch) start(t *testing.T, r *request.Request) (string, []deadline.Reminder) {
	t.Helper()
	_, _, err := w.store.Create(context.Background(), r)
	require.NoError(t, err)
	watchInput := deadline.NewWatchInput(r, newCalendar(t))
	plan := watchInput.Reminders
	input, err := json.Marshal(watchInput)
	require.NoError(t, err)
	info, err := w.rt.Start(w.arn, r.ID, string(input))
	require.NoError(t, err)
	return info.ExecutionARN, plan
}

func (w *watch) wait(t *testing.T, arn string) states.ExecutionInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	info, err := w.rt.Wait(ctx, arn)
	require.NoError(t, err)
	require.Equal(t, states.StatusSucceeded, info.Status, info.Error+": "+info.Cause)
	return info
}

// mailsAbout lists the subjects of the mail the team got about request id.
func (w *watch) mailsAbout(t *testing.T, id string) []string {
	t.Helper()
	all, err := outbox.Read(context.Background(), w.sesURL)
	require.NoError(t, err)
	var subjects []string
	for _, m := range all {
		if strings.Contains(m.Subject, id) {
			assert.Equal(t, []string{team}, m.To)
			subjects = append(subjects, m.Subject)
		}
	}
	return subjects
}

type sentEvent struct {
	Action, Clock, Stage string
	At, SentAt           time.Time
}

func (w *watch) reminderEvents(t *testing.T, id string) []sentEvent {
	t.Helper()
	evs, err := w.store.Events(context.Background(), id)
	require.NoError(t, err)
	var out []sentEvent
	for _, e := range evs {
		if e.Actor != deadline.Actor {
			continue
		}
		sent, err := time.Parse(time.RFC3339, e.Data["sentAt"])
		require.NoError(t, err)
		out = append(out, sentEvent{Action: e.Action, Clock: e.Data["clock"], Stage: e.Data["stage"], At: e.At.UTC(), SentAt: sent.UTC()})
	}
	return out
}

// watchedRequest is a deletion with an opt-out of sale, received Monday 30
// November 2026 at 10:00 New York time and acknowledged at once.
func watchedRequest(t *testing.T, id string) *request.Request {
	r := openRequest(t)
	r.ID, r.SourceID = id, "sub-"+id
	return r
}

var received = time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)

// TestWatchRemindsAtEachDeadline runs a whole 90-day watch: the opt-out
// and response reminders go out at their times, the request is extended
// after the response's final reminder (so the response's "missed" is moot
// and the extended clock takes over), and the first mail fails twice and
// is retried by the workflow.
func TestWatchRemindsAtEachDeadline(t *testing.T) {
	began := time.Now()
	w := newWatch(t, received)
	r := watchedRequest(t, "PR-WTCH-0000-0000-0001")
	w.failSends.Store(2)
	w.after = func(in deadline.Input) {
		if in.Clock == deadline.ClockResponse && in.Stage == deadline.StageFinal {
			ctx := context.Background()
			now := w.clk.Now()
			require.NoError(t, w.store.SetStatus(ctx, r.ID, request.InProgress, request.Extended, now))
			require.NoError(t, w.store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: now, Actor: "team:test", Action: "status:extended"}))
		}
	}
	arn, plan := w.start(t, r)
	require.Len(t, plan, 8, "opt-out 2, response 3, extended 3")
	info := w.wait(t, arn)
	elapsed := time.Since(began)

	ny := w.cal.Location()
	utc := func(m time.Month, d, h int) time.Time {
		y := 2027
		if m >= time.November {
			y = 2026
		}
		return time.Date(y, m, d, h, 0, 0, 0, ny).UTC()
	}
	want := []sentEvent{
		// The first send failed twice: retried 60 s and then 120 s later.
		{Action: "reminder-sent", Clock: "optOut", Stage: "final", At: utc(time.December, 16, 9), SentAt: utc(time.December, 16, 9).Add(180 * time.Second)},
		{Action: "deadline-missed", Clock: "optOut", Stage: "missed", At: utc(time.December, 22, 0)},
		{Action: "reminder-sent", Clock: "response", Stage: "reminder", At: utc(time.December, 30, 9)},
		{Action: "reminder-sent", Clock: "response", Stage: "final", At: utc(time.January, 11, 9)},
		// Extended on 11 January: no "response missed" on 15 January.
		{Action: "reminder-sent", Clock: "extended", Stage: "reminder", At: utc(time.February, 12, 9)},
		{Action: "reminder-sent", Clock: "extended", Stage: "final", At: utc(time.February, 24, 9)},
		{Action: "deadline-missed", Clock: "extended", Stage: "missed", At: utc(time.March, 1, 0)},
	}
	for i := range want {
		if want[i].SentAt.IsZero() {
			want[i].SentAt = want[i].At
		}
	}
	assert.Equal(t, want, w.reminderEvents(t, r.ID))
	assert.Equal(t, []string{
		"Final reminder: opt-out of PR-WTCH-0000-0000-0001 is due Mon Dec 21",
		"Deadline missed: opt-out of PR-WTCH-0000-0000-0001 was due Mon Dec 21",
		"Reminder: response of PR-WTCH-0000-0000-0001 is due Thu Jan 14",
		"Final reminder: response of PR-WTCH-0000-0000-0001 is due Thu Jan 14",
		"Reminder: extended response of PR-WTCH-0000-0000-0001 is due Sun Feb 28",
		"Final reminder: extended response of PR-WTCH-0000-0000-0001 is due Sun Feb 28",
		"Deadline missed: extended response of PR-WTCH-0000-0000-0001 was due Sun Feb 28",
	}, w.mailsAbout(t, r.ID))

	assert.Equal(t, int32(8+2), w.calls.Load(), "eight reminders, two retries")
	assert.Equal(t, utc(time.March, 1, 0), info.StopDate.UTC(), "the watch ends with the last reminder")
	// Start; per reminder AnyLeft, NextReminder, WaitUntilDue, Remind,
	// StillOpen, Advance; two retries; the last AnyLeft and AllReminded.
	assert.Equal(t, 1+8*6+2+2, info.Transitions)
	assert.Less(t, elapsed, 10*time.Second)
	t.Logf("90 virtual days, %d transitions, in %v of wall time", info.Transitions, elapsed)
}

// TestWatchEndsWhenTheRequestCloses closes the request after its first
// reminder: the next invocation finds it closed and the execution ends
// there, weeks early, without waiting for the other reminders.
func TestWatchEndsWhenTheRequestCloses(t *testing.T) {
	w := newWatch(t, received)
	r := watchedRequest(t, "PR-WTCH-0000-0000-0002")
	var closedAt time.Time
	w.after = func(in deadline.Input) {
		if closedAt.IsZero() {
			closedAt = w.clk.Now()
			require.NoError(t, w.store.SetStatus(context.Background(), r.ID, request.InProgress, request.Completed, closedAt))
		}
	}
	arn, plan := w.start(t, r)
	info := w.wait(t, arn)

	assert.Equal(t, plan[1].At.UTC(), info.StopDate.UTC(), "ends at the first reminder after the close")
	assert.Len(t, w.mailsAbout(t, r.ID), 1)
	assert.Equal(t, int32(2), w.calls.Load())
	n, err := w.rt.Transitions(arn)
	require.NoError(t, err)
	// Start; the first reminder's six states; AnyLeft, NextReminder,
	// WaitUntilDue, Remind, StillOpen and RequestClosed.
	assert.Equal(t, 1+6+6, n)
	assert.Less(t, n, 1+len(plan)*6+2, "fewer than a full watch")
	assert.JSONEq(t, `{"open":false,"sent":false}`, mustJSON(t, info.Output, "result"))
}

// TestWatchGoesOnAfterAFailedReminder: a reminder that keeps failing is
// retried five times, then caught; the watch goes on to the next one.
func TestWatchGoesOnAfterAFailedReminder(t *testing.T) {
	w := newWatch(t, received)
	r := watchedRequest(t, "PR-WTCH-0000-0000-0003")
	r.Kinds, r.Due.Response, r.Due.Extended = []request.Kind{request.OptOutSale}, time.Time{}, time.Time{}
	w.failSends.Store(6) // the first attempt and its five retries
	arn, plan := w.start(t, r)
	require.Len(t, plan, 2)
	info := w.wait(t, arn)

	assert.Equal(t, int32(6+1), w.calls.Load())
	assert.Equal(t, []string{"Deadline missed: opt-out of PR-WTCH-0000-0000-0003 was due Mon Dec 21"}, w.mailsAbout(t, r.ID))
	hist, err := w.rt.History(arn)
	require.NoError(t, err)
	var failures []string
	for _, e := range hist {
		if e.Type == "TaskFailed" || e.Type == "LambdaFunctionFailed" {
			failures = append(failures, fmt.Sprint(e.Details["error"]))
		}
	}
	assert.Contains(t, failures, "TransientError")
	assert.Equal(t, states.StatusSucceeded, info.Status)
}

// TestWatchOfANewlyClosedRequestEndsAtOnce: nothing to watch, no waiting.
func TestWatchOfANewlyClosedRequestEndsAtOnce(t *testing.T) {
	w := newWatch(t, received)
	r := watchedRequest(t, "PR-WTCH-0000-0000-0004")
	r.Status = request.Denied
	arn, plan := w.start(t, r)
	assert.Empty(t, plan)
	info := w.wait(t, arn)
	assert.Equal(t, received, info.StopDate.UTC())
	assert.Equal(t, 3, info.Transitions, "Start, AnyLeft, AllReminded")
	assert.Zero(t, w.calls.Load())
}

func mustJSON(t *testing.T, doc, key string) string {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(doc), &m))
	return string(m[key])
}

// TestWatchWithFakes is the same workflow on in-memory fakes, so plain
// `go test` checks it where Node and the stand-ins are missing: the team
// is reminded at each time, and the watch ends once the request closes.
func TestWatchWithFakes(t *testing.T) {
	r := watchedRequest(t, "PR-FAKE-0000-0000-0001")
	store, mailer := newMemStore(r), &fakeMailer{}
	clk := states.NewVirtualClock(received)
	rt := states.New(states.Options{Clock: clk})
	t.Cleanup(rt.Close)
	svc := &deadline.Service{Store: store, Mail: mailer, Calendar: newCalendar(t), TeamAddress: team, Now: clk.Now}
	var sentAt []time.Time
	rt.RegisterLambda(reminderARN, func(ctx context.Context, in deadline.Input) (deadline.Output, error) {
		out, err := svc.Remind(ctx, in)
		if out.Sent {
			sentAt = append(sentAt, clk.Now())
		}
		if in.Clock == deadline.ClockResponse && in.Stage == deadline.StageFinal {
			store.mu.Lock()
			done := store.requests[r.ID]
			done.Status = request.Completed
			store.requests[r.ID] = done
			store.mu.Unlock()
		}
		return out, err
	})
	def, err := os.ReadFile(filepath.Join("..", "..", "workflows", "deadline-watch.asl.json"))
	require.NoError(t, err)
	machine, err := rt.Register("deadline-watch", def, map[string]string{"DeadlineReminderFunctionArn": reminderARN})
	require.NoError(t, err)
	input, err := json.Marshal(deadline.NewWatchInput(r, newCalendar(t)))
	require.NoError(t, err)
	started, err := rt.Start(machine, r.ID, string(input))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	info, err := rt.Wait(ctx, started.ExecutionARN)
	require.NoError(t, err)
	require.Equal(t, states.StatusSucceeded, info.Status, info.Error+": "+info.Cause)

	ny := newCalendar(t).Location()
	assert.Equal(t, []time.Time{
		time.Date(2026, 12, 16, 9, 0, 0, 0, ny).UTC(), // opt-out final
		time.Date(2026, 12, 22, 0, 0, 0, 0, ny).UTC(), // opt-out missed
		time.Date(2026, 12, 30, 9, 0, 0, 0, ny).UTC(), // response reminder
		time.Date(2027, 1, 11, 9, 0, 0, 0, ny).UTC(),  // response final; then the request closes
	}, utcAll(sentAt))
	assert.Len(t, mailer.sent, 4)
	assert.Equal(t, time.Date(2027, 1, 15, 0, 0, 0, 0, ny).UTC(), info.StopDate.UTC(), "ends at the next reminder, not on day 90")
}

func utcAll(ts []time.Time) []time.Time {
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = t.UTC()
	}
	return out
}
