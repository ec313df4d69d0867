package webform

import (
	"context"
	"errors"
	"net/http"

	"github.com/productionflow/privacy-desk/shared/pages"
	"github.com/productionflow/privacy-desk/shared/status"
	"github.com/productionflow/privacy-desk/shared/withdraw"
)

// StatusPages looks up the requester's status page of a link;
// *status.Service satisfies it.
type StatusPages interface {
	Look(ctx context.Context, raw string) (status.View, error)
}

var _ StatusPages = (*status.Service)(nil)

// statusPage shows where the request of a status link stands: GET
// /status?t=<token>, in the request's language (or the one asked for). It
// changes nothing: the link works as often as it is opened.
func (h *Handler) statusPage(w http.ResponseWriter, r *http.Request) {
	raw, v, ok := h.statusOf(w, r, r.URL.Query().Get("t"))
	if !ok {
		return
	}
	if h.withdrawals != nil && withdraw.RequesterMay(v.Status) {
		v.WithdrawLink = "withdraw?t=" + raw
	}
	h.render(w, r, http.StatusOK, "status", pages.Choose(r, v.Language), v)
}

// statusOf reads where the request of a status link's token stands, for
// the status page and the withdrawal pages; when it shows nothing (an
// unknown, malformed or revoked link, or the store failed) it answers
// and reports false.
func (h *Handler) statusOf(w http.ResponseWriter, r *http.Request, param string) (string, status.View, bool) {
	raw, ok := linkToken(param)
	if !ok {
		h.show(w, http.StatusNotFound, "status-unknown", h.site.View(r, pages.Choose(r, ""), nil).ToForm())
		return "", status.View{}, false
	}
	v, err := h.status.Look(r.Context(), raw)
	switch {
	case errors.Is(err, status.ErrUnknown):
		h.show(w, http.StatusNotFound, "status-unknown", h.site.View(r, pages.Choose(r, ""), nil).ToForm())
	case errors.Is(err, status.ErrGone):
		h.show(w, http.StatusGone, "status-gone", h.site.View(r, pages.Choose(r, ""), nil).ToForm())
	case err != nil:
		h.log.ErrorContext(r.Context(), "status page", "error", err)
		h.render(w, r, http.StatusInternalServerError, "request-failed", pages.Choose(r, ""), nil)
	default:
		return raw, v, true
	}
	return "", status.View{}, false
}
