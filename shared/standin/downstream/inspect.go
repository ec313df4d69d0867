package downstream

import (
	"strings"
	"time"
)

// Account is the customer accounts API's record of a person, as a test or
// the operator sees it.
type Account struct {
	ID, Email, Name, Phone string
	Address                string // one line
	Orders                 int
}

// Holds reports whether system (one of Names) still holds data about email:
// an account, a live Stripe customer, analytics not yet deleted, a Zendesk
// user (soft-deleted ones included: the data is still there), a newsletter
// member (subscribed or not), a debtor.
func (s *Systems) Holds(system, email string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch system {
	case CustomerAccounts:
		return s.accountLocked(email) != nil
	case Payments:
		for _, c := range s.data.customers {
			if strings.EqualFold(c.Email, email) {
				return true
			}
		}
	case Analytics:
		return s.data.gaUsers[emailHash(email)] > 0
	case SupportDesk:
		for _, u := range s.data.zdUsers {
			if strings.EqualFold(u.Email, email) {
				return true
			}
		}
	case Newsletter:
		_, ok := s.data.members[emailHash(email)]
		return ok
	case CreditFactoring:
		return s.debtorLocked(email) != nil
	}
	return false
}

// NewsletterStatus is the member's status (subscribed, unsubscribed) and
// whether the newsletter tool knows the address at all.
func (s *Systems) NewsletterStatus(email string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.data.members[emailHash(email)]
	if !ok {
		return "", false
	}
	return m.Status, true
}

// Unsubscribes lists when the newsletter tool recorded an unsubscribe of email.
func (s *Systems) Unsubscribes(email string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.data.members[emailHash(email)]; ok {
		return append([]time.Time(nil), m.Unsubscribed...)
	}
	return nil
}

// Account is the accounts record of email.
func (s *Systems) Account(email string) (Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accountLocked(email)
	if a == nil {
		return Account{}, false
	}
	var parts []string
	for _, p := range []string{a.Address.Line1, a.Address.City, strings.TrimSpace(a.Address.State + " " + a.Address.PostalCode), a.Address.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	addr := strings.Join(parts, ", ")
	return Account{ID: a.ID, Email: a.Email, Name: a.Name, Phone: a.Phone, Address: addr, Orders: len(a.Orders)}, true
}

// AnalyticsDeletions lists the user-deletion requests Google Analytics
// recorded for email's User-ID (the SHA-256 of the address).
func (s *Systems) AnalyticsDeletions(email string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.data.gaDeleted[emailHash(email)]...)
}

// OptedOut reports whether system recorded that email's data may no longer
// be sold or shared: the factoring partner's do-not-sell flag. Google
// Analytics has no per-user opt-out (a user deletion is not one; see
// AnalyticsDeletions), so it is never opted out.
func (s *Systems) OptedOut(system, email string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if system == CreditFactoring {
		d := s.debtorLocked(email)
		return d != nil && d.DoNotSell
	}
	return false
}

func (s *Systems) accountLocked(email string) *account {
	for _, id := range sortedKeys(s.data.accounts) {
		if a := s.data.accounts[id]; strings.EqualFold(a.Email, email) {
			return a
		}
	}
	return nil
}

func (s *Systems) debtorLocked(email string) *debtor {
	for _, id := range sortedKeys(s.data.debtors) {
		if d := s.data.debtors[id]; strings.EqualFold(d.Email, email) {
			return d
		}
	}
	return nil
}
