package webform_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/verify"
	"github.com/productionflow/privacy-desk/shared/webform"
)

// An address the site does not serve gets a page of the site: a title, a
// language, the site's look and a way to the form.
func TestUnknownAddressesGetAPage(t *testing.T) {
	h := newHandler(&fakeIntake{})
	tests := []struct {
		name, method, path, ct string
		status                 int
		title, root, allow     string
	}{
		{"an unknown page", http.MethodGet, "/nope", "", http.StatusNotFound, "Page not found", "./", ""},
		{"a page in a folder", http.MethodGet, "/no/such/page", "", http.StatusNotFound, "Page not found", "../../", ""},
		{"a folder", http.MethodGet, "/no/such/", "", http.StatusNotFound, "Page not found", "../../", ""},
		{"an encoded slash is no folder", http.MethodGet, "/a%2Fb", "", http.StatusNotFound, "Page not found", "./", ""},
		{"the form's address opened", http.MethodGet, "/requests", "", http.StatusMethodNotAllowed, "There is no page to show here", "./", "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := serve(h, httptest.NewRequest(tt.method, tt.path, nil))
			require.Equal(t, tt.status, res.StatusCode)
			assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
			assert.Equal(t, tt.allow, res.Header.Get("Allow"))
			assert.Contains(t, body, `<html lang="en">`)
			assert.Contains(t, body, "<title>"+tt.title+" — ProductionFlow privacy requests</title>")
			assert.Contains(t, body, "<h1>"+tt.title+"</h1>")
			assert.Contains(t, body, `<main id="main">`)
			assert.Contains(t, body, `<link rel="stylesheet" href="`+tt.root+`form.css">`, "the stylesheet is found from the page's folder")
			assert.Contains(t, body, `<a href="`+tt.root+`">Go to the privacy request form</a>`)
			assert.Contains(t, body, `hreflang="es" lang="es">Español</a>`, "a Spanish reader is offered the page in Spanish")
			assert.Equal(t, "DENY", res.Header.Get("X-Frame-Options"), "the page has the site's security headers")
		})
	}
	t.Run("in Spanish", func(t *testing.T) {
		for _, r := range []*http.Request{httptest.NewRequest(http.MethodGet, "/no/such/page?lang=es", nil), acceptSpanish(httptest.NewRequest(http.MethodGet, "/nope", nil))} {
			res, body := serve(h, r)
			require.Equal(t, http.StatusNotFound, res.StatusCode)
			assert.Contains(t, body, `<html lang="es">`)
			assert.Contains(t, body, "<h1>Página no encontrada</h1>")
			assert.Contains(t, body, ">Ir al formulario de solicitud de privacidad</a>")
			assert.Contains(t, body, `hreflang="en" lang="en">English</a>`)
		}
	})
	t.Run("a JSON client gets JSON", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/request", strings.NewReader("{}"))
		r.Header.Set("Content-Type", "application/json")
		res, body := serve(h, r)
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
		assert.JSONEq(t, `{"error":"not found"}`, body)
	})
	t.Run("an unclean path is still redirected", func(t *testing.T) {
		res, _ := serve(h, httptest.NewRequest(http.MethodGet, "/a//b", nil))
		assert.Equal(t, http.StatusTemporaryRedirect, res.StatusCode)
		assert.Equal(t, "/a/b", res.Header.Get("Location"))
	})
}

var (
	focusRule  = regexp.MustCompile(`(?m)^:focus \{([^}]*)\}`)
	outlineHex = regexp.MustCompile(`outline:\s*(\d+)px solid #([0-9a-f]{6})`)
	shadowHex  = regexp.MustCompile(`box-shadow:\s*0 0 0 (\d+)px #([0-9a-f]{6})`)
)

// The focus indicator shows on the white page: its outer ring contrasts at
// least 3:1 with white (WCAG 2.1 1.4.11), and the yellow ring inside it
// with the outer one.
func TestFocusRingShowsOnWhite(t *testing.T) {
	res, css := serve(newHandler(&fakeIntake{}), httptest.NewRequest(http.MethodGet, "/form.css", nil))
	require.Equal(t, http.StatusOK, res.StatusCode)
	rule := focusRule.FindStringSubmatch(css)
	require.NotNil(t, rule, "form.css has a :focus rule")
	outline := outlineHex.FindStringSubmatch(rule[1])
	shadow := shadowHex.FindStringSubmatch(rule[1])
	require.NotNil(t, outline, "the :focus rule draws an outline: %s", rule[1])
	require.NotNil(t, shadow, "the :focus rule draws a ring outside it: %s", rule[1])
	ow, _ := strconv.Atoi(outline[1])
	sw, _ := strconv.Atoi(shadow[1])
	assert.Greater(t, sw-ow, 1, "the outer ring shows at least 2px beyond the outline")
	white := "ffffff"
	assert.Less(t, contrast(outline[2], white), 3.0, "the yellow ring alone is not enough (this test reads the right rule)")
	assert.GreaterOrEqual(t, contrast(shadow[2], white), 3.0, "the outer ring against white")
	assert.GreaterOrEqual(t, contrast(outline[2], shadow[2]), 3.0, "the yellow ring against the outer one")
}

// contrast is the WCAG contrast ratio of two colours written "rrggbb".
func contrast(a, b string) float64 {
	lum := func(hex string) float64 {
		var l float64
		for i, w := range []float64{0.2126, 0.7152, 0.0722} {
			v, _ := strconv.ParseUint(hex[2*i:2*i+2], 16, 8)
			c := float64(v) / 255
			if c <= 0.03928 {
				c /= 12.92
			} else {
				c = math.Pow((c+0.055)/1.055, 2.4)
			}
			l += w * c
		}
		return l
	}
	la, lb := lum(a), lum(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// linkVerifier answers as verify.Service does for a link that no longer
// works: Lookup names only the request, Confirm not even that for an
// expired link.
type linkVerifier struct{ err error }

var _ webform.Verifier = linkVerifier{}

func (v linkVerifier) Lookup(context.Context, string) (verify.Link, error) {
	return verify.Link{RequestID: "PR-VRFY-0000-0000-0001"}, v.err
}

func (v linkVerifier) ConfirmDeclared(ctx context.Context, raw string, _ bool) (verify.Confirmation, error) {
	return v.Confirm(ctx, raw)
}

func (v linkVerifier) Confirm(context.Context, string) (verify.Confirmation, error) {
	if errors.Is(v.err, verify.ErrLinkExpired) {
		return verify.Confirmation{}, v.err
	}
	return verify.Confirmation{RequestID: "PR-VRFY-0000-0000-0001"}, v.err
}

// A Spanish request's link that no longer works is explained in Spanish,
// although the service no longer says the request's language.
func TestSpanishRequestsUsedAndExpiredLinks(t *testing.T) {
	tests := []struct {
		err          error
		lang, want   string
		status       int
		htmlLanguage string
	}{
		{verify.ErrLinkUsed, "es", "Este enlace ya se usó", http.StatusGone, "es"},
		{verify.ErrLinkExpired, "es", "Este enlace venció", http.StatusGone, "es"},
		{verify.ErrRequestClosed, "es-MX", "Esta solicitud está cerrada", http.StatusGone, "es"},
		{verify.ErrLinkUsed, "en", "This link was already used", http.StatusGone, "en"},
		{verify.ErrLinkExpired, "", "This link has expired", http.StatusGone, "en"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error()+" "+tt.lang, func(t *testing.T) {
			r := verifiedRequest()
			r.Language = tt.lang
			h := webform.New(&fakeIntake{}, webform.Config{Location: time.UTC, Verifier: linkVerifier{tt.err}, Requests: &fakeRequests{r: r}})
			for _, req := range []*http.Request{httptest.NewRequest(http.MethodGet, "/verify?t="+goodToken, nil), confirmPost(goodToken)} {
				res, body := serve(h, req)
				assert.Equal(t, tt.status, res.StatusCode, req.Method)
				assert.Contains(t, body, `<html lang="`+tt.htmlLanguage+`">`, req.Method)
				assert.Contains(t, body, tt.want, req.Method)
			}
		})
	}
	t.Run("a request that cannot be read: English", func(t *testing.T) {
		h := webform.New(&fakeIntake{}, webform.Config{Location: time.UTC, Verifier: linkVerifier{verify.ErrLinkUsed},
			Requests: &fakeRequests{err: request.ErrNotFound}})
		res, body := serve(h, httptest.NewRequest(http.MethodGet, "/verify?t="+goodToken, nil))
		assert.Equal(t, http.StatusGone, res.StatusCode)
		assert.Contains(t, body, "This link was already used")
	})
}
