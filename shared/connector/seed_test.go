package connector_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/system"
)

// The seed registry's systems, each against a fake shaped after the real API.

type stripeFake struct {
	mu        sync.Mutex
	customers map[string]string // id → email
}

func (s *stripeFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	segs := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/customers":
		email := r.URL.Query().Get("email") // a case-sensitive exact filter
		data := []any{}
		for id, e := range s.customers {
			if e == email {
				data = append(data, map[string]any{"id": id, "object": "customer", "email": e})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "url": "/v1/customers", "data": data, "has_more": false})
	case len(segs) == 4 && segs[1] == "customers" && segs[3] == "payment_methods":
		if _, ok := s.customers[segs[2]]; !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": []any{map[string]any{"id": "pm_1", "type": "card",
			"card": map[string]any{"brand": "visa", "last4": "4242"}}}})
	case r.URL.Path == "/v1/charges":
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": []any{map[string]any{"id": "ch_1", "amount": 1250, "customer": r.URL.Query().Get("customer")}}})
	case len(segs) == 3 && segs[1] == "customers":
		email, ok := s.customers[segs[2]]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"code":"resource_missing","type":"invalid_request_error"}}`))
			return
		}
		if r.Method == http.MethodDelete {
			delete(s.customers, segs[2])
			_, _ = w.Write([]byte(`{"id":"` + segs[2] + `","object":"customer","deleted":true}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": segs[2], "object": "customer", "email": email, "name": "Jane Doe"})
	default:
		w.WriteHeader(http.StatusBadRequest)
	}
}

type gaFake struct {
	mu   sync.Mutex
	got  []map[string]any
	auth string
}

func (g *gaFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/analytics/v3/userDeletion/userDeletionRequests:upsert" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	g.got = append(g.got, body)
	g.auth = r.Header.Get("Authorization")
	g.mu.Unlock()
	answer := maps.Clone(body)
	answer["deletionRequestTime"] = "2026-11-02T09:00:00.000Z"
	_ = json.NewEncoder(w).Encode(answer)
}

type zendeskFake struct {
	mu      sync.Mutex
	users   map[string]string // id → email (active)
	deleted map[string]bool   // soft-deleted, awaiting permanent deletion
}

func (z *zendeskFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	z.mu.Lock()
	defer z.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	p := r.URL.Path
	switch {
	case p == "/api/v2/users/search.json":
		// Zendesk matches a partial or full value of any user property.
		users := []any{}
		q := r.URL.Query().Get("query")
		for _, id := range slices.Sorted(maps.Keys(z.users)) {
			if e := z.users[id]; strings.Contains(strings.ToLower(e), strings.ToLower(q)) {
				users = append(users, map[string]any{"id": json.Number(id), "email": e})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"users": users, "count": len(users)})
	case strings.HasPrefix(p, "/api/v2/deleted_users/") && r.Method == http.MethodDelete:
		id := strings.TrimSuffix(strings.TrimPrefix(p, "/api/v2/deleted_users/"), ".json")
		if !z.deleted[id] {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		delete(z.deleted, id)
		_, _ = w.Write([]byte(`{"deleted_user":{"id":` + id + `}}`))
	case strings.HasSuffix(p, "/tickets/requested.json"):
		_, _ = w.Write([]byte(`{"tickets":[{"id":7,"subject":"Where is my order?"}]}`))
	case strings.HasPrefix(p, "/api/v2/users/"):
		id := strings.TrimSuffix(strings.TrimPrefix(p, "/api/v2/users/"), ".json")
		email, ok := z.users[id]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if r.Method == http.MethodDelete {
			delete(z.users, id)
			z.deleted[id] = true
			_, _ = w.Write([]byte(`{"user":{"id":` + id + `,"active":false}}`))
			return
		}
		_, _ = w.Write([]byte(`{"user":{"id":` + id + `,"email":"` + email + `","name":"Jane Doe"}}`))
	default:
		w.WriteHeader(http.StatusBadRequest)
	}
}

type listFake struct {
	mu      sync.Mutex
	members map[string]string // hash → status
	apiKey  string
}

func (l *listFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.apiKey = r.Header.Get("X-Api-Key")
	hash := strings.TrimPrefix(r.URL.Path, "/v1/lists/newsletter/members/")
	status, ok := l.members[hash]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	switch r.Method {
	case http.MethodDelete:
		delete(l.members, hash)
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPatch:
		var body struct{ Status string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		l.members[hash] = body.Status
		_, _ = w.Write([]byte(`{"status":"` + body.Status + `"}`))
	default:
		_, _ = w.Write([]byte(`{"status":"` + status + `","list":"newsletter"}`))
	}
}

func factoringFake(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/v2/debtors" && r.URL.Query().Get("email") == janeEmail:
		_, _ = w.Write([]byte(`{"debtors":[{"id":"d-1","email":"` + janeEmail + `"}]}`))
	case r.URL.Path == "/v2/debtors":
		_, _ = w.Write([]byte(`{"debtors":[]}`))
	case r.URL.Path == "/v2/debtors/d-1":
		_, _ = w.Write([]byte(`{"creditChecks":[{"bureau":"B","score":700}],"invoices":[{"number":"INV-1"},{"number":"INV-2"}]}`))
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

type seedRig struct {
	reg     *system.Registry
	stripe  *stripeFake
	ga      *gaFake
	zendesk *zendeskFake
	list    *listFake
}

func startSeed(t *testing.T) *seedRig {
	t.Helper()
	sum := sha256.Sum256([]byte(strings.ToLower(janeEmail)))
	r := &seedRig{
		stripe:  &stripeFake{customers: map[string]string{"cus_1": janeEmail}},
		ga:      &gaFake{},
		zendesk: &zendeskFake{users: map[string]string{"360012345678901234": janeEmail}, deleted: map[string]bool{}},
		list:    &listFake{members: map[string]string{hex.EncodeToString(sum[:]): "subscribed"}},
	}
	accounts := &accountsAPI{ids: map[string]string{janeEmail: "acc_123"}}
	hosts := map[string]http.Handler{
		"https://accounts.api.productionflow.com": accounts,
		"https://api.stripe.com":                  r.stripe,
		"https://www.googleapis.com":              r.ga,
		"https://productionflow.zendesk.com":      r.zendesk,
		"https://lists.productionflow.com":        r.list,
		"https://api.factoring-partner.example":   http.HandlerFunc(factoringFake),
	}
	b, err := os.ReadFile(filepath.Join("..", "system", "systems.yaml"))
	require.NoError(t, err)
	yaml := string(b)
	for host, h := range hosts {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		yaml = strings.ReplaceAll(yaml, host, srv.URL)
	}
	r.reg = loadRegistry(t, yaml)
	return r
}

func TestSeedSystemsAgainstFakes(t *testing.T) {
	rig := startSeed(t)
	log, buf := logBuffer()
	h := newHTTP(log)
	h.Secrets = fakeSecrets{
		"privacy-desk/customer-accounts-api":          secretValue,
		"privacy-desk/stripe-restricted-key":          secretValue,
		"/privacy-desk/google-analytics/access-token": secretValue,
		"privacy-desk/zendesk-api-token":              secretValue,
		"/privacy-desk/marketing-list/api-key":        secretValue,
		"privacy-desk/factoring-api":                  secretValue,
	}
	ctx := context.Background()
	jane := connector.Person{Email: janeEmail}
	nobody := connector.Person{Email: "nobody@example.com"}

	cases := []struct {
		system string
		action system.Action
		person connector.Person
		found  bool
		data   map[string]int // records per category
	}{
		{"customer-accounts", system.Find, nobody, false, nil},
		{"customer-accounts", system.Export, jane, true, map[string]int{"identifiers": 1, "contact": 1, "orders": 2}},
		{"payments", system.Find, jane, true, nil},
		{"payments", system.Find, nobody, false, nil},
		{"payments", system.Export, jane, true, map[string]int{"billing-contact": 1, "payment-method": 1, "charges": 1}},
		{"payments", system.Erase, nobody, false, nil},
		{"support-desk", system.Find, jane, true, nil},
		{"support-desk", system.Find, nobody, false, nil},
		{"support-desk", system.Export, jane, true, map[string]int{"support-contact": 1, "support-tickets": 1}},
		{"marketing-list", system.Find, jane, true, nil},
		{"marketing-list", system.Find, nobody, false, nil},
		{"marketing-list", system.Export, jane, true, map[string]int{"marketing-preferences": 1}},
		{"marketing-list", system.Suppress, jane, true, nil},
		{"marketing-list", system.Suppress, nobody, false, nil},
		{"credit-factoring", system.Find, jane, true, nil},
		{"credit-factoring", system.Find, nobody, false, nil},
		{"credit-factoring", system.Export, jane, true, map[string]int{"credit-history": 1, "invoices": 2}},
		{"google-analytics", system.Erase, jane, true, nil},
	}
	for _, tc := range cases {
		t.Run(tc.system+"/"+string(tc.action)+"/"+tc.person.Email, func(t *testing.T) {
			sys, ok := rig.reg.Lookup(tc.system)
			require.True(t, ok)
			res, err := h.Do(ctx, sys, tc.action, tc.person)
			require.NoError(t, err)
			assert.Equal(t, tc.found, res.Found)
			for cat, n := range tc.data {
				assert.Len(t, res.Data[cat], n, cat)
			}
		})
	}

	t.Run("the marketing list member is unsubscribed", func(t *testing.T) {
		for _, status := range rig.list.members {
			assert.Equal(t, "unsubscribed", status)
		}
		assert.Equal(t, secretValue, rig.list.apiKey, "the key goes in the declared header, without prefix")
	})
	t.Run("the GA deletion request has the API's shape", func(t *testing.T) {
		require.Len(t, rig.ga.got, 1)
		sum := sha256.Sum256([]byte(strings.ToLower(janeEmail)))
		assert.Equal(t, map[string]any{
			"kind":       "analytics#userDeletionRequest",
			"id":         map[string]any{"type": "USER_ID", "userId": hex.EncodeToString(sum[:])},
			"propertyId": "123456789",
		}, rig.ga.got[0])
		assert.Equal(t, "Bearer "+secretValue, rig.ga.auth)
	})

	t.Run("gather every export for the access package", func(t *testing.T) {
		got, err := connector.Gather(ctx, rig.reg, &connector.Runner{HTTP: h}, jane)
		require.NoError(t, err)
		var names []string
		for _, sd := range got {
			names = append(names, sd.System)
			assert.True(t, sd.Found, sd.System)
		}
		assert.Equal(t, []string{"customer-accounts", "payments", "support-desk", "marketing-list", "credit-factoring"}, names)
		files, err := export.Build(rig.reg, export.Package{RequestID: "req-seed", GeneratedAt: t0, Systems: got})
		require.NoError(t, err)
		assert.Contains(t, files.Names, "csv/invoices.csv")
		assert.Contains(t, files.Names, "csv/support-tickets.csv")
	})

	audit := &memAudit{}
	eraser := newEraser(h, audit)
	for _, name := range []string{"customer-accounts", "payments", "support-desk", "marketing-list", "google-analytics", "credit-factoring"} {
		t.Run("erase with proof/"+name, func(t *testing.T) {
			sys, _ := rig.reg.Lookup(name)
			out, err := eraser.Erase(ctx, "req-seed", sys, jane)
			require.NoError(t, err)
			if name == "credit-factoring" {
				assert.False(t, out.Erased)
				assert.Len(t, out.Withheld, 3)
				return
			}
			assert.True(t, out.Erased)
			proof := out.Events[len(out.Events)-1]
			assert.Equal(t, "erasure-proof", proof.Action)
			if name == "google-analytics" {
				assert.Equal(t, "unknown", proof.Data["found"], "GA has no find: the evidence says so")
				return
			}
			assert.True(t, out.Proven)
			assert.Equal(t, "false", proof.Data["found"])
		})
	}
	assert.Empty(t, rig.stripe.customers)
	assert.Empty(t, rig.zendesk.users)
	assert.Empty(t, rig.zendesk.deleted, "the Zendesk user is permanently deleted too")
	assertNoLeak(t, buf.String())
}

// TestSearchAnsweringWithAnotherPersonActsOnNoOne: Zendesk's user search
// matches partial values, so a search for Jane's address can put someone
// else first. Nothing is exported or erased from that answer.
func TestSearchAnsweringWithAnotherPersonActsOnNoOne(t *testing.T) {
	const other = "jane.doe+privacy@example.com.mallory.example"
	rig := startSeed(t)
	rig.zendesk.users["111"] = other // sorts before Jane's ID: the first hit
	log, buf := logBuffer()
	h := newHTTP(log)
	h.Secrets = fakeSecrets{"privacy-desk/zendesk-api-token": secretValue}
	sys, ok := rig.reg.Lookup("support-desk")
	require.True(t, ok)
	jane := connector.Person{Email: janeEmail}

	for _, a := range []system.Action{system.Find, system.Export, system.Erase} {
		t.Run(string(a), func(t *testing.T) {
			res, err := h.Do(context.Background(), sys, a, jane)
			assert.Nil(t, res)
			pe, ok := err.(*connector.PermanentError)
			require.True(t, ok, "want *PermanentError, got %T: %v", err, err)
			assert.Equal(t, "the answer is about another person (email differs)", pe.Reason)
			assert.NotContains(t, err.Error(), "mallory")
		})
	}
	rig.zendesk.mu.Lock()
	defer rig.zendesk.mu.Unlock()
	assert.Equal(t, other, rig.zendesk.users["111"], "the other person is untouched")
	assert.Len(t, rig.zendesk.users, 2)
	assert.Empty(t, rig.zendesk.deleted)
	assertNoLeak(t, buf.String())
	assert.NotContains(t, buf.String(), "mallory")

	t.Run("the same address in another case is the same person", func(t *testing.T) {
		delete(rig.zendesk.users, "111")
		rig.zendesk.users["360012345678901234"] = strings.ToUpper(janeEmail[:1]) + janeEmail[1:]
		rig.zendesk.mu.Unlock()
		defer rig.zendesk.mu.Lock()
		res, err := h.Do(context.Background(), sys, system.Find, jane)
		require.NoError(t, err)
		assert.True(t, res.Found)
	})
}
