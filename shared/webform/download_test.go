package webform_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/webform"
)

const fileURL = "https://exports.s3.us-east-1.amazonaws.com/exports/PR-1/access.zip?X-Amz-Expires=600&X-Amz-Signature=abc"

// fakeDownloader answers with err (nil: success) and counts calls.
type fakeDownloader struct {
	err            error
	lang           string // the request's language
	lookups, opens []string
	sessions       []string // the session each Open was for
}

var _ webform.Downloader = (*fakeDownloader)(nil)

func (f *fakeDownloader) Lookup(_ context.Context, raw, _ string) (export.Offered, error) {
	f.lookups = append(f.lookups, raw)
	if f.err != nil {
		return export.Offered{}, f.err
	}
	return export.Offered{RequestID: "PR-DOWN-0000-0000-0001", ExpiresAt: time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC),
		Origin: "https://exports.s3.us-east-1.amazonaws.com", Language: f.lang}, nil
}

func (f *fakeDownloader) Open(_ context.Context, raw, session string) (string, error) {
	f.opens = append(f.opens, raw)
	f.sessions = append(f.sessions, session)
	if f.err != nil {
		return "", f.err
	}
	return fileURL, nil
}

func newDownloadHandler(d webform.Downloader, logs *bytes.Buffer) http.Handler {
	return webform.New(&fakeIntake{}, webform.Config{Location: time.UTC, TeamAddress: "privacy@productionflow.example",
		Downloads: d, Log: slog.New(slog.NewJSONHandler(logs, nil))})
}

func downloadPost(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/download", strings.NewReader(url.Values{"t": {tok}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestDownloadPageShowsAndUsesNothing(t *testing.T) {
	f := &fakeDownloader{}
	var logs bytes.Buffer
	res, body := serve(newDownloadHandler(f, &logs), httptest.NewRequest(http.MethodGet, "/download?t="+goodToken, nil))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Your data is ready")
	assert.Contains(t, body, "PR-DOWN-0000-0000-0001")
	assert.Contains(t, body, `<form method="post" action="download">`)
	assert.Contains(t, body, `<input type="hidden" name="t" value="`+goodToken+`">`)
	assert.Contains(t, body, "privacy@productionflow.example", "how to get a new link")
	assert.Empty(t, f.opens, "opening the link downloads nothing")
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	assert.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "form-action 'self' https://exports.s3.us-east-1.amazonaws.com;",
		"the button's redirect to the file is allowed")
	assert.NotContains(t, logs.String(), goodToken)
}

func TestDownloadPageInTheRequestLanguage(t *testing.T) {
	tests := []struct {
		lang   string
		want   []string
		absent string
	}{
		{"es", []string{`<html lang="es">`, "Sus datos están listos", `<button type="submit">Descargar</button>`,
			"hasta el lunes, 7 de diciembre de 2026 a las 3:00 p. m. UTC", "solicitud de privacidad PR-DOWN-0000-0000-0001"}, "Your data is ready"},
		{"en", []string{`<html lang="en">`, "Your data is ready", `<button type="submit">Download</button>`,
			"until Monday, December 7, 2026 at 3:00 PM UTC", "privacy request PR-DOWN-0000-0000-0001"}, "Sus datos"},
		{"", []string{`<html lang="en">`, "Your data is ready", "until Monday, December 7, 2026 at 3:00 PM UTC"}, "Sus datos"},
	}
	for _, tt := range tests {
		t.Run("language "+tt.lang, func(t *testing.T) {
			var logs bytes.Buffer
			f := &fakeDownloader{lang: tt.lang}
			h := newDownloadHandler(f, &logs)
			res, body := serve(h, httptest.NewRequest(http.MethodGet, "/download?t="+goodToken, nil))
			require.Equal(t, http.StatusOK, res.StatusCode)
			for _, want := range append(tt.want, `<input type="hidden" name="t" value="`+goodToken+`">`, "privacy@productionflow.example") {
				assert.Contains(t, body, want)
			}
			assert.NotContains(t, body, tt.absent)
			assert.Contains(t, res.Header.Get("Content-Security-Policy"), "form-action 'self' https://exports.s3.us-east-1.amazonaws.com;")

			res, _ = serve(h, downloadPost(goodToken))
			assert.Equal(t, http.StatusSeeOther, res.StatusCode)
			assert.Equal(t, fileURL, res.Header.Get("Location"))
			assert.NotContains(t, logs.String(), goodToken)
		})
	}
}

func TestDownloadButtonRedirectsToTheFile(t *testing.T) {
	f := &fakeDownloader{}
	var logs bytes.Buffer
	res, _ := serve(newDownloadHandler(f, &logs), downloadPost(goodToken))
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, fileURL, res.Header.Get("Location"))
	assert.Equal(t, []string{goodToken}, f.opens)
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	assert.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
	assert.NotContains(t, logs.String(), goodToken)
	assert.NotContains(t, logs.String(), "X-Amz-Signature")

	// The press binds the link to this browser: a cookie holds a random
	// session, only for the download path, which the next press sends back.
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "download-session" {
			cookie = c
		}
	}
	require.NotNil(t, cookie, "the browser gets its session")
	assert.Len(t, f.sessions[0], 43, "32 random bytes")
	assert.Equal(t, f.sessions[0], cookie.Value)
	assert.Equal(t, "/download", cookie.Path)
	assert.True(t, cookie.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, cookie.SameSite)
	assert.True(t, cookie.Secure, "Secure on a public host")
	again := downloadPost(goodToken)
	again.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	serve(newDownloadHandler(f, &logs), again)
	assert.Equal(t, f.sessions[0], f.sessions[1], "the same browser presses again with the same session")
	serve(newDownloadHandler(f, &logs), downloadPost(goodToken))
	assert.NotEqual(t, f.sessions[0], f.sessions[2], "another browser has another session")
	assert.NotContains(t, logs.String(), cookie.Value)
}

func TestDownloadLinkProblems(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		token string
		code  int
		want  string
	}{
		{"unknown", token.ErrNotFound, goodToken, http.StatusNotFound, "We do not know this link"},
		{"malformed, never looked up", nil, "short<script>", http.StatusNotFound, "We do not know this link"},
		{"used", token.ErrUsed, goodToken, http.StatusGone, "already used"},
		{"expired", token.ErrExpired, goodToken, http.StatusGone, "has expired"},
		{"our failure", errors.New("dynamodb: throttled"), goodToken, http.StatusInternalServerError, "Something went wrong on our side"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				f := &fakeDownloader{err: tt.err}
				var logs bytes.Buffer
				r := downloadPost(tt.token)
				if method == http.MethodGet {
					r = httptest.NewRequest(http.MethodGet, "/download?t="+url.QueryEscape(tt.token), nil)
				}
				res, body := serve(newDownloadHandler(f, &logs), r)
				assert.Equal(t, tt.code, res.StatusCode, method)
				assert.Contains(t, body, tt.want, method)
				assert.Contains(t, body, "privacy@productionflow.example", "%s: who to ask", method)
				assert.NotContains(t, body, tt.token, method)
				assert.NotContains(t, body, "throttled", "%s: no internals shown", method)
				assert.NotContains(t, logs.String(), tt.token, method)
				if tt.token != goodToken {
					assert.Empty(t, f.lookups, method)
					assert.Empty(t, f.opens, method)
				}
			}
		})
	}
}

func TestNoDownloadPageWithoutDownloader(t *testing.T) {
	res, _ := serve(webform.New(&fakeIntake{}, webform.Config{}), httptest.NewRequest(http.MethodGet, "/download?t="+goodToken, nil))
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

func TestDownloadBodyIsBounded(t *testing.T) {
	f := &fakeDownloader{}
	var logs bytes.Buffer
	r := httptest.NewRequest(http.MethodPost, "/download", strings.NewReader("t="+strings.Repeat("a", 4096)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, _ := serve(newDownloadHandler(f, &logs), r)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Empty(t, f.opens)
}

// signerFunc is an export.Signer: the S3 link for key.
type signerFunc func(key string) string

func (f signerFunc) SignGet(_ context.Context, key string, _ time.Duration) (string, error) {
	return f(key), nil
}

// languageReader is an export.RequestReader whose every request is in lang.
type languageReader string

func (l languageReader) Get(_ context.Context, id string) (*request.Request, error) {
	return &request.Request{ID: id, Language: string(l)}, nil
}

// TestAUsedDownloadLinkShowsTheUsedPage runs the page on the real
// export.Downloads: once Download was pressed, the link opened in another
// browser (or in any after the grace) answers 410 "already used", in the
// request's language, with no button; the browser that pressed gets the
// page and its button again for the grace's 15 minutes, as the page says.
func TestAUsedDownloadLinkShowsTheUsedPage(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tokens := token.NewMemStore()
	links := &export.Links{Tokens: tokens, Issuer: &token.Issuer{Now: clock}, PageURL: "https://privacy.productionflow.example/download"}
	l, err := links.Offer(ctx, "PR-DOWN-0000-0000-0001", "exports/PR-DOWN-0000-0000-0001/access.zip")
	require.NoError(t, err)
	u, err := url.Parse(l.URL)
	require.NoError(t, err)
	raw := u.Query().Get("t")
	var logs bytes.Buffer
	h := newDownloadHandler(&export.Downloads{
		Tokens: tokens, Prefix: "exports/", Now: clock, Grace: export.DownloadGrace, Requests: languageReader("es"),
		Signer: signerFunc(func(key string) string {
			return "https://exports.s3.us-east-1.amazonaws.com/" + key + "?X-Amz-Signature=abc"
		}),
	}, &logs)
	page := func(cookie *http.Cookie, query string) (*http.Response, string) {
		r := httptest.NewRequest(http.MethodGet, "/download?t="+raw+query, nil)
		if cookie != nil {
			r.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
		}
		return serve(h, r)
	}

	res, body := page(nil, "")
	require.Equal(t, http.StatusOK, res.StatusCode, "before the press any browser sees the button")
	assert.Contains(t, body, "Sus datos están listos")
	assert.Contains(t, body, "puede volver a presionarlo en este navegador durante algunos minutos", "checked below")
	_, body = page(nil, "&lang=en")
	assert.Contains(t, body, "you can press it again in this browser for a few minutes", "checked below")

	res, _ = serve(h, downloadPost(raw))
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	var pressed *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "download-session" {
			pressed = c
		}
	}
	require.NotNil(t, pressed)

	used := func(t *testing.T, res *http.Response, body string) {
		t.Helper()
		assert.Equal(t, http.StatusGone, res.StatusCode)
		assert.Contains(t, body, `<html lang="es">`)
		assert.Contains(t, body, "Este enlace de descarga ya se usó")
		assert.NotContains(t, body, "Sus datos están listos")
		assert.NotContains(t, body, "<button")
		assert.NotContains(t, body, raw, "the page never shows the token")
	}
	t.Run("another browser", func(t *testing.T) {
		res, body := page(nil, "")
		used(t, res, body)
		res, body = page(&http.Cookie{Name: "download-session", Value: strings.Repeat("B", 43)}, "")
		used(t, res, body)
		res, body = page(nil, "&lang=en")
		assert.Equal(t, http.StatusGone, res.StatusCode)
		assert.Contains(t, body, "This download link was already used", "the reader's own choice of language wins")
	})
	t.Run("the browser that pressed, within the grace", func(t *testing.T) {
		now = now.Add(export.DownloadGrace - time.Second)
		res, body := page(pressed, "")
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Contains(t, body, "Sus datos están listos")
		res, _ = serve(h, func() *http.Request { r := downloadPost(raw); r.AddCookie(pressed); return r }())
		assert.Equal(t, http.StatusSeeOther, res.StatusCode, "and its button works")
	})
	t.Run("the browser that pressed, after the grace", func(t *testing.T) {
		now = now.Add(time.Second)
		res, body := page(pressed, "")
		used(t, res, body)
	})
	assert.NotContains(t, logs.String(), raw)
}
