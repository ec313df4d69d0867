package inbound_test

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// The intake service's fakes, as shared/intake's tests have them: the inbox
// opens requests through a real intake.Service.

// memStore is an in-memory intake.Store with the same conditional rules as
// the DynamoDB store.
type memStore struct {
	mu       sync.Mutex
	reqs     map[string]request.Request
	leases   map[string]time.Time
	events   []request.Event
	once     map[string]bool
	failMark error
}

var _ intake.Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{reqs: map[string]request.Request{}, leases: map[string]time.Time{}, once: map[string]bool{}}
}

func (m *memStore) Create(_ context.Context, r *request.Request) (*request.Request, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if got, ok := m.reqs[r.ID]; ok {
		return &got, false, nil
	}
	m.reqs[r.ID] = *r
	cp := *r
	return &cp, true, nil
}

func (m *memStore) Get(_ context.Context, id string) (*request.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.reqs[id]
	if !ok {
		return nil, request.ErrNotFound
	}
	return &r, nil
}

func (m *memStore) EarlierRequests(_ context.Context, email string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for id, r := range m.reqs {
		if request.NormalizeEmail(r.Requester.Email) == request.NormalizeEmail(email) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (m *memStore) ClaimAcknowledgement(_ context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.reqs[id].AcknowledgedAt.IsZero() {
		return false, nil
	}
	if until, ok := m.leases[id]; ok && !until.Before(now) {
		return false, nil
	}
	m.leases[id] = now.Add(lease)
	return true, nil
}

func (m *memStore) MarkAcknowledged(_ context.Context, id string, at time.Time, messageID string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failMark != nil {
		return m.failMark
	}
	r := m.reqs[id]
	if !r.AcknowledgedAt.IsZero() || r.Status != request.Received {
		return request.ErrConflict
	}
	r.AcknowledgedAt, r.AckMessageID, r.Status = at, messageID, request.Acknowledged
	m.reqs[id] = r
	delete(m.leases, id)
	return nil
}

func (m *memStore) AppendEvent(_ context.Context, ev request.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ev.Once != "" {
		key := ev.RequestID + "|" + ev.Once + "|" + ev.At.String()
		if m.once[key] {
			return nil
		}
		m.once[key] = true
	}
	m.events = append(m.events, ev)
	return nil
}

type fakeCalendar struct{}

func (fakeCalendar) Deadlines(received time.Time, kinds []request.Kind, _ request.Priority) request.Due {
	d := request.Due{Acknowledge: received.AddDate(0, 0, 14), Response: received.AddDate(0, 0, 45), Extended: received.AddDate(0, 0, 90)}
	for _, k := range kinds {
		if k == request.OptOutSale {
			d.OptOut = received.AddDate(0, 0, 21)
		}
	}
	return d
}
func (fakeCalendar) Location() *time.Location { return time.UTC }

type fakeMailer struct {
	mu   sync.Mutex
	sent []mail.Message
	err  error
	// failTo fails only the mail to this address.
	failTo string
}

func (f *fakeMailer) Send(_ context.Context, m mail.Message) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return "", f.err
	}
	if f.failTo != "" && m.To[0] == f.failTo {
		return "", errors.New("SES rejected the message")
	}
	f.sent = append(f.sent, m)
	return "msg-" + string(rune('a'+len(f.sent))), nil
}

func newService(store *memStore, mailer *fakeMailer, now *time.Time) *intake.Service {
	return &intake.Service{
		Store: store, Calendar: fakeCalendar{}, Mail: mailer, Now: func() time.Time { return *now },
		Actor: "system:intake-web", TeamAddress: "privacy@productionflow.example", FormURL: "https://privacy.example/",
	}
}

func validSubmission() intake.Submission {
	return intake.Submission{
		SourceID: "sub-0123456789abcdef", Channel: request.Web,
		Kinds:     []request.Kind{request.Deletion},
		Requester: request.Identity{Name: "Ada Lovelace", Email: "ada@example.com", State: "CA"},
	}
}
