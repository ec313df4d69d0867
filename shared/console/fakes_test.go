package console_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/withdraw"
)

// memStore is the request store in memory, with the conditional writes of
// *dynamo.Store.
type memStore struct {
	mu       sync.Mutex
	requests map[string]*request.Request
	events   map[string][]request.Event
	// queries counts the store's reads of many requests, by kind: the work
	// list must come from the open-work index alone.
	queries     map[string]int
	extended    map[string]bool
	clarifiedBy map[string]string
	// The withdrawal notice's lease and sent mark, by request.
	withdrawalLease map[string]time.Time
	withdrawalSent  map[string]bool
}

var (
	_ console.Store  = (*memStore)(nil)
	_ console.Writer = (*memStore)(nil)
)

func newMemStore() *memStore {
	return &memStore{requests: map[string]*request.Request{}, events: map[string][]request.Event{}, queries: map[string]int{},
		extended: map[string]bool{}, clarifiedBy: map[string]string{}}
}

func (m *memStore) put(r *request.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *r
	if !c.Status.Closed() && c.NextDue.IsZero() {
		c.NextDue = c.Due.Next()
	}
	m.requests[r.ID] = &c
}

func (m *memStore) Get(_ context.Context, id string) (*request.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.requests[id]
	if !ok {
		return nil, fmt.Errorf("get %s: %w", id, request.ErrNotFound)
	}
	c := *r
	return &c, nil
}

func (m *memStore) Events(_ context.Context, id string) ([]request.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Clone(m.events[id])
	for i := range out {
		out[i].Once = "" // the store keys an event by it and does not read it back
	}
	return out, nil
}

// OpenWork gives what the open-work index projects: no personal data.
func (m *memStore) OpenWork(_ context.Context) ([]request.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.queries["open-work"]++
	var out []request.Request
	for _, r := range m.requests {
		if r.Status.Closed() {
			continue
		}
		out = append(out, request.Request{ID: r.ID, Status: r.Status, Kinds: r.Kinds, Priority: r.Priority, Channel: r.Channel,
			Due: r.Due, ReceivedAt: r.ReceivedAt, Attention: r.Attention, NextDue: r.NextDue})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NextDue.Before(out[j].NextDue) })
	return out, nil
}

func (m *memStore) EarlierRequests(_ context.Context, email string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.queries["by-email"]++
	var ids []string
	for _, r := range m.requests {
		if request.NormalizeEmail(r.Requester.Email) == request.NormalizeEmail(email) {
			ids = append(ids, r.ID)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

func (m *memStore) AppendEvent(_ context.Context, ev request.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ev.Once != "" {
		for _, e := range m.events[ev.RequestID] {
			if e.Once == ev.Once {
				return nil
			}
		}
	}
	if request.NeedsAttention(ev.Action) {
		if r, ok := m.requests[ev.RequestID]; ok && !r.Status.Closed() {
			r.Attention = ev.Action
		}
	}
	m.events[ev.RequestID] = append(m.events[ev.RequestID], ev)
	return nil
}

func (m *memStore) SetStatus(_ context.Context, id string, from, to request.Status, at time.Time) error {
	if err := request.CheckTransition(from, to); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.requests[id]
	if !ok {
		return request.ErrNotFound
	}
	if r.Status != from {
		return fmt.Errorf("set status of %s: %w", id, request.ErrConflict)
	}
	r.Status, r.UpdatedAt = to, at
	if to.Closed() {
		r.Attention = ""
	}
	return nil
}

func (m *memStore) Extend(_ context.Context, id string, from request.Status, due, at time.Time) error {
	if err := request.CheckTransition(from, request.Extended); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.requests[id]
	if !ok {
		return request.ErrNotFound
	}
	if r.Status != from || m.extended[id] {
		return fmt.Errorf("extend %s: %w", id, request.ErrConflict)
	}
	m.extended[id] = true
	r.Status, r.NextDue, r.UpdatedAt = request.Extended, due, at
	return nil
}

func (m *memStore) SetCorrections(_ context.Context, id string, items []request.CorrectionItem, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.requests[id]
	if !ok {
		return request.ErrNotFound
	}
	if r.Status.Closed() {
		return fmt.Errorf("set corrections of %s: %w", id, request.ErrConflict)
	}
	r.Corrections = items
	return nil
}

func (m *memStore) Clarify(_ context.Context, c intake.Clarification) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.requests[c.RequestID]
	if !ok {
		return request.ErrNotFound
	}
	if r.Status.Closed() || (!slices.Contains(r.Kinds, request.Unclear) && m.clarifiedBy[c.RequestID] != c.ReplyMessageID) {
		return fmt.Errorf("clarify %s: %w", c.RequestID, request.ErrConflict)
	}
	m.clarifiedBy[c.RequestID] = c.ReplyMessageID
	r.Kinds, r.Priority, r.Due = c.Kinds, c.Priority, c.Due
	if c.Subject != nil {
		r.Subject = c.Subject
	}
	if len(c.Corrections) > 0 {
		r.Corrections = c.Corrections
	}
	return nil
}

// fakeIntake acknowledges as intake does (in words of the kinds) and
// records the workflows it starts.
type fakeIntake struct {
	mu      sync.Mutex
	started []string
}

func (f *fakeIntake) Acknowledgement(_ context.Context, r *request.Request) (mail.Message, error) {
	return mail.RenderAcknowledgement(r.Requester.Email, mail.Acknowledgement{RequestID: r.ID, Kinds: r.Kinds, ReceivedAt: r.ReceivedAt,
		Due: r.Due, TeamAddress: "privacy@productionflow.example", Language: r.Language})
}

func (f *fakeIntake) StartWorkflows(_ context.Context, r *request.Request) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, r.ID+" "+strings.Join(func() []string {
		var k []string
		for _, x := range r.Kinds {
			k = append(k, string(x))
		}
		return k
	}(), ","))
	return nil
}

// outbox is a mail.Sender that keeps what it sends.
type outbox struct {
	mu   sync.Mutex
	sent []mail.Message
	// fail makes that many sends fail first.
	fail int
}

func (o *outbox) Send(_ context.Context, m mail.Message) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail > 0 {
		o.fail--
		return "", errors.New("mail service unavailable")
	}
	o.sent = append(o.sent, m)
	return fmt.Sprintf("ses-%d", len(o.sent)), nil
}

func (o *outbox) to(addr string) []mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []mail.Message
	for _, m := range o.sent {
		if slices.Contains(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

// desk is a console service over a memStore on a fixed clock.
type desk struct {
	*console.Service
	store  *memStore
	mail   *outbox
	intake *fakeIntake
	cal    *clock.Calendar
	now    time.Time
}

// deskNow is 9:00 in New York on Tuesday, December 1, 2026.
var deskNow = time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)

func newDesk(t *testing.T) *desk {
	t.Helper()
	cal, err := clock.New("America/New_York")
	require.NoError(t, err)
	d := &desk{store: newMemStore(), mail: &outbox{}, intake: &fakeIntake{}, cal: cal, now: deskNow}
	d.Service = &console.Service{Store: d.store, Writer: d.store, Consumers: d.store, Intake: d.intake, Calendar: cal, Mail: d.mail, Now: func() time.Time { return d.now },
		TeamAddress: "privacy@productionflow.example"}
	d.Withdrawals = &withdraw.Service{Store: d.store, Mail: d.mail, Now: func() time.Time { return d.now }, Location: cal.Location(),
		TeamAddress: "privacy@productionflow.example"}
	return d
}

// add stores a request received daysAgo days before now, of kinds, in
// status, and returns it.
func (d *desk) add(id string, daysAgo int, status request.Status, kinds ...request.Kind) *request.Request {
	received := d.now.AddDate(0, 0, -daysAgo)
	r := &request.Request{ID: id, SourceID: "src-" + id, Kinds: kinds, Status: status, Channel: request.Web, Priority: request.Normal,
		Requester:  request.Identity{Name: "Ada Lovelace", Email: strings.ToLower(id) + "@example.com"},
		ReceivedAt: received, Due: d.cal.Deadlines(received, kinds, request.Normal), UpdatedAt: received}
	if status != request.Received {
		r.AcknowledgedAt = received
		r.NextDue = r.Due.Response
		if r.OnlyOptOuts() {
			r.NextDue = r.Due.OptOut
		}
	}
	d.store.put(r)
	return r
}

// finish finishes a step by hand, for the tests that look at its error.
func (d *desk) finish(ctx context.Context, m console.Member, id, system, action, note string) error {
	_, err := d.FinishStep(ctx, m, id, system, action, note, false, true)
	return err
}
