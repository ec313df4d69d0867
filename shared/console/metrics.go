package console

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// Years is what the yearly metrics need of the request store
// (*dynamo.Store): the requests received in a span, from an index of
// requests by their receipt, with their kinds and outcome.
type Years interface {
	ReceivedBetween(ctx context.Context, from, to time.Time) ([]request.Request, error)
}

// Metrics are the figures CCPA regulations §7102 ask a business of our size
// to be ready to publish for a calendar year, per kind: the requests
// received in the year and, of those, how many were complied with in whole
// or in part, denied (and why), and how many days the answer took.
type Metrics struct {
	Year  int
	Kinds []KindMetrics
	// Requests counts the requests received (one request of two kinds
	// counts once here, and once under each kind).
	Requests int
}

// KindMetrics are one kind's figures for the year. A request counts
// under each kind it asks for; a denial counts under the reason the team
// gave for that kind (a request closed because the requester could not be
// verified is denied as "unverifiable").
type KindMetrics struct {
	Kind      request.Kind
	Received  int
	Complied  int // completed: complied with in whole or in part
	Denied    int
	ByReason  map[string]int // denials by reason (mail.DenialReasons)
	Withdrawn int
	Open      int // not answered yet
	// Answered counts the completed and denied requests the days are
	// over; MedianDays and MeanDays are calendar days from receipt to the
	// answer (closing), in the business time zone.
	Answered   int
	MedianDays float64
	MeanDays   float64
}

// Reasons are the denial reasons with their counts, in the console's order.
func (k KindMetrics) Reasons() []ReasonCount {
	var out []ReasonCount
	for _, r := range mail.DenialReasons {
		if n := k.ByReason[r]; n > 0 {
			words := mail.DenialReasonWords(r, "")
			if r == mail.DenyOther {
				words = "Another reason, in the team's own words to the requester"
			}
			out = append(out, ReasonCount{Reason: r, Words: words, Count: n})
		}
	}
	return out
}

// ReasonCount is how many denials gave one reason.
type ReasonCount struct {
	Reason, Words string
	Count         int
}

// Yearly counts the yearly metrics.
type Yearly struct {
	Years Years
	// Trails reads a denied request's trail for its reasons.
	Trails interface {
		Events(ctx context.Context, id string) ([]request.Event, error)
	}
	// Location is the business time zone: the calendar year's bounds and
	// the days to answer are counted in it.
	Location *time.Location
}

// Metrics counts calendar year year (in the business time zone) from the
// index of requests by receipt; the reasons of denials come from their
// trails (one query per denied request).
func (s *Yearly) Metrics(ctx context.Context, year int) (Metrics, error) {
	loc := s.Location
	from := time.Date(year, time.January, 1, 0, 0, 0, 0, loc)
	reqs, err := s.Years.ReceivedBetween(ctx, from, from.AddDate(1, 0, 0))
	if err != nil {
		return Metrics{}, fmt.Errorf("metrics of %d: %w", year, err)
	}
	m := Metrics{Year: year}
	byKind := map[request.Kind]*KindMetrics{}
	days := map[request.Kind][]int{}
	for i := range reqs {
		r := &reqs[i]
		if r.Status == request.NotARequest {
			continue // mail the team found to be no privacy request
		}
		m.Requests++
		var reasons map[string]string
		// An unverified request's opt-outs needed no verification: they were
		// carried out (when the trail says so), not refused with the rest.
		var optOutsDone time.Time
		unverifiedOptOuts := r.Status == request.Unverified && slices.ContainsFunc(r.Kinds, request.Kind.IsOptOut)
		if r.Status == request.Denied || unverifiedOptOuts {
			events, err := s.Trails.Events(ctx, r.ID)
			if err != nil {
				return Metrics{}, fmt.Errorf("metrics of %d: %w", year, err)
			}
			if ev, ok := lastOf(events, request.StatusAction(request.Denied)); ok {
				reasons = ev.Data
			}
			if ev, ok := lastOf(events, request.ActionOptOutDone); ok {
				optOutsDone = ev.At
			}
		}
		for _, k := range r.Kinds {
			km := byKind[k]
			if km == nil {
				km = &KindMetrics{Kind: k, ByReason: map[string]int{}}
				byKind[k] = km
			}
			km.Received++
			// An opt-out carried out stands: neither closing unverified nor a
			// denial (which gives it no reason then) refuses it.
			notRefused := r.Status == request.Unverified || (r.Status == request.Denied && reasons["reason."+string(k)] == "")
			if notRefused && k.IsOptOut() {
				if optOutsDone.IsZero() {
					km.Open++ // not carried out yet: the team has been told of a failed step
				} else {
					km.Complied++
					days[k] = append(days[k], calendarDays(r.ReceivedAt, optOutsDone, loc))
				}
				continue
			}
			switch r.Status {
			case request.Completed:
				km.Complied++
			case request.Denied:
				km.Denied++
				reason := reasons["reason."+string(k)]
				if reason == "" {
					reason = mail.DenyOther
				}
				km.ByReason[reason]++
			case request.Unverified:
				km.Denied++
				km.ByReason[mail.DenyUnverifiable]++
			case request.Withdrawn:
				km.Withdrawn++
			default:
				km.Open++
			}
			if (r.Status == request.Completed || r.Status == request.Denied || r.Status == request.Unverified) && !r.ClosedAt.IsZero() {
				days[k] = append(days[k], calendarDays(r.ReceivedAt, r.ClosedAt, loc))
			}
		}
	}
	for _, k := range append(slices.Clone(request.Kinds), request.Unclear) {
		km := byKind[k]
		if km == nil {
			continue
		}
		km.Answered, km.MedianDays, km.MeanDays = summarise(days[k])
		m.Kinds = append(m.Kinds, *km)
	}
	return m, nil
}

// calendarDays counts the calendar days from a's date to b's in loc.
func calendarDays(a, b time.Time, loc *time.Location) int {
	da := time.Date(a.In(loc).Year(), a.In(loc).Month(), a.In(loc).Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.In(loc).Year(), b.In(loc).Month(), b.In(loc).Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// summarise is how many, the median and the mean of days.
func summarise(days []int) (int, float64, float64) {
	if len(days) == 0 {
		return 0, 0, 0
	}
	sort.Ints(days)
	sum := 0
	for _, d := range days {
		sum += d
	}
	n := len(days)
	median := float64(days[n/2])
	if n%2 == 0 {
		median = float64(days[n/2-1]+days[n/2]) / 2
	}
	return n, median, float64(sum) / float64(n)
}
