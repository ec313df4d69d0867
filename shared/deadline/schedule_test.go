package deadline_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/deadline"
	"github.com/productionflow/privacy-desk/shared/request"
)

func newCalendar(t testing.TB) *clock.Calendar {
	t.Helper()
	cal, err := clock.New("America/New_York")
	require.NoError(t, err)
	return cal
}

// The dates below are worked by hand from a 2026/2027 calendar, in New
// York time. Holidays that matter: Christmas (Fri 25 Dec 2026), New Year's
// Day (Fri 1 Jan 2027), Presidents' Day (Mon 15 Feb 2027).
func TestSchedule(t *testing.T) {
	cal := newCalendar(t)
	ny := cal.Location()
	at := func(m time.Month, d, h int) time.Time {
		y := 2027
		if m >= time.November {
			y = 2026
		}
		return time.Date(y, m, d, h, 0, 0, 0, ny)
	}
	endOf := func(m time.Month, d int) time.Time { return at(m, d, 23).Add(59*time.Minute + 59*time.Second) }
	// Monday 30 November 2026, 10:00 in New York.
	received := at(time.November, 30, 10)

	tests := []struct {
		name    string
		kinds   []request.Kind
		prio    request.Priority
		acked   bool
		status  request.Status
		due     *request.Due // nil: what clock.Deadlines gives
		wantDue request.Due  // checked when due is nil: the hand-worked legal dates
		want    []deadline.Reminder
	}{
		{
			name: "deletion, acknowledged at once", kinds: []request.Kind{request.Deletion}, prio: request.Normal, acked: true,
			wantDue: request.Due{
				Acknowledge: endOf(time.December, 14), // 10 business days: Tue 1 Dec is day 1
				Response:    endOf(time.January, 14),  // 45 calendar days
				Extended:    endOf(time.February, 28), // 90 calendar days, a Sunday: not moved
			},
			want: []deadline.Reminder{
				// 10 business days before Thu 14 Jan: 13,12,11,8,7,6,5,4 Jan, (1 Jan holiday), 31, 30 Dec.
				{At: at(time.December, 30, 9), Clock: "response", Stage: "reminder"},
				// 3 business days before: 13, 12, 11 Jan.
				{At: at(time.January, 11, 9), Clock: "response", Stage: "final"},
				{At: at(time.January, 15, 0), Clock: "response", Stage: "missed"},
				// 10 business days before Sun 28 Feb: 26..22, 19..16, (15 Feb holiday), 12 Feb.
				{At: at(time.February, 12, 9), Clock: "extended", Stage: "reminder"},
				{At: at(time.February, 24, 9), Clock: "extended", Stage: "final"},
				{At: at(time.March, 1, 0), Clock: "extended", Stage: "missed"},
			},
		},
		{
			name: "not acknowledged yet: the acknowledgement can be missed", kinds: []request.Kind{request.Correction}, prio: request.Normal,
			wantDue: request.Due{Acknowledge: endOf(time.December, 14), Response: endOf(time.January, 14), Extended: endOf(time.February, 28)},
			want: []deadline.Reminder{
				{At: at(time.December, 15, 0), Clock: "acknowledge", Stage: "missed"},
				{At: at(time.December, 30, 9), Clock: "response", Stage: "reminder"},
				{At: at(time.January, 11, 9), Clock: "response", Stage: "final"},
				{At: at(time.January, 15, 0), Clock: "response", Stage: "missed"},
				{At: at(time.February, 12, 9), Clock: "extended", Stage: "reminder"},
				{At: at(time.February, 24, 9), Clock: "extended", Stage: "final"},
				{At: at(time.March, 1, 0), Clock: "extended", Stage: "missed"},
			},
		},
		{
			name: "expedited deletion is reminded earlier", kinds: []request.Kind{request.ChildData}, prio: request.Expedited, acked: true,
			wantDue: request.Due{Acknowledge: endOf(time.December, 14), Response: endOf(time.January, 14), Extended: endOf(time.February, 28)},
			want: []deadline.Reminder{
				// 15 business days before 14 Jan: ... 30, 29, 28 Dec, (25 Dec holiday), 24, 23, 22 Dec.
				{At: at(time.December, 22, 9), Clock: "response", Stage: "reminder"},
				// 5 business days before: 13, 12, 11, 8, 7 Jan.
				{At: at(time.January, 7, 9), Clock: "response", Stage: "final"},
				{At: at(time.January, 15, 0), Clock: "response", Stage: "missed"},
				// 15 before Sun 28 Feb: 26..22, 19..16, 12..8, 5 Feb.
				{At: at(time.February, 5, 9), Clock: "extended", Stage: "reminder"},
				// 5 before: 26, 25, 24, 23, 22 Feb.
				{At: at(time.February, 22, 9), Clock: "extended", Stage: "final"},
				{At: at(time.March, 1, 0), Clock: "extended", Stage: "missed"},
			},
		},
		{
			name: "opt-out of sale", kinds: []request.Kind{request.OptOutSale}, prio: request.Normal, acked: true,
			// 15 business days: 1-4 Dec (4), 7-11 (9), 14-18 (14), Mon 21 Dec.
			wantDue: request.Due{OptOut: endOf(time.December, 21)},
			want: []deadline.Reminder{
				{At: at(time.December, 16, 9), Clock: "optOut", Stage: "final"},
				{At: at(time.December, 22, 0), Clock: "optOut", Stage: "missed"},
			},
		},
		{
			name: "marketing opt-out, expedited", kinds: []request.Kind{request.OptOutMarketing}, prio: request.Expedited, acked: true,
			// 10 business days: Mon 14 Dec; 5 before: 11, 10, 9, 8, 7 Dec.
			wantDue: request.Due{OptOut: endOf(time.December, 14)},
			want: []deadline.Reminder{
				{At: at(time.December, 7, 9), Clock: "optOut", Stage: "final"},
				{At: at(time.December, 15, 0), Clock: "optOut", Stage: "missed"},
			},
		},
		{
			name: "a reminder before the receipt is dropped", kinds: []request.Kind{request.OptOutSale}, prio: request.Normal, acked: true,
			due: &request.Due{OptOut: endOf(time.December, 2)},
			want: []deadline.Reminder{
				{At: at(time.December, 3, 0), Clock: "optOut", Stage: "missed"},
			},
		},
		{
			name: "a closed request has no reminders", kinds: []request.Kind{request.Deletion}, prio: request.Normal, acked: true,
			status: request.Completed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &request.Request{ID: "PR-TEST", Kinds: tt.kinds, Priority: tt.prio, Status: request.Acknowledged, ReceivedAt: received}
			if tt.status != "" {
				r.Status = tt.status
			}
			if tt.acked {
				r.AcknowledgedAt = received.Add(time.Second)
			}
			if tt.due != nil {
				r.Due = *tt.due
			} else {
				r.Due = cal.Deadlines(received, tt.kinds, tt.prio)
				if tt.status == "" {
					require.Equal(t, tt.wantDue, r.Due, "the hand-worked legal dates")
				}
			}
			got := deadline.Schedule(r, cal)
			require.Len(t, got, len(tt.want))
			for i := range tt.want {
				assert.True(t, tt.want[i].At.Equal(got[i].At), "reminder %d: want %v, got %v", i, tt.want[i].At, got[i].At.In(ny))
				assert.Equal(t, tt.want[i].Clock, got[i].Clock, "reminder %d", i)
				assert.Equal(t, tt.want[i].Stage, got[i].Stage, "reminder %d", i)
				assert.True(t, got[i].At.After(received), "reminder %d is after the receipt", i)
			}
		})
	}
}

func TestScheduleIsSortedForMixedRequests(t *testing.T) {
	cal := newCalendar(t)
	received := time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC) // a Saturday
	kinds := []request.Kind{request.Deletion, request.OptOutSale, request.OptOutMarketing}
	r := &request.Request{ID: "PR-MIX", Kinds: kinds, Priority: request.Normal, Status: request.Received, ReceivedAt: received,
		Due: cal.Deadlines(received, kinds, request.Normal)}
	got := deadline.Schedule(r, cal)
	require.Len(t, got, 1+2+3+3)
	for i := 1; i < len(got); i++ {
		assert.False(t, got[i].At.Before(got[i-1].At), "sorted by time at %d", i)
	}
	assert.Equal(t, deadline.Reminder{At: got[0].At, Clock: "optOut", Stage: "final"}, got[0])
}

// TestTriagedRequestGainsItsOptOutReminders: the sweep plans from the
// request as stored at each run, so an unclear request triaged into an
// opt-out has its opt-out reminders from then on, with nothing to start.
func TestTriagedRequestGainsItsOptOutReminders(t *testing.T) {
	cal := newCalendar(t)
	received := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	r := &request.Request{ID: "PR-TRIAGE", Kinds: []request.Kind{request.Unclear}, Status: request.Acknowledged, ReceivedAt: received,
		AcknowledgedAt: received, Due: cal.Deadlines(received, []request.Kind{request.Unclear}, request.Normal)}
	for _, rem := range deadline.Schedule(r, cal) {
		assert.NotEqual(t, deadline.ClockOptOut, rem.Clock, "nothing known to opt out of yet")
	}
	store, mailer := newMemStore(r), &fakeMailer{}
	optOutFinal := time.Date(2026, 12, 16, 14, 0, 0, 0, time.UTC)
	svc := &deadline.Service{Store: store, Open: store, Mail: mailer, Calendar: cal, TeamAddress: team,
		Now: func() time.Time { return optOutFinal }}
	res, err := svc.Sweep(context.Background(), deadline.SweepInput{At: optOutFinal})
	require.NoError(t, err)
	assert.Zero(t, res.Sent)

	// The person's reply says: do not sell my data, and delete it.
	r.Kinds = []request.Kind{request.Deletion, request.OptOutSale}
	r.Due = cal.Deadlines(received, r.Kinds, request.Normal)
	store.requests[r.ID] = *r
	res, err = svc.Sweep(context.Background(), deadline.SweepInput{At: optOutFinal})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Sent)
	require.Len(t, mailer.sent, 1)
	assert.Contains(t, mailer.sent[0].Subject, "Final reminder: opt-out of PR-TRIAGE")
}

// TestTheLocalClockAdvancesOfTheDocs checks docs/deadline-reminders.md's
// "Try it": for a deletion received at any hour of 2026 to 2028, moving
// the local clock 816 h lands past the response's first reminder (between
// 26 and 34 days after receipt, as weekends and holidays fall) and before
// its final one (between 38 and 43 days), 240 h more past the final reminder and before
// the deadline, and 72 h more past the deadline, when "missed" is sent.
func TestTheLocalClockAdvancesOfTheDocs(t *testing.T) {
	cal := newCalendar(t)
	kinds := []request.Kind{request.Deletion}
	day := 24 * time.Hour
	for recv := time.Date(2026, 1, 1, 0, 30, 0, 0, cal.Location()); recv.Year() < 2029; recv = recv.Add(time.Hour) {
		r := &request.Request{ID: "PR-DOCS", Status: request.InProgress, Kinds: kinds, Priority: request.Normal,
			ReceivedAt: recv, AcknowledgedAt: recv, Due: cal.Deadlines(recv, kinds, request.Normal)}
		at := map[string]time.Time{}
		for _, rem := range deadline.Schedule(r, cal) {
			if rem.Clock == deadline.ClockResponse {
				at[rem.Stage] = rem.At
			}
		}
		first, second, third := recv.Add(816*time.Hour), recv.Add(1056*time.Hour), recv.Add(1128*time.Hour)
		ok := at["reminder"].Before(first) && first.Before(at["final"]) &&
			at["final"].Before(second) && second.Before(at["missed"]) && !third.Before(at["missed"]) &&
			at["reminder"].Sub(recv) > 26*day && at["reminder"].Sub(recv) < 34*day &&
			at["final"].Sub(recv) > 38*day && at["final"].Sub(recv) < 43*day
		if !ok {
			t.Fatalf("received %s: reminder %s, final %s, missed %s; clock at %s, %s, %s", recv, at["reminder"], at["final"], at["missed"], first, second, third)
		}
	}
}
