package webform_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
	"github.com/productionflow/privacy-desk/shared/webform"
)

// movingStore is one request and its trail, changed as the table would.
type movingStore struct {
	r      request.Request
	events []request.Event
}

func (s *movingStore) Get(_ context.Context, id string) (*request.Request, error) {
	if id != s.r.ID {
		return nil, request.ErrNotFound
	}
	r := s.r
	return &r, nil
}

func (s *movingStore) SetStatus(_ context.Context, _ string, from, to request.Status, _ time.Time) error {
	if s.r.Status != from {
		return request.ErrConflict
	}
	s.r.Status = to
	return nil
}

func (s *movingStore) AppendEvent(_ context.Context, ev request.Event) error {
	s.events = append(s.events, ev)
	return nil
}

func (s *movingStore) Events(context.Context, string) ([]request.Event, error) { return s.events, nil }

type doneTasks struct{ tokens []string }

func (d *doneTasks) Complete(_ context.Context, tok string, _ json.RawMessage) error {
	d.tokens = append(d.tokens, tok)
	return nil
}

func declarationPost(tok string, declared bool) *http.Request {
	form := url.Values{"t": {tok}}
	if declared {
		form.Set("declaration", "yes")
	}
	r := httptest.NewRequest(http.MethodPost, "/verify", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// TestACopyAskedByMailNeedsTheDeclarationToConfirm: a copy of the data asked
// by mail (no form, so no declaration) is confirmed only with the
// declaration under penalty of perjury, ticked on the confirmation page:
// pressed without it, the page asks for it (400) and the link stays
// unused; with it, the declaration goes on the trail and the request is
// verified. A request whose form carried the declaration, and one that asks
// for no copy, are confirmed with the button alone.
func TestACopyAskedByMailNeedsTheDeclarationToConfirm(t *testing.T) {
	received := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		lang   string
		kinds  []request.Kind
		formed bool // the form's declaration is on the trail
		asks   bool
		says   string
	}{
		{"a copy by mail", "", []request.Kind{request.AccessSpecific}, false, true, "I declare under penalty of perjury"},
		{"portability by mail, in Spanish", "es", []request.Kind{request.Portability, request.Deletion}, false, true, "Declaro bajo pena de perjurio"},
		{"a copy by the form, declared there", "", []request.Kind{request.AccessSpecific}, true, false, ""},
		{"a deletion", "", []request.Kind{request.Deletion, request.AccessCategories}, false, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			created := request.Event{RequestID: "PR-DECL-0000-0000-0001", At: received, Action: request.ActionCreated, Data: map[string]string{"channel": "email"}}
			if tc.formed {
				created.Data["declaration"] = "signed"
			}
			store := &movingStore{r: request.Request{ID: "PR-DECL-0000-0000-0001", Kinds: tc.kinds, Status: request.Verifying,
				Language: tc.lang, ReceivedAt: received}, events: []request.Event{created}}
			tokens := token.NewMemStore()
			clock := func() time.Time { return received.Add(time.Hour) }
			raw, rec, err := (&token.Issuer{Now: func() time.Time { return received }}).Issue(token.Verify, store.r.ID, "task-1", verify.DefaultTTL, nil)
			require.NoError(t, err)
			require.NoError(t, tokens.Put(ctx, rec))
			tasks := &doneTasks{}
			svc := &verify.Service{Store: store, Tokens: tokens, Issuer: token.Issuer{Now: clock}, Now: clock, Tasks: tasks}
			h := webform.New(&fakeIntake{}, webform.Config{Location: time.UTC, TeamAddress: "privacy@productionflow.example",
				Verifier: svc, Requests: store})

			_, page := serve(h, httptest.NewRequest(http.MethodGet, "/verify?t="+raw, nil))
			if !tc.asks {
				assert.NotContains(t, page, `name="declaration"`)
				res, body := serve(h, declarationPost(raw, false))
				assert.Equal(t, http.StatusOK, res.StatusCode, body)
				assert.Equal(t, request.Verified, store.r.Status)
				return
			}
			assert.Contains(t, page, `name="declaration" value="yes" required`)
			assert.Contains(t, page, tc.says)

			res, body := serve(h, declarationPost(raw, false))
			assert.Equal(t, http.StatusBadRequest, res.StatusCode)
			assert.Contains(t, body, `id="declaration-error"`)
			other := "en"
			if tc.lang == "" {
				other = "es"
			}
			assert.Contains(t, body, `href="?lang=`+other+`&amp;t=`+raw+`"`, "the language link leads to the same page, not to the form")
			assert.Equal(t, request.Verifying, store.r.Status, "not confirmed")
			assert.Empty(t, tasks.tokens)
			_, err = svc.Lookup(ctx, raw)
			require.NoError(t, err, "the link is still unused")

			res, body = serve(h, declarationPost(raw, true))
			assert.Equal(t, http.StatusOK, res.StatusCode, body)
			assert.Equal(t, request.Verified, store.r.Status)
			assert.Equal(t, []string{"task-1"}, tasks.tokens)
			var signed []request.Event
			for _, ev := range store.events {
				if ev.Action == request.ActionDeclarationSigned {
					signed = append(signed, ev)
				}
			}
			require.Len(t, signed, 1)
			assert.Equal(t, verify.ActorRequester, signed[0].Actor)
		})
	}
}
