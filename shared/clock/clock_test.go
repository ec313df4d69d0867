package clock_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/request"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func mustCalendar(t *testing.T, zone string) *clock.Calendar {
	t.Helper()
	c, err := clock.New(zone)
	require.NoError(t, err)
	return c
}

// day is the end of a date (23:59:59) in loc, the shape of every deadline.
func day(loc *time.Location, y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 0, loc)
}

func TestNew(t *testing.T) {
	tests := []struct {
		zone    string
		want    string
		wantErr bool
	}{
		{zone: "", want: "America/New_York"},
		{zone: "America/Los_Angeles", want: "America/Los_Angeles"},
		{zone: "Europe/Berlin", want: "Europe/Berlin"},
		{zone: "Mars/Olympus_Mons", wantErr: true},
		{zone: "Local", wantErr: true},
		{zone: "../../etc/passwd", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			c, err := clock.New(tt.zone)
			if tt.wantErr {
				require.ErrorIs(t, err, clock.ErrTimeZone)
				assert.Contains(t, err.Error(), tt.zone, "the error names the zone it could not use")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Location().String())
		})
	}
}

func TestIsBusinessDay(t *testing.T) {
	c := mustCalendar(t, "")
	ny := c.Location()
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"ordinary Tuesday", time.Date(2026, 10, 13, 12, 0, 0, 0, ny), true},
		{"Saturday", time.Date(2026, 10, 10, 12, 0, 0, 0, ny), false},
		{"Sunday", time.Date(2026, 10, 11, 12, 0, 0, 0, ny), false},
		{"Columbus Day 2026 (2nd Monday of October)", time.Date(2026, 10, 12, 12, 0, 0, 0, ny), false},
		{"MLK Day 2027 (3rd Monday of January)", time.Date(2027, 1, 18, 12, 0, 0, 0, ny), false},
		{"Thanksgiving 2026", time.Date(2026, 11, 26, 12, 0, 0, 0, ny), false},
		{"Friday after Thanksgiving is not a federal holiday", time.Date(2026, 11, 27, 12, 0, 0, 0, ny), true},
		{"Christmas Eve 2026 is a working day", time.Date(2026, 12, 24, 12, 0, 0, 0, ny), true},
		{"Christmas 2026 on a Friday", time.Date(2026, 12, 25, 12, 0, 0, 0, ny), false},
		{"Christmas 2027 on Saturday, observed Friday 24th", time.Date(2027, 12, 24, 12, 0, 0, 0, ny), false},
		{"New Year 2028 on Saturday, observed Friday 31 December 2027", time.Date(2027, 12, 31, 12, 0, 0, 0, ny), false},
		{"New Year 2022 on Saturday, observed Friday 31 December 2021", time.Date(2021, 12, 31, 12, 0, 0, 0, ny), false},
		{"Monday 3 January 2028 is a working day", time.Date(2028, 1, 3, 12, 0, 0, 0, ny), true},
		{"Christmas 2022 on Sunday, observed Monday 26th", time.Date(2022, 12, 26, 12, 0, 0, 0, ny), false},
		{"New Year 2023 on Sunday, observed Monday 2nd", time.Date(2023, 1, 2, 12, 0, 0, 0, ny), false},
		{"Juneteenth 2027 on Saturday, observed Friday 18th", time.Date(2027, 6, 18, 12, 0, 0, 0, ny), false},
		{"leap day 2028 is a Tuesday", time.Date(2028, 2, 29, 12, 0, 0, 0, ny), true},
		{"judged in the business zone: Thanksgiving 03:00 UTC is still Wednesday in New York", time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC), true},
		{"judged in the business zone: Friday 23:30 Pacific is Saturday in New York", time.Date(2026, 10, 9, 23, 30, 0, 0, mustZone(t, "America/Los_Angeles")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, c.IsBusinessDay(tt.at))
		})
	}
}

func TestAddBusinessDays(t *testing.T) {
	c := mustCalendar(t, "")
	ny := c.Location()
	tests := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		{"zero keeps the time", time.Date(2026, 10, 10, 9, 15, 0, 0, ny), 0, time.Date(2026, 10, 10, 9, 15, 0, 0, ny)},
		{"one from a Friday skips the weekend and Columbus Day", time.Date(2026, 10, 9, 9, 15, 0, 0, ny), 1, time.Date(2026, 10, 13, 9, 15, 0, 0, ny)},
		{"one from a Saturday is the first business day after", time.Date(2026, 10, 10, 9, 15, 0, 0, ny), 1, time.Date(2026, 10, 13, 9, 15, 0, 0, ny)},
		{"one back from a Tuesday after a Monday holiday is the Friday", time.Date(2026, 10, 13, 9, 15, 0, 0, ny), -1, time.Date(2026, 10, 9, 9, 15, 0, 0, ny)},
		{"across the DST change the wall clock is kept", time.Date(2026, 10, 30, 9, 15, 0, 0, ny), 1, time.Date(2026, 11, 2, 9, 15, 0, 0, ny)},
		{"a UTC time is converted first", time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC), 1, time.Date(2026, 11, 27, 22, 0, 0, 0, ny)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddBusinessDays(tt.from, tt.n)
			assert.Equal(t, tt.want.String(), got.String())
		})
	}
}

func TestDeadlines(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	la := mustZone(t, "America/Los_Angeles")
	answer := []request.Kind{request.Deletion}

	tests := []struct {
		name     string
		zone     string
		received time.Time
		kinds    []request.Kind
		priority request.Priority
		want     request.Due
	}{
		{
			// Columbus Day Mon 12 Oct 2026: business days 1..10 are 13,14,15,16,19,20,21,22,23,26 Oct.
			name:     "Friday before a Monday holiday (Columbus Day)",
			received: time.Date(2026, 10, 9, 10, 0, 0, 0, ny),
			kinds:    answer,
			want: request.Due{
				Acknowledge: day(ny, 2026, 10, 26),
				Response:    day(ny, 2026, 11, 23), // 9 Oct + 45 days, after the DST change (EST)
				Extended:    day(ny, 2027, 1, 7),   // 9 Oct + 90 days
			},
		},
		{
			// Business days 11..15 are 27,28,29,30 Oct and 2 Nov.
			name:     "Friday before a Monday holiday, deletion with an opt-out of sale",
			received: time.Date(2026, 10, 9, 10, 0, 0, 0, ny),
			kinds:    []request.Kind{request.Deletion, request.OptOutSale},
			want: request.Due{
				Acknowledge: day(ny, 2026, 10, 26),
				Response:    day(ny, 2026, 11, 23),
				Extended:    day(ny, 2027, 1, 7),
				OptOut:      day(ny, 2026, 11, 2),
			},
		},
		{
			// MLK Day Mon 18 Jan 2027: 19,20,21,22,25,26,27,28,29 Jan, 1 Feb.
			name:     "Friday before MLK Day",
			received: time.Date(2027, 1, 15, 16, 45, 0, 0, ny),
			kinds:    []request.Kind{request.AccessCategories},
			want: request.Due{
				Acknowledge: day(ny, 2027, 2, 1),
				Response:    day(ny, 2027, 3, 1), // 15 Jan + 45
				Extended:    day(ny, 2027, 4, 15),
			},
		},
		{
			// Thanksgiving Thu 26 Nov 2026; Friday 27th counts: 27, 30 Nov, 1,2,3,4,7,8,9,10 Dec.
			// Opt-out 11..15: 11,14,15,16,17 Dec. The 45th day is Saturday 9 Jan: calendar days do not roll.
			name:     "Wednesday before Thanksgiving",
			received: time.Date(2026, 11, 25, 14, 0, 0, 0, ny),
			kinds:    []request.Kind{request.AccessSpecific, request.OptOutSale},
			want: request.Due{
				Acknowledge: day(ny, 2026, 12, 10),
				Response:    day(ny, 2027, 1, 9),
				Extended:    day(ny, 2027, 2, 23),
				OptOut:      day(ny, 2026, 12, 17),
			},
		},
		{
			name:     "on Thanksgiving itself counting starts on the Friday",
			received: time.Date(2026, 11, 26, 11, 0, 0, 0, ny),
			kinds:    answer,
			want: request.Due{
				Acknowledge: day(ny, 2026, 12, 10),
				Response:    day(ny, 2027, 1, 10),
				Extended:    day(ny, 2027, 2, 24),
			},
		},
		{
			// 30 Nov, 1,2,3,4,7,8,9,10,11 Dec.
			name:     "Friday after Thanksgiving is a business day",
			received: time.Date(2026, 11, 27, 11, 0, 0, 0, ny),
			kinds:    answer,
			want: request.Due{
				Acknowledge: day(ny, 2026, 12, 11),
				Response:    day(ny, 2027, 1, 11),
				Extended:    day(ny, 2027, 2, 25),
			},
		},
		{
			// Christmas Fri 25 Dec 2026, New Year Fri 1 Jan 2027: 28,29,30,31 Dec, 4,5,6,7,8,11 Jan.
			name:     "Christmas Eve with Christmas and New Year on Fridays",
			received: time.Date(2026, 12, 24, 9, 0, 0, 0, ny),
			kinds:    answer,
			want: request.Due{
				Acknowledge: day(ny, 2027, 1, 11),
				Response:    day(ny, 2027, 2, 7),
				Extended:    day(ny, 2027, 3, 24),
			},
		},
		{
			// Christmas 2027 and New Year 2028 fall on Saturdays, observed Fri 24 and Fri 31 Dec:
			// 27,28,29,30 Dec, 3,4,5,6,7,10 Jan.
			name:     "holidays on a Saturday are observed on the Friday before",
			received: time.Date(2027, 12, 23, 9, 0, 0, 0, ny),
			kinds:    answer,
			want: request.Due{
				Acknowledge: day(ny, 2028, 1, 10),
				Response:    day(ny, 2028, 2, 6),
				Extended:    day(ny, 2028, 3, 22),
			},
		},
		{
			// Christmas 2022 and New Year 2023 fall on Sundays, observed Mon 26 Dec and Mon 2 Jan:
			// 27,28,29,30 Dec, 3,4,5,6,9,10 Jan.
			name:     "holidays on a Sunday are observed on the Monday after",
			received: time.Date(2022, 12, 23, 9, 0, 0, 0, ny),
			kinds:    answer,
			want: request.Due{
				Acknowledge: day(ny, 2023, 1, 10),
				Response:    day(ny, 2023, 2, 6),
				Extended:    day(ny, 2023, 3, 23),
			},
		},
		{
			// Tue 29 Feb 2028: 1,2,3,6,7,8,9,10,13,14 Mar. Day 90 is Memorial Day: calendar days do not roll.
			name:     "leap day",
			received: time.Date(2028, 2, 29, 10, 0, 0, 0, ny),
			kinds:    []request.Kind{request.Portability},
			want: request.Due{
				Acknowledge: day(ny, 2028, 3, 14),
				Response:    day(ny, 2028, 4, 14),
				Extended:    day(ny, 2028, 5, 29),
			},
		},
		{
			// Thu 8 Oct 23:30 in Los Angeles is Fri 9 Oct 02:30 in New York: same clocks as a Friday receipt.
			name:     "late evening in Los Angeles is the next day in New York",
			received: time.Date(2026, 10, 8, 23, 30, 0, 0, la),
			kinds:    answer,
			want: request.Due{
				Acknowledge: day(ny, 2026, 10, 26),
				Response:    day(ny, 2026, 11, 23),
				Extended:    day(ny, 2027, 1, 7),
			},
		},
		{
			// 9,13,14,15,16,19,20,21,22,23 Oct.
			name:     "earlier the same evening in Los Angeles is still Thursday in New York",
			received: time.Date(2026, 10, 8, 20, 0, 0, 0, la),
			kinds:    answer,
			want: request.Due{
				Acknowledge: day(ny, 2026, 10, 23),
				Response:    day(ny, 2026, 11, 22),
				Extended:    day(ny, 2027, 1, 6),
			},
		},
		{
			name:     "business zone Los Angeles: 23:30 Pacific is still Thursday",
			zone:     "America/Los_Angeles",
			received: time.Date(2026, 10, 9, 6, 30, 0, 0, time.UTC), // 8 Oct 23:30 PDT
			kinds:    answer,
			want: request.Due{
				Acknowledge: day(la, 2026, 10, 23),
				Response:    day(la, 2026, 11, 22),
				Extended:    day(la, 2027, 1, 6),
			},
		},
		{
			// Sunday 29 Nov: 30 Nov, 1,2,3,4,7,8,9,10,11 Dec.
			name:     "a Sunday receipt counts from Monday as business day 1",
			received: time.Date(2026, 11, 29, 15, 0, 0, 0, ny),
			kinds:    answer,
			want: request.Due{
				Acknowledge: day(ny, 2026, 12, 11),
				Response:    day(ny, 2027, 1, 13),
				Extended:    day(ny, 2027, 2, 27),
			},
		},
		{
			// 1,2,3,4,7,8,9,10,11,14,15,16,17,18,21 Dec.
			name:     "opt-out of sale only: no acknowledgement, no 45-day clock",
			received: time.Date(2026, 11, 30, 9, 0, 0, 0, ny),
			kinds:    []request.Kind{request.OptOutSale},
			want:     request.Due{OptOut: day(ny, 2026, 12, 21)},
		},
		{
			name:     "marketing opt-out only: 10 business days",
			received: time.Date(2026, 11, 30, 9, 0, 0, 0, ny),
			kinds:    []request.Kind{request.OptOutMarketing},
			want:     request.Due{OptOut: day(ny, 2026, 12, 14)},
		},
		{
			name:     "both opt-outs: the earlier clock covers both",
			received: time.Date(2026, 11, 30, 9, 0, 0, 0, ny),
			kinds:    []request.Kind{request.OptOutSale, request.OptOutMarketing},
			want:     request.Due{OptOut: day(ny, 2026, 12, 14)},
		},
		{
			name:     "expedited priority does not move the legal dates",
			received: time.Date(2026, 11, 25, 14, 0, 0, 0, ny),
			kinds:    []request.Kind{request.ChildData},
			priority: request.Expedited,
			want: request.Due{
				Acknowledge: day(ny, 2026, 12, 10),
				Response:    day(ny, 2027, 1, 9),
				Extended:    day(ny, 2027, 2, 23),
			},
		},
		{
			name:     "an unclear request is acknowledged and answered",
			received: time.Date(2026, 11, 25, 14, 0, 0, 0, ny),
			kinds:    []request.Kind{request.Unclear},
			want: request.Due{
				Acknowledge: day(ny, 2026, 12, 10),
				Response:    day(ny, 2027, 1, 9),
				Extended:    day(ny, 2027, 2, 23),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCalendar(t, tt.zone)
			p := tt.priority
			if p == "" {
				p = request.Normal
			}
			got := c.Deadlines(tt.received, tt.kinds, p)
			// Compare as strings so a wrong zone or offset shows, not only a wrong instant.
			assert.Equal(t, fmtDue(tt.want), fmtDue(got))
		})
	}
}

func TestInternalTarget(t *testing.T) {
	c := mustCalendar(t, "")
	ny := c.Location()
	received := time.Date(2026, 11, 25, 14, 0, 0, 0, ny) // Wednesday before Thanksgiving
	tests := []struct {
		priority request.Priority
		want     time.Time
	}{
		{request.Expedited, day(ny, 2026, 11, 30)}, // Fri 27 Nov, Mon 30 Nov
		{request.Normal, day(ny, 2026, 12, 10)},
		{"", day(ny, 2026, 12, 10)},
	}
	for _, tt := range tests {
		t.Run(string(tt.priority), func(t *testing.T) {
			assert.Equal(t, tt.want.String(), c.InternalTarget(received, tt.priority).String())
		})
	}
}

func fmtDue(d request.Due) map[string]string {
	f := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format(time.RFC3339 + " MST")
	}
	return map[string]string{
		"acknowledge": f(d.Acknowledge),
		"response":    f(d.Response),
		"extended":    f(d.Extended),
		"optOut":      f(d.OptOut),
	}
}

// TestConcurrentUse: one Calendar serves every request of a Lambda or the
// local server at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	c := mustCalendar(t, "")
	received := time.Date(2026, 12, 24, 9, 0, 0, 0, c.Location())
	want := c.Deadlines(received, []request.Kind{request.Deletion}, request.Normal)
	done := make(chan request.Due)
	for range 8 {
		go func() { done <- c.Deadlines(received, []request.Kind{request.Deletion}, request.Normal) }()
	}
	for range 8 {
		assert.Equal(t, want, <-done)
	}
}
