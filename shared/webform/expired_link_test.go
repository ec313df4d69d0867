package webform_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
	"github.com/productionflow/privacy-desk/shared/webform"
)

// trailStore is one stored request and its audit trail, read as
// *dynamo.Store reads them; nothing here changes them.
type trailStore struct {
	r      request.Request
	events []request.Event
}

var (
	_ verify.Store     = (*trailStore)(nil)
	_ webform.Requests = (*trailStore)(nil)
)

func (s *trailStore) Get(_ context.Context, id string) (*request.Request, error) {
	if id != s.r.ID {
		return nil, request.ErrNotFound
	}
	r := s.r
	return &r, nil
}

func (s *trailStore) SetStatus(context.Context, string, request.Status, request.Status, time.Time) error {
	return request.ErrConflict
}
func (s *trailStore) AppendEvent(context.Context, request.Event) error { return nil }
func (s *trailStore) Events(context.Context, string) ([]request.Event, error) {
	return s.events, nil
}

// TestTheExpiredLinkPageOfAClosedRequestSaysItIsClosed: a deletion sent
// with Sec-GPC: 1 had its opt-out carried out at once; nobody confirmed the
// deletion, the link expired and the workflow closed the request. The
// expired link's page, opened or pressed, says the request is closed, not
// that it will be closed "without any action on your data". While the
// request still waits, the page says it will be closed unless a later link
// confirms it.
func TestTheExpiredLinkPageOfAClosedRequestSaysItIsClosed(t *testing.T) {
	received := time.Date(2026, 12, 15, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, lang string
		status     request.Status
		now        time.Time
		says       string
		never      []string
	}{
		{"closed", "", request.Unverified, received.AddDate(0, 0, 8), "Your request is already closed.",
			[]string{"without any action", "will be closed", "we will close"}},
		{"closed, its opt-out stands", "", request.Unverified, received.AddDate(0, 0, 8), "we carried them out, and they stand.",
			[]string{"without any action"}},
		{"closed (es)", "es", request.Unverified, received.AddDate(0, 0, 8), "Su solicitud ya está cerrada.",
			[]string{"sin ninguna acción", "se cerrará", "la cerraremos"}},
		{"closed, its opt-out stands (es)", "es", request.Unverified, received.AddDate(0, 0, 8), "las llevamos a cabo y siguen vigentes.",
			[]string{"sin ninguna acción"}},
		{"still waiting", "", request.Verifying, received.AddDate(0, 0, 7).Add(30 * time.Minute),
			"Unless you confirm your request with a later link from us that still works, we will close it", []string{"without any action", "already closed"}},
		{"still waiting (es)", "es", request.Verifying, received.AddDate(0, 0, 7).Add(30 * time.Minute),
			"Si no confirma su solicitud con un enlace posterior nuestro que aún funcione, la cerraremos", []string{"sin ninguna acción", "ya está cerrada"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			store := &trailStore{r: request.Request{ID: "PR-GPC1-0000-0000-0001", Kinds: []request.Kind{request.Deletion, request.OptOutSale},
				Status: tc.status, Language: tc.lang, ReceivedAt: received},
				events: []request.Event{{RequestID: "PR-GPC1-0000-0000-0001", At: received.Add(2 * time.Minute), Actor: "system:fulfil",
					Action: request.ActionOptOutDone, Once: request.ActionOptOutDone}}}
			tokens := token.NewMemStore()
			clock := func() time.Time { return tc.now }
			raw, rec, err := (&token.Issuer{Now: func() time.Time { return received }}).Issue(token.Verify, store.r.ID, "task-1", verify.DefaultTTL, nil)
			require.NoError(t, err)
			require.NoError(t, tokens.Put(ctx, rec))
			svc := &verify.Service{Store: store, Tokens: tokens, Issuer: token.Issuer{Now: clock}, Now: clock}
			h := webform.New(&fakeIntake{}, webform.Config{Location: time.UTC, TeamAddress: "privacy@productionflow.example",
				Verifier: svc, Requests: store})
			for _, req := range []*http.Request{httptest.NewRequest(http.MethodGet, "/verify?t="+raw, nil), confirmPost(raw)} {
				res, body := serve(h, req)
				assert.Equal(t, http.StatusGone, res.StatusCode, req.Method)
				assert.Contains(t, body, tc.says, req.Method)
				for _, s := range tc.never {
					assert.NotContains(t, body, s, req.Method)
				}
			}
		})
	}
}
