package pages_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/pages"
	"github.com/productionflow/privacy-desk/shared/request"
)

// TestAnAgentsReceiptSaysWhoIsWrittenTo: an authorized agent who used the
// form is told that the acknowledgement, the link to confirm and the
// answer go to the person they act for (the requester of record, whose
// address they gave), not to them; a person for themselves is told "you".
func TestAnAgentsReceiptSaysWhoIsWrittenTo(t *testing.T) {
	due := time.Date(2027, 1, 14, 23, 59, 0, 0, time.UTC)
	r := &request.Request{ID: "PR-AGNT-0001", Kinds: []request.Kind{request.Deletion}, Channel: request.Web,
		Requester:       request.Identity{Name: "John Client", Email: "john@example.com"},
		Agent:           &request.Agent{Name: "Alex Agent", Email: "alex@agency.example"},
		VerifyLinkUntil: due.Add(-38 * 24 * time.Hour), Due: request.Due{Response: due, Extended: due.Add(45 * 24 * time.Hour)}}
	render := func(lang string, r *request.Request) string {
		w := httptest.NewRecorder()
		require.NoError(t, pages.Render(w, http.StatusOK, "receipt", benchView(lang, pages.Submitted{Request: r})))
		return w.Body.String()
	}
	en := render("en", r)
	assert.Contains(t, en, "we write to the person you act for")
	assert.Contains(t, en, "acknowledgement to their email address, with a link to confirm the request with us directly")
	assert.Contains(t, en, "We will answer them by")
	assert.Contains(t, en, "You asked us, for the person you act for, to:")
	assert.NotContains(t, en, "your email address")
	es := render("es", r)
	assert.Contains(t, es, "escribimos a la persona a la que representa")
	assert.NotContains(t, es, "Le enviamos un acuse de recibo a su correo electrónico")

	optOut := *r
	optOut.Kinds, optOut.Due.OptOut = []request.Kind{request.OptOutSale}, due
	assert.Contains(t, render("en", &optOut), "We have sent a confirmation to their email address.")

	self := *r
	self.Agent = nil
	own := render("en", &self)
	assert.Contains(t, own, "acknowledgement to your email address, with a link to confirm it is you")
	assert.False(t, strings.Contains(own, "act for"))
}

// TestTheConfirmPageOfAnAgentsRequest: the page the link opens says what
// the mail said: someone acting as the person's agent made the request,
// and they confirm only if they want it acted on.
func TestTheConfirmPageOfAnAgentsRequest(t *testing.T) {
	d := pages.Verify{RequestID: "PR-AGNT-0001", Kinds: []request.Kind{request.Deletion}, Token: "t", Expires: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), ByAgent: true}
	for lang, want := range map[string][]string{
		"en": {"Someone acting as your authorized agent asked us", "if you want us to act on it", "If you did not ask anyone"},
		"es": {"Alguien que actúa como su agente autorizado", "si quiere que actuemos", "Si usted no pidió a nadie"},
	} {
		w := httptest.NewRecorder()
		require.NoError(t, pages.Render(w, http.StatusOK, "verify", benchView(lang, d)))
		for _, s := range want {
			assert.Contains(t, w.Body.String(), s, lang)
		}
		assert.NotContains(t, w.Body.String(), "that it was you who made", lang)
		assert.NotContains(t, w.Body.String(), "fue usted quien hizo", lang)
	}
}

// TestAReceiptSaysAnOptOutCameFromGPC: the receipt of a request whose
// opt-out the browser's Global Privacy Control signal asked says so, in
// both languages; one without the signal does not.
func TestAReceiptSaysAnOptOutCameFromGPC(t *testing.T) {
	due := time.Date(2027, 1, 14, 23, 59, 0, 0, time.UTC)
	r := &request.Request{ID: "PR-GPC0-0001", Kinds: []request.Kind{request.Deletion, request.OptOutSale}, Channel: request.Web, GPC: true,
		Requester: request.Identity{Name: "Ada", Email: "ada@example.com"}, Due: request.Due{Response: due, OptOut: due}}
	render := func(lang string) string {
		w := httptest.NewRecorder()
		require.NoError(t, pages.Render(w, http.StatusOK, "receipt", benchView(lang, pages.Submitted{Request: r})))
		return w.Body.String()
	}
	assert.Contains(t, render("en"), "Your browser sent a Global Privacy Control signal.")
	assert.Contains(t, render("es"), "Su navegador envió una señal de Control Global de Privacidad")
	r.GPC = false
	assert.NotContains(t, render("en"), "Global Privacy Control")
}

// TestAReceiptNamesThePrivacyTeamOnce: the receipt gives the team's address
// once (the footer, which asks for the request ID), in both languages.
func TestAReceiptNamesThePrivacyTeamOnce(t *testing.T) {
	due := time.Date(2027, 1, 14, 23, 59, 0, 0, time.UTC)
	r := &request.Request{ID: "PR-TEAM-0001", Kinds: []request.Kind{request.Deletion}, Channel: request.Web,
		Requester: request.Identity{Name: "Ada", Email: "ada@example.com"}, Due: request.Due{Response: due}}
	for lang, ask := range map[string]string{"en": "(quote your reference, if you have one)", "es": "(indique su referencia, si la tiene)"} {
		w := httptest.NewRecorder()
		require.NoError(t, pages.Render(w, http.StatusOK, "receipt", benchView(lang, pages.Submitted{Request: r})))
		body := w.Body.String()
		assert.Equal(t, 1, strings.Count(body, "mailto:privacy@productionflow.example"), lang)
		assert.Contains(t, body, ask)
	}
}
