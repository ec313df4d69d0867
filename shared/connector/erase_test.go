package connector_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

type memAudit struct {
	mu     sync.Mutex
	events []request.Event
}

var _ connector.Recorder = (*memAudit)(nil)

func (m *memAudit) Record(_ context.Context, e request.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, e)
	return nil
}

// failingAudit is an audit trail that cannot be written.
type failingAudit struct{}

func (failingAudit) Record(context.Context, request.Event) error {
	return errors.New("ProvisionedThroughputExceededException")
}

func newEraser(h *connector.HTTP, audit *memAudit) *connector.Eraser {
	return &connector.Eraser{
		Systems: &connector.Runner{HTTP: h},
		Audit:   audit, Now: h.Now, Log: h.Log,
	}
}

func TestEraseIsProvenByAFindAfterwards(t *testing.T) {
	_, srv := startAccounts(t)
	reg := loadRegistry(t, accountsYAML(srv.URL))
	sys, _ := reg.Lookup("accounts")
	log, buf := logBuffer()
	audit := &memAudit{}

	out, err := newEraser(newHTTP(log), audit).Erase(context.Background(), "req-1", sys, connector.Person{Email: janeEmail})
	require.NoError(t, err)
	assert.True(t, out.Erased)
	assert.True(t, out.Proven)
	require.Len(t, out.Withheld, 1)
	assert.Equal(t, "orders", out.Withheld[0].Category)

	require.Len(t, audit.events, 2)
	withheld, proof := audit.events[0], audit.events[1]
	assert.Equal(t, "erasure-withheld", withheld.Action)
	assert.Equal(t, "Order records are kept for tax law.", withheld.Reason)
	assert.Equal(t, "erasure-proof", proof.Action)
	assert.Equal(t, "req-1", proof.RequestID)
	assert.Equal(t, t0, proof.At)
	assert.Equal(t, map[string]string{"system": "accounts", "found": "false", "status": "404", "at": "2026-11-02T09:00:00Z", "eraseStatus": "204"}, proof.Data)
	assertNoLeak(t, buf.String())
}

func TestEraseThatStillFindsThePersonFails(t *testing.T) {
	api, srv := startAccounts(t)
	api.keepAfterDelete = true // answers 204 but keeps the record
	reg := loadRegistry(t, accountsYAML(srv.URL))
	sys, _ := reg.Lookup("accounts")
	log, buf := logBuffer()
	audit := &memAudit{}

	out, err := newEraser(newHTTP(log), audit).Erase(context.Background(), "req-2", sys, connector.Person{Email: janeEmail})
	require.Error(t, err)
	np, ok := err.(*connector.ErasureNotProvenError)
	require.True(t, ok, "want *ErasureNotProvenError unwrapped, got %T", err)
	assert.Equal(t, "accounts", np.System)
	assert.Equal(t, 200, np.Status)
	require.NotNil(t, out)
	assert.False(t, out.Erased)
	assert.False(t, out.Proven)

	proof := audit.events[len(audit.events)-1]
	assert.Equal(t, "erasure-proof", proof.Action)
	assert.Equal(t, "true", proof.Data["found"])
	assert.Equal(t, "the system still finds the person after erase", proof.Reason)
	assertNoLeak(t, buf.String()+err.Error())
}

func TestEraseOnASystemUnderLegalHold(t *testing.T) {
	reg := loadRegistry(t, `systems:
  - name: credit
    owner: credit@productionflow.com
    categories: [credit-history, invoices]
    actions:
      find: {kind: manual, task: Look the debtor up.}
    holds:
      - {category: credit-history, reason: Kept for credit disputes., law: ECOA}
      - {category: invoices, reason: Financial records kept 7 years., law: 26 U.S.C. 6001}
`)
	sys, _ := reg.Lookup("credit")
	log, _ := logBuffer()
	audit := &memAudit{}
	out, err := newEraser(newHTTP(log), audit).Erase(context.Background(), "req-3", sys, connector.Person{Email: janeEmail})
	require.NoError(t, err)
	assert.False(t, out.Erased)
	require.Len(t, out.Withheld, 2)
	require.Len(t, audit.events, 2)
	for _, e := range audit.events {
		assert.Equal(t, "erasure-withheld", e.Action)
		assert.NotEmpty(t, e.Reason)
	}
}

func TestEraseErrorsPassThroughUnwrapped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	reg := loadRegistry(t, accountsYAML(srv.URL))
	sys, _ := reg.Lookup("accounts")
	log, _ := logBuffer()
	audit := &memAudit{}
	_, err := newEraser(newHTTP(log), audit).Erase(context.Background(), "req-4", sys, connector.Person{Email: janeEmail})
	re, ok := err.(*connector.RetryableError)
	require.True(t, ok, "got %T", err)
	assert.Equal(t, "RetryableError", typeName(err))
	assert.Equal(t, 5_000_000_000, int(re.RetryAfter))
	assert.Empty(t, audit.events, "a failed attempt records nothing, so the workflow's retry does not write the withheld categories twice")
}

// typeName is what aws-lambda-go reports as the error type: the name of the
// Go type, pointer stripped.
func typeName(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// suppression is one Suppress call.
type suppression struct {
	address string
	bounced bool
}

// fakeSES is a fake Suppressor: it records each call and answers err.
type fakeSES struct {
	got []suppression
	err error
}

var _ connector.Suppressor = (*fakeSES)(nil)

func (f *fakeSES) Suppress(_ context.Context, address string, bounced bool) error {
	f.got = append(f.got, suppression{address, bounced})
	return f.err
}

// sesError is a Suppressor's error as sesmail makes it: the service's code,
// and a mail.ErrRecipient when the address was refused for good.
type sesError struct {
	code    string
	refused bool
}

func (e *sesError) Error() string     { return "suppress address: " + e.code }
func (e *sesError) ErrorCode() string { return e.code }
func (e *sesError) Unwrap() error {
	if e.refused {
		return mail.ErrRecipient
	}
	return nil
}

func TestSESSuppression(t *testing.T) {
	reg := loadRegistry(t, `systems:
  - name: suppression
    owner: mops@productionflow.com
    categories: [email-address]
    actions:
      suppress: {kind: sesSuppression, reason: COMPLAINT}
  - name: bounces
    owner: mops@productionflow.com
    categories: [email-address]
    actions:
      suppress: {kind: sesSuppression, reason: BOUNCE}
`)
	cases := []struct {
		name    string
		system  string
		err     error
		bounced bool
		want    string // "", "RetryableError", "PermanentError"
		reason  string
	}{
		{name: "suppressed", system: "suppression"},
		{name: "suppressed as a bounce", system: "bounces", bounced: true},
		{name: "throttled", system: "suppression", err: &sesError{code: "TooManyRequestsException"}, want: "RetryableError", reason: "SES: TooManyRequestsException"},
		{name: "no answer", system: "suppression", err: errors.New("no answer"), want: "RetryableError", reason: "SES: transport"},
		{name: "bad request", system: "suppression", err: &sesError{code: "BadRequestException", refused: true}, want: "PermanentError", reason: "SES refused: BadRequestException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sys, _ := reg.Lookup(tc.system)
			log, buf := logBuffer()
			f := &fakeSES{err: tc.err}
			r := &connector.Runner{SES: &connector.SES{Suppressions: f, Now: newHTTP(log).Now, Log: log}}
			res, err := r.Do(context.Background(), sys, system.Suppress, connector.Person{Email: " " + janeEmail + " "})
			require.Equal(t, []suppression{{janeEmail, tc.bounced}}, f.got)
			if tc.want == "" {
				require.NoError(t, err)
				assert.True(t, res.Found)
				return
			}
			assert.Equal(t, tc.want, typeName(err))
			assert.Contains(t, err.Error(), tc.reason)
			assertNoLeak(t, buf.String()+err.Error())
			assert.False(t, errors.Is(err, tc.err), "the adapter's error is not carried")
		})
	}
	t.Run("no usable address: nothing is asked", func(t *testing.T) {
		sys, _ := reg.Lookup("suppression")
		log, _ := logBuffer()
		f := &fakeSES{}
		r := &connector.Runner{SES: &connector.SES{Suppressions: f, Now: newHTTP(log).Now, Log: log}}
		_, err := r.Do(context.Background(), sys, system.Suppress, connector.Person{Email: "a@example.com\r\nBcc: b@example.com"})
		assert.Equal(t, "PermanentError", typeName(err))
		assert.Empty(t, f.got)
	})
}

// TestNothingIsKeptWhereThePersonIsNot: a system's legal holds keep
// something only where the system holds the person. An erase that finds
// nobody records no hold; a system that erases nothing (all under holds)
// is asked by its find first, and keeps nothing of someone it does not
// hold.
func TestNothingIsKeptWhereThePersonIsNot(t *testing.T) {
	_, srv := startAccounts(t)
	log, _ := logBuffer()
	stranger := connector.Person{Email: "nobody@example.com"}

	reg := loadRegistry(t, accountsYAML(srv.URL))
	sys, _ := reg.Lookup("accounts")
	audit := &memAudit{}
	out, err := newEraser(newHTTP(log), audit).Erase(context.Background(), "req-5", sys, stranger)
	require.NoError(t, err)
	assert.False(t, out.FoundBefore)
	assert.Empty(t, out.Withheld)
	for _, e := range audit.events {
		assert.NotEqual(t, "erasure-withheld", e.Action)
	}

	// The same system with its erase taken away: everything under holds.
	keepAll := strings.Replace(accountsYAML(srv.URL), "      erase:\n", "      ignored-erase:\n", 1)
	keepAll = keepAll[:strings.Index(keepAll, "      ignored-erase:")] + keepAll[strings.Index(keepAll, "    holds:"):]
	reg = loadRegistry(t, keepAll)
	sys, _ = reg.Lookup("accounts")
	require.False(t, sys.Supports(system.Erase))
	for _, tc := range []struct {
		person connector.Person
		kept   int
	}{{stranger, 0}, {connector.Person{Email: janeEmail}, 1}} {
		audit := &memAudit{}
		out, err := newEraser(newHTTP(log), audit).Erase(context.Background(), "req-6", sys, tc.person)
		require.NoError(t, err)
		assert.Len(t, out.Withheld, tc.kept, tc.person.Email)
		assert.Len(t, audit.events, tc.kept, tc.person.Email)
		assert.Equal(t, tc.kept > 0, out.FoundBefore)
	}
}
