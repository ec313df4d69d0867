package console

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Choice is one option of a filter.
type Choice struct{ Value, Label string }

// The filters' choices.
var (
	statusChoices = func() []Choice {
		var out []Choice
		for _, s := range []request.Status{request.Received, request.Acknowledged, request.Verifying, request.Verified, request.InProgress, request.Extended} {
			out = append(out, Choice{string(s), string(s)})
		}
		return out
	}()
	kindChoices = func() []Choice {
		var out []Choice
		for _, k := range append([]request.Kind{request.Unclear}, request.Kinds...) {
			out = append(out, Choice{string(k), string(k)})
		}
		return out
	}()
	channelChoices  = []Choice{{string(request.Web), "web form"}, {string(request.Email), "email"}}
	priorityChoices = []Choice{{string(request.Normal), "normal"}, {string(request.Expedited), "expedited"}}
)

// workListView is the work list page.
type workListView struct {
	WorkList
	Filter Filter
	// The filters' choices.
	Statuses, Kinds, Channels, Priorities []Choice
	// Search is the search box's value and Found its results, when the
	// page answers a search; SearchError says why a search found nothing.
	Search      string
	Searched    bool
	Found       []Row
	SearchError string
}

// filterFrom reads the work list's filters from q; values it does not know
// are ignored.
func filterFrom(q url.Values) Filter {
	var f Filter
	if s := request.Status(q.Get("status")); s != "" && !s.Closed() && isChoice(statusChoices, string(s)) {
		f.Status = s
	}
	if k := request.Kind(q.Get("kind")); k.Valid() {
		f.Kind = k
	}
	if c := q.Get("channel"); isChoice(channelChoices, c) {
		f.Channel = request.Channel(c)
	}
	if p := q.Get("priority"); isChoice(priorityChoices, p) {
		f.Priority = request.Priority(p)
	}
	f.Attention = q.Get("attention") == "1"
	return f
}

func isChoice(choices []Choice, v string) bool {
	for _, c := range choices {
		if c.Value == v {
			return true
		}
	}
	return false
}

func (h *Handler) newWorkListView(wl WorkList, f Filter) workListView {
	return workListView{WorkList: wl, Filter: f,
		Statuses: statusChoices, Kinds: kindChoices, Channels: channelChoices, Priorities: priorityChoices}
}

// workList serves the work list: GET /console/ with the filters in the
// query.
func (h *Handler) workList(w http.ResponseWriter, r *http.Request) {
	s, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	f := filterFrom(r.URL.Query())
	wl, err := h.desk.WorkList(r.Context(), f)
	if err != nil {
		h.fail(w, r, "work list", err)
		return
	}
	v := h.newWorkListView(wl, f)
	h.page(w, r, http.StatusOK, &s, &v)
}

// find answers the search form: POST /console/find, so that an email
// address searched for stays out of addresses, logs and history. It shows
// the work list with the results above it.
func (h *Handler) find(w http.ResponseWriter, r *http.Request) {
	s, ok := h.authenticatePost(w, r)
	if !ok {
		return
	}
	q := r.PostFormValue("q")
	wl, err := h.desk.WorkList(r.Context(), Filter{})
	if err != nil {
		h.fail(w, r, "work list", err)
		return
	}
	v := h.newWorkListView(wl, Filter{})
	v.Search, v.Searched = q, true
	found, err := h.desk.Find(r.Context(), q)
	switch {
	case errors.Is(err, ErrQuery):
		v.SearchError = "Search by a request ID (PR-…) or by the requester's exact email address."
	case err != nil:
		h.fail(w, r, "find requests", err)
		return
	default:
		v.Found = found
	}
	h.page(w, r, http.StatusOK, &s, &v)
}

// requestPage serves a request's page: GET /console/requests/{id}.
func (h *Handler) requestPage(w http.ResponseWriter, r *http.Request) {
	s, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	v, err := h.desk.Request(r.Context(), id)
	if errors.Is(err, request.ErrNotFound) {
		h.page(w, r, http.StatusNotFound, &s, &messageView{Title: "No such request",
			Message: "There is no request " + id + ". Records are kept 24 months after a request closes."})
		return
	}
	if err != nil {
		h.fail(w, r, "request page", err)
		return
	}
	h.page(w, r, http.StatusOK, &s, v)
}
