package fulfil_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
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
	once     map[string]bool // the Once keys written
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
	// As the table does: an event with a Once key already written is not
	// written again (and the key is not read back).
	if ev.Once != "" {
		if m.once == nil {
			m.once = map[string]bool{}
		}
		if m.once[ev.RequestID+"/"+ev.Once] {
			return nil
		}
		m.once[ev.RequestID+"/"+ev.Once] = true
	}
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
	mu      sync.Mutex
	calls   []string
	persons []connector.Person
	do      func(sys *system.System, a system.Action) (*connector.Result, error)
}

func (f *fakeSystems) Do(_ context.Context, sys *system.System, a system.Action, p connector.Person) (*connector.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, sys.Name+" "+string(a))
	f.persons = append(f.persons, p)
	f.mu.Unlock()
	if f.do != nil {
		return f.do(sys, a)
	}
	// The person is in every system: found by an action, gone from a find
	// after an erase; a system that keeps everything under its holds
	// (no erase) still finds them.
	res := &connector.Result{System: sys.Name, Action: a, Status: 200, At: t0, Found: a != system.Find || !sys.Supports(system.Erase)}
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

// to lists the mail sent to addr.
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

// fakeOwnerMail records the owners' mails.
type fakeOwnerMail struct {
	mu       sync.Mutex
	sent     []string // "system action"
	subjects []connector.Subject
	reminded []string
}

var _ fulfil.OwnerMail = (*fakeOwnerMail)(nil)

func (f *fakeOwnerMail) Send(_ context.Context, sys *system.System, t connector.Task, p connector.Subject) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, sys.Name+" "+string(t.Action))
	f.subjects = append(f.subjects, p)
	return nil
}

func (f *fakeOwnerMail) Remind(_ context.Context, sys *system.System, t connector.Task) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reminded = append(f.reminded, sys.Name+" "+string(t.Action))
	return nil
}

// memTasks keeps owners' tasks in memory, as *task.Store (shared/dynamo/task) does in the table.
type memTasks struct {
	mu    sync.Mutex
	tasks map[string]connector.Task // requestID/system/action
	order []string
	wait  map[string]string
}

var _ fulfil.TaskStore = (*memTasks)(nil)

func (m *memTasks) key(id, sys, action string) string { return id + "/" + sys + "/" + action }

func (m *memTasks) Create(_ context.Context, t connector.Task) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tasks == nil {
		m.tasks, m.wait = map[string]connector.Task{}, map[string]string{}
	}
	k := m.key(t.RequestID, t.System, string(t.Action))
	if _, ok := m.tasks[k]; ok {
		return false, nil
	}
	m.tasks[k] = t
	m.order = append(m.order, k)
	return true, nil
}

func (m *memTasks) List(_ context.Context, id string) ([]connector.Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []connector.Task
	for _, k := range m.order {
		if t := m.tasks[k]; t.RequestID == id {
			out = append(out, t)
		}
	}
	return out, nil
}

func (m *memTasks) change(id, sys, action string, f func(*connector.Task) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.key(id, sys, action)
	t, ok := m.tasks[k]
	if !ok {
		return connector.ErrAlreadyAnswered
	}
	if err := f(&t); err != nil {
		return err
	}
	m.tasks[k] = t
	return nil
}

func (m *memTasks) MarkMailed(_ context.Context, id, sys, action string, at time.Time) error {
	return m.change(id, sys, action, func(t *connector.Task) error { t.MailedAt = at; return nil })
}

func (m *memTasks) MarkReminded(_ context.Context, id, sys, action string, at time.Time, told bool) error {
	return m.change(id, sys, action, func(t *connector.Task) error { t.RemindedAt, t.TeamToldOverdue = at, told; return nil })
}

func (m *memTasks) Answer(_ context.Context, id, sys, action string, st connector.TaskState, reason string, up bool, at time.Time) error {
	return m.change(id, sys, action, func(t *connector.Task) error {
		if t.Answered() {
			return connector.ErrAlreadyAnswered
		}
		t.State, t.Reason, t.Uploaded, t.AnsweredAt = st, reason, up, at
		return nil
	})
}

func (m *memTasks) Reopen(_ context.Context, id, sys, action string, from connector.TaskState, due time.Time, earlier string) (bool, error) {
	reopened := false
	err := m.change(id, sys, action, func(t *connector.Task) error {
		if t.State != from {
			return nil
		}
		*t = connector.Task{RequestID: t.RequestID, System: t.System, Action: t.Action, Owner: t.Owner, Due: due, State: connector.TaskOpen,
			AskedAgain: true, EarlierReason: earlier}
		reopened = true
		return nil
	})
	return reopened, err
}

func (m *memTasks) SetWaitToken(_ context.Context, id, tok string, _ bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.wait == nil {
		m.tasks, m.wait = map[string]connector.Task{}, map[string]string{}
	}
	m.wait[id] = tok
	return nil
}

func (m *memTasks) WaitToken(_ context.Context, id string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.wait[id], nil
}

// completions records what the owners' wait was completed with.
type completions struct {
	mu   sync.Mutex
	done map[string][]fulfil.StepResult // task token → results
}

func (c *completions) complete(_ context.Context, tok string, out json.RawMessage) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var res []fulfil.StepResult
	if err := json.Unmarshal(out, &res); err != nil {
		return err
	}
	if c.done == nil {
		c.done = map[string][]fulfil.StepResult{}
	}
	c.done[tok] = res
	return nil
}

type env struct {
	svc      *fulfil.Service
	store    *memStore
	systems  *fakeSystems
	mail     *outbox
	packages *fakePackages
	tokens   *token.MemStore
	owners   *fakeOwnerMail
	tasks    *memTasks
	done     *completions
	parts    *memParts
	logs     *bytes.Buffer
}

func seedRegistry(t *testing.T) *system.Registry {
	t.Helper()
	reg, err := system.LoadFile(filepath.Join("..", "system", "systems.yaml"), system.Options{})
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
		owners:   &fakeOwnerMail{},
		tasks:    &memTasks{},
		done:     &completions{},
		parts:    &memParts{},
		logs:     &bytes.Buffer{},
	}
	log := slog.New(slog.NewJSONHandler(e.logs, nil))
	now := func() time.Time { return t0 }
	e.svc = &fulfil.Service{
		Store: e.store, Registry: seedRegistry(t), Systems: e.systems,
		Eraser: &connector.Eraser{Systems: e.systems, Audit: fulfil.RecordFunc(e.store.AppendEvent), Now: now, Log: log},
		Tasks:  e.tasks, OwnerMail: e.owners, Complete: e.done.complete, Parts: e.parts, Packages: e.packages, Mail: e.mail, Now: now, Log: log,
		Downloads:   &export.Links{Tokens: e.tokens, Issuer: &token.Issuer{Now: now}, PageURL: downloadPage},
		TeamAddress: team, Location: time.UTC,
	}
	e.store.requests["PR-1"] = request.Request{
		ID: "PR-1", Kinds: kinds, Status: request.Verified, ReceivedAt: t0.Add(-48 * time.Hour),
		Requester: request.Identity{Name: "Jane Doe", Email: janeEmail},
	}
	return e
}

// memParts keeps export parts in memory.
type memParts struct {
	mu    sync.Mutex
	parts map[string][]byte
	// keptErr, when set, is what Kept answers: the store cannot tell.
	keptErr error
}

var _ fulfil.PartStore = (*memParts)(nil)

func (m *memParts) Put(_ context.Context, requestID, sys string, body []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.parts == nil {
		m.parts = map[string][]byte{}
	}
	m.parts[requestID+"/"+sys] = slices.Clone(body)
	return nil
}

func (m *memParts) Get(_ context.Context, requestID, sys string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.parts[requestID+"/"+sys]
	if !ok {
		return nil, fmt.Errorf("no export part %s of %s: %w", sys, requestID, request.ErrNotFound)
	}
	return b, nil
}

func (m *memParts) Kept(_ context.Context, requestID, sys string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keptErr != nil {
		return false, m.keptErr
	}
	_, ok := m.parts[requestID+"/"+sys]
	return ok, nil
}

func (m *memParts) Delete(_ context.Context, requestID, sys string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.parts, requestID+"/"+sys)
	return nil
}

// part decodes a stored part as the answer reads it.
func (m *memParts) part(ctx context.Context, requestID, sys string) (export.SystemData, error) {
	b, err := m.Get(ctx, requestID, sys)
	if err != nil {
		return export.SystemData{}, err
	}
	var d export.SystemData
	err = json.Unmarshal(b, &d)
	return d, err
}
