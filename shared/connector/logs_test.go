package connector_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/token"
)

// TestNoSecretOrEmailInAnyLogLine runs failing calls of every connector with
// one captured logger and checks that neither the auth secret nor the
// person's address appears in a log line or an error message.
func TestNoSecretOrEmailInAnyLogLine(t *testing.T) {
	log, buf := logBuffer()
	ctx := context.Background()
	jane := connector.Person{Email: janeEmail}
	var errs []string

	// HTTP: every failure class, against one fake whose answer changes.
	var reply atomic.Pointer[func(w http.ResponseWriter, r *http.Request)]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*reply.Load())(w, r) }))
	defer srv.Close()
	reg := loadRegistry(t, slowCallYAML(srv.URL))
	sys, _ := reg.Lookup("flaky")
	h := newHTTP(log)
	replies := []func(w http.ResponseWriter, r *http.Request){
		func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) },
		func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("Retry-After", "3"); w.WriteHeader(429) },
		func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // never answers: the call times out
		},
		func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>" + janeEmail)) },
		func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(403)
			_, _ = w.Write([]byte(`{"error":"bad key ` + secretValue + ` for ` + janeEmail + `"}`))
		},
	}
	for _, rp := range replies {
		reply.Store(&rp)
		_, err := h.Do(ctx, sys, system.Find, jane)
		require.Error(t, err)
		errs = append(errs, err.Error())
	}
	h.Secrets = fakeSecrets{}
	_, err := h.Do(ctx, sys, system.Find, jane)
	require.Error(t, err)
	errs = append(errs, err.Error())

	// SES refuses the address: the error names SES's code only.
	sesReg := loadRegistry(t, "systems:\n  - name: s\n    owner: s@productionflow.com\n    categories: [email]\n    actions:\n      suppress: {kind: sesSuppression}\n")
	ses, _ := sesReg.Lookup("s")
	r := &connector.Runner{SES: &connector.SES{Suppressions: &fakeSES{err: &sesError{code: "BadRequestException", refused: true}}, Now: h.Now, Log: log}}
	_, err = r.Do(ctx, ses, system.Suppress, jane)
	require.Error(t, err)
	errs = append(errs, err.Error())

	// Erase whose proof fails.
	api, accSrv := startAccounts(t)
	api.keepAfterDelete = true
	accReg := loadRegistry(t, accountsYAML(accSrv.URL))
	acc, _ := accReg.Lookup("accounts")
	hh := newHTTP(log)
	_, err = (&connector.Eraser{Systems: &connector.Runner{HTTP: hh}, Audit: &memAudit{}, Now: hh.Now, Log: log}).Erase(ctx, "req-log", acc, jane)
	require.Error(t, err)
	errs = append(errs, err.Error())

	// Manual: the mail fails.
	manReg := loadRegistry(t, manualYAML)
	paper, _ := manReg.Lookup("paper-archive")
	m := &connector.Manual{Mail: &fakeMail{err: errors.New("send failed")}, Tokens: token.NewMemStore(), Issuer: &token.Issuer{Now: h.Now}, Now: h.Now, Log: log, ConfirmURL: "https://p.example/confirm"}
	err = m.Send(ctx, paper, connector.Task{RequestID: "req-log", System: paper.Name, Action: system.Erase, Owner: paper.Owner, Due: t0.Add(time.Hour)}, connector.Subject{Email: janeEmail})
	require.Error(t, err)
	errs = append(errs, err.Error())

	logs := buf.String()
	require.NotEmpty(t, logs)
	assert.GreaterOrEqual(t, strings.Count(logs, "\n"), 10, "the failures were logged")
	assertNoLeak(t, logs)
	assertNoLeak(t, strings.Join(errs, "\n"))
}
