package connector_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/token"
)

// Every state of the task page is one page of the desk: English, one main
// landmark, a title, and the focus ring that shows on white (a yellow
// ring inside a near-black one).
func TestTaskPageLandmarksAndFocusRing(t *testing.T) {
	m, h, fm, _, _, sys := manualRig(t)
	require.NoError(t, m.Send(context.Background(), sys, task(sys, "req-a11y", system.Erase), connector.Subject{Email: "ada@example.com"}))
	u, err := url.Parse(linkRE.FindString(fm.sent[0].Text))
	require.NoError(t, err)
	raw := u.Query().Get("t")
	get := func(q string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/tasks/confirm?t="+q, nil))
		b, _ := io.ReadAll(rec.Body)
		return rec.Code, string(b)
	}
	pages := []struct {
		name   string
		answer func() (int, string)
		status int
		title  string
	}{
		{"the task", func() (int, string) { return get(raw) }, http.StatusOK, "A privacy task for you"},
		{"sent without an answer", func() (int, string) { return postForm(h, url.Values{"t": {raw}}) }, http.StatusBadRequest, "A privacy task for you"},
		{"answered", func() (int, string) { return postForm(h, url.Values{"t": {raw}, "outcome": {"done"}}) }, http.StatusOK, "Thank you"},
		{"a used link", func() (int, string) { return get(raw) }, http.StatusGone, "This link no longer works"},
		{"an unknown link", func() (int, string) { return get("not-a-token") }, http.StatusNotFound, "This link is not valid"},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			code, body := p.answer()
			assert.Equal(t, p.status, code)
			assert.Contains(t, body, `<html lang="en">`)
			assert.Contains(t, body, "<title>"+p.title+" — ProductionFlow privacy requests</title>")
			assert.Equal(t, 1, strings.Count(body, "<main>"), "one main landmark")
			assert.Less(t, strings.Index(body, "<main>"), strings.Index(body, "<h1>"), "the heading is in the main landmark")
			assert.Contains(t, body, ":focus { outline: 3px solid #ffdd00; outline-offset: 0; box-shadow: 0 0 0 6px #0b0c0c; }")
		})
	}
}

// The task page says when the task is due in words, in the business time
// zone (UTC without one), never as a machine timestamp.
func TestTaskPageDueInWords(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	due := time.Date(2026, 12, 2, 23, 48, 42, 0, time.UTC)
	tests := []struct {
		name string
		loc  *time.Location
		want string
	}{
		{"the business time zone", ny, "Due: Wednesday, December 2, 2026 at 6:48 PM EST"},
		{"no time zone: UTC", nil, "Due: Wednesday, December 2, 2026 at 11:48 PM UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := token.NewMemStore()
			iss := &token.Issuer{Now: func() time.Time { return t0 }}
			raw, rec, err := iss.Issue(token.ManualTask, "req-due", "", 30*24*time.Hour,
				map[string]string{"system": "paper-archive", "action": "erase", "due": due.Format(time.RFC3339)})
			require.NoError(t, err)
			require.NoError(t, store.Put(context.Background(), rec))
			log, _ := logBuffer()
			h := &connector.ConfirmHandler{Tokens: store, Now: func() time.Time { return t0 }, Log: log, Location: tt.loc}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/tasks/confirm?t="+raw, nil))
			require.Equal(t, http.StatusOK, w.Code)
			assert.Contains(t, w.Body.String(), tt.want)
			assert.NotContains(t, w.Body.String(), "2026-12-02T23:48:42Z")
		})
	}
}
