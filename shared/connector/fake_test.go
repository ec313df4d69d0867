package connector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/system"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

const (
	secretValue = "sk_live_TOPSECRET_42"
	janeEmail   = "jane.doe+privacy@example.com"
)

// fakeSecrets is a secret store with fixed values.
type fakeSecrets map[string]string

var _ connector.Secrets = fakeSecrets(nil)

func (f fakeSecrets) Get(_ context.Context, _ system.SecretSource, name string) (string, error) {
	v, ok := f[name]
	if !ok {
		return "", &missingSecret{name}
	}
	return v, nil
}

type missingSecret struct{ name string }

func (e *missingSecret) Error() string { return "secret " + e.name + " not found" }

func (e *missingSecret) Unwrap() error { return system.ErrSecretMissing }

// flakySecrets is a secret store that cannot be reached.
type flakySecrets struct{}

func (flakySecrets) Get(context.Context, system.SecretSource, string) (string, error) {
	return "", errors.New("ThrottlingException: Rate exceeded")
}

// accountsAPI behaves like a customer-accounts service: search by email,
// export and delete by ID, 404 for an unknown person.
type accountsAPI struct {
	mu sync.Mutex
	// people by email → ID
	ids map[string]string
	// keepAfterDelete makes DELETE answer 204 without deleting (a lying system).
	keepAfterDelete bool
	auth            []string
	calls           []string
}

func (a *accountsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.auth = append(a.auth, r.Header.Get("Authorization"))
	a.calls = append(a.calls, r.Method+" "+r.URL.EscapedPath())
	w.Header().Set("Content-Type", "application/json")
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/customers":
		id, ok := a.ids[r.URL.Query().Get("email")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"not found"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"customers": []any{map[string]any{"id": id, "email": r.URL.Query().Get("email")}}})
	case r.Method == http.MethodGet && len(segs) == 4 && segs[3] == "export":
		for email, id := range a.ids {
			if id == segs[2] {
				_ = json.NewEncoder(w).Encode(map[string]any{
					"account": map[string]any{"id": id, "created": "2024-01-02"},
					"profile": map[string]any{"email": email, "name": "Jane Doe", "address": map[string]any{"city": "Austin"}},
					"orders":  []any{map[string]any{"id": "o1", "total": 12.5}, map[string]any{"id": "o2", "total": 7}},
				})
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
	case r.Method == http.MethodDelete && len(segs) == 3:
		for email, id := range a.ids {
			if id == segs[2] {
				if !a.keepAfterDelete {
					delete(a.ids, email)
				}
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
	default:
		w.WriteHeader(http.StatusBadRequest)
	}
}

// accountsYAML is a registry entry for the fake accounts API at base.
func accountsYAML(base string) string {
	return strings.ReplaceAll(`systems:
  - name: accounts
    owner: accounts@productionflow.com
    categories: [identifiers, contact, orders]
    purposes: [provide the service]
    sources: [you]
    auth: {source: secretsmanager, name: accounts-key, prefix: "Bearer "}
    actions:
      find:
        kind: http
        calls:
          - method: GET
            url: BASE/v1/customers?email={email}
            notFound: [404]
            found: "$.customers[0].id"
            capture: {accountId: "$.customers[0].id"}
            timeout: 1s
      export:
        kind: http
        calls:
          - method: GET
            url: BASE/v1/customers/{accountId}/export
            notFound: [404]
            timeout: 1s
            data:
              identifiers: "$.account"
              contact: "$.profile"
              orders: "$.orders[*]"
      erase:
        kind: http
        calls:
          - method: DELETE
            url: BASE/v1/customers/{accountId}
            success: [204]
            notFound: [404]
            timeout: 1s
    holds:
      - category: orders
        reason: Order records are kept for tax law.
        law: 26 U.S.C. 6001
`, "BASE", base)
}

func loadRegistry(t *testing.T, yaml string) *system.Registry {
	t.Helper()
	reg, err := system.Load(strings.NewReader(yaml), system.Options{Template: system.TemplateOptions{AllowLocalHTTP: true}})
	require.NoError(t, err)
	return reg
}

// logBuffer captures every log line of a test.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

func newHTTP(log *slog.Logger) *connector.HTTP {
	return &connector.HTTP{
		Client:   &http.Client{},
		Secrets:  fakeSecrets{"accounts-key": secretValue, "other-key": secretValue},
		Now:      func() time.Time { return t0 },
		Log:      log,
		Template: system.TemplateOptions{AllowLocalHTTP: true},
	}
}

func startAccounts(t *testing.T) (*accountsAPI, *httptest.Server) {
	t.Helper()
	api := &accountsAPI{ids: map[string]string{janeEmail: "acc_123"}}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return api, srv
}
