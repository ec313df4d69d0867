package fulfil

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

// The owners' daily digest. Once a day (the schedule's op "digest" of
// FulfilTasksFunction) every owner with open tasks that are new to them
// or due a reminder gets one mail listing each, with a link per task;
// urgent tasks (an expedited request, a child's data) are not in it: they
// are mailed at once (owners.go). An owner with exactly one such task gets
// the single-task mail (or the single reminder) instead: it says the
// same of that task.
//
// Each task put in a digest is marked with the day by a conditional write
// (DigestTasks.MarkDigested), so the digest run again on the same day
// mails nothing new. The mail goes first, then the marks: a crash or a
// failed write between the two mails that owner's tasks again at the next
// run (the schedule's retry, or the next day). The other order could
// leave a task marked mailed that no owner ever saw, found only when the
// team hears it is overdue; a duplicate mail is the safer failure for a
// legal deadline. (Two runs at the very same moment could both mail an
// owner; the schedule starts one run a day and retries only after one
// ended in an error.)

// digestEvery is how often the digest runs: a reminder due before the
// next run is sent in this one, so that none is late by a day.
const digestEvery = 24 * time.Hour

// DigestTasks is the task store the digest reads and marks (*task.Store).
type DigestTasks interface {
	// OpenRequests lists the IDs of open requests (the open-work index).
	OpenRequests(ctx context.Context) ([]string, error)
	List(ctx context.Context, requestID string) ([]connector.Task, error)
	// MarkDigested marks an open task as in day's digest, once: first
	// marks it mailed at at, otherwise reminded at at. A task already in
	// that day's digest (or answered) gives connector.ErrInDigest.
	MarkDigested(ctx context.Context, requestID, sys, action, day string, at time.Time, first bool) error
}

// OwnerDigest sends the owners' daily digest.
type OwnerDigest struct {
	// Requests reads each request (whether it is urgent or closed, and the
	// person a new task names) and keeps its audit trail.
	Requests Store
	Tasks    DigestTasks
	Mail     DigestMail
	Registry *system.Registry
	Now      func() time.Time
	// Location is the business time zone: the digest's day, and due
	// times in words.
	Location *time.Location
	Log      *slog.Logger
}

// DigestResult is what one run of the digest did.
type DigestResult struct {
	Day       string `json:"day"`       // YYYY-MM-DD in the business time zone
	Owners    int    `json:"owners"`    // owners mailed
	New       int    `json:"new"`       // tasks mailed for the first time
	Reminders int    `json:"reminders"` // tasks reminded
	// Skipped are tasks that cannot be mailed (no usable identifier for
	// the person, or no manual action declared): logged, left open; the
	// team hears of them when they are overdue.
	Skipped int `json:"skipped"`
}

// ErrDigest means some owners' digests could not be sent or marked; the
// rest were. The schedule retries the run, which mails only what is not
// marked.
var ErrDigest = errors.New("owners' digest incomplete")

// Owners runs FulfilTasksFunction's call: the workflow's owners' loop
// (ops "await" and "remind", Service.Owners) or the schedule's digest (op
// "digest").
func Owners(loop *Service, digest *OwnerDigest) func(context.Context, OwnersInput) (OwnersOutput, error) {
	return func(ctx context.Context, in OwnersInput) (OwnersOutput, error) {
		if in.Op != "digest" {
			return loop.Owners(ctx, in)
		}
		res, err := digest.Send(ctx)
		return OwnersOutput{Digest: &res}, err
	}
}

// digestItem is one task of an owner's digest, with where it came from.
type digestItem = connector.DigestItem

// Send mails each owner their digest of the day, and marks and records
// every task in it.
func (d *OwnerDigest) Send(ctx context.Context) (DigestResult, error) {
	now := d.Now()
	local := now.In(d.loc())
	res := DigestResult{Day: local.Format(time.DateOnly)}
	ids, err := d.Tasks.OpenRequests(ctx)
	if err != nil {
		d.Log.ErrorContext(ctx, "list open requests", "err", err)
		return res, &TransientError{Op: "list open requests", Err: err}
	}
	byOwner := map[string][]digestItem{}
	for _, id := range ids {
		items, skipped, err := d.pending(ctx, id, res.Day, now)
		if err != nil {
			return res, err
		}
		res.Skipped += skipped
		for _, it := range items {
			owner := strings.ToLower(strings.TrimSpace(it.System.Owner))
			byOwner[owner] = append(byOwner[owner], it)
		}
	}
	failed := 0
	for _, owner := range slices.Sorted(maps.Keys(byOwner)) {
		items := byOwner[owner]
		slices.SortFunc(items, func(a, b digestItem) int {
			return cmp.Or(a.Task.Due.Compare(b.Task.Due), cmp.Compare(a.Task.RequestID, b.Task.RequestID),
				cmp.Compare(a.Task.System, b.Task.System), cmp.Compare(actionOrder(a.Task.Action), actionOrder(b.Task.Action)),
				cmp.Compare(a.Task.Action, b.Task.Action))
		})
		if err := d.mail(ctx, items[0].System.Owner, local.Format("Monday, January 2, 2006"), items); err != nil {
			// The error names systems and the kind of failure, never the address.
			d.Log.ErrorContext(ctx, "mail owner's digest", "tasks", len(items), "system", items[0].System.Name, "err", err)
			failed++
			continue
		}
		res.Owners++
		for _, it := range items {
			if err := d.mark(ctx, it, res.Day, now, len(items) == 1); err != nil {
				failed++
				continue
			}
			if it.Subject != nil {
				res.New++
			} else {
				res.Reminders++
			}
		}
	}
	d.Log.InfoContext(ctx, "owners' digest", "day", res.Day, "owners", res.Owners, "new", res.New, "reminders", res.Reminders,
		"skipped", res.Skipped, "failed", failed)
	if failed > 0 {
		return res, fmt.Errorf("%w: %d failures (see the log)", ErrDigest, failed)
	}
	return res, nil
}

func (d *OwnerDigest) loc() *time.Location {
	if d.Location == nil {
		return time.UTC
	}
	return d.Location
}

// actionOrder puts a system's export before its other tasks (its erase
// above all: erasing deletes what the export sends).
func actionOrder(a system.Action) int {
	if a == system.Export {
		return 0
	}
	return 1
}

// pending gives the tasks of request id its owners are to hear of in
// today's digest: open, not urgent, not yet in today's digest, and new
// to the owner or due a reminder. It counts the tasks that cannot be
// mailed.
func (d *OwnerDigest) pending(ctx context.Context, id, day string, now time.Time) ([]digestItem, int, error) {
	r, err := d.Requests.Get(ctx, id)
	if errors.Is(err, request.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		d.Log.ErrorContext(ctx, "read request", "requestId", id, "err", err)
		return nil, 0, &TransientError{RequestID: id, Op: "read request", Err: err}
	}
	if r.Status.Closed() || urgent(r) {
		return nil, 0, nil
	}
	tasks, err := d.Tasks.List(ctx, id)
	if err != nil {
		d.Log.ErrorContext(ctx, "list tasks", "requestId", id, "err", err)
		return nil, 0, &TransientError{RequestID: id, Op: "list tasks", Err: err}
	}
	if tasks, err = withHandwork(ctx, d.Requests, id, tasks); err != nil {
		return nil, 0, err
	}
	var items []digestItem
	skipped := 0
	for _, t := range tasks {
		if t.Answered() || t.DigestDay == day {
			continue
		}
		sys, ok := d.Registry.Lookup(t.System)
		if !ok {
			continue
		}
		switch {
		case t.MailedAt.IsZero():
			p := taskSubject(r)
			if err := connector.CheckTask(sys, t, p); err != nil {
				d.Log.ErrorContext(ctx, "task cannot be mailed", "requestId", id, "system", t.System, "action", string(t.Action), "err", err)
				skipped++
				continue
			}
			items = append(items, digestItem{System: sys, Task: t, Subject: &p})
		case reminderDue(t, now):
			items = append(items, digestItem{System: sys, Task: t})
		}
	}
	return items, skipped, nil
}

// reminderDue reports whether the owner of open task t, mailed before,
// is reminded in the digest at now: when overdue, once its next reminder
// (connector.NextReminder: at the due time, then every OverdueEvery) has
// come; before, once, when the reminder ahead of the due time
// (connector.ReminderLead) falls before the next digest.
func reminderDue(t connector.Task, now time.Time) bool {
	if !now.Before(t.Due) {
		return !now.Before(connector.NextReminder(t))
	}
	from := t.Due.Add(-connector.ReminderLead(t) - digestEvery)
	return !now.Before(from) && t.RemindedAt.Before(from)
}

// mail sends one owner their tasks: the single-task mail (or reminder)
// when there is one, else the digest.
func (d *OwnerDigest) mail(ctx context.Context, owner, day string, items []digestItem) error {
	if len(items) == 1 {
		it := items[0]
		if it.Subject != nil {
			return d.Mail.Send(ctx, it.System, it.Task, *it.Subject)
		}
		return d.Mail.Remind(ctx, it.System, it.Task)
	}
	return d.Mail.Digest(ctx, owner, day, items)
}

// mark puts a mailed task in the day's digest and records it on its
// request's trail (in the digest, or alone in the single-task mail). A
// task another run marked meanwhile is not recorded twice.
func (d *OwnerDigest) mark(ctx context.Context, it digestItem, day string, now time.Time, single bool) error {
	t := it.Task
	first := it.Subject != nil
	err := d.Tasks.MarkDigested(ctx, t.RequestID, t.System, string(t.Action), day, now, first)
	if errors.Is(err, connector.ErrInDigest) {
		return nil
	}
	if err != nil {
		d.Log.ErrorContext(ctx, "mark task in digest", "requestId", t.RequestID, "system", t.System, "err", err)
		return err
	}
	data := map[string]string{"system": t.System, "action": string(t.Action), "due": t.Due.UTC().Format(time.RFC3339), "digest": day, "mail": "digest"}
	if single {
		data["mail"] = "single-task"
	}
	ev := request.Event{RequestID: t.RequestID, At: now, Actor: actor, Action: ActionTaskMailed, Data: data,
		Once: taskOnce("task-mailed", t)}
	if !first {
		data["overdue"] = fmt.Sprint(!now.Before(t.Due))
		ev.Action, ev.Once = ActionTaskReminded, "task-reminded-"+t.System+"-"+string(t.Action)+"-"+day
	}
	if err := d.Requests.AppendEvent(ctx, ev); err != nil {
		d.Log.ErrorContext(ctx, "append audit event", "requestId", t.RequestID, "action", ev.Action, "err", err)
		return err
	}
	return nil
}
