package webform_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPortabilityNeedsTheDeclarationAsTheFormSays: taking your data with
// you sends a copy of it, so the form says (under the kind and at the box)
// that it needs the signed declaration, as specific pieces do; a form or
// JSON submission of portability without it is refused on the box, with the
// message in the form's language, and one with it is taken. Knowing the
// categories alone needs no declaration.
func TestPortabilityNeedsTheDeclarationAsTheFormSays(t *testing.T) {
	h := newHandler(&fakeIntake{})
	pages := []struct {
		lang, query string
		says        []string
	}{
		{"en", "/", []string{
			"We send you a copy of your data in a machine-readable format (JSON and CSV) that you can take to another service. Because this discloses your data, we ask you to declare, under penalty of perjury, that it is you",
			`(Needed for a copy of your data: "Get a copy of your data" and "Take your data with you".)`,
		}},
		{"es", "/?lang=es", []string{
			"Le enviamos una copia de sus datos en un formato legible por máquina (JSON y CSV) que puede llevar a otro servicio. Como esto revela sus datos, le pedimos que declare, bajo pena de perjurio, que es usted",
			"(Necesaria para obtener una copia de sus datos: «Obtener una copia de los datos personales concretos que tenemos de usted» y «Recibir sus datos en un formato portátil y legible por máquina»).",
		}},
	}
	for _, p := range pages {
		t.Run("the form in "+p.lang+" says so", func(t *testing.T) {
			_, page := serve(h, httptest.NewRequest(http.MethodGet, p.query, nil))
			page = html.UnescapeString(page)
			for _, s := range p.says {
				assert.Contains(t, page, s)
			}
		})
	}

	tests := []struct {
		name, lang string
		kinds      []string
		message    string // "" for taken
	}{
		{"portability, English", "en", []string{"portability"}, "A copy of your data to take with you needs the signed declaration: tick the box to confirm it."},
		{"portability, Spanish", "es", []string{"portability"}, "Para recibir una copia de sus datos en un formato portátil se necesita la declaración firmada: marque la casilla para confirmarla."},
		{"portability with a deletion", "en", []string{"deletion", "portability"}, "A copy of your data to take with you needs the signed declaration: tick the box to confirm it."},
		{"portability and specific pieces", "en", []string{"access-specific", "portability"}, "Specific pieces of data need the signed declaration: tick the box to confirm it."},
		{"categories alone", "en", []string{"access-categories"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeIntake{}
			h := newHandler(f)
			v := validForm()
			v["kinds"], v["lang"] = tt.kinds, []string{tt.lang}
			res, body := serve(h, form(v))
			if tt.message == "" {
				assert.Equal(t, http.StatusOK, res.StatusCode, body)
				return
			}
			assert.Equal(t, http.StatusBadRequest, res.StatusCode)
			assert.Contains(t, body, `id="declaration-error"`)
			assert.Contains(t, html.UnescapeString(body), tt.message)

			v["declaration"] = []string{"yes"}
			res, body = serve(h, form(v))
			assert.Equal(t, http.StatusOK, res.StatusCode, body)
		})
	}

	t.Run("JSON", func(t *testing.T) {
		h := newHandler(&fakeIntake{})
		res, body := serve(h, postJSON(`{"kinds":["portability"],"name":"Ada","email":"ada@example.com"}`))
		require.Equal(t, http.StatusBadRequest, res.StatusCode, body)
		var got struct {
			Fields map[string]string `json:"fields"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		assert.Equal(t, "A copy of your data to take with you needs the signed declaration: tick the box to confirm it.", got.Fields["declaration"])
		res, body = serve(h, postJSON(`{"kinds":["portability"],"name":"Ada","email":"ada@example.com","declaration":true}`))
		assert.Equal(t, http.StatusCreated, res.StatusCode, body)
	})
}
