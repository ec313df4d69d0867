package pages_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/pages"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/status"
	"github.com/productionflow/privacy-desk/shared/token"
)

// trail is the request store the status page reads: one request and its
// audit trail.
type trail struct {
	r      request.Request
	events []request.Event
}

var _ status.Store = (*trail)(nil)

func (s *trail) Get(context.Context, string) (*request.Request, error) { r := s.r; return &r, nil }
func (s *trail) Events(context.Context, string) ([]request.Event, error) {
	return s.events, nil
}

// statusPage renders the status page of s's request as a status link shows
// it at now, in lang.
func statusPage(t *testing.T, s *trail, now time.Time, lang string) string {
	t.Helper()
	ctx := context.Background()
	tokens := token.NewMemStore()
	clock := func() time.Time { return now }
	link, err := (&status.Links{Tokens: tokens, Issuer: token.Issuer{Now: clock}, Base: "https://privacy.example/status"}).Link(ctx, s.r.ID)
	require.NoError(t, err)
	u, err := url.Parse(link)
	require.NoError(t, err)
	d, err := (&status.Service{Tokens: tokens, Store: s, Now: clock}).Look(ctx, u.Query().Get("t"))
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodGet, "/status?t=tok", nil)
	v := pages.Site{Location: time.UTC}.View(r, lang, d)
	var buf bytes.Buffer
	require.NoError(t, pages.Execute(&buf, "status", v))
	return buf.String()
}

// TestAStatusPageSaysADoneOptOutIsDone: a deletion sent with Sec-GPC: 1 has
// its opt-out of sale carried out at once, while the deletion waits for the
// confirmation. Once opt-out:done is on the trail, the status page says the
// opt-out was carried out and when, and says "only once you have
// confirmed" only of the rest; before, it says by when the opt-out takes
// effect.
func TestAStatusPageSaysADoneOptOutIsDone(t *testing.T) {
	received := time.Date(2026, 12, 15, 15, 0, 0, 0, time.UTC)
	doneAt := received.Add(2 * time.Minute)
	words := map[string]struct{ rest, done, doneDate, pending, by, onlyOnce string }{
		pages.English: {"We act on the rest of your request only once you have confirmed it.", "we carried them out on the date below",
			"<dt>Opt-out carried out</dt><dd><time datetime=\"2026-12-15\">Tuesday, December 15, 2026</time>", "we act on them by the date below",
			"Opt-out in effect by", "We act only once you have"},
		pages.Spanish: {"Sobre el resto de su solicitud solo actuamos cuando lo haya confirmado.", "las llevamos a cabo en la fecha de abajo",
			"<dt>Exclusión llevada a cabo el</dt><dd><time datetime=\"2026-12-15\">martes, 15 de diciembre de 2026</time>", "actuamos sobre ellas a más tardar en la fecha de abajo",
			"Exclusión efectiva a más tardar el", "Solo actuamos cuando"},
	}
	for _, st := range []request.Status{request.Acknowledged, request.Verifying} {
		for lang, w := range words {
			t.Run(string(st)+" "+lang, func(t *testing.T) {
				s := &trail{r: request.Request{ID: "PR-GPC1-0000-0000-0001", Kinds: []request.Kind{request.Deletion, request.OptOutSale},
					Status: st, ReceivedAt: received, VerifyLinkUntil: received.AddDate(0, 0, 7),
					Due: request.Due{Response: received.AddDate(0, 0, 45), OptOut: time.Date(2027, 1, 7, 17, 0, 0, 0, time.UTC)}}}
				before := statusPage(t, s, doneAt.Add(-time.Minute), lang)
				assert.Contains(t, before, w.rest)
				assert.Contains(t, before, w.pending)
				assert.Contains(t, before, w.by, "not done yet: by when")
				assert.NotContains(t, before, w.done)

				s.events = []request.Event{{RequestID: s.r.ID, At: doneAt, Actor: "system:fulfil", Action: request.ActionOptOutDone}}
				after := statusPage(t, s, doneAt.Add(time.Hour), lang)
				assert.Contains(t, after, w.rest)
				assert.Contains(t, after, w.done)
				assert.Contains(t, after, w.doneDate)
				assert.NotContains(t, after, w.by, "no date it will be done by: it is done")
				assert.NotContains(t, after, w.onlyOnce, "the opt-out did not wait for the confirmation")
			})
		}
	}
	t.Run("no opt-out asked: we act only once confirmed", func(t *testing.T) {
		s := &trail{r: request.Request{ID: "PR-GPC1-0000-0000-0002", Kinds: []request.Kind{request.Deletion}, Status: request.Verifying,
			ReceivedAt: received, Due: request.Due{Response: received.AddDate(0, 0, 45)}}}
		page := statusPage(t, s, received.Add(time.Hour), pages.English)
		assert.Contains(t, page, "We act only once you have confirmed it.")
		assert.NotContains(t, page, "opt-out")
	})
	t.Run("closed unverified after its opt-out was done", func(t *testing.T) {
		s := &trail{r: request.Request{ID: "PR-GPC1-0000-0000-0003", Kinds: []request.Kind{request.Deletion, request.OptOutSale},
			Status: request.Unverified, ReceivedAt: received, Due: request.Due{OptOut: received.AddDate(0, 0, 21)}},
			events: []request.Event{{Action: request.ActionOptOutDone, At: doneAt},
				{Action: request.StatusAction(request.Unverified), At: received.AddDate(0, 0, 7)}}}
		page := statusPage(t, s, received.AddDate(0, 0, 8), pages.English)
		assert.Contains(t, page, "we carried them out on the date below, and closing it did not undo them")
		assert.Contains(t, page, "<dt>Opt-out carried out</dt>")
		assert.NotContains(t, page, "we act on them on their own")
	})
}

// expiredPage renders the page of an expired confirmation link of a
// request that stands as d says, in lang.
func expiredPage(t *testing.T, d pages.Link, lang string) string {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/verify", nil)
	var buf bytes.Buffer
	require.NoError(t, pages.Execute(&buf, "link-expired", pages.Site{Location: time.UTC}.View(r, lang, d)))
	return buf.String()
}

// TestAnExpiredLinksPageSaysWhereItsRequestStands: the page of an expired
// confirmation link never says the request will be closed "without any
// action on your data". Of a closed request it says it is closed (and,
// when its opt-outs were carried out, that they stand); of one still
// waiting, that it will be closed unless a later link confirms it.
func TestAnExpiredLinksPageSaysWhereItsRequestStands(t *testing.T) {
	never := []string{"without any action", "sin ninguna acción"}
	for _, tc := range []struct {
		name      string
		d         pages.Link
		lang      string
		says, not []string
	}{
		{"closed unverified, its opt-out done", pages.Link{Days: 7, Closed: request.Unverified, OptOutsDone: true}, pages.English,
			[]string{"Your request is already closed.", "we carried them out, and they stand."}, []string{"will be closed", "we will close"}},
		{"closed unverified, its opt-out done (es)", pages.Link{Days: 7, Closed: request.Unverified, OptOutsDone: true}, pages.Spanish,
			[]string{"Su solicitud ya está cerrada.", "las llevamos a cabo y siguen vigentes."}, []string{"se cerrará", "la cerraremos"}},
		{"closed unverified, nothing known of opt-outs", pages.Link{Days: 7, Closed: request.Unverified}, pages.English,
			[]string{"Your request is already closed.", "without acting on what needed the confirmation"}, []string{"will be closed", "they stand"}},
		{"closed unverified, nothing known of opt-outs (es)", pages.Link{Days: 7, Closed: request.Unverified}, pages.Spanish,
			[]string{"Su solicitud ya está cerrada.", "sin hacer lo que necesitaba la confirmación"}, []string{"la cerraremos", "siguen vigentes"}},
		{"withdrawn", pages.Link{Days: 7, Closed: request.Withdrawn}, pages.English,
			[]string{"Your request is already closed.", "It was withdrawn"}, []string{"we will close"}},
		{"still waiting, its opt-out done", pages.Link{Days: 7, Closed: request.Verifying, OptOutsDone: true}, pages.English,
			[]string{"Unless you confirm your request with a later link from us that still works, we will close it without acting on what needed your confirmation.",
				"we carried them out, and they stand."}, []string{"already closed"}},
		{"still waiting, its opt-out done (es)", pages.Link{Days: 7, Closed: request.Verifying, OptOutsDone: true}, pages.Spanish,
			[]string{"la cerraremos sin hacer lo que necesitaba su confirmación", "las llevamos a cabo y siguen vigentes."}, []string{"ya está cerrada"}},
		{"the workflow will mail a new link", pages.Link{Days: 7, Closed: request.Acknowledged}, pages.English,
			[]string{"We will email you a new link"}, []string{"close"}},
		{"confirmed with another link", pages.Link{Days: 7, Closed: request.InProgress}, pages.English,
			[]string{"Your request is confirmed already"}, []string{"close"}},
		{"nothing known of the request", pages.Link{Days: 7}, pages.English,
			[]string{"If your request still waits for its confirmation, we will close it", "closing a request does not undo them"}, []string{"already closed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := expiredPage(t, tc.d, tc.lang)
			for _, s := range tc.says {
				assert.Contains(t, page, s)
			}
			for _, s := range append(tc.not, never...) {
				assert.NotContains(t, strings.ToLower(page), strings.ToLower(s))
			}
		})
	}
}
