package connector_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/system"
)

func TestHTTPActionsAgainstFakeAccounts(t *testing.T) {
	api, srv := startAccounts(t)
	reg := loadRegistry(t, accountsYAML(srv.URL))
	sys, _ := reg.Lookup("accounts")
	log, _ := logBuffer()
	h := newHTTP(log)
	ctx := context.Background()
	jane := connector.Person{Email: janeEmail}
	nobody := connector.Person{Email: "nobody@example.com"}

	t.Run("find known person", func(t *testing.T) {
		res, err := h.Do(ctx, sys, system.Find, jane)
		require.NoError(t, err)
		assert.True(t, res.Found)
		assert.Equal(t, 200, res.Status)
		assert.Equal(t, t0, res.At)
	})
	t.Run("find unknown person is 404, not an error", func(t *testing.T) {
		res, err := h.Do(ctx, sys, system.Find, nobody)
		require.NoError(t, err)
		assert.False(t, res.Found)
		assert.Equal(t, 404, res.Status)
	})
	t.Run("export finds first, then reads data by category", func(t *testing.T) {
		res, err := h.Do(ctx, sys, system.Export, jane)
		require.NoError(t, err)
		assert.True(t, res.Found)
		require.Len(t, res.Data["orders"], 2)
		assert.JSONEq(t, `{"id":"o1","total":12.5}`, string(res.Data["orders"][0]))
		assert.JSONEq(t, `{"id":"acc_123","created":"2024-01-02"}`, string(res.Data["identifiers"][0]))
		require.Len(t, res.Data["contact"], 1)
	})
	t.Run("export of unknown person has nothing", func(t *testing.T) {
		res, err := h.Do(ctx, sys, system.Export, nobody)
		require.NoError(t, err)
		assert.False(t, res.Found)
		assert.Empty(t, res.Data)
	})
	t.Run("erase", func(t *testing.T) {
		res, err := h.Do(ctx, sys, system.Erase, jane)
		require.NoError(t, err)
		assert.True(t, res.Found)
		assert.Equal(t, 204, res.Status)
		res, err = h.Do(ctx, sys, system.Find, jane)
		require.NoError(t, err)
		assert.False(t, res.Found, "gone after erase")
	})
	t.Run("auth secret in the header", func(t *testing.T) {
		api.mu.Lock()
		defer api.mu.Unlock()
		require.NotEmpty(t, api.auth)
		for _, a := range api.auth {
			assert.Equal(t, "Bearer "+secretValue, a)
		}
	})
}

// scripted answers each call with the next response of a script.
type scripted struct {
	mu    sync.Mutex
	reply func(w http.ResponseWriter, r *http.Request)
	hits  int
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits++
	reply := s.reply
	s.mu.Unlock()
	reply(w, r)
}

func singleCallYAML(base, extra string) string {
	return strings.ReplaceAll(`systems:
  - name: flaky
    owner: flaky@productionflow.com
    categories: [contact]
    auth: {source: secretsmanager, name: other-key, prefix: "Bearer "}
    actions:
      find:
        kind: http
        calls:
          - method: GET
            url: BASE/v1/people?email={email}
            notFound: [404]
            found: "$.people[0]"
            timeout: 60s
`+extra, "BASE", base)
}

// slowCallYAML is singleCallYAML with the shortest timeout the registry
// allows, for the case whose server never answers: the call can only end
// by its timeout, however fast or slow the machine is.
func slowCallYAML(base string) string {
	return strings.Replace(singleCallYAML(base, ""), "timeout: 60s", "timeout: 500ms", 1)
}

func TestHTTPFailuresAreClassified(t *testing.T) {
	retryDate := t0.Add(90 * time.Second).Format(http.TimeFormat)
	cases := []struct {
		name       string
		reply      func(w http.ResponseWriter, r *http.Request)
		retryable  bool
		status     int
		retryAfter time.Duration
		reason     string
	}{
		{"500", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }, true, 500, 0, "server error"},
		{"503", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }, true, 503, 0, "server error"},
		{"429 with Retry-After seconds", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(429)
		}, true, 429, 30 * time.Second, "rate limited"},
		{"429 with Retry-After date", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", retryDate)
			w.WriteHeader(429)
		}, true, 429, 90 * time.Second, "rate limited"},
		{"slow answer past the timeout", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // never answers: only the call's timeout ends it
			w.WriteHeader(200)
		}, true, 0, 0, "timeout"},
		{"malformed JSON on success", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"people": [`))
		}, false, 200, 0, "malformed JSON in a success response"},
		{"answer past the size bound", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"people": [{"id": "` + strings.Repeat("x", 8<<20) + `"}]}`))
		}, false, 200, 0, "answer larger than 8 MiB"},
		{"403", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(403) }, false, 403, 0, "unexpected status"},
		{"400", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(400) }, false, 400, 0, "unexpected status"},
		{"redirect elsewhere is not followed", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://attacker.example/steal", http.StatusFound)
		}, false, 302, 0, "unexpected status"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &scripted{reply: tc.reply}
			srv := httptest.NewServer(s)
			defer srv.Close()
			yaml := singleCallYAML(srv.URL, "")
			if tc.reason == "timeout" {
				yaml = slowCallYAML(srv.URL)
			}
			reg := loadRegistry(t, yaml)
			sys, _ := reg.Lookup("flaky")
			log, buf := logBuffer()
			_, err := newHTTP(log).Do(context.Background(), sys, system.Find, connector.Person{Email: janeEmail})
			require.Error(t, err)
			if tc.retryable {
				re, ok := err.(*connector.RetryableError)
				require.True(t, ok, "want *RetryableError unwrapped, got %T: %v", err, err)
				assert.Equal(t, tc.status, re.Status)
				assert.Equal(t, tc.retryAfter, re.RetryAfter)
				assert.Equal(t, tc.reason, re.Reason)
			} else {
				pe, ok := err.(*connector.PermanentError)
				require.True(t, ok, "want *PermanentError unwrapped, got %T: %v", err, err)
				assert.Equal(t, tc.status, pe.Status)
				assert.Equal(t, tc.reason, pe.Reason)
			}
			assertNoLeak(t, err.Error()+buf.String())
		})
	}

	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		base := srv.URL
		srv.Close()
		reg := loadRegistry(t, singleCallYAML(base, ""))
		sys, _ := reg.Lookup("flaky")
		log, buf := logBuffer()
		_, err := newHTTP(log).Do(context.Background(), sys, system.Find, connector.Person{Email: janeEmail})
		re, ok := err.(*connector.RetryableError)
		require.True(t, ok, "got %T", err)
		assert.Contains(t, re.Reason, "connection error")
		assertNoLeak(t, err.Error()+buf.String())
	})
}

func assertNoLeak(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{secretValue, janeEmail, url.QueryEscape(janeEmail), url.PathEscape(janeEmail), "jane.doe"} {
		assert.NotContains(t, text, s)
	}
}

func TestSecretProblemsAreClassifiedAndQuiet(t *testing.T) {
	s := &scripted{reply: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) }}
	srv := httptest.NewServer(s)
	defer srv.Close()
	reg := loadRegistry(t, singleCallYAML(srv.URL, ""))
	sys, _ := reg.Lookup("flaky")

	for name, secrets := range map[string]fakeSecrets{
		"missing secret":           {},
		"secret with a line break": {"other-key": secretValue + "\r\nX-Evil: 1"},
	} {
		t.Run(name, func(t *testing.T) {
			log, buf := logBuffer()
			h := newHTTP(log)
			h.Secrets = secrets
			_, err := h.Do(context.Background(), sys, system.Find, connector.Person{Email: janeEmail})
			_, ok := err.(*connector.PermanentError)
			require.True(t, ok, "got %T", err)
			assertNoLeak(t, err.Error()+buf.String())
		})
	}
	assert.Equal(t, 0, s.hits, "nothing is sent without a clean secret")

	t.Run("secret store unreachable is retryable", func(t *testing.T) {
		log, buf := logBuffer()
		h := newHTTP(log)
		h.Secrets = flakySecrets{}
		_, err := h.Do(context.Background(), sys, system.Find, connector.Person{Email: janeEmail})
		re, ok := err.(*connector.RetryableError)
		require.True(t, ok, "a throttled or unreachable secret store passes later, got %T", err)
		assert.Equal(t, "auth secret other-key could not be read", re.Reason)
		assertNoLeak(t, err.Error()+buf.String())
		assert.Equal(t, 0, s.hits, "nothing is sent without the secret")
	})
}

// TestHostileIdentifiersCannotMoveACall sends identifiers built to break out
// of their place in the URL. Every call that reaches the fake server has the
// fixed host and path shape and carries the value intact; anything else is
// refused before it is sent.
func TestHostileIdentifiersCannotMoveACall(t *testing.T) {
	type seen struct {
		host, path, query string
		body              []byte
	}
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 4096)
		n, _ := r.Body.Read(b)
		mu.Lock()
		got = append(got, seen{r.Host, r.URL.EscapedPath(), r.URL.RawQuery, b[:n]})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	yaml := strings.ReplaceAll(`systems:
  - name: target
    owner: t@productionflow.com
    categories: [contact]
    given: [userId]
    actions:
      find:
        kind: http
        calls:
          - method: GET
            url: BASE/v1/users/{userId}/profile?email={email}&x=1
      erase:
        kind: http
        calls:
          - method: POST
            url: BASE/v3/userDeletion/userDeletionRequests:upsert
            body:
              kind: analytics#userDeletionRequest
              id: {type: USER_ID, userId: "{userId}"}
              email: "{email}"
`, "BASE", srv.URL)
	reg := loadRegistry(t, yaml)
	sys, _ := reg.Lookup("target")
	log, buf := logBuffer()
	h := newHTTP(log)

	hostile := []string{
		"a/b", "../../admin", "..", ".", "%2F..%2Fadmin", "?admin=1", "#frag", "x@evil.example",
		"user@attacker.example:443", "line\r\nHost: evil.example", "https://evil.example/steal?x=1",
		"//evil.example/x", "\\\\evil.example", "a b&c=d", "%00", `"quoted" \back`, "ümlaut",
	}
	for i, v := range hostile {
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			p := connector.Person{Email: v, IDs: map[system.Identifier]string{system.UserID: v}}

			_, err := h.Do(context.Background(), sys, system.Find, p)
			mu.Lock()
			calls := append([]seen(nil), got...)
			mu.Unlock()
			if err != nil {
				_, ok := err.(*connector.PermanentError)
				require.True(t, ok, "a refusal is permanent, got %T", err)
				assert.Empty(t, calls, "a refused call is never sent")
			} else {
				require.Len(t, calls, 1)
				c := calls[0]
				assert.Equal(t, host, c.host)
				segs := strings.Split(c.path, "/")
				require.Len(t, segs, 5, c.path)
				assert.Equal(t, []string{"", "v1", "users"}, segs[:3])
				assert.Equal(t, "profile", segs[4])
				dec, err := url.PathUnescape(segs[3])
				require.NoError(t, err)
				assert.Equal(t, strings.TrimSpace(v), strings.TrimSpace(dec), "the value arrives whole in its segment")
				q, err := url.ParseQuery(c.query)
				require.NoError(t, err)
				assert.Equal(t, []string{"email", "x"}, sortedKeys(q))
				assert.Equal(t, strings.TrimSpace(v), q.Get("email"))
			}

			mu.Lock()
			got = nil
			mu.Unlock()
			_, err = h.Do(context.Background(), sys, system.Erase, p)
			require.NoError(t, err, "a JSON body can carry any value")
			mu.Lock()
			c := got[0]
			mu.Unlock()
			assert.Equal(t, host, c.host)
			assert.Equal(t, "/v3/userDeletion/userDeletionRequests:upsert", c.path)
			var body struct {
				Kind string `json:"kind"`
				ID   struct {
					Type, UserID string
				} `json:"id"`
				Email string `json:"email"`
			}
			require.NoError(t, json.Unmarshal(c.body, &body), string(c.body))
			assert.Equal(t, "analytics#userDeletionRequest", body.Kind)
			assert.Equal(t, v, body.ID.UserID)
		})
	}
	assert.NotContains(t, buf.String(), "evil.example")
	assert.NotContains(t, buf.String(), "attacker")
}

func sortedKeys(q url.Values) []string {
	var keys []string
	for k := range q {
		keys = append(keys, k)
	}
	if len(keys) == 2 && keys[0] > keys[1] {
		keys[0], keys[1] = keys[1], keys[0]
	}
	return keys
}

func TestDotSegmentsAreRefused(t *testing.T) {
	tmpl, err := system.ParseURLTemplate("https://api.example.com/v1/users/{userId}", system.TemplateOptions{})
	require.NoError(t, err)
	for _, v := range []string{"..", ".", ""} {
		_, err := tmpl.Expand(map[system.Identifier]string{system.UserID: v})
		assert.ErrorIs(t, err, system.ErrShape, v)
	}
	u, err := tmpl.Expand(map[system.Identifier]string{system.UserID: "https://evil.example/x"})
	require.NoError(t, err)
	assert.Equal(t, "api.example.com", u.Host)
	assert.Equal(t, "/v1/users/https:%2F%2Fevil.example%2Fx", u.EscapedPath())
	u, err = tmpl.Expand(map[system.Identifier]string{system.UserID: "%2E%2E"})
	require.NoError(t, err)
	assert.Equal(t, "/v1/users/%252E%252E", u.EscapedPath(), "an escaped dot segment stays a literal")
	assert.False(t, errors.Is(nil, system.ErrShape))
}
