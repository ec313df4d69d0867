package webform_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/status"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/webform"
)

// statusStore is a request store of one request, with its trail.
type statusStore struct {
	r      *request.Request
	events []request.Event
}

func (s *statusStore) Get(_ context.Context, id string) (*request.Request, error) {
	if s.r == nil || s.r.ID != id {
		return nil, request.ErrNotFound
	}
	c := *s.r
	return &c, nil
}

func (s *statusStore) Events(context.Context, string) ([]request.Event, error) { return s.events, nil }

type statusSite struct {
	h     http.Handler
	store *statusStore
	links *status.Links
	now   time.Time
}

func newStatusSite(t *testing.T, lang string) *statusSite {
	t.Helper()
	s := &statusSite{now: time.Date(2026, 11, 10, 15, 0, 0, 0, time.UTC)}
	at := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	s.store = &statusStore{r: &request.Request{ID: "PR-STAT-AAAA-AAAA-AAAA", Kinds: []request.Kind{request.Deletion, request.OptOutSale},
		Status: request.Verifying, Channel: request.Web, Language: lang,
		Requester: request.Identity{Name: "Ada Lovelace", Email: "ada.lovelace@example.org", Phone: "+1 415 555 0100", Address: "12 Analytical Row, Springfield"},
		Details:   "my loyalty card number 4242", ReceivedAt: at,
		Due: request.Due{Response: at.AddDate(0, 0, 45), Extended: at.AddDate(0, 0, 90), OptOut: at.AddDate(0, 0, 15)}}}
	tokens := token.NewMemStore()
	now := func() time.Time { return s.now }
	s.links = &status.Links{Tokens: tokens, Issuer: token.Issuer{Now: now}, Base: "https://privacy.example/status"}
	s.h = webform.New(&fakeIntake{}, webform.Config{Location: time.UTC, TeamAddress: "privacy@productionflow.example",
		Status: &status.Service{Tokens: tokens, Store: s.store, Now: now}, Log: slog.New(slog.DiscardHandler)})
	return s
}

func (s *statusSite) link(t *testing.T) string {
	t.Helper()
	l, err := s.links.Link(context.Background(), s.store.r.ID)
	require.NoError(t, err)
	u, err := url.Parse(l)
	require.NoError(t, err)
	return "/status?" + u.RawQuery
}

func (s *statusSite) get(target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	return w
}

func TestStatusPage(t *testing.T) {
	t.Run("the request's ID, kinds, status, what happens next and dates; no personal data; no script", func(t *testing.T) {
		s := newStatusSite(t, "")
		w := s.get(s.link(t))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		body := w.Body.String()
		assert.Contains(t, body, "PR-STAT-AAAA-AAAA-AAAA")
		assert.Contains(t, body, "Delete your data")
		assert.Contains(t, body, "waiting for you to confirm it is you")
		assert.Contains(t, body, "Open the link in the email we sent you")
		assert.Contains(t, body, "Monday, November 2, 2026", "received")
		assert.Contains(t, body, "Thursday, December 17, 2026", "answer by")
		assert.Contains(t, body, "Tuesday, November 17, 2026", "opt-out by")
		assert.NotContains(t, body, "Extended to", "not extended")
		for _, personal := range []string{"Ada", "Lovelace", "ada.lovelace", "example.org", "555", "Analytical", "Springfield", "4242"} {
			assert.NotContains(t, body, personal)
		}
		assert.NotContains(t, strings.ToLower(body), "<script")
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	})
	t.Run("before it is confirmed, it says where the link is", func(t *testing.T) {
		for _, tc := range []struct {
			lang, linkSent, noLink string
		}{
			{"", "Open the link in the acknowledgement we emailed you", "We will email you a link to confirm it is you."},
			{"es", "Abra el enlace del acuse de recibo", "Le enviaremos por correo un enlace"},
		} {
			s := newStatusSite(t, tc.lang)
			target := s.link(t)
			s.store.r.Status = request.Acknowledged
			s.store.r.VerifyLinkUntil = s.now.Add(72 * time.Hour)
			body := s.get(target).Body.String()
			assert.Contains(t, body, tc.linkSent, "the acknowledgement carried it")
			assert.NotContains(t, body, tc.noLink)
			s.store.r.VerifyLinkUntil = time.Time{}
			body = s.get(target).Body.String()
			assert.Contains(t, body, tc.noLink, "a mail of its own brings it")
		}
	})
	t.Run("in the request's language, Spanish", func(t *testing.T) {
		s := newStatusSite(t, "es")
		w := s.get(s.link(t))
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, "es", w.Header().Get("Content-Language"))
		assert.Contains(t, w.Body.String(), "esperando a que confirme que es usted")
		assert.Contains(t, w.Body.String(), "lunes, 2 de noviembre de 2026")
	})
	t.Run("its status changes as the request moves", func(t *testing.T) {
		s := newStatusSite(t, "")
		target := s.link(t)
		s.store.r.Status = request.Extended
		body := s.get(target).Body.String()
		assert.Contains(t, body, "being carried out, with more time")
		assert.Contains(t, body, "Extended to")
		assert.Contains(t, body, "Sunday, January 31, 2027")
	})
	t.Run("unknown links are 404, revoked and deleted ones 410, and the token is not echoed", func(t *testing.T) {
		s := newStatusSite(t, "")
		assert.Equal(t, http.StatusNotFound, s.get("/status").Code)
		assert.Equal(t, http.StatusNotFound, s.get("/status?t=nonsense").Code)
		unknown := s.get("/status?t=" + strings.Repeat("A", 43))
		assert.Equal(t, http.StatusNotFound, unknown.Code)
		assert.Contains(t, unknown.Body.String(), "We do not know this link")

		target := s.link(t)
		s.store.events = []request.Event{{Action: request.ActionStatusLinksRevoked, At: s.now, Actor: "team:alice"}}
		gone := s.get(target)
		assert.Equal(t, http.StatusGone, gone.Code)
		assert.Contains(t, gone.Body.String(), "This link no longer works")
		assert.Contains(t, gone.Body.String(), fmt.Sprintf("%d days after the email that carried the link", int(status.TTL/(24*time.Hour))), "the link's lifetime, as Look expires it")
		assert.NotContains(t, gone.Body.String(), strings.TrimPrefix(target, "/status?t="))

		s.store.events = nil
		s.store.r = nil
		assert.Equal(t, http.StatusGone, s.get(target).Code, "deleted after its retention")
	})
}
