package connector

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
)

// MaxNoteLength bounds the owner's note, in characters.
const MaxNoteLength = 1000

// Completer completes the workflow task that waits for a manual step; the
// integrator wires Step Functions SendTaskSuccess.
type Completer func(ctx context.Context, taskToken string, output json.RawMessage) error

// ActionManualConfirmed is the audit action of an owner's confirmation.
const ActionManualConfirmed = "manual-task-confirmed"

// ConfirmHandler serves the confirm page of a manual task. GET shows the task
// and a form, and changes nothing (mail scanners that prefetch links confirm
// nothing); POST uses the single-use token, records the confirmation with the
// owner's note on the request's audit trail, and completes the task.
type ConfirmHandler struct {
	Tokens   token.Store
	Audit    Recorder
	Complete Completer
	Now      func() time.Time
	Log      *slog.Logger
}

// confirmation is the output handed to the waiting workflow task. The note
// stays on the audit trail: it is free text that may name the person, and
// the workflow holds no personal data it does not need.
type confirmation struct {
	System      string    `json:"system"`
	Action      string    `json:"action"`
	ConfirmedAt time.Time `json:"confirmedAt"`
	Noted       bool      `json:"noted,omitempty"`
}

type pageView struct {
	Title, Message string
	System, Action string
	RequestID, Due string
	Token          string
	MaxNote        int
	Form           bool
}

func (h *ConfirmHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.get(w, r)
	case http.MethodPost:
		h.post(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		h.page(w, http.StatusMethodNotAllowed, pageView{Title: "Not allowed", Message: "This page only shows and confirms a task."})
	}
}

func (h *ConfirmHandler) get(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("t")
	rec, status, view := h.lookup(r.Context(), raw)
	if status != http.StatusOK {
		h.page(w, status, view)
		return
	}
	h.page(w, http.StatusOK, pageView{
		Title: "Confirm a privacy task", Form: true, Token: raw, MaxNote: MaxNoteLength,
		System: rec.Data["system"], Action: rec.Data["action"], RequestID: rec.RequestID, Due: rec.Data["due"],
	})
}

func (h *ConfirmHandler) post(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		h.page(w, http.StatusBadRequest, pageView{Title: "Could not read the form", Message: "Please go back and try again."})
		return
	}
	raw := r.PostForm.Get("t")
	note := r.PostForm.Get("note")
	if utf8.RuneCountInString(note) > MaxNoteLength || !utf8.ValidString(note) {
		h.page(w, http.StatusBadRequest, pageView{Title: "Note too long", Message: "Please keep the note under 1000 characters and try again."})
		return
	}
	ctx := r.Context()
	// Read before using: a token issued for another purpose (a requester's
	// verification link) must not be used up by this page.
	if _, status, view := h.lookup(ctx, raw); status != http.StatusOK {
		h.page(w, status, view)
		return
	}
	hash, err := token.Hash(raw)
	if err != nil {
		h.page(w, http.StatusNotFound, invalidLink)
		return
	}
	rec, err := h.Tokens.Consume(ctx, hash, h.Now())
	switch {
	case errors.Is(err, token.ErrUsed), errors.Is(err, token.ErrExpired):
		h.page(w, http.StatusGone, goneLink)
		return
	case errors.Is(err, token.ErrNotFound):
		h.page(w, http.StatusNotFound, invalidLink)
		return
	case err != nil:
		h.Log.ErrorContext(ctx, "consume task token", "err", err)
		h.page(w, http.StatusInternalServerError, pageView{Title: "Something went wrong", Message: "Please try again in a few minutes."})
		return
	}
	if rec.Purpose != token.ManualTask {
		h.page(w, http.StatusNotFound, invalidLink)
		return
	}
	now := h.Now()
	ev := request.Event{
		RequestID: rec.RequestID, At: now, Actor: "owner:" + rec.Data["system"], Action: ActionManualConfirmed,
		Data: map[string]string{"system": rec.Data["system"], "action": rec.Data["action"]},
	}
	if note != "" {
		ev.Data["note"] = note
	}
	noted := note != ""
	if err := h.Audit.Record(ctx, ev); err != nil {
		// The owner has done the step and the link is used: the workflow
		// goes on, and the team is told the note was not kept.
		h.Log.ErrorContext(ctx, "record manual task confirmation", "requestId", rec.RequestID, "system", rec.Data["system"], "withNote", noted, "err", err)
		noted = false
	}
	out, _ := json.Marshal(confirmation{System: rec.Data["system"], Action: rec.Data["action"], ConfirmedAt: now, Noted: noted})
	if err := h.Complete(ctx, rec.TaskToken, out); err != nil {
		// The link is used up; the deadline watch escalates the task to the
		// privacy team, who can complete it by hand.
		h.Log.ErrorContext(ctx, "complete manual task", "requestId", rec.RequestID, "system", rec.Data["system"], "err", err)
		h.page(w, http.StatusBadGateway, pageView{Title: "Your confirmation was not recorded",
			Message: "We could not pass it on. The privacy team has been told and will contact you."})
		return
	}
	h.Log.InfoContext(ctx, "manual task confirmed", "requestId", rec.RequestID, "system", rec.Data["system"], "action", rec.Data["action"], "withNote", note != "")
	h.page(w, http.StatusOK, pageView{Title: "Thank you", Message: "The step is recorded as done. You can close this page.",
		System: rec.Data["system"], Action: rec.Data["action"], RequestID: rec.RequestID})
}

var (
	invalidLink = pageView{Title: "This link is not valid", Message: "Check that you opened the whole link from the mail, or ask the privacy team for a new one."}
	goneLink    = pageView{Title: "This link no longer works", Message: "It was already used or it has expired. If the step still needs confirming, ask the privacy team for a new link."}
)

// lookup reads the record a link points to, without using it.
func (h *ConfirmHandler) lookup(ctx context.Context, raw string) (token.Record, int, pageView) {
	hash, err := token.Hash(raw)
	if err != nil {
		return token.Record{}, http.StatusNotFound, invalidLink
	}
	rec, err := h.Tokens.Get(ctx, hash)
	switch {
	case errors.Is(err, token.ErrNotFound):
		return rec, http.StatusNotFound, invalidLink
	case err != nil:
		h.Log.ErrorContext(ctx, "read task token", "err", err)
		return rec, http.StatusInternalServerError, pageView{Title: "Something went wrong", Message: "Please try again in a few minutes."}
	case rec.Purpose != token.ManualTask:
		return rec, http.StatusNotFound, invalidLink
	case rec.Used || !h.Now().Before(rec.ExpiresAt):
		return rec, http.StatusGone, goneLink
	}
	return rec, http.StatusOK, pageView{}
}

var confirmPage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<h1>{{.Title}}</h1>
{{if .Message}}<p>{{.Message}}</p>{{end}}
{{if .Form}}
<p>Confirm that this step is done:</p>
<ul><li>System: {{.System}}</li><li>What: {{.Action}}</li><li>Request: {{.RequestID}}</li><li>Due: {{.Due}}</li></ul>
<form method="post">
<input type="hidden" name="t" value="{{.Token}}">
<p><label for="note">Note for the privacy team (optional)</label><br>
<textarea id="note" name="note" rows="4" cols="60" maxlength="{{.MaxNote}}"></textarea></p>
<p><button type="submit">Confirm it is done</button></p>
</form>
{{end}}
</body></html>
`))

func (h *ConfirmHandler) page(w http.ResponseWriter, status int, v pageView) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	if err := confirmPage.Execute(w, v); err != nil {
		h.Log.Error("render confirm page", "err", err)
	}
}
