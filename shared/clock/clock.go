// Package clock keeps the legal clocks of a privacy request: when the
// acknowledgement, the answer, the extended answer and an opt-out are due.
//
// Business days are Monday to Friday except US federal holidays, as observed:
// a holiday on a Saturday is kept on the Friday before, one on a Sunday on the
// Monday after (New Year's Day on a Saturday is observed on Friday 31
// December of the year before). The holidays come from
// github.com/rickar/cal/v2/us, a maintained calendar, not a hand-written list.
//
// Conventions, in the business time zone (default America/New_York):
//
//   - The receipt time is first converted to the business zone; the receipt
//     date is the calendar date there. A form posted at 11:30 pm in Los
//     Angeles is received on the next day in New York.
//   - The receipt date is day 0 whatever it is. Business days are counted
//     from the first business day strictly after the receipt date, which is
//     business day 1. A request received on a Saturday, a Sunday or a holiday
//     therefore starts counting on the next business day (it is business day
//     1), and one received on a business day starts counting the day after.
//     This is the stricter reading: it never gives us more time than the
//     requester would count.
//   - Calendar-day clocks (45 and 90 days) count every day from the receipt
//     date and are not moved when they end on a weekend or holiday.
//   - A deadline is the end of its due day in the business zone: 23:59:59
//     local time on that date.
package clock

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"

	"github.com/productionflow/privacy-desk/shared/clock/zone"
	"github.com/productionflow/privacy-desk/shared/request"
)

// DefaultTimeZone is the business time zone when none is configured.
const DefaultTimeZone = "America/New_York"

// The lengths of the clocks.
const (
	AcknowledgeBusinessDays     = 10 // every request that is not only opt-outs
	ResponseCalendarDays        = 45 // the answer
	ExtensionCalendarDays       = 45 // one extension, on top of the answer's 45 days
	OptOutSaleBusinessDays      = 15 // opt-out of sale or sharing
	OptOutMarketingBusinessDays = 10 // marketing opt-out: "promptly", held to CAN-SPAM's 10 business days
	ExpeditedTargetBusinessDays = 2  // internal target for expedited requests
	NormalTargetBusinessDays    = 10 // internal target for normal requests
)

// ErrTimeZone is returned by New for a time zone it cannot use.
var ErrTimeZone = errors.New("clock: unusable business time zone")

// Calendar computes deadlines in one business time zone with the US federal
// holidays. It is safe for concurrent use.
//
// The holidays observed in a year are worked out once per year, the first
// time a date of that year is asked about, and kept (holidaySet): counting
// business days then costs a weekday test and a bit lookup per day, not a
// pass over every holiday rule.
type Calendar struct {
	loc      *time.Location
	holidays []*cal.Holiday
	years    sync.Map // year (int) → *holidaySet
}

// holidaySet holds the dates of one year on which a federal holiday is
// observed, one bit per day of the year (time.Time.YearDay).
type holidaySet [6]uint64 // 384 bits ≥ 366 days

func (h *holidaySet) has(yearDay int) bool { return h[yearDay>>6]&(1<<(yearDay&63)) != 0 }
func (h *holidaySet) add(yearDay int)      { h[yearDay>>6] |= 1 << (yearDay & 63) }

// New returns a Calendar for the IANA time zone name, such as
// "America/Los_Angeles"; "" means America/New_York. "Local" is refused: the
// legal clocks must not depend on the machine they run on. The zone comes
// from the machine's zoneinfo or, where it has none, from the United
// States zones package zone carries (zone.Load).
func New(timeZone string) (*Calendar, error) {
	if timeZone == "" {
		timeZone = DefaultTimeZone
	}
	if timeZone == "Local" {
		return nil, fmt.Errorf("%w %q: name an IANA zone such as %s", ErrTimeZone, timeZone, DefaultTimeZone)
	}
	loc, err := zone.Load(timeZone)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrTimeZone, timeZone, err)
	}
	return &Calendar{loc: loc, holidays: us.Holidays}, nil
}

// observed is the set of dates of year on which a holiday is observed,
// computed on first use and then shared. Two goroutines asking first at
// once may both compute it; they compute the same set and one is kept.
func (c *Calendar) observed(year int) *holidaySet {
	if v, ok := c.years.Load(year); ok {
		return v.(*holidaySet)
	}
	set := new(holidaySet)
	// A holiday of the next year may be observed in this one (New Year's
	// Day on a Saturday is observed on 31 December), and one of the year
	// before could be observed in this one the same way.
	for _, y := range [...]int{year - 1, year, year + 1} {
		for _, h := range c.holidays {
			_, obs := h.Calc(y)
			if !obs.IsZero() && obs.Year() == year {
				set.add(obs.YearDay())
			}
		}
	}
	v, _ := c.years.LoadOrStore(year, set)
	return v.(*holidaySet)
}

// isWorkday reports whether t's date (in t's own zone, already the
// business zone) is Monday to Friday and not a holiday as observed.
func (c *Calendar) isWorkday(t time.Time) bool {
	switch t.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return !c.observed(t.Year()).has(t.YearDay())
}

// Location is the business time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// IsBusinessDay reports whether the date of t in the business zone is a
// weekday that is not a federal holiday as observed.
func (c *Calendar) IsBusinessDay(t time.Time) bool {
	return c.isWorkday(t.In(c.loc))
}

// AddBusinessDays returns t, in the business zone, moved n business days
// later (n < 0: earlier) with its time of day kept. The date of t itself is
// never counted, so from a Saturday, 1 business day later is the Monday
// (or the next business day after a Monday holiday). n == 0 returns t
// unchanged except for its zone.
func (c *Calendar) AddBusinessDays(t time.Time, n int) time.Time {
	t = t.In(c.loc)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		t = t.AddDate(0, 0, step)
		if c.isWorkday(t) {
			n--
		}
	}
	return t
}

// EndOfDay is the last second (23:59:59) of t's date in the business zone.
func (c *Calendar) EndOfDay(t time.Time) time.Time {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d, 23, 59, 59, 0, c.loc)
}

// Deadlines computes the legal clocks a request received at received starts
// for the kinds asked (see the package comment for the conventions):
//
//   - Acknowledge: 10 business days, when some kind is not an opt-out (a
//     request with no kind at all is acknowledged too, as request.OnlyOptOuts
//     has it);
//   - Response: 45 calendar days, and Extended: 45 more (90 in all), on the
//     same condition; opt-outs are not answered on that clock;
//   - OptOut: 15 business days when an opt-out of sale or sharing is asked,
//     10 business days when a marketing opt-out is asked ("promptly" in the
//     policy, held to the 10 business days of CAN-SPAM); when both are asked,
//     the earlier (10 business days), so both are done by then.
//
// Clocks that do not apply are left zero. The priority does not move a legal
// date: expedited work has its own InternalTarget.
func (c *Calendar) Deadlines(received time.Time, kinds []request.Kind, _ request.Priority) request.Due {
	var due request.Due
	var answered, sale, marketing bool
	for _, k := range kinds {
		switch {
		case k == request.OptOutSale:
			sale = true
		case k == request.OptOutMarketing:
			marketing = true
		default:
			answered = true
		}
	}
	if len(kinds) == 0 {
		answered = true
	}
	received = received.In(c.loc)
	if answered {
		due.Acknowledge = c.EndOfDay(c.AddBusinessDays(received, AcknowledgeBusinessDays))
		due.Response = c.addCalendarDays(received, ResponseCalendarDays)
		due.Extended = c.addCalendarDays(received, ResponseCalendarDays+ExtensionCalendarDays)
	}
	switch {
	case marketing:
		due.OptOut = c.EndOfDay(c.AddBusinessDays(received, OptOutMarketingBusinessDays))
	case sale:
		due.OptOut = c.EndOfDay(c.AddBusinessDays(received, OptOutSaleBusinessDays))
	}
	return due
}

// InternalTarget is the team's own target for finishing a request, stricter
// than the law: the end of the 2nd business day for an expedited request
// (mail marked "CCPA Request", a child's data), of the 10th for any other.
// It counts business days as Deadlines does.
func (c *Calendar) InternalTarget(received time.Time, p request.Priority) time.Time {
	n := NormalTargetBusinessDays
	if p == request.Expedited {
		n = ExpeditedTargetBusinessDays
	}
	return c.EndOfDay(c.AddBusinessDays(received, n))
}

// addCalendarDays is the end of the day n calendar days after t's date.
func (c *Calendar) addCalendarDays(t time.Time, n int) time.Time {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d+n, 23, 59, 59, 0, c.loc)
}
