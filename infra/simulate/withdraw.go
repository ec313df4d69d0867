package main

import (
	"context"
	"sync"
	"time"
)

// withdrawalNotices keeps each request's withdrawal notice lease and sent
// mark, as *dynamo.Store keeps them on the request.
type withdrawalNotices struct {
	mu    sync.Mutex
	until map[string]time.Time
	sent  map[string]bool
}

// withdrawalStore is the sim's store with the withdrawal notice's lease.
type withdrawalStore struct {
	*memStore
	notices *withdrawalNotices
}

func (w withdrawalStore) ClaimWithdrawalNotice(_ context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	w.notices.mu.Lock()
	defer w.notices.mu.Unlock()
	if w.notices.sent[id] || now.Before(w.notices.until[id]) {
		return false, nil
	}
	w.notices.until[id] = now.Add(lease)
	return true, nil
}

func (w withdrawalStore) ReleaseWithdrawalNotice(_ context.Context, id string, _ time.Time) error {
	w.notices.mu.Lock()
	defer w.notices.mu.Unlock()
	delete(w.notices.until, id)
	return nil
}

func (w withdrawalStore) MarkWithdrawalNoticeSent(_ context.Context, id string, _ time.Time, _ string) error {
	w.notices.mu.Lock()
	defer w.notices.mu.Unlock()
	w.notices.sent[id] = true
	return nil
}
