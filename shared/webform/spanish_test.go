package webform_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
	"github.com/productionflow/privacy-desk/shared/webform"
)

func acceptSpanish(r *http.Request) *http.Request {
	r.Header.Set("Accept-Language", "es-MX,es;q=0.9,en;q=0.5")
	return r
}

// english are words of the English pages that a Spanish page never shows.
var english = []string{"Make a privacy request", "Send my request", "Full name", "Email address", "What would you like us to do",
	"Choose…", "optional)", "Correction 1", "Delete your data", "We have received", "Your reference", "Questions?", "Privacy requests"}

// The form is in Spanish when asked with ?lang=es or by a browser that
// prefers Spanish; otherwise in English. Each links to the other.
func TestFormInSpanish(t *testing.T) {
	h := newHandler(&fakeIntake{})
	tests := []struct {
		name     string
		r        *http.Request
		lang     string
		h1, link string
	}{
		{"?lang=es", httptest.NewRequest(http.MethodGet, "/?lang=es", nil), "es", "Haga una solicitud de privacidad",
			`<a href="?lang=en" hreflang="en" lang="en">English</a>`},
		{"Accept-Language es-MX", acceptSpanish(httptest.NewRequest(http.MethodGet, "/", nil)), "es", "Haga una solicitud de privacidad",
			`<a href="?lang=en" hreflang="en" lang="en">English</a>`},
		{"?lang=en over a Spanish browser", acceptSpanish(httptest.NewRequest(http.MethodGet, "/?lang=en", nil)), "en", "Make a privacy request",
			`<a href="?lang=es" hreflang="es" lang="es">Español</a>`},
		{"no preference", httptest.NewRequest(http.MethodGet, "/", nil), "en", "Make a privacy request",
			`<a href="?lang=es" hreflang="es" lang="es">Español</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := serve(h, tt.r)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Contains(t, body, `<html lang="`+tt.lang+`">`)
			assert.Equal(t, tt.lang, res.Header.Get("Content-Language"))
			assert.Contains(t, body, "<h1>"+tt.h1+"</h1>")
			assert.Contains(t, body, `<input type="hidden" name="lang" value="`+tt.lang+`">`, "the form sends its language")
			assert.Contains(t, body, tt.link)
			if tt.lang == "es" {
				for _, w := range english {
					assert.NotContains(t, body, w)
				}
				for _, w := range []string{"Nombre completo", "Correo electrónico", "Eliminar sus datos personales", "Enviar mi solicitud", "Elija…"} {
					assert.Contains(t, body, w)
				}
			}
		})
	}
}

// The Spanish form's errors come back in Spanish, in the summary and at
// each field; its receipt is in Spanish; the request is recorded in
// Spanish, so its mail is too.
func TestSpanishFormErrorsAndReceipt(t *testing.T) {
	f := &fakeIntake{}
	h := newHandler(f)
	v := validForm()
	v["lang"] = []string{"es"}
	v["email"] = []string{"ada@example"}
	v["kinds"] = []string{"correction"}
	v["correction-2-item"] = []string{"teléfono"}
	res, body := serve(h, form(v))
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	for _, want := range []string{`<html lang="es">`, "<title>Error: Haga una solicitud de privacidad — Solicitudes de privacidad de ProductionFlow</title>",
		"Hay un problema con su solicitud",
		`<a href="#email">Correo electrónico: Escriba un correo electrónico con la forma nombre@ejemplo.com.</a>`,
		`<a href="#correction-2-right">Corrección 2, qué debería decir: Indíquenos qué debería decir.</a>`,
		`<p class="field-error" id="email-error">Escriba un correo electrónico con la forma nombre@ejemplo.com.</p>`,
		`value="teléfono"`, `<input type="hidden" name="lang" value="es">`,
		`<a href="./?lang=en" hreflang="en" lang="en">Request form in English</a>`} {
		assert.Contains(t, body, want)
	}
	for _, w := range append(english, "There is a problem", "Enter an email") {
		assert.NotContains(t, body, w)
	}

	v = validForm()
	v["lang"] = []string{"es"}
	v["kinds"] = []string{"deletion", "opt-out-sale"}
	res, body = serve(h, form(v))
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	for _, want := range []string{`<html lang="es">`, "<h1>Recibimos su solicitud</h1>", request.NewID(request.Web, formID),
		"<li>Eliminar sus datos personales</li>", "<li>No permitir la venta ni el intercambio de sus datos personales</li>",
		"a más tardar el <strong>lunes, 11 de enero de 2027</strong>", "privacy@productionflow.example"} {
		assert.Contains(t, body, want)
	}
	for _, w := range english {
		assert.NotContains(t, body, w)
	}
	require.Len(t, f.got, 2)
	assert.Equal(t, "es", f.got[1].Language, "the request is answered in Spanish")

	_, _ = serve(h, form(validForm()))
	assert.Equal(t, "en", f.got[2].Language, "the English form records English")
}

// A Spanish request's download link that was used or has expired is
// explained in Spanish: the download service names the request's language
// with the error. The page never shows the token, not even in its
// language link.
func TestDownloadProblemsOfASpanishRequest(t *testing.T) {
	tests := []struct {
		err          error
		status       int
		want, absent string
	}{
		{&export.LinkError{Err: token.ErrUsed, RequestID: "PR-1", Language: "es"}, http.StatusGone, "Este enlace de descarga ya se usó", "already used"},
		{&export.LinkError{Err: token.ErrExpired, RequestID: "PR-1", Language: "es"}, http.StatusGone, "Los enlaces de descarga funcionan durante 7 días", "has expired"},
		{&export.LinkError{Err: token.ErrExpired, RequestID: "PR-1", Language: "en"}, http.StatusGone, "Download links work for 7 days", "venció"},
		{token.ErrUsed, http.StatusGone, "This download link was already used", "Este enlace"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			var logs bytes.Buffer
			h := newDownloadHandler(&fakeDownloader{err: tt.err}, &logs)
			for _, r := range []*http.Request{httptest.NewRequest(http.MethodGet, "/download?t="+goodToken, nil), downloadPost(goodToken)} {
				res, body := serve(h, r)
				assert.Equal(t, tt.status, res.StatusCode, r.Method)
				assert.Contains(t, body, tt.want, r.Method)
				assert.NotContains(t, body, tt.absent, r.Method)
				assert.Contains(t, body, "privacy@productionflow.example", r.Method)
				assert.NotContains(t, body, goodToken, r.Method)
			}
		})
	}
	t.Run("the used link's grace is said in minutes", func(t *testing.T) {
		h := newDownloadHandler(&fakeDownloader{err: &export.LinkError{Err: token.ErrUsed, Language: "es"}}, &bytes.Buffer{})
		_, body := serve(h, httptest.NewRequest(http.MethodGet, "/download?t="+goodToken, nil))
		assert.Contains(t, body, "durante 15 minutos después de la primera vez")
		assert.Equal(t, 15*time.Minute, export.DownloadGrace, "the page says what the service does")
	})
}

// A reader may switch the verification page's language; the button then
// confirms in that language, whatever the request's.
func TestVerifyPageLanguageLink(t *testing.T) {
	f := &fakeVerifier{lang: "es"}
	h := newVerifyHandler(f, &bytes.Buffer{})
	_, body := serve(h, httptest.NewRequest(http.MethodGet, "/verify?t="+goodToken, nil))
	assert.Contains(t, body, `<a href="?lang=en&amp;t=`+goodToken+`" hreflang="en" lang="en">English</a>`)
	res, body := serve(h, httptest.NewRequest(http.MethodGet, "/verify?lang=en&t="+goodToken, nil))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Confirm your privacy request PR-VRFY-0000-0000-0001")
	assert.Contains(t, body, `<input type="hidden" name="lang" value="en">`)
	r := httptest.NewRequest(http.MethodPost, "/verify", bytes.NewBufferString(url.Values{"t": {goodToken}, "lang": {"en"}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, body = serve(h, r)
	assert.Contains(t, body, "Thank you, you are verified")
	assert.Contains(t, body, `<a href="./?lang=es" hreflang="es" lang="es">Formulario de solicitud en español</a>`,
		"a page that answered a POST links to the form in the other language")

	t.Run("a problem page's link leads to the form, without the token", func(t *testing.T) {
		h := newVerifyHandler(&fakeVerifier{err: verify.ErrLinkUsed, lang: "es"}, &bytes.Buffer{})
		_, body := serve(h, httptest.NewRequest(http.MethodGet, "/verify?t="+goodToken, nil))
		assert.Contains(t, body, `<a href="./?lang=en" hreflang="en" lang="en">Request form in English</a>`)
		assert.NotContains(t, body, goodToken)
	})
}

// The language of a page is also sent as Content-Language, and the pages
// keep the site's security headers.
func TestPagesCarryTheirLanguage(t *testing.T) {
	h := webform.New(&fakeIntake{}, webform.Config{Location: time.UTC, Verifier: &fakeVerifier{lang: "es"},
		Requests: &fakeRequests{r: verifiedRequest()}, Log: slog.New(slog.DiscardHandler)})
	res, _ := serve(h, httptest.NewRequest(http.MethodGet, "/verify?t="+goodToken, nil).WithContext(context.Background()))
	assert.Equal(t, "es", res.Header.Get("Content-Language"))
	assert.Equal(t, "DENY", res.Header.Get("X-Frame-Options"))
}
