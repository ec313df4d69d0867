package fulfil_test

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/token"
)

// digestTasks is memTasks with what the digest needs of *task.Store: the
// open requests (from the request store) and the day's mark, with the
// same condition as the table's.
type digestTasks struct {
	*memTasks
	store    *memStore
	failMark int // the next failMark marks fail, as a table that does not answer
}

var _ fulfil.DigestTasks = (*digestTasks)(nil)

func (d *digestTasks) OpenRequests(context.Context) ([]string, error) {
	d.store.mu.Lock()
	defer d.store.mu.Unlock()
	var ids []string
	for id, r := range d.store.requests {
		if !r.Status.Closed() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func (d *digestTasks) MarkDigested(_ context.Context, id, sys, action, day string, at time.Time, first bool) error {
	if d.failMark > 0 {
		d.failMark--
		return errors.New("dynamodb: RequestLimitExceeded")
	}
	return d.change(id, sys, action, func(t *connector.Task) error {
		if t.Answered() || t.DigestDay == day {
			return connector.ErrInDigest
		}
		t.DigestDay = day
		if first {
			t.MailedAt = at
		} else {
			t.RemindedAt = at
		}
		return nil
	})
}

const (
	archivist = "archivist@productionflow.example"
	ledgerer  = "ledger@productionflow.example"
	taskPage  = "https://privacy.productionflow.example/tasks/confirm"
)

// digestRegistry: the paper archive's owner erases by hand (72 hours);
// the ledger's owner corrects by hand.
const digestRegistry = `systems:
  - name: archive
    title: Paper archive
    owner: ` + archivist + `
    categories: [contracts]
    actions:
      erase: {kind: manual, task: Shred the signed contract., dueIn: 72h}
  - name: ledger
    title: Ledger
    owner: ` + ledgerer + `
    categories: [contact]
    actions:
      correct: {kind: manual, task: Correct the address., dueIn: 72h}
`

type digestEnv struct {
	*env
	clk    *movingClock
	tasks  *digestTasks
	digest *fulfil.OwnerDigest
	ny     *time.Location
}

// newDigestEnv: PR-1, PR-2 and PR-3 are deletions, PR-4 a correction,
// PR-5 an expedited deletion; all verified. The owners' mail is the real
// connector.Manual over the test outbox and token store.
func newDigestEnv(t *testing.T) *digestEnv {
	t.Helper()
	e := newEnv(t)
	clk := &movingClock{now: t0}
	reg, err := system.Load(strings.NewReader(digestRegistry), system.Options{})
	require.NoError(t, err)
	cal, err := clock.New("America/New_York")
	require.NoError(t, err)
	ny := cal.Location()
	log := slog.New(slog.NewJSONHandler(e.logs, nil))
	manual := &connector.Manual{Mail: e.mail, Tokens: e.tokens, Issuer: &token.Issuer{Now: clk.Now}, Now: clk.Now, Log: log,
		ConfirmURL: taskPage, ReplyTo: team, Location: ny}
	tasks := &digestTasks{memTasks: e.tasks, store: e.store}
	e.svc.Registry, e.svc.Now, e.svc.Calendar, e.svc.Location = reg, clk.Now, cal, ny
	e.svc.OwnerMail, e.svc.Tasks, e.svc.OwnerDigest = manual, tasks, true
	for i, id := range []string{"PR-1", "PR-2", "PR-3", "PR-4", "PR-5"} {
		r := request.Request{ID: id, Kinds: []request.Kind{request.Deletion}, Status: request.Verified,
			ReceivedAt: t0.Add(-48 * time.Hour), Requester: request.Identity{Name: "Person", Email: "person" + string(rune('1'+i)) + "@example.com"}}
		switch id {
		case "PR-4":
			r.Kinds = []request.Kind{request.Correction}
			r.Corrections = []request.CorrectionItem{{Item: "Postal address", Right: "2 New St"}}
		case "PR-5":
			r.Priority = request.Expedited
		}
		e.store.requests[id] = r
	}
	d := &fulfil.OwnerDigest{Requests: e.store, Tasks: tasks, Mail: manual, Registry: reg, Now: clk.Now, Location: ny, Log: log}
	return &digestEnv{env: e, clk: clk, tasks: tasks, digest: d, ny: ny}
}

// open plans every request's fulfilment and runs the owners' first wait,
// as the workflow does.
func (d *digestEnv) open(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, id := range []string{"PR-1", "PR-2", "PR-3", "PR-4", "PR-5"} {
		plan, err := d.svc.Plan(ctx, fulfil.PlanInput{RequestID: id})
		require.NoError(t, err)
		require.Len(t, plan.Manual, 1, id)
		_, err = d.svc.Owners(ctx, fulfil.OwnersInput{RequestID: id, Op: "await", TaskToken: "wait-" + id})
		require.NoError(t, err)
	}
}

var digestLink = regexp.MustCompile(regexp.QuoteMeta(taskPage) + `\?t=[A-Za-z0-9_-]+`)

// linkedTask gives the request and system the token of a task link stands
// for, as the task page reads it.
func (d *digestEnv) linkedTask(t *testing.T, link string) (string, string) {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	hash, err := token.Hash(u.Query().Get("t"))
	require.NoError(t, err)
	rec, err := d.tokens.Get(context.Background(), hash)
	require.NoError(t, err)
	assert.Equal(t, token.ManualTask, rec.Purpose)
	assert.False(t, rec.Used)
	return rec.RequestID, rec.Data["system"]
}

func (d *digestEnv) sentTo(addr string) []mail.Message { return d.mail.to(addr) }

func TestExpeditedTaskIsMailedAtOnceOthersWaitForTheDigest(t *testing.T) {
	d := newDigestEnv(t)
	d.open(t)
	arch := d.sentTo(archivist)
	require.Len(t, arch, 1, "only the expedited request's task is mailed when it is opened")
	assert.Contains(t, arch[0].Subject, "PR-5")
	assert.Empty(t, d.sentTo(ledgerer), "the correction waits for the digest")
	tasks, err := d.tasks.List(context.Background(), "PR-1")
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	assert.True(t, tasks[0].MailedAt.IsZero(), "a task kept for the digest is not marked mailed")
	assert.NotContains(t, d.store.actions("PR-1"), fulfil.ActionTaskMailed)
	assert.Contains(t, d.store.actions("PR-5"), fulfil.ActionTaskMailed)
}

func TestOwnerGetsOneDigestWithALinkPerTask(t *testing.T) {
	ctx := context.Background()
	d := newDigestEnv(t)
	d.open(t)
	before := len(d.sentTo(archivist))

	// The next morning, 08:00 in New York.
	d.clk.now = time.Date(2026, 11, 3, 8, 0, 0, 0, d.ny)
	res, err := d.digest.Send(ctx)
	require.NoError(t, err)
	assert.Equal(t, fulfil.DigestResult{Day: "2026-11-03", Owners: 2, New: 4}, res)

	arch := d.sentTo(archivist)[before:]
	require.Len(t, arch, 1, "the archivist's three tasks come in one mail")
	m := arch[0]
	assert.Equal(t, "Privacy requests: 3 tasks for you, Tuesday, November 3, 2026", m.Subject)
	links := digestLink.FindAllString(m.Text, -1)
	require.Len(t, links, 3, "one link per task")
	var got []string
	for _, l := range links {
		id, sys := d.linkedTask(t, l)
		assert.Equal(t, "archive", sys)
		got = append(got, id)
	}
	slices.Sort(got)
	assert.Equal(t, []string{"PR-1", "PR-2", "PR-3"}, got, "each link answers its own task")
	assert.Len(t, digestLink.FindAllString(m.HTML, -1), 3)
	for _, id := range []string{"PR-1", "PR-2", "PR-3"} {
		assert.Contains(t, m.Text, "request "+id)
	}
	assert.NotContains(t, m.Text, "PR-5", "the expedited task was mailed at once and is not repeated")
	assert.Contains(t, m.Text, "person1@example.com", "a new task names the person, as the single-task mail does")
	// "Each due time was set when the task was opened; this mail does not
	// move it": the due time is 72 hours from the plan, not from the mail.
	assert.Contains(t, m.Text, "Each due time was set when the task was opened; this mail does not move it.")
	assert.Contains(t, m.Text, "By when: "+connector.DueWords(t0.Add(72*time.Hour), d.ny))
	assert.NotContains(t, m.Text, connector.DueWords(d.clk.now.Add(72*time.Hour), d.ny))
	assert.Contains(t, m.Text, "they are mailed to you at once")

	// The ledger's owner has one task: the single-task mail.
	led := d.sentTo(ledgerer)
	require.Len(t, led, 1)
	assert.Contains(t, led[0].Subject, "Privacy request PR-4: correct in Ledger")
	assert.Contains(t, led[0].Text, `should be "2 New St"`)

	for _, id := range []string{"PR-1", "PR-4"} {
		evs, err := d.store.Events(ctx, id)
		require.NoError(t, err)
		i := slices.IndexFunc(evs, func(ev request.Event) bool { return ev.Action == fulfil.ActionTaskMailed })
		require.GreaterOrEqual(t, i, 0, "%s: the mail is on the trail", id)
		assert.Equal(t, "2026-11-03", evs[i].Data["digest"])
	}
	tasks, err := d.tasks.List(ctx, "PR-2")
	require.NoError(t, err)
	assert.Equal(t, d.clk.now, tasks[0].MailedAt)
	assert.Equal(t, "2026-11-03", tasks[0].DigestDay)
}

func TestDigestRunTwiceOnOneDaySendsNothingNew(t *testing.T) {
	ctx := context.Background()
	d := newDigestEnv(t)
	d.open(t)
	d.clk.now = time.Date(2026, 11, 3, 8, 0, 0, 0, d.ny)
	_, err := d.digest.Send(ctx)
	require.NoError(t, err)
	sent := len(d.mail.sent)
	events := len(d.store.events)

	d.clk.now = d.clk.now.Add(3 * time.Hour)
	res, err := d.digest.Send(ctx)
	require.NoError(t, err)
	assert.Equal(t, fulfil.DigestResult{Day: "2026-11-03"}, res)
	assert.Len(t, d.mail.sent, sent, "nothing is mailed twice on one day")
	assert.Len(t, d.store.events, events, "nothing new on the trail")
}

func TestDigestMailedButNotMarkedIsMailedAgain(t *testing.T) {
	ctx := context.Background()
	d := newDigestEnv(t)
	d.open(t)
	before := len(d.sentTo(archivist))
	d.clk.now = time.Date(2026, 11, 3, 8, 0, 0, 0, d.ny)
	d.tasks.failMark = 3 // the archivist's tasks (mailed first: sorted by address)
	_, err := d.digest.Send(ctx)
	require.ErrorIs(t, err, fulfil.ErrDigest, "the run fails, so the schedule runs it again")
	require.Len(t, d.sentTo(archivist)[before:], 1)

	res, err := d.digest.Send(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, res.New, "the tasks not marked are mailed again: a duplicate, never a loss")
	assert.Len(t, d.sentTo(archivist)[before:], 2)
	assert.Len(t, d.sentTo(ledgerer), 1, "what was marked is not mailed again")
}

func TestDigestRemindsBeforeTheDueTimeAndWhenOverdueTheTeamOnce(t *testing.T) {
	ctx := context.Background()
	d := newDigestEnv(t)
	plan, err := d.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	assert.Equal(t, int((72*time.Hour)/time.Second), plan.Reminder.CheckIn,
		"the owners' loop wakes for a digest task at its due time, to tell the team if it is overdue")
	d.open(t)
	due := t0.Add(72 * time.Hour) // Thursday, November 5, 04:00 in New York
	d.clk.now = time.Date(2026, 11, 3, 8, 0, 0, 0, d.ny)
	_, err = d.digest.Send(ctx)
	require.NoError(t, err)
	require.NoError(t, d.svc.AnswerTask(ctx, connector.TaskAnswer{RequestID: "PR-1", System: "archive", Action: system.Erase, State: connector.TaskDone}))

	// Wednesday 08:00: the due time is less than two days away.
	before := len(d.sentTo(archivist))
	d.clk.now = time.Date(2026, 11, 4, 8, 0, 0, 0, d.ny)
	res, err := d.digest.Send(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, res.Reminders, "PR-2 and PR-3 to the archivist, PR-4 to the ledger")
	arch := d.sentTo(archivist)[before:]
	require.Len(t, arch, 1)
	assert.Contains(t, arch[0].Text, "Due soon: erase in Paper archive, request PR-2")
	assert.Contains(t, arch[0].Text, "Due soon: erase in Paper archive, request PR-3")
	assert.NotContains(t, arch[0].Text, "PR-1", "an answered task is not in the digest")
	assert.NotContains(t, arch[0].Text, "person2@example.com", "a reminder does not repeat who the person is")
	assert.Contains(t, arch[0].Text, "Due: "+connector.DueWords(due, d.ny))
	assert.Len(t, digestLink.FindAllString(arch[0].Text, -1), 2, "a fresh link per task")

	// The due time passes: the owners' loop tells the team, once, and does
	// not mail the owner.
	d.clk.now = due
	_, err = d.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-2", Op: "remind"})
	require.NoError(t, err)
	out, err := d.svc.Owners(ctx, fulfil.OwnersInput{RequestID: "PR-2", Op: "remind"})
	require.NoError(t, err)
	assert.Equal(t, int(connector.OverdueEvery/time.Second), out.CheckIn, "then the loop wakes every 3 days, in case a completion was lost")
	require.Len(t, d.mail.to(team), 1, "the team is told once of the overdue task")
	assert.Contains(t, d.mail.to(team)[0].Text, "Paper archive")
	assert.Len(t, d.sentTo(archivist)[before:], 1, "the owner's reminder is the digest's")
	assert.Contains(t, d.store.actions("PR-2"), fulfil.ActionTaskOverdue)

	// Thursday 08:00 (after 04:00): overdue in the digest.
	d.clk.now = time.Date(2026, 11, 5, 8, 0, 0, 0, d.ny)
	_, err = d.digest.Send(ctx)
	require.NoError(t, err)
	arch = d.sentTo(archivist)[before:]
	require.Len(t, arch, 2)
	assert.Contains(t, arch[1].Text, "Overdue: erase in Paper archive, request PR-2")
	// Friday: no reminder yet (every 3 days once overdue).
	d.clk.now = time.Date(2026, 11, 6, 8, 0, 0, 0, d.ny)
	_, err = d.digest.Send(ctx)
	require.NoError(t, err)
	assert.Len(t, d.sentTo(archivist)[before:], 2)
}
