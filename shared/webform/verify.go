package webform

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/productionflow/privacy-desk/shared/verify"
)

// Verifier is the verification service behind the confirm page.
type Verifier interface {
	Lookup(ctx context.Context, raw string) (verify.Link, error)
	Confirm(ctx context.Context, raw string) (verify.Confirmation, error)
}

var _ Verifier = (*verify.Service)(nil)

// tokenLength is the length of a link's token: 32 bytes in base64url
// without padding.
const tokenLength = 43

// maxVerifyBody bounds the confirm form's body: one hidden field.
const maxVerifyBody = 1 << 10

// linkToken returns the token parameter if it has the one shape a token
// has; anything else is treated as an unknown link and never echoed.
func linkToken(v string) (string, bool) {
	if len(v) != tokenLength {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "", false
		}
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
	if err != nil {
		h.linkProblem(w, r, err)
		return
	}
	h.render(w, http.StatusOK, "verify.html", verifyData{
		RequestID: l.RequestID, Titles: titles(l.Kinds), Token: raw,
		Expires: l.ExpiresAt.In(h.loc).Format("Monday, January 2, 2006 at 3:04 PM MST"),
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
	if err != nil {
		h.linkProblem(w, r, err)
		return
	}
	h.render(w, http.StatusOK, "verified.html", verifiedData{RequestID: c.RequestID, AnswerBy: c.AnswerBy, Location: h.loc, TeamAddress: h.team})
}

// linkProblem explains a link that cannot confirm anything. The token is
// never logged nor shown.
func (h *Handler) linkProblem(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, verify.ErrLinkUnknown), errors.Is(err, verify.ErrLinkPurpose):
		h.renderMessage(w, http.StatusNotFound, "We do not know this link",
			"Please check that you opened the whole link from our email. If you want to make a privacy request, use the request form.")
	case errors.Is(err, verify.ErrLinkUsed):
		h.renderMessage(w, http.StatusGone, "This link was already used",
			"Each confirmation link works once. If you pressed the button before, your request is confirmed and nothing more is needed.")
	case errors.Is(err, verify.ErrLinkExpired):
		h.renderMessage(w, http.StatusGone, "This link has expired",
			"Confirmation links work for 7 days. Your request will be closed without any action on your data; please make a new request with the request form.")
	case errors.Is(err, verify.ErrRequestClosed):
		h.renderMessage(w, http.StatusGone, "This request is closed",
			"It was not confirmed in time, so we closed it without any action on your data. Please make a new request with the request form.")
	default:
		h.log.ErrorContext(r.Context(), "verification failed", "error", err)
		h.renderMessage(w, http.StatusInternalServerError, "Something went wrong on our side",
			"Your request is not confirmed yet. Please try the link again in a few minutes, or write to "+h.team+".")
	}
}
