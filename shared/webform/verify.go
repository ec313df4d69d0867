package webform

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/productionflow/privacy-desk/shared/pages"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
)

// Verifier is the verification service behind the confirm page.
type Verifier interface {
	Lookup(ctx context.Context, raw string) (verify.Link, error)
	Confirm(ctx context.Context, raw string) (verify.Confirmation, error)
	ConfirmDeclared(ctx context.Context, raw string, signed bool) (verify.Confirmation, error)
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

// verifyPage shows the request the link confirms and a button. It changes
// nothing: a mail scanner that opens the link verifies nothing.
func (h *Handler) verifyPage(w http.ResponseWriter, r *http.Request) {
	raw, ok := linkToken(r.URL.Query().Get("t"))
	if !ok {
		h.linkProblem(w, r, verify.ErrLinkUnknown, "", "", false)
		return
	}
	l, err := h.verifier.Lookup(r.Context(), raw)
	if err != nil {
		h.linkProblem(w, r, err, h.storedLanguage(r.Context(), raw, err, l.Language, l.RequestID), l.Status, l.OptOutsDone)
		return
	}
	h.render(w, r, http.StatusOK, "verify", pages.Choose(r, l.Language), pages.Verify{
		RequestID: l.RequestID, Kinds: l.Kinds, Token: raw, Expires: l.ExpiresAt, ByAgent: l.ByAgent,
		DeclarationNeeded: l.DeclarationNeeded,
	})
}

// verifyConfirm uses the link: the requester pressed the button.
func (h *Handler) verifyConfirm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxVerifyBody)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, http.StatusBadRequest, "confirm-unreadable", pages.Choose(r, ""), nil)
		return
	}
	raw, ok := linkToken(r.PostForm.Get("t"))
	if !ok {
		h.linkProblem(w, r, verify.ErrLinkUnknown, "", "", false)
		return
	}
	c, err := h.verifier.ConfirmDeclared(r.Context(), raw, r.PostForm.Get("declaration") == "yes")
	if errors.Is(err, verify.ErrDeclarationNeeded) {
		// The page again, asking for the declaration; the link is unused.
		l, lerr := h.verifier.Lookup(r.Context(), raw)
		if lerr != nil {
			h.linkProblem(w, r, lerr, h.storedLanguage(r.Context(), raw, lerr, l.Language, l.RequestID), l.Status, l.OptOutsDone)
			return
		}
		// Its language link leads to the same page in the other language
		// (the link is unused), not to the form.
		v := h.site.View(r, pages.Choose(r, l.Language), pages.Verify{
			RequestID: l.RequestID, Kinds: l.Kinds, Token: raw, Expires: l.ExpiresAt, ByAgent: l.ByAgent,
			DeclarationNeeded: true, DeclarationMissing: true,
		}).At(url.Values{"t": {raw}})
		h.show(w, http.StatusBadRequest, "verify", v)
		return
	}
	if err != nil {
		h.linkProblem(w, r, err, h.storedLanguage(r.Context(), raw, err, c.Language, c.RequestID), c.Status, c.OptOutsDone)
		return
	}
	h.render(w, r, http.StatusOK, "verified", pages.Choose(r, c.Language),
		verified(c.RequestID, h.answerBy(r.Context(), c.RequestID), c.VerifiedAt))
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

// storedLanguage is the language of the request whose link raw cannot
// confirm anything (err): lang when the service read the request. For a
// link that is used, expired or of a closed request the service gives at
// most the request ID (and Confirm not even that for an expired link), so
// the request is read for its language. "" for unknown links, and for a
// request that cannot be read.
func (h *Handler) storedLanguage(ctx context.Context, raw string, err error, lang, requestID string) string {
	if lang != "" || h.requests == nil ||
		!(errors.Is(err, verify.ErrLinkUsed) || errors.Is(err, verify.ErrLinkExpired) || errors.Is(err, verify.ErrRequestClosed)) {
		return lang
	}
	if requestID == "" {
		l, _ := h.verifier.Lookup(ctx, raw) // reads, never uses the link
		if l.Language != "" {
			return l.Language
		}
		requestID = l.RequestID
	}
	if requestID == "" {
		return ""
	}
	req, rerr := h.requests.Get(ctx, requestID)
	if rerr != nil {
		h.log.WarnContext(ctx, "link problem page: read request for its language", "requestId", requestID, "error", rerr)
		return ""
	}
	return req.Language
}

// linkProblem explains a link that cannot confirm anything, in the
// language pages.Choose picks with stored, the request's language when
// known, and for a closed request why it closed (closed, its status when
// known), and whether its opt-outs were carried out (they stand). The token is never logged nor shown: the page's language link
// leads to the form.
func (h *Handler) linkProblem(w http.ResponseWriter, r *http.Request, err error, stored string, closed request.Status, optOutsDone bool) {
	status, page := http.StatusGone, ""
	switch {
	case errors.Is(err, verify.ErrLinkUnknown), errors.Is(err, verify.ErrLinkPurpose):
		status, page = http.StatusNotFound, "link-unknown"
	case errors.Is(err, verify.ErrLinkUsed):
		page = "link-used"
	case errors.Is(err, verify.ErrLinkExpired):
		page = "link-expired"
	case errors.Is(err, verify.ErrRequestClosed):
		page = "request-closed"
	default:
		h.log.ErrorContext(r.Context(), "verification failed", "error", err)
		status, page = http.StatusInternalServerError, "confirm-failed"
	}
	h.show(w, status, page, h.site.View(r, pages.Choose(r, stored), pages.Link{Days: days(verify.DefaultTTL), Closed: closed, OptOutsDone: optOutsDone}).ToForm())
}

func days(d time.Duration) int { return int(d / (24 * time.Hour)) }

// verified is what the page after a confirmation at at shows: the answer
// date, or that it passed before.
func verified(id string, answerBy, at time.Time) pages.Verified {
	return pages.Verified{RequestID: id, AnswerBy: answerBy, Late: !answerBy.IsZero() && at.After(answerBy)}
}
