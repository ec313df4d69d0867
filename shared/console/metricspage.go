package console

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// metricsView is the yearly metrics page.
type metricsView struct {
	Metrics
	Years []int // the years the page offers
}

// metricsYear reads ?year= (the current year when absent); ok is false
// for anything but a four-digit year.
func (h *Handler) metricsYear(r *http.Request) (int, bool) {
	q := r.URL.Query().Get("year")
	if q == "" {
		now := h.authNow()
		if h.desk != nil && h.desk.Now != nil {
			now = h.desk.Now()
		}
		return now.In(h.metrics.Location).Year(), true
	}
	y, err := strconv.Atoi(q)
	return y, err == nil && y >= 2000 && y <= 9999
}

// metricsPage serves GET /console/metrics?year=2026.
func (h *Handler) metricsPage(w http.ResponseWriter, r *http.Request) {
	s, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	year, ok := h.metricsYear(r)
	if !ok {
		h.page(w, r, http.StatusBadRequest, &s, &messageView{Title: "No such year",
			Message: "Choose a calendar year, such as 2026."})
		return
	}
	m, err := h.metrics.Metrics(r.Context(), year)
	if err != nil {
		h.fail(w, r, "metrics", err)
		return
	}
	v := metricsView{Metrics: m}
	for y := year - 2; y <= year+1; y++ {
		v.Years = append(v.Years, y)
	}
	h.page(w, r, http.StatusOK, &s, &v)
}

// metricsCSV serves GET /console/metrics.csv?year=2026: one row per kind
// and per denial reason, for publishing.
func (h *Handler) metricsCSV(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.authenticate(w, r); !ok {
		return
	}
	year, ok := h.metricsYear(r)
	if !ok {
		http.Error(w, "year: a calendar year, such as 2026", http.StatusBadRequest)
		return
	}
	m, err := h.metrics.Metrics(r.Context(), year)
	if err != nil {
		h.fail(w, r, "metrics", err)
		return
	}
	var b strings.Builder
	cw := csv.NewWriter(&b)
	_ = cw.Write([]string{"year", "kind", "received", "complied_in_whole_or_part", "denied", "withdrawn", "open", "answered", "median_days_to_respond", "mean_days_to_respond"})
	for _, k := range m.Kinds {
		_ = cw.Write([]string{strconv.Itoa(year), string(k.Kind), strconv.Itoa(k.Received), strconv.Itoa(k.Complied), strconv.Itoa(k.Denied),
			strconv.Itoa(k.Withdrawn), strconv.Itoa(k.Open), strconv.Itoa(k.Answered), days1(k.MedianDays, k.Answered), days1(k.MeanDays, k.Answered)})
	}
	_ = cw.Write(nil)
	_ = cw.Write([]string{"year", "kind", "denial_reason", "denied"})
	for _, k := range m.Kinds {
		for _, rc := range k.Reasons() {
			_ = cw.Write([]string{strconv.Itoa(year), string(k.Kind), rc.Reason, strconv.Itoa(rc.Count)})
		}
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="privacy-requests-%d.csv"`, year))
	_, _ = w.Write([]byte(b.String()))
}

// days1 writes a number of days with one decimal; empty when nothing was
// answered.
func days1(d float64, answered int) string {
	if answered == 0 {
		return ""
	}
	return strconv.FormatFloat(d, 'f', 1, 64)
}
