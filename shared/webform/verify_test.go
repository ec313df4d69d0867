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

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/verify"
	"github.com/productionflow/privacy-desk/shared/webform"
)

// goodToken has the shape of a link's token: 43 base64url characters.
const goodToken = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE"

// fakeVerifier answers with err (nil: success) and counts calls.
type fakeVerifier struct {
	err              error
	lang             string         // the request's language
	status           request.Status // the request's status, as read
	lookups, confirm []string
}

var _ webform.Verifier = (*fakeVerifier)(nil)

func (f *fakeVerifier) Lookup(_ context.Context, raw string) (verify.Link, error) {
	f.lookups = append(f.lookups, raw)
	return verify.Link{RequestID: "PR-VRFY-0000-0000-0001", Kinds: []request.Kind{request.Deletion},
		ExpiresAt: time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC), Language: f.lang, Status: f.status}, f.err
}

func (f *fakeVerifier) ConfirmDeclared(ctx context.Context, raw string, _ bool) (verify.Confirmation, error) {
	return f.Confirm(ctx, raw)
}

func (f *fakeVerifier) Confirm(_ context.Context, raw string) (verify.Confirmation, error) {
	f.confirm = append(f.confirm, raw)
	return verify.Confirmation{RequestID: "PR-VRFY-0000-0000-0001", VerifiedAt: time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC),
		AnswerBy: time.Date(2027, 1, 14, 15, 0, 0, 0, time.UTC), Language: f.lang, Status: f.status}, f.err
}

// fakeRequests serves one stored request.
type fakeRequests struct {
	r   request.Request
	err error
}

var _ webform.Requests = (*fakeRequests)(nil)

func (f *fakeRequests) Get(_ context.Context, id string) (*request.Request, error) {
	if f.err != nil {
		return nil, f.err
	}
	if id != f.r.ID {
		return nil, request.ErrNotFound
	}
	r := f.r
	return &r, nil
}

// verifiedRequest is the request the fake verifier confirms: answered by
// 14 January 2027, or by 28 February once extended.
func verifiedRequest() request.Request {
	return request.Request{ID: "PR-VRFY-0000-0000-0001", Status: request.Verified, Due: request.Due{
		Response: time.Date(2027, 1, 14, 15, 0, 0, 0, time.UTC), Extended: time.Date(2027, 2, 28, 15, 0, 0, 0, time.UTC)}}
}

func newVerifyHandler(v webform.Verifier, logs *bytes.Buffer) http.Handler {
	return webform.New(&fakeIntake{}, webform.Config{Location: time.UTC, TeamAddress: "privacy@productionflow.example",
		Verifier: v, Requests: &fakeRequests{r: verifiedRequest()}, Log: slog.New(slog.NewJSONHandler(logs, nil))})
}

func confirmPost(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/verify", strings.NewReader(url.Values{"t": {tok}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestVerifyPageShowsAndChangesNothing(t *testing.T) {
	f := &fakeVerifier{}
	var logs bytes.Buffer
	h := newVerifyHandler(f, &logs)
	for range 3 { // a mail scanner prefetching, then the person, then a reload
		res, body := serve(h, httptest.NewRequest(http.MethodGet, "/verify?t="+goodToken, nil))
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Contains(t, body, "Confirm your privacy request PR-VRFY-0000-0000-0001")
		assert.Contains(t, body, `<form method="post" action="verify">`)
		assert.Contains(t, body, `<input type="hidden" name="t" value="`+goodToken+`">`)
		assert.Contains(t, body, "Delete your data")
		assert.Contains(t, body, "December 7, 2026")
		assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
		assert.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
		assert.Contains(t, res.Header.Get("Content-Security-Policy"), "form-action 'self'")
		assert.NotContains(t, body, "<script")
	}
	assert.Len(t, f.lookups, 3)
	assert.Empty(t, f.confirm, "GET never confirms")

	res, body := serve(h, confirmPost(goodToken))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Thank you, you are verified")
	assert.Contains(t, body, "January 14, 2027")
	assert.Equal(t, []string{goodToken}, f.confirm)
	assert.NotContains(t, logs.String(), goodToken)
}

func TestVerifyPagesInTheRequestLanguage(t *testing.T) {
	tests := []struct {
		lang                 string
		htmlLang             string
		page, title, expires string
		thanks, answerBy     string
		absent               string
	}{
		{"es", `<html lang="es">`, "Confirme su solicitud de privacidad PR-VRFY-0000-0000-0001", "Eliminar sus datos personales",
			"hasta el lunes, 7 de diciembre de 2026 a las 3:00 p. m. UTC", "Gracias, su identidad quedó verificada",
			"jueves, 14 de enero de 2027", "Confirm your privacy request"},
		{"es-MX", `<html lang="es">`, "Confirme su solicitud de privacidad", "Eliminar sus datos personales",
			"lunes, 7 de diciembre de 2026", "Gracias, su identidad quedó verificada", "jueves, 14 de enero de 2027", "Thank you"},
		{"en", `<html lang="en">`, "Confirm your privacy request PR-VRFY-0000-0000-0001", "Delete your data",
			"until Monday, December 7, 2026 at 3:00 PM UTC", "Thank you, you are verified", "Thursday, January 14, 2027", "Confirme"},
		{"", `<html lang="en">`, "Confirm your privacy request", "Delete your data",
			"December 7, 2026", "Thank you, you are verified", "January 14, 2027", "Gracias"},
	}
	for _, tt := range tests {
		t.Run("language "+tt.lang, func(t *testing.T) {
			var logs bytes.Buffer
			h := newVerifyHandler(&fakeVerifier{lang: tt.lang}, &logs)
			res, body := serve(h, httptest.NewRequest(http.MethodGet, "/verify?t="+goodToken, nil))
			require.Equal(t, http.StatusOK, res.StatusCode)
			for _, want := range []string{tt.htmlLang, tt.page, tt.title, tt.expires, `<input type="hidden" name="t" value="` + goodToken + `">`} {
				assert.Contains(t, body, want)
			}
			assert.NotContains(t, body, tt.absent)

			res, body = serve(h, confirmPost(goodToken))
			require.Equal(t, http.StatusOK, res.StatusCode)
			for _, want := range []string{tt.htmlLang, tt.thanks, tt.answerBy, "PR-VRFY-0000-0000-0001", "privacy@productionflow.example"} {
				assert.Contains(t, body, want)
			}
			assert.NotContains(t, body, tt.absent)
			assert.NotContains(t, logs.String(), goodToken)
		})
	}
}

func TestVerifyProblemsOfASpanishRequest(t *testing.T) {
	tests := []struct {
		err    error
		status int
		want   string
	}{
		{verify.ErrLinkUsed, http.StatusGone, "Este enlace ya se usó"},
		{verify.ErrLinkExpired, http.StatusGone, "Este enlace venció"},
		{verify.ErrRequestClosed, http.StatusGone, "Esta solicitud está cerrada"},
		{errors.New("get token: connection refused"), http.StatusInternalServerError, "Algo falló de nuestro lado"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			var logs bytes.Buffer
			h := newVerifyHandler(&fakeVerifier{err: tt.err, lang: "es"}, &logs)
			for _, r := range []*http.Request{httptest.NewRequest(http.MethodGet, "/verify?t="+goodToken, nil), confirmPost(goodToken)} {
				res, body := serve(h, r)
				assert.Equal(t, tt.status, res.StatusCode, r.Method)
				assert.Contains(t, body, `<html lang="es">`)
				assert.Contains(t, body, tt.want)
				assert.Contains(t, body, `<a href="./">Volver al formulario de solicitud</a>`)
				assert.NotContains(t, body, goodToken)
			}
			assert.NotContains(t, logs.String(), goodToken)
		})
	}
	t.Run("a malformed token has no request: English", func(t *testing.T) {
		f := &fakeVerifier{lang: "es"}
		res, body := serve(newVerifyHandler(f, &bytes.Buffer{}), httptest.NewRequest(http.MethodGet, "/verify?t=abc", nil))
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
		assert.Contains(t, body, `<html lang="en">`)
		assert.Contains(t, body, "We do not know this link")
		assert.Empty(t, f.lookups)
	})
}

func TestVerifyProblems(t *testing.T) {
	tests := []struct {
		err    error
		status int
		want   string
	}{
		{verify.ErrLinkUnknown, http.StatusNotFound, "We do not know this link"},
		{verify.ErrLinkPurpose, http.StatusNotFound, "We do not know this link"},
		{verify.ErrLinkUsed, http.StatusGone, "already used"},
		{verify.ErrLinkExpired, http.StatusGone, "has expired"},
		{verify.ErrRequestClosed, http.StatusGone, "This request is closed"},
		{errors.New("get token: connection refused"), http.StatusInternalServerError, "Something went wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			var logs bytes.Buffer
			h := newVerifyHandler(&fakeVerifier{err: tt.err}, &logs)
			for _, r := range []*http.Request{httptest.NewRequest(http.MethodGet, "/verify?t="+goodToken, nil), confirmPost(goodToken)} {
				res, body := serve(h, r)
				assert.Equal(t, tt.status, res.StatusCode, r.Method)
				assert.Contains(t, body, tt.want)
				assert.Contains(t, body, `href="./"`, "the page leads to the form")
				assert.NotContains(t, body, goodToken)
				assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
			}
			assert.NotContains(t, logs.String(), goodToken)
		})
	}
}

func TestVerifyRefusesMalformedTokens(t *testing.T) {
	for name, tok := range map[string]string{
		"missing":   "",
		"too short": "abc",
		"too long":  goodToken + "A",
		"markup":    `<script>alert(1)</script>AAAAAAAAAAAAAAAAAAAAAAAAAA`[:43],
		"padding":   goodToken[:42] + "=",
	} {
		t.Run(name, func(t *testing.T) {
			f := &fakeVerifier{}
			h := newVerifyHandler(f, &bytes.Buffer{})
			res, body := serve(h, httptest.NewRequest(http.MethodGet, "/verify?t="+url.QueryEscape(tok), nil))
			assert.Equal(t, http.StatusNotFound, res.StatusCode)
			assert.NotContains(t, body, "<script>alert")
			res, _ = serve(h, confirmPost(tok))
			assert.Equal(t, http.StatusNotFound, res.StatusCode)
			assert.Empty(t, f.lookups)
			assert.Empty(t, f.confirm)
		})
	}
	t.Run("an oversized body", func(t *testing.T) {
		f := &fakeVerifier{}
		res, _ := serve(newVerifyHandler(f, &bytes.Buffer{}), confirmPost(strings.Repeat("A", 4096)))
		assert.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Empty(t, f.confirm)
	})
}

func TestVerifyRoutesOnlyWhenConfigured(t *testing.T) {
	res, _ := serve(newHandler(&fakeIntake{}), httptest.NewRequest(http.MethodGet, "/verify?t="+goodToken, nil))
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

func TestConfirmedPagePromisesTheRequestsOwnDate(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	// Deadlines end a business day in New York: 04:59:59 UTC is still the
	// day before there.
	due := request.Due{Response: time.Date(2027, 1, 11, 4, 59, 59, 0, time.UTC), Extended: time.Date(2027, 2, 25, 4, 59, 59, 0, time.UTC)}
	tests := []struct {
		name, lang   string
		status       request.Status
		want, absent string
	}{
		{"verified: the response date", "", request.Verified, "will answer by <strong>Sunday, January 10, 2027</strong>", "February"},
		{"extended: the extended date", "", request.Extended, "will answer by <strong>Wednesday, February 24, 2027</strong>", "January 10"},
		{"in Spanish", "es", request.Verified, "a más tardar el <strong>domingo, 10 de enero de 2027</strong>", "febrero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := verifiedRequest()
			r.Status, r.Due = tt.status, due
			h := webform.New(&fakeIntake{}, webform.Config{Location: ny, Verifier: &fakeVerifier{lang: tt.lang}, Requests: &fakeRequests{r: r}})
			res, body := serve(h, confirmPost(goodToken))
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Contains(t, body, tt.want, "the date shown is the request's AnswerBy in the business zone")
			assert.NotContains(t, body, tt.absent)
			assert.Equal(t, r.AnswerBy(), map[request.Status]time.Time{request.Verified: due.Response, request.Extended: due.Extended}[tt.status])
		})
	}
	t.Run("no date is promised when the request cannot be read", func(t *testing.T) {
		h := webform.New(&fakeIntake{}, webform.Config{Location: ny, Verifier: &fakeVerifier{}, Requests: &fakeRequests{err: errors.New("throttled")}})
		res, body := serve(h, confirmPost(goodToken))
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Contains(t, body, "We are now working on your request.")
		assert.NotContains(t, body, "answer by")
	})
}

// TestAClosedRequestsLinkSaysWhyItClosed: the confirmation link of a
// closed request says why it closed — unconfirmed, denied, withdrawn — not
// always that nobody confirmed it in time.
func TestAClosedRequestsLinkSaysWhyItClosed(t *testing.T) {
	for _, tc := range []struct {
		status    request.Status
		says, not string
	}{
		{request.Unverified, "It was not confirmed in time", "emailed you why"},
		{request.Denied, "We closed it without carrying it out, and emailed you why.", "not confirmed in time"},
		{request.Withdrawn, "It was withdrawn", "not confirmed in time"},
	} {
		h := newVerifyHandler(&fakeVerifier{err: verify.ErrRequestClosed, status: tc.status}, &bytes.Buffer{})
		for _, r := range []*http.Request{httptest.NewRequest(http.MethodGet, "/verify?t="+goodToken, nil), confirmPost(goodToken)} {
			res, body := serve(h, r)
			assert.Equal(t, http.StatusGone, res.StatusCode)
			assert.Contains(t, body, tc.says, tc.status)
			assert.NotContains(t, body, tc.not, tc.status)
		}
	}
}
