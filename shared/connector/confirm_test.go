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
// landmark, a title, and the site's stylesheet (with the focus ring that
// shows on white) from the folder above, where the web intake serves it.
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
			assert.Equal(t, 1, strings.Count(body, "<main"), "one main landmark")
			assert.Less(t, strings.Index(body, "<main"), strings.Index(body, "<h1>"), "the heading is in the main landmark")
			assert.Contains(t, body, `<link rel="stylesheet" href="../form.css">`)
			assert.Contains(t, body, `<meta name="robots" content="noindex">`)
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
			h := &connector.ConfirmHandler{Tokens: store, Requests: &fakeRequests{}, Now: func() time.Time { return t0 }, Log: log, Location: tt.loc}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/tasks/confirm?t="+raw, nil))
			require.Equal(t, http.StatusOK, w.Code)
			assert.Contains(t, w.Body.String(), tt.want)
			assert.NotContains(t, w.Body.String(), "2026-12-02T23:48:42Z")
		})
	}
}

// The task page is in English unless the owner chooses Spanish: a lang=es
// query (the page's language link) or a browser preferring Spanish. Its
// answers, problems and the pages after it follow the choice.
func TestTaskPageInSpanish(t *testing.T) {
	m, h, fm, _, answers, sys := manualRig(t)
	require.NoError(t, m.Send(context.Background(), sys, task(sys, "req-es", system.Erase), connector.Subject{Email: "ada@example.com"}))
	u, err := url.Parse(linkRE.FindString(fm.sent[0].Text))
	require.NoError(t, err)
	raw := u.Query().Get("t")
	get := func(target, accept string) (int, string) {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		if accept != "" {
			r.Header.Set("Accept-Language", accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code, rec.Body.String()
	}
	english := []string{"A privacy task for you", "Your answer", "Send the answer", "Due:", "Done", "holds nothing"}
	for _, tt := range []struct{ name, target, accept string }{
		{"lang=es", "/tasks/confirm?lang=es&t=" + raw, ""},
		{"Accept-Language es", "/tasks/confirm?t=" + raw, "es-US,es;q=0.9"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(tt.target, tt.accept)
			require.Equal(t, http.StatusOK, code)
			for _, want := range []string{`<html lang="es">`, "<h1>Una tarea de privacidad para usted</h1>", "Qué: eliminar",
				"Plazo: jueves, 5 de noviembre de 2026 a las 4:00 a. m. EST", `<input type="hidden" name="lang" value="es">`,
				`<button type="submit">Enviar la respuesta</button>`, `hreflang="en" lang="en">English</a>`} {
				assert.Contains(t, body, want)
			}
			for _, w := range english {
				assert.NotContains(t, body, w)
			}
		})
	}
	t.Run("English by default, and with a browser preferring English", func(t *testing.T) {
		for _, accept := range []string{"", "en-US,en;q=0.9,es;q=0.8"} {
			_, body := get("/tasks/confirm?t="+raw, accept)
			assert.Contains(t, body, `<html lang="en">`)
			assert.Contains(t, body, "<h1>A privacy task for you</h1>")
			assert.Contains(t, body, `<a href="?lang=es&amp;t=`+raw+`" hreflang="es" lang="es">Español</a>`)
		}
	})
	t.Run("a problem with the answer, in Spanish", func(t *testing.T) {
		code, body := postForm(h, url.Values{"t": {raw}, "lang": {"es"}})
		assert.Equal(t, http.StatusBadRequest, code)
		assert.Contains(t, body, `<div class="error-summary" role="alert"><p>Por favor, elija una respuesta: hecho, no tiene nada o no puedo hacerlo.</p></div>`)
		assert.Contains(t, body, `<a href="?lang=en&amp;t=`+raw+`" hreflang="en" lang="en">English</a>`, "after a POST, the link is still the task's")
		assert.Empty(t, answers.answers)
	})
	t.Run("a refused file: the service's words marked as English", func(t *testing.T) {
		answers.err = &connector.UploadError{Problem: "the file is not UTF-8 text."}
		code, body := postForm(h, url.Values{"t": {raw}, "lang": {"es"}, "outcome": {"done"}})
		answers.err = nil
		assert.Equal(t, http.StatusBadRequest, code)
		assert.Contains(t, body, `No aceptamos el archivo: <span lang="en">the file is not UTF-8 text.</span>`)
	})
	t.Run("answered, then the used link, in Spanish", func(t *testing.T) {
		code, body := postForm(h, url.Values{"t": {raw}, "lang": {"es"}, "outcome": {"nothing-held"}})
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "<h1>Gracias</h1>")
		assert.Contains(t, body, "Registrado: el sistema no tiene nada sobre esta persona.")
		code, body = get("/tasks/confirm?lang=es&t="+raw, "")
		assert.Equal(t, http.StatusGone, code)
		assert.Contains(t, body, "<h1>Este enlace ya no funciona</h1>")
	})
}
