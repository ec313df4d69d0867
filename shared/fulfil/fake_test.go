package fulfil_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/token"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

const (
	janeEmail = "jane.doe+privacy@example.com"
	team      = "privacy@productionflow.example"
)

// memStore is an in-memory request store.
type memStore struct {
	mu       sync.Mutex
	requests map[string]request.Request
	events   []request.Event
	failGet  error
}

var _ fulfil.Store = (*memStore)(nil)

func (m *memStore) Get(_ context.Context, id string) (*request.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failGet != nil {
		return nil, m.failGet
	}
	r, ok := m.requests[id]
	if !ok {
		return nil, request.ErrNotFound
	}
	return &r, nil
}

func (m *memStore) SetStatus(_ context.Context, id string, from, to request.Status, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.requests[id]
	if !ok {
		return request.ErrNotFound
	}
	if err := request.CheckTransition(from, to); err != nil {
		return err
	}
	if r.Status != from {
		return request.ErrConflict
	}
	r.Status = to
	m.requests[id] = r
	return nil
}

func (m *memStore) AppendEvent(_ context.Context, ev request.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, ev)
	return nil
}

func (m *memStore) Events(_ context.Context, id string) ([]request.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []request.Event
	for _, ev := range m.events {
		if ev.RequestID == id {
			out = append(out, ev)
		}
	}
	return out, nil
}

func (m *memStore) status(id string) request.Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.requests[id].Status
}

func (m *memStore) actions(id string) []string {
	evs, _ := m.Events(context.Background(), id)
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Action)
	}
	return out
}

// fakeSystems answers every action with do, or "done, not found afterwards".
type fakeSystems struct {
	mu    sync.Mutex
	calls []string
	do    func(sys *system.System, a system.Action) (*connector.Result, error)
}

func (f *fakeSystems) Do(_ context.Context, sys *system.System, a system.Action, _ connector.Person) (*connector.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, sys.Name+" "+string(a))
	f.mu.Unlock()
	if f.do != nil {
		return f.do(sys, a)
	}
	res := &connector.Result{System: sys.Name, Action: a, Status: 200, At: t0, Found: a != system.Find}
	if a == system.Export {
		res.Data = map[string][]json.RawMessage{sys.Categories[0]: {json.RawMessage(`{"email":"` + janeEmail + `"}`)}}
	}
	return res, nil
}

// outbox records sent mail.
type outbox struct {
	mu   sync.Mutex
	sent []mail.Message
	fail int
}

func (o *outbox) Send(_ context.Context, m mail.Message) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail > 0 {
		o.fail--
		return "", errors.New("sesmail: Throttling")
	}
	o.sent = append(o.sent, m)
	return "msg-" + string(rune('a'+len(o.sent))), nil
}

// fakePackages records packages.
type fakePackages struct {
	packages []export.Package
}

func (f *fakePackages) Package(_ context.Context, _ *system.Registry, p export.Package) (export.Link, error) {
	f.packages = append(f.packages, p)
	return export.Link{Bucket: "exports", Key: "exports/" + p.RequestID + "/access.zip"}, nil
}

// downloadPage is where the answer's download links point in tests.
const downloadPage = "https://privacy.productionflow.example/download"

// fakeManual records started tasks.
type fakeManual struct {
	mu      sync.Mutex
	started []string
	tokens  []string
}

func (f *fakeManual) Start(_ context.Context, sys *system.System, a system.Action, requestID, taskToken string, _ connector.Person) (connector.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, sys.Name+" "+string(a)+" "+taskToken)
	f.tokens = append(f.tokens, taskToken)
	return connector.Task{RequestID: requestID, System: sys.Name, Action: a, TaskToken: taskToken}, nil
}

type env struct {
	svc      *fulfil.Service
	store    *memStore
	systems  *fakeSystems
	mail     *outbox
	packages *fakePackages
	tokens   *token.MemStore
	manual   *fakeManual
	parts    *fulfil.MemParts
	logs     *bytes.Buffer
}

func seedRegistry(t *testing.T) *system.Registry {
	t.Helper()
	reg, err := system.LoadFile(filepath.Join("..", "..", "infra", "systems.yaml"), system.Options{})
	require.NoError(t, err)
	return reg
}

func newEnv(t *testing.T, kinds ...request.Kind) *env {
	t.Helper()
	e := &env{
		store:    &memStore{requests: map[string]request.Request{}},
		systems:  &fakeSystems{},
		mail:     &outbox{},
		packages: &fakePackages{},
		tokens:   token.NewMemStore(),
		manual:   &fakeManual{},
		parts:    &fulfil.MemParts{},
		logs:     &bytes.Buffer{},
	}
	log := slog.New(slog.NewJSONHandler(e.logs, nil))
	now := func() time.Time { return t0 }
	e.svc = &fulfil.Service{
		Store: e.store, Registry: seedRegistry(t), Systems: e.systems,
		Eraser: &connector.Eraser{Systems: e.systems, Audit: fulfil.RecordFunc(e.store.AppendEvent), Now: now, Log: log},
		Manual: e.manual, Parts: e.parts, Packages: e.packages, Mail: e.mail, Now: now, Log: log,
		Downloads:   &export.Links{Tokens: e.tokens, Issuer: &token.Issuer{Now: now}, PageURL: downloadPage},
		TeamAddress: team, Location: time.UTC,
	}
	e.store.requests["PR-1"] = request.Request{
		ID: "PR-1", Kinds: kinds, Status: request.Verified, ReceivedAt: t0.Add(-48 * time.Hour),
		Requester: request.Identity{Name: "Jane Doe", Email: janeEmail},
	}
	return e
}
