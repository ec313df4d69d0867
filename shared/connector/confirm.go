package connector

import (
	"context"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/token"
)

// Limits of what an owner may send on the task page.
const (
	MaxNoteLength   = 1000    // the note and the reason, in characters
	MaxUploadBytes  = 5 << 20 // an uploaded export
	maxTaskFormBody = MaxUploadBytes + 64<<10
)

// ActionManualConfirmed is the audit action of an owner's answer.
const ActionManualConfirmed = "manual-task-confirmed"

// Upload is an export an owner sends for a manual export task: JSON (an
// object of category → records, or a list of records for Category) or CSV
// (a header row, then one record per row, for Category).
type Upload struct {
	FileName string
	Format   string // "json" or "csv"
	Category string // the category the records belong to (CSV, or a JSON list)
	Body     []byte
}

// TaskAnswer is an owner's answer on the task page.
type TaskAnswer struct {
	RequestID string
	System    string
	Action    system.Action
	State     TaskState
	Reason    string // why the owner cannot do it (TaskCannot)
	Note      string // optional note for the team
	Upload    *Upload
}

// UploadError is a file the desk cannot take, with what is wrong in words
// the owner can act on.
type UploadError struct{ Problem string }

func (e *UploadError) Error() string { return "upload refused: " + e.Problem }

// ErrAlreadyAnswered is returned by a TaskAnswerer for a task the owner
// has already answered.
var ErrAlreadyAnswered = errors.New("task already answered")

// TaskAnswerer records an owner's answer and passes it on to the waiting
// fulfilment (*fulfil.Service satisfies it).
type TaskAnswerer interface {
	AnswerTask(ctx context.Context, a TaskAnswer) error
}

// ConfirmHandler serves the task page of a manual task. GET shows the task
// and its choices and changes nothing (mail scanners that prefetch links
// answer nothing); POST uses the single-use token and records the owner's
// answer: done (for an export, with the uploaded file), "this system holds
// nothing about the person", or "cannot do it, because …".
type ConfirmHandler struct {
	Tokens   token.Store
	Registry *system.Registry
	Answers  TaskAnswerer
	Now      func() time.Time
	Log      *slog.Logger
	// Location is the business time zone the due time is written in.
	Location *time.Location
}

type pageView struct {
	Title, Message string
	System, Action string
	RequestID, Due string
	Token          string
	MaxNote        int
	MaxUploadMB    int
	Form, Export   bool
	Categories     []string
}

func (h *ConfirmHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.get(w, r)
	case http.MethodPost:
		h.post(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		h.page(w, http.StatusMethodNotAllowed, pageView{Title: "Not allowed", Message: "This page only shows and answers a task."})
	}
}

func (h *ConfirmHandler) view(raw string, rec token.Record) pageView {
	v := pageView{
		Title: "A privacy task for you", Form: true, Token: raw, MaxNote: MaxNoteLength, MaxUploadMB: MaxUploadBytes >> 20,
		System: rec.Data["system"], Action: rec.Data["action"], RequestID: rec.RequestID, Due: rec.Data["due"],
		Export: rec.Data["action"] == string(system.Export),
	}
	if due, err := time.Parse(time.RFC3339, rec.Data["due"]); err == nil {
		v.Due = DueWords(due, h.Location)
	}
	if h.Registry != nil {
		if sys, ok := h.Registry.Lookup(v.System); ok {
			v.System = sys.DisplayName()
			v.Categories = sys.Categories
		}
	}
	return v
}

func (h *ConfirmHandler) get(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("t")
	rec, status, view := h.lookup(r.Context(), raw)
	if status != http.StatusOK {
		h.page(w, status, view)
		return
	}
	h.page(w, http.StatusOK, h.view(raw, rec))
}

// form reads the posted fields and, for a multipart post, the file.
type taskForm struct {
	token, outcome, reason, note, category string
	file                                   *Upload
}

func (h *ConfirmHandler) readForm(w http.ResponseWriter, r *http.Request) (taskForm, *pageView) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTaskFormBody)
	var f taskForm
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	tooBig := &pageView{Title: "File too large", Message: "Please keep the file under 5 MB (split it by category if needed) and try again."}
	bad := &pageView{Title: "Could not read the form", Message: "Please go back and try again."}
	if ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return f, tooBig
			}
			return f, bad
		}
		if r.MultipartForm != nil {
			defer func() { _ = r.MultipartForm.RemoveAll() }()
		}
		if file, hdr, err := r.FormFile("file"); err == nil {
			defer file.Close()
			body, err := io.ReadAll(io.LimitReader(file, MaxUploadBytes+1))
			if err != nil {
				return f, bad
			}
			if len(body) > MaxUploadBytes {
				return f, tooBig
			}
			if len(body) > 0 {
				f.file = &Upload{FileName: hdr.Filename, Body: body}
			}
		}
	} else if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return f, tooBig
		}
		return f, bad
	}
	f.token = r.PostFormValue("t")
	f.outcome = r.PostFormValue("outcome")
	f.reason = strings.TrimSpace(r.PostFormValue("reason"))
	f.note = strings.TrimSpace(r.PostFormValue("note"))
	f.category = r.PostFormValue("category")
	return f, nil
}

// problem checks the answer's fields; it names what to fix, or "".
func (f *taskForm) problem(export bool) string {
	for _, v := range []string{f.reason, f.note} {
		if utf8.RuneCountInString(v) > MaxNoteLength || !utf8.ValidString(v) {
			return "Please keep the note and the reason under 1000 characters."
		}
	}
	switch TaskState(f.outcome) {
	case TaskDone:
		if export && f.file == nil {
			return "An export needs the file: upload what the system holds about the person (JSON or CSV), or choose \"holds nothing\"."
		}
	case TaskNothingHeld:
		if f.file != nil {
			return "You chose \"holds nothing\" and also sent a file: choose one."
		}
	case TaskCannot:
		if f.reason == "" {
			return "Please say why the step cannot be done: the privacy team reads it."
		}
	default:
		return "Please choose one answer: done, holds nothing, or cannot do it."
	}
	if f.file != nil {
		name := strings.ToLower(f.file.FileName)
		switch {
		case strings.HasSuffix(name, ".json"):
			f.file.Format = "json"
		case strings.HasSuffix(name, ".csv"):
			f.file.Format = "csv"
		default:
			return "The file must be JSON (.json) or CSV (.csv)."
		}
		f.file.Category = f.category
	}
	return ""
}

func (h *ConfirmHandler) post(w http.ResponseWriter, r *http.Request) {
	f, bad := h.readForm(w, r)
	if bad != nil {
		h.page(w, http.StatusBadRequest, *bad)
		return
	}
	ctx := r.Context()
	// Read before using: a token issued for another purpose (a requester's
	// verification link) must not be used up by this page, and a wrong
	// answer must leave the link working.
	rec, status, view := h.lookup(ctx, f.token)
	if status != http.StatusOK {
		h.page(w, status, view)
		return
	}
	v := h.view(f.token, rec)
	if p := f.problem(v.Export); p != "" {
		v.Message = p
		h.page(w, http.StatusBadRequest, v)
		return
	}
	a := TaskAnswer{RequestID: rec.RequestID, System: rec.Data["system"], Action: system.Action(rec.Data["action"]),
		State: TaskState(f.outcome), Reason: f.reason, Note: f.note, Upload: f.file}
	err := h.Answers.AnswerTask(ctx, a)
	var ue *UploadError
	switch {
	case errors.As(err, &ue):
		v.Message = "The file was not taken: " + ue.Problem
		h.page(w, http.StatusBadRequest, v)
		return
	case errors.Is(err, ErrAlreadyAnswered):
		h.page(w, http.StatusGone, pageView{Title: "Already answered", Message: "This task was already answered. If something changed, write to the privacy team."})
		return
	case err != nil:
		h.Log.ErrorContext(ctx, "answer manual task", "requestId", rec.RequestID, "system", a.System, "err", err)
		h.page(w, http.StatusInternalServerError, pageView{Title: "Something went wrong", Message: "Your answer was not recorded. Please try again in a few minutes."})
		return
	}
	// Recorded: now use the link up, so it cannot answer twice.
	if hash, herr := token.Hash(f.token); herr == nil {
		if _, cerr := h.Tokens.Consume(ctx, hash, h.Now()); cerr != nil && !errors.Is(cerr, token.ErrUsed) {
			h.Log.WarnContext(ctx, "use task token", "requestId", rec.RequestID, "err", cerr)
		}
	}
	h.Log.InfoContext(ctx, "manual task answered", "requestId", rec.RequestID, "system", a.System, "action", string(a.Action), "state", string(a.State))
	msg := "The step is recorded as done. You can close this page."
	switch a.State {
	case TaskNothingHeld:
		msg = "Recorded: the system holds nothing about this person. You can close this page."
	case TaskCannot:
		msg = "Recorded: the step cannot be done. The privacy team has your reason and will be in touch."
	}
	h.page(w, http.StatusOK, pageView{Title: "Thank you", Message: msg, System: v.System, Action: v.Action, RequestID: rec.RequestID})
}

var (
	invalidLink = pageView{Title: "This link is not valid", Message: "Check that you opened the whole link from the mail, or ask the privacy team for a new one."}
	goneLink    = pageView{Title: "This link no longer works", Message: "It was already used or it has expired. If the step still needs answering, ask the privacy team for a new link."}
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

// confirmPage is the task page. Its style is inline (the page's CSP allows
// no stylesheet): the desk's look, and the focus ring of its forms, a
// yellow ring inside a near-black one that shows on white.
var confirmPage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}} — ProductionFlow privacy requests</title>
<style>
body { font-family: system-ui, sans-serif; line-height: 1.5; max-width: 40rem; margin: 0 auto; padding: 1rem; color: #1b1b1b; }
.brand { font-weight: 600; }
button { font: inherit; font-weight: 600; padding: .6rem 1.2rem; background: #00703c; color: #fff; border: 0; }
:focus { outline: 3px solid #ffdd00; outline-offset: 0; box-shadow: 0 0 0 6px #0b0c0c; }
</style></head>
<body>
<header><p class="brand">ProductionFlow · Privacy requests</p></header>
<main>
<h1>{{.Title}}</h1>
{{if .Message}}<p role="alert">{{.Message}}</p>{{end}}
{{if .Form}}
<ul><li>System: {{.System}}</li><li>What: {{.Action}}</li><li>Request: {{.RequestID}}</li><li>Due: {{.Due}}</li></ul>
<form method="post" enctype="multipart/form-data">
<input type="hidden" name="t" value="{{.Token}}">
<fieldset><legend>Your answer</legend>
<p><label><input type="radio" name="outcome" value="done"> {{if .Export}}Here is what the system holds about the person (upload below){{else}}Done{{end}}</label></p>
<p><label><input type="radio" name="outcome" value="nothing-held"> This system holds nothing about this person</label></p>
<p><label><input type="radio" name="outcome" value="cannot"> I cannot do it, because&hellip;</label><br>
<label for="reason">Reason (required when you cannot do it; the privacy team reads it)</label><br>
<textarea id="reason" name="reason" rows="3" cols="60" maxlength="{{.MaxNote}}"></textarea></p>
</fieldset>
{{if .Export}}<fieldset><legend>The export</legend>
<p><label for="file">File: JSON (an object of category &rarr; list of records, or a list of records) or CSV (a header row, then one record per row), up to {{.MaxUploadMB}} MB</label><br>
<input type="file" id="file" name="file" accept=".json,.csv,application/json,text/csv"></p>
<p><label for="category">Category of the records (for CSV or a JSON list)</label><br>
<select id="category" name="category">{{range .Categories}}<option value="{{.}}">{{.}}</option>{{end}}</select></p>
</fieldset>{{end}}
<p><label for="note">Note for the privacy team (optional)</label><br>
<textarea id="note" name="note" rows="3" cols="60" maxlength="{{.MaxNote}}"></textarea></p>
<p><button type="submit">Send the answer</button></p>
</form>
{{end}}
</main>
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
