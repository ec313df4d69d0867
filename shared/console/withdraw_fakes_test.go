package console_test

import (
	"context"
	"time"

	"github.com/productionflow/privacy-desk/shared/withdraw"
)

var _ withdraw.Store = (*memStore)(nil)

// ClaimWithdrawalNotice and MarkWithdrawalNoticeSent keep the notice's
// lease as *dynamo.Store does on the request.
func (m *memStore) ClaimWithdrawalNotice(_ context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.withdrawalLease == nil {
		m.withdrawalLease, m.withdrawalSent = map[string]time.Time{}, map[string]bool{}
	}
	if m.withdrawalSent[id] || now.Before(m.withdrawalLease[id]) {
		return false, nil
	}
	m.withdrawalLease[id] = now.Add(lease)
	return true, nil
}

func (m *memStore) ReleaseWithdrawalNotice(_ context.Context, id string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.withdrawalLease, id)
	return nil
}

func (m *memStore) MarkWithdrawalNoticeSent(_ context.Context, id string, _ time.Time, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.withdrawalSent[id] = true
	return nil
}
