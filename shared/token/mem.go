package token

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"
)

// MemStore is an in-memory Store for tests and the local stack.
type MemStore struct {
	mu      sync.Mutex
	records map[string]Record
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty store.
func NewMemStore() *MemStore { return &MemStore{records: map[string]Record{}} }

// Put saves r unless its hash is taken.
func (m *MemStore) Put(_ context.Context, r Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.records[r.Hash]; ok {
		return errors.New("token exists")
	}
	r.Data = maps.Clone(r.Data)
	m.records[r.Hash] = r
	return nil
}

// Get returns the record.
func (m *MemStore) Get(_ context.Context, hash string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[hash]
	if !ok {
		return Record{}, ErrNotFound
	}
	r.Data = maps.Clone(r.Data) // a caller's change must not reach the store
	return r, nil
}

// Consume is the conditional update: exists, unused, not expired.
func (m *MemStore) Consume(ctx context.Context, hash string, now time.Time) (Record, error) {
	return m.ConsumeBy(ctx, hash, now, "")
}

// ConsumeBy is Consume that records the session that used the token.
func (m *MemStore) ConsumeBy(_ context.Context, hash string, now time.Time, session string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[hash]
	switch {
	case !ok:
		return Record{}, ErrNotFound
	case r.Used:
		return Record{}, ErrUsed
	case !now.Before(r.ExpiresAt):
		return Record{}, ErrExpired
	}
	r.Used = true
	r.UsedAt = now
	r.UsedBy = session
	m.records[hash] = r
	r.Data = maps.Clone(r.Data)
	return r, nil
}
