package deadline_test

import (
	"encoding/json"
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

func TestNewWatchInput(t *testing.T) {
	cal := newCalendar(t)
	received := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	kinds := []request.Kind{request.OptOutSale}
	r := &request.Request{ID: "PR-JSON", Kinds: kinds, Status: request.Received, ReceivedAt: received, Due: cal.Deadlines(received, kinds, request.Normal)}
	b, err := json.Marshal(deadline.NewWatchInput(r, cal))
	require.NoError(t, err)
	assert.JSONEq(t, `{"requestId":"PR-JSON","reminders":[
	  {"at":"2026-12-16T14:00:00Z","clock":"optOut","stage":"final"},
	  {"at":"2026-12-22T05:00:00Z","clock":"optOut","stage":"missed"}]}`, string(b))

	r.Status = request.Withdrawn
	b, err = json.Marshal(deadline.NewWatchInput(r, cal))
	require.NoError(t, err)
	assert.JSONEq(t, `{"requestId":"PR-JSON","reminders":[]}`, string(b))
}

// TestWatchesGiveTheOptOutClockItsOwnExecution: the opt-out clock has an
// execution of its own, so an unclear request triaged into an opt-out gains
// its opt-out watch when its workflows start again, while the first watch
// (named by the request ID, already running) keeps the other clocks.
func TestWatchesGiveTheOptOutClockItsOwnExecution(t *testing.T) {
	cal := newCalendar(t)
	received := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	r := &request.Request{ID: "PR-TRIAGE", Kinds: []request.Kind{request.Unclear}, Status: request.Acknowledged, ReceivedAt: received,
		AcknowledgedAt: received, Due: cal.Deadlines(received, []request.Kind{request.Unclear}, request.Normal)}
	w := deadline.Watches(r, cal)
	require.Len(t, w, 1, "nothing known to opt out of yet")
	assert.Equal(t, "PR-TRIAGE", w[0].Name)

	// The person's reply says: do not sell my data, and delete it.
	r.Kinds = []request.Kind{request.Deletion, request.OptOutSale}
	r.Due = cal.Deadlines(received, r.Kinds, request.Normal)
	w = deadline.Watches(r, cal)
	require.Len(t, w, 2)
	assert.Equal(t, "PR-TRIAGE", w[0].Name, "the running watch keeps its name: starting it again changes nothing")
	assert.Equal(t, "PR-TRIAGE-opt-out", w[1].Name)
	for _, rem := range w[0].Input.Reminders {
		assert.NotEqual(t, deadline.ClockOptOut, rem.Clock)
	}
	require.NotEmpty(t, w[1].Input.Reminders)
	for _, rem := range w[1].Input.Reminders {
		assert.Equal(t, deadline.ClockOptOut, rem.Clock)
	}
	all := deadline.NewWatchInput(r, cal).Reminders
	assert.Len(t, all, len(w[0].Input.Reminders)+len(w[1].Input.Reminders), "every reminder planned once")
}
