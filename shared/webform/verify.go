package webform

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
)

// Verifier is the verification service behind the confirm page.
type Verifier interface {
	Lookup(ctx context.Context, raw string) (verify.Link, error)
	Confirm(ctx context.Context, raw string) (verify.Confirmation, error)
}

var _ Verifier = (*verify.Service)(nil)

// Requests reads a stored request (*dynamo.Store): the confirmed page
// takes the date it promises from the request itself.
type Requests interface {
	Get(ctx context.Context, id string) (*request.Request, error)
}

// maxVerifyBody bounds the confirm form's body: one hidden field.
const maxVerifyBody = 1 << 10

// linkToken returns the token parameter if it has the one shape a token
// has; anything else is treated as an unknown link and never echoed.
func linkToken(v string) (string, bool) {
	if _, err := token.Hash(v); err != nil {
		return "", false
	}
	return v, true
}

type verifyData struct {
	RequestID string
	Titles    []string
	Expires   string
	Token     string
}

type verifiedData struct {
	RequestID   string
	AnswerBy    time.Time
	Location    *time.Location
	TeamAddress string
	// AnswerOn is AnswerBy in words for the Spanish page; empty when
	// AnswerBy is zero.
	AnswerOn string
}

// spanish reports whether a request's pages are shown in Spanish: its
// language is "es" or a regional form of it. Anything else, an unknown
// request included, gets English.
func spanish(lang string) bool { return mail.Language(lang) == mail.Spanish }

// page is the template name of page name in Spanish or English:
// "verify.es.html" or "verify.html".
func page(name string, es bool) string {
	if es {
		return strings.TrimSuffix(name, ".html") + ".es.html"
	}
	return name
}

// when writes t in the business time zone in Spanish or English words.
func (h *Handler) when(t time.Time, es bool) string {
	if es {
		return mail.SpanishDateTime(t.In(h.loc))
	}
	return t.In(h.loc).Format("Monday, January 2, 2006 at 3:04 PM MST")
}

// kindTitles names the kinds in Spanish as the mail does, or in English
// as the form's checkboxes do.
func kindTitles(kinds []request.Kind, es bool) []string {
	if !es {
		return titles(kinds)
	}
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = mail.KindTitle(k, mail.Spanish)
	}
	return out
}

// message shows a page of one title and one paragraph, in Spanish or English.
func (h *Handler) message(w http.ResponseWriter, status int, es bool, m words) {
	if es {
		h.render(w, status, "message.es.html", messageData{m.es.title, m.es.text})
		return
	}
	h.renderMessage(w, status, m.en.title, m.en.text)
}

// words are a message page's title and text in both languages.
type words struct{ en, es struct{ title, text string } }

func say(enTitle, enText, esTitle, esText string) words {
	var m words
	m.en.title, m.en.text = enTitle, enText
	m.es.title, m.es.text = esTitle, esText
	return m
}

// verifyPage shows the request the link confirms and a button. It changes
// nothing: a mail scanner that opens the link verifies nothing.
func (h *Handler) verifyPage(w http.ResponseWriter, r *http.Request) {
	raw, ok := linkToken(r.URL.Query().Get("t"))
	if !ok {
		h.linkProblem(w, r, verify.ErrLinkUnknown)
		return
	}
	l, err := h.verifier.Lookup(r.Context(), raw)
	es := spanish(l.Language)
	if err != nil {
		h.linkProblemIn(w, r, err, h.problemInSpanish(r.Context(), raw, err, l.Language, l.RequestID))
		return
	}
	h.render(w, http.StatusOK, page("verify.html", es), verifyData{
		RequestID: l.RequestID, Titles: kindTitles(l.Kinds, es), Token: raw,
		Expires: h.when(l.ExpiresAt, es),
	})
}

// verifyConfirm uses the link: the requester pressed the button.
func (h *Handler) verifyConfirm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxVerifyBody)
	if err := r.ParseForm(); err != nil {
		h.renderMessage(w, http.StatusBadRequest, "We could not read your confirmation", "Please open the link in our email again and press the button.")
		return
	}
	raw, ok := linkToken(r.PostForm.Get("t"))
	if !ok {
		h.linkProblem(w, r, verify.ErrLinkUnknown)
		return
	}
	c, err := h.verifier.Confirm(r.Context(), raw)
	es := spanish(c.Language)
	if err != nil {
		h.linkProblemIn(w, r, err, h.problemInSpanish(r.Context(), raw, err, c.Language, c.RequestID))
		return
	}
	d := verifiedData{RequestID: c.RequestID, AnswerBy: h.answerBy(r.Context(), c.RequestID), Location: h.loc, TeamAddress: h.team}
	if es && !d.AnswerBy.IsZero() {
		d.AnswerOn = mail.SpanishDate(d.AnswerBy.In(h.loc))
	}
	h.render(w, http.StatusOK, page("verified.html", es), d)
}

// answerBy is the date the confirmed page promises an answer by, read from
// the request: its response deadline, or the extended one only once the
// request is extended (request.AnswerBy). Zero, and the page promises no
// date, when no answer is due or the request cannot be read.
func (h *Handler) answerBy(ctx context.Context, id string) time.Time {
	if h.requests == nil {
		return time.Time{}
	}
	r, err := h.requests.Get(ctx, id)
	if err != nil {
		h.log.ErrorContext(ctx, "confirmed page: read request", "requestId", id, "error", err)
		return time.Time{}
	}
	return r.AnswerBy()
}

// problemInSpanish reports whether the page explaining err, for link raw,
// is in Spanish: lang when the service read the request. For a link that
// is used, expired or of a closed request the service gives at most the
// request ID (and Confirm not even that for an expired link), so the
// request is read for its language. Unknown links, and a request that
// cannot be read, get English.
func (h *Handler) problemInSpanish(ctx context.Context, raw string, err error, lang, requestID string) bool {
	if lang != "" || h.requests == nil ||
		!(errors.Is(err, verify.ErrLinkUsed) || errors.Is(err, verify.ErrLinkExpired) || errors.Is(err, verify.ErrRequestClosed)) {
		return spanish(lang)
	}
	if requestID == "" {
		l, _ := h.verifier.Lookup(ctx, raw) // reads, never uses the link
		if l.Language != "" {
			return spanish(l.Language)
		}
		requestID = l.RequestID
	}
	if requestID == "" {
		return false
	}
	req, rerr := h.requests.Get(ctx, requestID)
	if rerr != nil {
		h.log.WarnContext(ctx, "link problem page: read request for its language", "requestId", requestID, "error", rerr)
		return false
	}
	return spanish(req.Language)
}

// linkProblem explains a link that cannot confirm anything, in English:
// without a request its language is unknown.
func (h *Handler) linkProblem(w http.ResponseWriter, r *http.Request, err error) {
	h.linkProblemIn(w, r, err, false)
}

// linkProblemIn explains a link that cannot confirm anything, in Spanish
// when es is set (the lookup read a Spanish request). The token is never
// logged nor shown.
func (h *Handler) linkProblemIn(w http.ResponseWriter, r *http.Request, err error, es bool) {
	switch {
	case errors.Is(err, verify.ErrLinkUnknown), errors.Is(err, verify.ErrLinkPurpose):
		h.message(w, http.StatusNotFound, es, say("We do not know this link",
			"Please check that you opened the whole link from our email. If you want to make a privacy request, use the request form.",
			"No reconocemos este enlace",
			"Revise que haya abierto el enlace completo de nuestro correo. Si desea hacer una solicitud de privacidad, use el formulario de solicitud."))
	case errors.Is(err, verify.ErrLinkUsed):
		h.message(w, http.StatusGone, es, say("This link was already used",
			"Each confirmation link works once. If you pressed the button before, your request is confirmed and nothing more is needed.",
			"Este enlace ya se usó",
			"Cada enlace de confirmación funciona una sola vez. Si ya presionó el botón, su solicitud está confirmada y no necesita hacer nada más."))
	case errors.Is(err, verify.ErrLinkExpired):
		h.message(w, http.StatusGone, es, say("This link has expired",
			"Confirmation links work for 7 days. Your request will be closed without any action on your data; please make a new request with the request form.",
			"Este enlace venció",
			"Los enlaces de confirmación funcionan durante 7 días. Su solicitud se cerrará sin ninguna acción sobre sus datos; haga una nueva solicitud con el formulario de solicitud."))
	case errors.Is(err, verify.ErrRequestClosed):
		h.message(w, http.StatusGone, es, say("This request is closed",
			"It was not confirmed in time, so we closed it without any action on your data. Please make a new request with the request form.",
			"Esta solicitud está cerrada",
			"No se confirmó a tiempo, así que la cerramos sin ninguna acción sobre sus datos. Haga una nueva solicitud con el formulario de solicitud."))
	default:
		h.log.ErrorContext(r.Context(), "verification failed", "error", err)
		h.message(w, http.StatusInternalServerError, es, say("Something went wrong on our side",
			"Your request is not confirmed yet. Please try the link again in a few minutes, or write to "+h.team+".",
			"Algo falló de nuestro lado",
			"Su solicitud todavía no está confirmada. Vuelva a intentar con el enlace en unos minutos o escriba a "+h.team+"."))
	}
}
