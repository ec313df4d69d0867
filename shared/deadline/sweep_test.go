package deadline_test

import (
	"context"
	"errors"
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
)

// OpenWork makes memStore a deadline.OpenStore: every request not closed.
func (m *memStore) OpenWork(context.Context) ([]request.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []request.Request
	for _, r := range m.requests {
		if !r.Status.Closed() {
			out = append(out, r)
		}
	}
	return out, nil
}

// sweeper runs the hourly sweep on dynalite and aws-ses-v2-local, on a
// clock the test moves.
type sweeper struct {
	store  *dynamo.Store
	sesURL string
	svc    *deadline.Service
	now    time.Time
	// failSends fails that many sends before letting mail through.
	failSends atomic.Int32
}

// flakySender fails the first sends it is told to, then delivers.
type flakySender struct {
	next mail.Sender
	s    *sweeper
}

func (f flakySender) Send(ctx context.Context, m mail.Message) (string, error) {
	if f.s.failSends.Add(-1) >= 0 {
		return "", errors.New("sesmail: send email: Throttling")
	}
	return f.next.Send(ctx, m)
}

func newSweeper(t *testing.T, start time.Time) *sweeper {
	t.Helper()
	db, ses := standin.Dynalite(t), standin.SES(t)
	ddb := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(db.URL) })
	require.NoError(t, dynamo.EnsureTable(context.Background(), ddb, "privacy-desk"))
	require.NoError(t, dynamodb.NewTableExistsWaiter(ddb, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 20 * time.Millisecond }).
		Wait(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("privacy-desk")}, time.Minute))
	sesClient := sesv2.NewFromConfig(standin.Config(), func(o *sesv2.Options) { o.BaseEndpoint = aws.String(ses.URL) })
	s := &sweeper{store: &dynamo.Store{API: ddb, Table: "privacy-desk"}, sesURL: ses.URL, now: start}
	s.svc = &deadline.Service{
		Store: s.store, Open: s.store, Calendar: newCalendar(t), TeamAddress: team, Now: func() time.Time { return s.now },
		Mail: flakySender{next: &sesmail.Sender{API: sesClient, From: "privacy-desk@productionflow.example"}, s: s},
	}
	return s
}

// hourly runs the sweep every hour on the hour until end, as the schedule
// does; a failed run is run again for the same window a minute later, as
// the scheduler's retry does. after, when set, runs after each sweep.
func (s *sweeper) hourly(t *testing.T, end time.Time, after func(at time.Time)) (runs, retries int) {
	t.Helper()
	at := s.now.Truncate(time.Hour).Add(time.Hour)
	for ; !at.After(end); at = at.Add(time.Hour) {
		s.now = at
		for attempt := 0; ; attempt++ {
			runs++
			_, err := s.svc.Sweep(context.Background(), deadline.SweepInput{At: at})
			if err == nil {
				break
			}
			var te *deadline.TransientError
			require.ErrorAs(t, err, &te)
			require.Less(t, attempt, 5, "the scheduler retries a failing run")
			retries++
			s.now = s.now.Add(time.Minute)
		}
		if after != nil {
			after(at)
		}
	}
	return runs, retries
}

func (s *sweeper) mailsAbout(t *testing.T, id string) []string {
	t.Helper()
	all, err := outbox.Read(context.Background(), s.sesURL)
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

func reminderEvents(t *testing.T, store deadline.Store, id string) []sentEvent {
	t.Helper()
	evs, err := store.Events(context.Background(), id)
	require.NoError(t, err)
	var out []sentEvent
	for _, e := range evs {
		if e.Actor != deadline.Actor {
			continue
		}
		when := e.Data["sentAt"]
		if e.Action == deadline.ActionReminderSkipped {
			when = e.Data["skippedAt"]
		}
		sent, err := time.Parse(time.RFC3339, when)
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

// TestSweepRemindsAtEachDeadline runs 92 days of hourly sweeps: the
// opt-out and response reminders go out at their times, the request is
// extended after the response's final reminder (so the response's
// "missed" is moot and the extended clock takes over), and the first mail
// fails twice and goes out on the scheduler's second retry.
func TestSweepRemindsAtEachDeadline(t *testing.T) {
	s := newSweeper(t, received)
	r := watchedRequest(t, "PR-WTCH-0000-0000-0001")
	_, _, err := s.store.Create(context.Background(), r)
	require.NoError(t, err)
	require.Len(t, deadline.Schedule(r, newCalendar(t)), 8, "opt-out 2, response 3, extended 3")
	s.failSends.Store(2)

	ny := newCalendar(t).Location()
	utc := func(m time.Month, d, h int) time.Time {
		y := 2027
		if m >= time.November {
			y = 2026
		}
		return time.Date(y, m, d, h, 0, 0, 0, ny).UTC()
	}
	extended := false
	runs, retries := s.hourly(t, received.AddDate(0, 0, 92), func(at time.Time) {
		if !extended && !at.Before(utc(time.January, 11, 9)) {
			extended = true
			ctx := context.Background()
			require.NoError(t, s.store.SetStatus(ctx, r.ID, request.InProgress, request.Extended, at))
			require.NoError(t, s.store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: at, Actor: "team:test", Action: "status:extended"}))
		}
	})
	assert.Equal(t, 2, retries)
	assert.Equal(t, 92*24+retries, runs)

	want := []sentEvent{
		// The first send failed twice: the window ran again a minute, then two minutes later.
		{Action: "reminder-sent", Clock: "optOut", Stage: "final", At: utc(time.December, 16, 9), SentAt: utc(time.December, 16, 9).Add(2 * time.Minute)},
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
	assert.Equal(t, want, reminderEvents(t, s.store, r.ID))
	assert.Equal(t, []string{
		"Final reminder: opt-out of PR-WTCH-0000-0000-0001 is due Mon Dec 21",
		"Deadline missed: opt-out of PR-WTCH-0000-0000-0001 was due Mon Dec 21",
		"Reminder: response of PR-WTCH-0000-0000-0001 is due Thu Jan 14",
		"Final reminder: response of PR-WTCH-0000-0000-0001 is due Thu Jan 14",
		"Reminder: extended response of PR-WTCH-0000-0000-0001 is due Sun Feb 28",
		"Final reminder: extended response of PR-WTCH-0000-0000-0001 is due Sun Feb 28",
		"Deadline missed: extended response of PR-WTCH-0000-0000-0001 was due Sun Feb 28",
	}, s.mailsAbout(t, r.ID))
}

// TestSweepForgetsAClosedRequest: once the request closes, no sweep mails
// about it again.
func TestSweepForgetsAClosedRequest(t *testing.T) {
	s := newSweeper(t, received)
	r := watchedRequest(t, "PR-WTCH-0000-0000-0002")
	_, _, err := s.store.Create(context.Background(), r)
	require.NoError(t, err)
	plan := deadline.Schedule(r, newCalendar(t))
	closed := false
	s.hourly(t, plan[len(plan)-1].At.Add(time.Hour), func(at time.Time) {
		if !closed && !at.Before(plan[0].At) {
			closed = true
			require.NoError(t, s.store.SetStatus(context.Background(), r.ID, request.InProgress, request.Completed, at))
		}
	})
	assert.Len(t, s.mailsAbout(t, r.ID), 1, "only the reminder before the close")
}

// TestSweepWithFakes is the sweep on in-memory fakes, so plain `go test`
// checks it where the stand-ins are missing: one request's reminders go
// out once each however often the window is swept again, a failed mail
// leaves the others of the window sent and makes the run fail (so the
// schedule retries it), and a window must be a window.
func TestSweepWithFakes(t *testing.T) {
	a, b := watchedRequest(t, "PR-FAKE-0000-0000-0001"), watchedRequest(t, "PR-FAKE-0000-0000-0002")
	store, mailer := newMemStore(a, b), &fakeMailer{}
	ny := newCalendar(t).Location()
	optOutFinal := time.Date(2026, 12, 16, 9, 0, 0, 0, ny)
	now := optOutFinal
	svc := &deadline.Service{Store: store, Open: store, Mail: mailer, Calendar: newCalendar(t), TeamAddress: team,
		Now: func() time.Time { return now }}
	ctx := context.Background()

	res, err := svc.Sweep(ctx, deadline.SweepInput{At: optOutFinal})
	require.NoError(t, err)
	assert.Equal(t, deadline.SweepResult{Open: 2, Due: 2, Sent: 2}, res)

	res, err = svc.Sweep(ctx, deadline.SweepInput{At: optOutFinal})
	require.NoError(t, err)
	assert.Equal(t, deadline.SweepResult{Open: 2, Due: 2, Skipped: 2}, res, "the same window again sends nothing")

	// A long window (the local clock moved a month at once) sends each
	// reminder planned in it, the missed opt-out and the response's first.
	now = time.Date(2027, 1, 5, 12, 0, 0, 0, ny)
	res, err = svc.Sweep(ctx, deadline.SweepInput{Since: optOutFinal, At: now})
	require.NoError(t, err)
	assert.Equal(t, deadline.SweepResult{Open: 2, Due: 4, Sent: 4}, res)
	assert.Len(t, mailer.sent, 6)

	// The response's final reminder, with mail down.
	responseFinal := time.Date(2027, 1, 11, 9, 0, 0, 0, ny)
	now = responseFinal
	mailer.err = errors.New("sesmail: send email: Throttling")
	res, err = svc.Sweep(ctx, deadline.SweepInput{At: responseFinal})
	var te *deadline.TransientError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, deadline.SweepResult{Open: 2, Due: 2, Failed: 2}, res)
	mailer.err = nil
	res, err = svc.Sweep(ctx, deadline.SweepInput{At: responseFinal})
	require.NoError(t, err)
	assert.Equal(t, deadline.SweepResult{Open: 2, Due: 2, Sent: 2}, res, "the retried run sends what failed")

	_, err = svc.Sweep(ctx, deadline.SweepInput{Since: responseFinal, At: responseFinal})
	var ie *deadline.InputError
	require.ErrorAs(t, err, &ie)

	for _, m := range mailer.sent {
		assert.Equal(t, []string{team}, m.To)
		assert.NotContains(t, m.Text, "grace@example.com", "no personal data in the team's reminder")
	}
}

// TestALateSweepSendsOnlyTheMissedNotice is the new-user trial's sweep: the
// clock jumped past the response's deadline (Thu 14 Jan) before the window
// holding its final reminder was swept. The team gets "Deadline missed",
// never a "Final reminder: ... is close" with days left as of the day after;
// the final reminder is recorded as skipped, and sweeping the window again
// sends and records nothing.
func TestALateSweepSendsOnlyTheMissedNotice(t *testing.T) {
	r := watchedRequest(t, "PR-LATE-0000-0000-0001")
	store, mailer := newMemStore(r), &fakeMailer{}
	ny := newCalendar(t).Location()
	since := time.Date(2027, 1, 5, 12, 0, 0, 0, ny) // after the response's first reminder
	now := time.Date(2027, 1, 15, 9, 0, 0, 0, ny)
	svc := &deadline.Service{Store: store, Open: store, Mail: mailer, Calendar: newCalendar(t), TeamAddress: team,
		Now: func() time.Time { return now }}
	ctx := context.Background()

	res, err := svc.Sweep(ctx, deadline.SweepInput{Since: since, At: now})
	require.NoError(t, err)
	assert.Equal(t, deadline.SweepResult{Open: 1, Due: 2, Sent: 1, Skipped: 1}, res)
	require.Len(t, mailer.sent, 1)
	assert.Equal(t, "Deadline missed: response of PR-LATE-0000-0000-0001 was due Thu Jan 14", mailer.sent[0].Subject)
	assert.NotContains(t, mailer.sent[0].Text, "Days left")
	assert.Equal(t, []sentEvent{
		{Action: deadline.ActionReminderSkipped, Clock: "response", Stage: "final",
			At: time.Date(2027, 1, 11, 9, 0, 0, 0, ny).UTC(), SentAt: now.UTC()},
		{Action: "deadline-missed", Clock: "response", Stage: "missed",
			At: time.Date(2027, 1, 15, 0, 0, 0, 0, ny).UTC(), SentAt: now.UTC()},
	}, reminderEvents(t, store, r.ID))

	now = now.Add(time.Hour)
	res, err = svc.Sweep(ctx, deadline.SweepInput{Since: since, At: now.Add(-time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, deadline.SweepResult{Open: 1, Due: 2, Skipped: 2}, res, "the same window again")
	assert.Len(t, mailer.sent, 1)
	assert.Len(t, reminderEvents(t, store, r.ID), 2)
}
