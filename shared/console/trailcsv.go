package console

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/csvcell"
	"github.com/productionflow/privacy-desk/shared/request"
)

// trailCSV serves GET /console/requests/{id}/trail.csv: the request's
// record for an auditor or a regulator — what was asked, when, and every
// event of its audit trail, oldest first, with the same words as the
// request's page. It names no requester (the requester is the request
// ID; the trail holds no personal data about them but what people typed
// in notes), only the team members and owners who acted, and every cell is
// made inert for a spreadsheet.
func (h *Handler) trailCSV(w http.ResponseWriter, r *http.Request) {
	s, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	req, err := h.desk.Store.Get(r.Context(), id)
	if errors.Is(err, request.ErrNotFound) {
		h.page(w, r, http.StatusNotFound, &s, &messageView{Title: "No such request",
			Message: "There is no request " + id + ". Records are kept 24 months after a request closes."})
		return
	}
	if err != nil {
		h.fail(w, r, "audit trail download", err)
		return
	}
	events, err := h.desk.Store.Events(r.Context(), id)
	if err != nil {
		h.fail(w, r, "audit trail download", err)
		return
	}
	h.log.InfoContext(r.Context(), "console: audit trail downloaded", "requestId", req.ID, "user", s.Member.Username)

	var b strings.Builder
	cw := csv.NewWriter(&b)
	write := func(cells ...string) {
		for i, c := range cells {
			cells[i] = csvcell.Inert(c)
		}
		_ = cw.Write(cells)
	}
	kinds := make([]string, len(req.Kinds))
	for i, k := range req.Kinds {
		kinds[i] = string(k)
	}
	write("request", req.ID)
	write("kinds", strings.Join(kinds, "; "))
	write("channel", string(req.Channel))
	write("priority", string(req.Priority))
	write("received", utc(req.ReceivedAt))
	write("status", string(req.Status))
	if !req.ClosedAt.IsZero() {
		write("closed", utc(req.ClosedAt))
	}
	write("downloaded", utc(h.desk.Now()), "by team:"+s.Member.Username)
	_ = cw.Write(nil)
	write("at", "actor", "action", "meaning", "reason", "details")
	for _, ev := range events {
		write(utc(ev.At), ev.Actor, ev.Action, eventWords(ev), ev.Reason, DataWords(ev.Data))
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="privacy-request-`+req.ID+`-trail.csv"`)
	_, _ = w.Write([]byte(b.String()))
}

// utc writes t as the trail keeps it: UTC, to the second.
func utc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
