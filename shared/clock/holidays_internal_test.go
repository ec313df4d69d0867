package clock

import (
	"sync"
	"testing"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHolidaySetMatchesTheCalendarLibrary: the per-year holiday sets give
// the same business days as rickar/cal's own BusinessCalendar, day by day,
// from 1990 to 2110 (observed holidays crossing a year end included).
func TestHolidaySetMatchesTheCalendarLibrary(t *testing.T) {
	c, err := New("")
	require.NoError(t, err)
	bc := cal.NewBusinessCalendar()
	bc.AddHoliday(us.Holidays...)
	mismatches := 0
	for d := time.Date(1990, 1, 1, 12, 0, 0, 0, c.loc); d.Year() <= 2110; d = d.AddDate(0, 0, 1) {
		if got, want := c.isWorkday(d), bc.IsWorkday(d); got != want {
			mismatches++
			if mismatches < 10 {
				t.Errorf("%s: business day %v, rickar/cal says %v", d.Format("Mon 2006-01-02"), got, want)
			}
		}
	}
	assert.Zero(t, mismatches)
	// New Year's Day 2028 is a Saturday: observed on Friday 31 December 2027.
	assert.False(t, c.isWorkday(time.Date(2027, 12, 31, 9, 0, 0, 0, c.loc)))
}

// TestHolidaySetComputedOncePerYear: concurrent first uses of a year keep
// one set, and every later use gets that same set.
func TestHolidaySetComputedOncePerYear(t *testing.T) {
	c, err := New("")
	require.NoError(t, err)
	sets := make([]*holidaySet, 16)
	var wg sync.WaitGroup
	for i := range sets {
		wg.Go(func() { sets[i] = c.observed(2027) })
	}
	wg.Wait()
	for _, s := range sets {
		assert.Same(t, c.observed(2027), s)
	}
	n := 0
	c.years.Range(func(any, any) bool { n++; return true })
	assert.Equal(t, 1, n)
}

// BenchmarkDeadlines is the clocks of one request, the year's holidays
// already known (as on every request after a function's first).
func BenchmarkDeadlines(b *testing.B) {
	c, err := New("")
	require.NoError(b, err)
	received := time.Date(2026, 12, 24, 9, 0, 0, 0, c.loc)
	b.ReportAllocs()
	for b.Loop() {
		c.Deadlines(received, nil, "")
	}
}
