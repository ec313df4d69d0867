package connector_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/system"
)

// helpdesk erases in two calls, as a help desk does: DELETE /users/{id}
// moves the user to the deleted users, where the search no longer finds
// it, and DELETE /deleted_users/{id} purges it. failPurge answers the purge
// 503; failLegacy answers the one-call system's erase 503.
type helpdesk struct {
	mu         sync.Mutex
	active     map[string]string // email → id
	deleted    map[string]bool   // ids soft-deleted, not yet purged
	failPurge  bool
	failLegacy bool
	refuseSoft bool
}

func (h *helpdesk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/users/search":
		email := r.URL.Query().Get("email")
		id, ok := h.active[email]
		if !ok {
			_ = json.NewEncoder(w).Encode(map[string]any{"users": []any{}})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"users": []any{map[string]string{"id": id, "email": email}}})
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/users/"):
		if h.refuseSoft {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		id := strings.TrimPrefix(r.URL.Path, "/users/")
		for email, known := range h.active {
			if known == id {
				delete(h.active, email)
				h.deleted[id] = true
			}
		}
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/deleted_users/"):
		if h.failPurge {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		delete(h.deleted, strings.TrimPrefix(r.URL.Path, "/deleted_users/"))
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/legacy/"):
		if h.failLegacy {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusBadRequest)
	}
}

func helpdeskYAML(base string) string {
	return strings.ReplaceAll(`systems:
  - name: helpdesk
    owner: support@productionflow.com
    categories: [contact]
    purposes: [support]
    sources: [you]
    actions:
      find:
        kind: http
        calls:
          - method: GET
            url: BASE/users/search?email={email}
            found: "$.users[0].id"
            match: {email: "$.users[0].email"}
            capture: {userId: "$.users[0].id"}
      erase:
        kind: http
        calls:
          - method: DELETE
            url: BASE/users/{userId}
            notFound: [404]
          - method: DELETE
            url: BASE/deleted_users/{userId}
            success: [200, 204]
            notFound: [404]
  - name: legacy
    owner: support@productionflow.com
    categories: [contact]
    purposes: [support]
    sources: [you]
    actions:
      erase:
        kind: http
        calls:
          - method: DELETE
            url: BASE/legacy/{emailHash}
            success: [204]
`, "BASE", base)
}

// TestAFailureBetweenCallsIsPartial: a failure after a call that changed
// data, with calls still to come, says the system may be left halfway; a
// one-call action's failure does not, nor a first call the system refused
// with 429 or 503 (not taken).
func TestAFailureBetweenCallsIsPartial(t *testing.T) {
	desk := &helpdesk{active: map[string]string{janeEmail: "u-1"}, deleted: map[string]bool{}, failPurge: true, failLegacy: true}
	srv := httptest.NewServer(desk)
	t.Cleanup(srv.Close)
	reg := loadRegistry(t, helpdeskYAML(srv.URL))
	log, _ := logBuffer()
	h := newHTTP(log)
	ctx := context.Background()
	jane := connector.Person{Email: janeEmail}

	sys, _ := reg.Lookup("helpdesk")
	_, err := h.Do(ctx, sys, system.Erase, jane)
	var re *connector.RetryableError
	require.ErrorAs(t, err, &re)
	assert.True(t, re.Partial, "the user was soft-deleted, the purge did not happen")
	assert.True(t, desk.deleted["u-1"])

	// The retry no longer finds the person: the search skips deleted users.
	res, err := h.Do(ctx, sys, system.Erase, jane)
	require.NoError(t, err)
	assert.False(t, res.Found)

	desk.active[janeEmail], desk.refuseSoft = "u-2", true
	_, err = h.Do(ctx, sys, system.Erase, jane)
	require.ErrorAs(t, err, &re)
	assert.False(t, re.Partial, "the first delete was refused with 503: nothing was done")

	legacy, _ := reg.Lookup("legacy")
	_, err = h.Do(ctx, legacy, system.Erase, jane)
	require.ErrorAs(t, err, &re)
	assert.False(t, re.Partial, "one call: nothing can be left halfway")
}
