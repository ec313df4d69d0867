package webform

import (
	"context"
	"errors"
	"net/http"

	"github.com/productionflow/privacy-desk/shared/pages"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/verify"
	"github.com/productionflow/privacy-desk/shared/withdraw"
)

// Withdrawer withdraws a request and mails its requester the notice;
// *withdraw.Service satisfies it.
type Withdrawer interface {
	Withdraw(ctx context.Context, w withdraw.Withdrawal) (withdraw.Result, error)
}

var _ Withdrawer = (*withdraw.Service)(nil)

// maxWithdrawBody bounds the withdrawal form's body: a token and a language.
const maxWithdrawBody = 1 << 10

// withdrawReason is how the trail says the requester withdrew it.
const withdrawReason = "the requester withdrew it on the status page"

// withdrawPage asks the requester to confirm the withdrawal of the request
// of a status link: GET /withdraw?t=<token>. It changes nothing.
func (h *Handler) withdrawPage(w http.ResponseWriter, r *http.Request) {
	raw, v, ok := h.statusOf(w, r, r.URL.Query().Get("t"))
	if !ok {
		return
	}
	d := pages.Withdraw{RequestID: v.RequestID, Kinds: v.Kinds, Token: raw, OptOutsDone: v.OptOutsDone(), Status: v.Status}
	if v.Status == request.Withdrawn {
		// Withdrawn already (from this page, or by the team): said so, as
		// a second press of the button does.
		h.render(w, r, http.StatusOK, "withdrawn", pages.Choose(r, v.Language), d)
		return
	}
	if !withdraw.RequesterMay(v.Status) {
		h.render(w, r, http.StatusConflict, "withdraw-refused", pages.Choose(r, v.Language), d)
		return
	}
	h.render(w, r, http.StatusOK, "withdraw-confirm", pages.Choose(r, v.Language), d)
}

// withdrawConfirm withdraws it: POST /withdraw with the status link's
// token, from the page above. The requester may withdraw only what is not
// yet carried out (withdraw.ByRequester); the notice goes to the
// requester's address, whoever pressed.
func (h *Handler) withdrawConfirm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxWithdrawBody)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, http.StatusBadRequest, "confirm-unreadable", pages.Choose(r, ""), nil)
		return
	}
	_, v, ok := h.statusOf(w, r, r.PostForm.Get("t"))
	if !ok {
		return
	}
	d := pages.Withdraw{RequestID: v.RequestID, Kinds: v.Kinds, OptOutsDone: v.OptOutsDone(), Status: v.Status}
	res, err := h.withdrawals.Withdraw(r.Context(), withdraw.Withdrawal{RequestID: v.RequestID, Actor: verify.ActorRequester,
		Reason: withdrawReason, From: withdraw.ByRequester})
	var se *withdraw.StateError
	switch {
	case errors.As(err, &se):
		d.Status = se.Status
		h.render(w, r, http.StatusConflict, "withdraw-refused", pages.Choose(r, v.Language), d)
		return
	case err != nil:
		// It may be withdrawn with its notice owed: pressed again, the
		// service sends it.
		h.log.ErrorContext(r.Context(), "withdraw from the status page", "requestId", v.RequestID, "error", err)
		h.render(w, r, http.StatusInternalServerError, "request-failed", pages.Choose(r, v.Language), nil)
		return
	}
	d.Mailed = res.Mailed
	h.render(w, r, http.StatusOK, "withdrawn", pages.Choose(r, v.Language), d)
}
