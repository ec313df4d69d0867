package webform

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/status"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
)

// The submission benchmarks: the whole POST of the form (parse, check,
// store, acknowledge with its verification and status links, the receipt
// page) through Handler into the real intake.Service, with the store, the
// tokens and the mail in memory, beside a floor (ParseForm and a short
// write) measured the same way, so their ratio shows in one run:
//
//	go test -run '^$' -bench 'BenchmarkForm' -benchmem ./shared/webform/

// benchStore is an in-memory intake.Store and intake.Caps with the
// dynamo store's conditional rules, enough for distinct submissions.
type benchStore struct {
	mu     sync.Mutex
	reqs   map[string]*request.Request
	byMail map[string][]string
	events int
	acks   map[string]int
}

var (
	_ intake.Store = (*benchStore)(nil)
	_ intake.Caps  = (*benchStore)(nil)
)

func newBenchStore() *benchStore {
	return &benchStore{reqs: map[string]*request.Request{}, byMail: map[string][]string{}, acks: map[string]int{}}
}

func (s *benchStore) Create(_ context.Context, r *request.Request) (*request.Request, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if got, ok := s.reqs[r.ID]; ok {
		cp := *got
		return &cp, false, nil
	}
	cp := *r
	s.reqs[r.ID] = &cp
	e := request.NormalizeEmail(r.Requester.Email)
	s.byMail[e] = append(s.byMail[e], r.ID)
	return r, true, nil
}

func (s *benchStore) Get(_ context.Context, id string) (*request.Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reqs[id]
	if !ok {
		return nil, request.ErrNotFound
	}
	cp := *r
	return &cp, nil
}

func (s *benchStore) EarlierRequests(_ context.Context, email string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byMail[request.NormalizeEmail(email)], nil
}

func (s *benchStore) ClaimAcknowledgement(_ context.Context, id string, _ time.Time, _ time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs[id].AcknowledgedAt.IsZero(), nil
}

func (s *benchStore) MarkAcknowledged(_ context.Context, id string, at time.Time, messageID string, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reqs[id]
	if !r.AcknowledgedAt.IsZero() || r.Status != request.Received {
		return request.ErrConflict
	}
	r.AcknowledgedAt, r.AckMessageID, r.Status = at, messageID, request.Acknowledged
	return nil
}

func (s *benchStore) AppendEvent(context.Context, request.Event) error {
	s.mu.Lock()
	s.events++
	s.mu.Unlock()
	return nil
}

func (s *benchStore) CountAcknowledgement(_ context.Context, email, day, _ string, max int, _ time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := request.NormalizeEmail(email) + "|" + day
	if s.acks[k] >= max {
		return false, nil
	}
	s.acks[k]++
	return true, nil
}

func (s *benchStore) ClaimResend(context.Context, string, time.Time, time.Duration) (bool, error) {
	return false, nil
}

func (s *benchStore) MarkAckCapped(context.Context, string, time.Time) error { return nil }

// benchMail counts the mail it is given.
type benchMail struct {
	mu   sync.Mutex
	sent int
}

func (m *benchMail) Send(context.Context, mail.Message) (string, error) {
	m.mu.Lock()
	m.sent++
	m.mu.Unlock()
	return "bench-message", nil
}

func BenchmarkFormSubmission(b *testing.B) {
	cal, err := clock.New("")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	clk := func() time.Time { return now }
	store, mailer, tokens := newBenchStore(), &benchMail{}, token.NewMemStore()
	svc := &intake.Service{
		Store: store, Calendar: cal, Mail: mailer, Now: clk, Actor: "system:intake-web",
		TeamAddress: "privacy@productionflow.example", NoticeTo: "privacy@productionflow.example", FormURL: "https://privacy.productionflow.example/",
		Caps: store, AcksPerAddressPerDay: intake.DefaultAcksPerAddressPerDay,
		StartWorkflow: func(context.Context, *request.Request) error { return nil },
		StatusLinks:   &status.Links{Tokens: tokens, Issuer: token.Issuer{Now: clk}, Base: "https://privacy.productionflow.example/status"},
		VerifyLinks:   &verify.Links{Tokens: tokens, Issuer: token.Issuer{Now: clk}, Base: "https://privacy.productionflow.example/verify"},
	}
	h := New(svc, Config{Location: cal.Location(), TeamAddress: "privacy@productionflow.example"})
	// The IDs the form would carry, minted before the clock runs.
	forms := make([]string, b.N)
	for i := range forms {
		id, err := h.newSubmissionID()
		if err != nil {
			b.Fatal(err)
		}
		forms[i] = url.Values{
			"submissionId": {id}, "kinds": {"deletion"}, "name": {"Bench Mark"},
			"email": {fmt.Sprintf("bench%07d@example.com", i)}, "state": {"CA"}, "lang": {"en"},
		}.Encode()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		req := httptest.NewRequest(http.MethodPost, "/requests", strings.NewReader(forms[i]))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("submission %d answered %d", i, rec.Code)
		}
	}
	b.StopTimer()
	if mailer.sent != b.N {
		b.Fatalf("%d acknowledgements for %d submissions", mailer.sent, b.N)
	}
}

func BenchmarkFormFloor(b *testing.B) {
	form := url.Values{
		"submissionId": {"web-0123456789abcdefghijkl.0123456789abcdefghijklmnopqrstuvwxyz0123"}, "kinds": {"deletion"},
		"name": {"Bench Mark"}, "email": {"bench0000000@example.com"}, "state": {"CA"}, "lang": {"en"},
	}.Encode()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/requests", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		if err := req.ParseForm(); err != nil {
			b.Fatal(err)
		}
		rec.WriteHeader(http.StatusOK)
		_, _ = rec.WriteString("ok")
	}
}
