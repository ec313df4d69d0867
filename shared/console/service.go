package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/withdraw"
)

// Store is what the console needs of the request store (*dynamo.Store).
type Store interface {
	Get(ctx context.Context, id string) (*request.Request, error)
	Events(ctx context.Context, id string) ([]request.Event, error)
	// OpenWork lists every open request from the open-work index, with
	// what the work list shows and no personal data.
	OpenWork(ctx context.Context) ([]request.Request, error)
	// EarlierRequests lists the IDs of the requests from an address,
	// through the index of the address's hash.
	EarlierRequests(ctx context.Context, email string) ([]string, error)
	AppendEvent(ctx context.Context, ev request.Event) error
}

// Withdrawer withdraws requests (*withdraw.Service).
type Withdrawer interface {
	Withdraw(ctx context.Context, w withdraw.Withdrawal) (withdraw.Result, error)
}

// Calendar is the desk's calendar (*clock.Calendar).
type Calendar interface {
	Deadlines(received time.Time, kinds []request.Kind, p request.Priority) request.Due
	Location() *time.Location
}

// Service is the desk behind the console's pages: the work list and its
// search, the request pages and the actions.
type Service struct {
	Store Store
	// Writer makes the actions' conditional writes; Intake acknowledges a
	// triaged request and starts its workflows.
	Writer Writer
	// Consumers names agents' consumers (*dynamo.Store); nil: the console
	// does not offer it.
	Consumers ConsumerWriter
	Intake    Intake
	// Fulfilment re-runs a failed fulfilment; Verifier resends the
	// verification link. Without one, its action is not offered.
	Fulfilment Fulfilment
	Verifier   Verifier
	// Owners wakes a fulfilment waiting for its owners' tasks when the
	// team finishes one by hand; without it the fulfilment counts the
	// task when it next wakes.
	Owners OwnersWaker
	// StatusLinks, when set, issues the link to the request's status page
	// that the extension and denial notices carry.
	StatusLinks StatusLinks
	// Withdrawals withdraws a request and mails the requester the notice
	// (*withdraw.Service, as the status page's).
	Withdrawals Withdrawer
	Calendar    Calendar
	Mail        mail.Sender
	// Now is the desk's clock, which deadlines are counted on.
	Now func() time.Time
	// TeamAddress is the privacy team's, for the requester's questions.
	TeamAddress string
	Log         *slog.Logger
}

func (s *Service) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// Filter narrows the work list; the zero Filter lists every open request.
type Filter struct {
	Status    request.Status
	Kind      request.Kind
	Channel   request.Channel
	Priority  request.Priority
	Attention bool // only those that need attention
}

func (f Filter) keeps(r *request.Request) bool {
	return (f.Status == "" || r.Status == f.Status) &&
		(f.Kind == "" || slices.Contains(r.Kinds, f.Kind)) &&
		(f.Channel == "" || r.Channel == f.Channel) &&
		(f.Priority == "" || r.Priority == f.Priority) &&
		(!f.Attention || r.Attention != "")
}

// Counts are the work list's headline numbers, over every open request.
type Counts struct {
	Open      int
	Overdue   int // the next deadline has passed
	DueSoon   int // the next deadline is within the next 7 days
	Triage    int // unclear mail: the team must say what the person wants
	Attention int // a step failed, or the requester cannot be reached: the team must act
}

// Row is one request on the work list or in search results.
type Row struct {
	ID       string
	Status   request.Status
	Kinds    []request.Kind
	Priority request.Priority
	Channel  request.Channel
	Received time.Time
	// Due is the next deadline and Clock which one it is; zero Due for a
	// closed request.
	Due   time.Time
	Clock string
	// DaysLeft counts calendar days from today to Due's date in the
	// business time zone: 0 on the day, negative when overdue.
	DaysLeft  int
	Overdue   bool
	Triage    bool
	Attention bool
	// MailBounced: mail to the requester bounced permanently (the
	// attention mark says so); the desk cannot reach the requester.
	MailBounced bool
}

// WorkList is the work list: the counts and the open requests the filter
// keeps, the nearest deadline first (so the overdue come first, the
// longest overdue at the top).
type WorkList struct {
	Counts Counts
	Rows   []Row
	Now    time.Time
}

// dueSoon is how far ahead "due this week" looks.
const dueSoon = 7 * 24 * time.Hour

// WorkList lists the open requests, from the open-work index only.
func (s *Service) WorkList(ctx context.Context, f Filter) (WorkList, error) {
	open, err := s.Store.OpenWork(ctx)
	if err != nil {
		return WorkList{}, fmt.Errorf("work list: %w", err)
	}
	now := s.Now()
	wl := WorkList{Now: now}
	for i := range open {
		row := s.row(&open[i], now)
		wl.Counts.Open++
		switch {
		case row.Overdue:
			wl.Counts.Overdue++
		case !row.Due.IsZero() && row.Due.Sub(now) <= dueSoon:
			wl.Counts.DueSoon++
		}
		if row.Triage {
			wl.Counts.Triage++
		}
		if row.Attention {
			wl.Counts.Attention++
		}
		if f.keeps(&open[i]) {
			wl.Rows = append(wl.Rows, row)
		}
	}
	sort.SliceStable(wl.Rows, func(i, j int) bool { return wl.Rows[i].Due.Before(wl.Rows[j].Due) })
	return wl, nil
}

// row describes r as of now.
func (s *Service) row(r *request.Request, now time.Time) Row {
	row := Row{ID: r.ID, Status: r.Status, Kinds: r.Kinds, Priority: r.Priority, Channel: r.Channel, Received: r.ReceivedAt,
		Triage: slices.Contains(r.Kinds, request.Unclear), Attention: r.Attention != "",
		MailBounced: r.Attention == request.ActionRequesterUnreachable}
	if r.Status.Closed() {
		return row
	}
	row.Due = r.NextDue
	if row.Due.IsZero() {
		row.Due = r.Due.Next()
	}
	row.Clock = clockOf(r, row.Due)
	row.DaysLeft = s.daysBetween(now, row.Due)
	row.Overdue = now.After(row.Due)
	return row
}

// clockOf names the clock of r whose deadline due is.
func clockOf(r *request.Request, due time.Time) string {
	switch {
	case due.IsZero():
		return ""
	case due.Equal(r.Due.Extended) && r.Status == request.Extended:
		return "extended response"
	case due.Equal(r.Due.Acknowledge):
		return "acknowledgement"
	case due.Equal(r.Due.OptOut):
		return "opt-out"
	case due.Equal(r.Due.Response):
		return "response"
	case due.Equal(r.Due.Extended):
		return "extended response"
	}
	return "deadline"
}

// daysBetween counts the calendar days from from's date to to's date in the
// business time zone.
func (s *Service) daysBetween(from, to time.Time) int {
	loc := s.Calendar.Location()
	fy, fm, fd := from.In(loc).Date()
	ty, tm, td := to.In(loc).Date()
	a := time.Date(fy, fm, fd, 12, 0, 0, 0, time.UTC)
	b := time.Date(ty, tm, td, 12, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// ErrQuery is a search that is neither a request ID nor an email address.
var ErrQuery = errors.New("search by a request ID (PR-…) or an exact email address")

// Find searches for requests, open or closed, by request ID or by the
// exact email address of the requester (through the index of its hash:
// never a scan). Newest first.
func (s *Service) Find(ctx context.Context, q string) ([]Row, error) {
	q = strings.TrimSpace(q)
	var ids []string
	switch {
	case request.IsID(strings.ToUpper(q)):
		ids = []string{strings.ToUpper(q)}
	case strings.Count(q, "@") == 1 && !strings.ContainsAny(q, " \t\r\n"):
		found, err := s.Store.EarlierRequests(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("find by email: %w", err)
		}
		ids = found
	default:
		return nil, ErrQuery
	}
	now := s.Now()
	var rows []Row
	for _, id := range ids {
		r, err := s.Store.Get(ctx, id)
		if errors.Is(err, request.ErrNotFound) {
			continue // deleted after its retention, or never there
		}
		if err != nil {
			return nil, fmt.Errorf("find %s: %w", id, err)
		}
		rows = append(rows, s.row(r, now))
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Received.After(rows[j].Received) })
	return rows, nil
}
