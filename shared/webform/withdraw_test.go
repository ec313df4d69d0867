package webform_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/status"
	"github.com/productionflow/privacy-desk/shared/webform"
	"github.com/productionflow/privacy-desk/shared/withdraw"
)

// fakeWithdrawals withdraws the status site's request as the service
// would: from the statuses it is given, else a StateError.
type fakeWithdrawals struct {
	store *statusStore
	calls []withdraw.Withdrawal
}

func (f *fakeWithdrawals) Withdraw(_ context.Context, w withdraw.Withdrawal) (withdraw.Result, error) {
	f.calls = append(f.calls, w)
	r := f.store.r
	if r.Status != request.Withdrawn && len(w.From) > 0 && !slices.Contains(w.From, r.Status) {
		return withdraw.Result{}, &withdraw.StateError{RequestID: r.ID, Status: r.Status}
	}
	r.Status = request.Withdrawn
	return withdraw.Result{RequestID: r.ID, Withdrew: true, Mailed: true}, nil
}

func withdrawSite(t *testing.T, lang string) (*statusSite, *fakeWithdrawals) {
	t.Helper()
	s := newStatusSite(t, lang)
	f := &fakeWithdrawals{store: s.store}
	now := func() time.Time { return s.now }
	s.h = webform.New(&fakeIntake{}, webform.Config{Location: time.UTC, TeamAddress: "privacy@productionflow.example",
		Status: &status.Service{Tokens: s.links.Tokens, Store: s.store, Now: now}, Withdrawals: f, Log: slog.New(slog.DiscardHandler)})
	return s, f
}

func (s *statusSite) post(target string, form url.Values) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s.h.ServeHTTP(w, r)
	return w
}

var withdrawHref = regexp.MustCompile(`href="(withdraw\?t=[A-Za-z0-9_-]+)"`)

// TestTheRequesterWithdrawsFromTheStatusPage: while a request is not yet
// carried out, its status page offers to withdraw it (and says anyone with
// the link could); the page that follows asks and changes nothing; the
// button withdraws it as the requester, from the requester's statuses
// only, and says the notice was mailed. Once systems are being asked the
// page offers nothing, and a withdrawal pressed then is refused in words.
func TestTheRequesterWithdrawsFromTheStatusPage(t *testing.T) {
	s, f := withdrawSite(t, "")
	status := s.get(s.link(t)).Body.String()
	assert.Contains(t, status, "Withdraw this request")
	assert.Contains(t, status, "anyone you give it to can see this page and withdraw the request")
	m := withdrawHref.FindStringSubmatch(status)
	require.NotNil(t, m, status)

	w := s.get("/" + m[1])
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	page := w.Body.String()
	assert.Contains(t, page, "Withdraw your request PR-STAT-AAAA-AAAA-AAAA?")
	assert.Contains(t, page, `<form method="post" action="withdraw">`)
	assert.Contains(t, page, "We will email you to confirm it")
	assert.Empty(t, f.calls, "opening the page changes nothing")
	tok := regexp.MustCompile(`name="t" value="([^"]+)"`).FindStringSubmatch(page)
	require.NotNil(t, tok)

	w = s.post("/withdraw", url.Values{"t": {tok[1]}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "Your request is withdrawn")
	assert.Contains(t, w.Body.String(), "We emailed you to confirm it")
	require.Len(t, f.calls, 1)
	assert.Equal(t, "requester", f.calls[0].Actor)
	assert.Equal(t, withdraw.ByRequester, f.calls[0].From)
	assert.Equal(t, request.Withdrawn, s.store.r.Status)
	assert.NotContains(t, s.get(s.link(t)).Body.String(), "Withdraw this request", "a closed request offers none")
	w = s.get("/" + m[1])
	assert.Equal(t, http.StatusOK, w.Code, "the page of a withdrawn request says it is withdrawn, as a second press does")
	assert.Contains(t, w.Body.String(), "Your request is withdrawn")

	s, f = withdrawSite(t, "es")
	s.store.r.Status = request.InProgress
	status = s.get(s.link(t)).Body.String()
	assert.NotContains(t, status, "Retirar esta solicitud", "being carried out: nothing offered")
	link, err := s.links.Link(context.Background(), s.store.r.ID)
	require.NoError(t, err)
	u, _ := url.Parse(link)
	w = s.get("/withdraw?" + u.RawQuery)
	assert.Equal(t, http.StatusConflict, w.Code)
	assert.Contains(t, w.Body.String(), "Esta solicitud ya no se puede retirar aquí")
	w = s.post("/withdraw", url.Values{"t": {u.Query().Get("t")}})
	assert.Equal(t, http.StatusConflict, w.Code)
	assert.Contains(t, w.Body.String(), "una parte, una vez hecha, no se puede deshacer")
	assert.Equal(t, request.InProgress, s.store.r.Status)

	assert.Equal(t, http.StatusNotFound, s.post("/withdraw", url.Values{"t": {"not-a-token"}}).Code)
}
