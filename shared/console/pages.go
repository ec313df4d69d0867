package console

import (
	"html/template"
	"net/http"
)

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"title": func(v view, t string) view { v.Title = t; return v },
}

// workList serves the work list.
func (h *Handler) workList(w http.ResponseWriter, r *http.Request) {
	s, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	h.page(w, r, http.StatusOK, "worklist", &s, nil)
}
