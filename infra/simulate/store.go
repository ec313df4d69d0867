package main

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// memStore is the request store in memory: what intake and the console
// need of *dynamo.Store, with the same single-item conditions.
type memStore struct {
	mu     sync.Mutex
	reqs   map[string]*request.Request
	events map[string][]request.Event
	byMail map[string][]string
	acks   map[string]map[string]bool // automatic mails per address and day
	resent map[string]time.Time       // when each request's acknowledgement was last re-sent
}

var (
	_ intake.Store   = (*memStore)(nil)
	_ console.Store  = (*memStore)(nil)
	_ console.Writer = (*memStore)(nil)
	_ intake.Caps    = (*memStore)(nil)
)

func newMemStore() *memStore {
	return &memStore{reqs: map[string]*request.Request{}, events: map[string][]request.Event{}, byMail: map[string][]string{},
		acks: map[string]map[string]bool{}, resent: map[string]time.Time{}}
}

func (m *memStore) Create(_ context.Context, r *request.Request) (*request.Request, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.reqs[r.ID]; ok {
		c := *old
		return &c, false, nil
	}
	c := *r
	m.reqs[r.ID] = &c
	m.byMail[request.NormalizeEmail(r.Requester.Email)] = append(m.byMail[request.NormalizeEmail(r.Requester.Email)], r.ID)
	out := c
	return &out, true, nil
}

func (m *memStore) Get(_ context.Context, id string) (*request.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.reqs[id]
	if !ok {
		return nil, request.ErrNotFound
	}
	c := *r
	return &c, nil
}

func (m *memStore) EarlierRequests(_ context.Context, email string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.byMail[request.NormalizeEmail(email)]), nil
}

func (m *memStore) ClaimAcknowledgement(_ context.Context, id string, _ time.Time, _ time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reqs[id].AcknowledgedAt.IsZero(), nil
}

func (m *memStore) MarkAcknowledged(_ context.Context, id string, at time.Time, messageID string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.reqs[id]
	if !r.AcknowledgedAt.IsZero() || r.Status != request.Received {
		return request.ErrConflict
	}
	r.AcknowledgedAt, r.AckMessageID, r.Status = at, messageID, request.Acknowledged
	return nil
}

// AppendEvent keeps one event per Once key, as the table's conditional put.
func (m *memStore) AppendEvent(_ context.Context, ev request.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ev.Once != "" && slices.ContainsFunc(m.events[ev.RequestID], func(e request.Event) bool { return e.Once == ev.Once }) {
		return nil
	}
	m.events[ev.RequestID] = append(m.events[ev.RequestID], ev)
	if r := m.reqs[ev.RequestID]; r != nil {
		if request.NeedsAttention(ev.Action) {
			r.Attention = ev.Action
		}
	}
	return nil
}

func (m *memStore) Events(_ context.Context, id string) ([]request.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.events[id]), nil
}

func (m *memStore) OpenWork(context.Context) ([]request.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []request.Request
	for _, r := range m.reqs {
		if !r.Status.Closed() {
			out = append(out, *r)
		}
	}
	return out, nil
}

func (m *memStore) SetStatus(_ context.Context, id string, from, to request.Status, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.reqs[id]
	if r.Status != from {
		return request.ErrConflict
	}
	r.Status, r.UpdatedAt = to, at
	if to.Closed() {
		r.ClosedAt, r.Attention = at, ""
	}
	return nil
}

func (m *memStore) Extend(_ context.Context, id string, from request.Status, _, at time.Time) error {
	return m.SetStatus(context.Background(), id, from, request.Extended, at)
}

// SetCorrections replaces an open request's corrections, as the table's
// conditional update.
func (m *memStore) SetCorrections(_ context.Context, id string, items []request.CorrectionItem, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.reqs[id]
	if r == nil || r.Status.Closed() {
		return request.ErrConflict
	}
	r.Corrections, r.UpdatedAt = slices.Clone(items), at
	return nil
}

// Clarify gives an unclear request the kinds triage named, as the table's
// conditional update: only while it is still unclear.
func (m *memStore) Clarify(_ context.Context, c intake.Clarification) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.reqs[c.RequestID]
	if r == nil || r.Status.Closed() || !slices.Contains(r.Kinds, request.Unclear) {
		return request.ErrConflict
	}
	r.Kinds, r.Priority, r.Due, r.UpdatedAt = slices.Clone(c.Kinds), c.Priority, c.Due, c.At
	if c.Subject != nil {
		s := *c.Subject
		r.Subject = &s
	}
	if len(c.Corrections) > 0 {
		r.Corrections = slices.Clone(c.Corrections)
	}
	return nil
}

// CountAcknowledgement counts the mail what to email on day, once, unless
// max others were sent that day.
func (m *memStore) CountAcknowledgement(_ context.Context, email, day, what string, max int, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := request.NormalizeEmail(email) + "\x00" + day
	if m.acks[k][what] {
		return true, nil
	}
	if len(m.acks[k]) >= max {
		return false, nil
	}
	if m.acks[k] == nil {
		m.acks[k] = map[string]bool{}
	}
	m.acks[k][what] = true
	return true, nil
}

// ClaimResend claims the re-sending of id's acknowledgement, at most once
// per every.
func (m *memStore) ClaimResend(_ context.Context, id string, now time.Time, every time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if last, ok := m.resent[id]; ok && now.Before(last.Add(every)) {
		return false, nil
	}
	m.resent[id] = now
	return true, nil
}

// MarkAckCapped records that id's acknowledgement was held back by the cap.
func (m *memStore) MarkAckCapped(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reqs[id].AckCappedAt = at
	return nil
}

// countingMail sends nothing and counts what would go.
type countingMail struct {
	mu   sync.Mutex
	sent int
}

func (c *countingMail) Send(context.Context, mail.Message) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent++
	return "sim-" + time.Duration(c.sent).String(), nil
}
