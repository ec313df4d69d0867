package connector

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/productionflow/privacy-desk/shared/pages"
	"github.com/productionflow/privacy-desk/shared/request"
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
	// Held are the categories the owner ticked for an export of a request
	// that asks only which categories are held (no file).
	Held []string
}

// UploadError is a file the desk cannot take, with what is wrong in words
// the owner can act on.
type UploadError struct{ Problem string }

func (e *UploadError) Error() string { return "upload refused: " + e.Problem }

// ErrExportFirst is returned by a TaskAnswerer for an erasure answered
// (done, or holds nothing) while the same request's export task in the same system is not
// answered: erasing first would delete what the export sends.
var ErrExportFirst = errors.New("the export task of this system is to be answered first")

// ErrExportHeldNothing is returned by a TaskAnswerer for an erasure
// answered done after the same request's export task in the same system
// was answered that the system holds nothing about the person: the answer
// would say both.
var ErrExportHeldNothing = errors.New("the export task of this system was answered that it holds nothing")

// ErrExportCannot is returned by a TaskAnswerer for an erasure answered
// done while the same request's export task in the same system was
// answered "cannot": erasing would delete what the requester asked a copy
// of, until the team has the export done another way.
var ErrExportCannot = errors.New("the export task of this system could not be done")

// ErrTaskClosed is returned by a TaskAnswerer for a task whose request
// closed meanwhile (TaskStillOpen): nothing is recorded.
var ErrTaskClosed = errors.New("the task's request is closed")

// TaskStillOpen reports whether a task of action is still to be done for
// a request in status s (see taskClosed).
func TaskStillOpen(s request.Status, action system.Action) bool {
	return taskClosed(s, action) == taskOpen
}

// ErrAlreadyAnswered is returned by a TaskAnswerer for a task the owner
// has already answered.
var ErrAlreadyAnswered = errors.New("task already answered")

// TaskAnswerer records an owner's answer and passes it on to the waiting
// fulfilment (*fulfil.Service satisfies it).
type TaskAnswerer interface {
	AnswerTask(ctx context.Context, a TaskAnswer) error
}

// RequestReader reads the request a task is for (*dynamo.Store satisfies it).
type RequestReader interface {
	Get(ctx context.Context, id string) (*request.Request, error)
}

// TrailReader reads a request's audit trail (*dynamo.Store satisfies it).
type TrailReader interface {
	Events(ctx context.Context, id string) ([]request.Event, error)
}

// ConfirmHandler serves the task page of a manual task. GET shows the task
// and its choices and changes nothing (mail scanners that prefetch links
// answer nothing); POST uses the single-use token and records the owner's
// answer: done (for an export, with the uploaded file), "this system holds
// nothing about the person", or "cannot do it, because …".
//
// Both read the request first: once it is closed without the task's step
// to be carried out (denied, withdrawn, completed by the team…; see
// taskClosed), the page says so with 410 and records nothing, so an owner
// never deletes for a request the requester was told would not be carried
// out.
//
// Its pages are shared/pages' "task" pages, in English unless the owner
// chooses Spanish (pages.Choose: a lang=es query, as the page's language
// link sends, or a browser whose Accept-Language prefers Spanish). They
// link the site's stylesheet one folder up, where the web intake that
// mounts the page at /tasks/confirm serves it.
type ConfirmHandler struct {
	Tokens   token.Store
	Requests RequestReader
	// Trails, when set, tells a task the privacy team did by hand (the
	// console's "Finish a step by hand"): its page says so (410) instead
	// of asking the owner for it.
	Trails   TrailReader
	Registry *system.Registry
	Answers  TaskAnswerer
	Now      func() time.Time
	Log      *slog.Logger
	// Location is the business time zone the due time is written in.
	Location *time.Location
}

// page is a task page to show: its template and status.
type page struct {
	name   string
	status int
}

var (
	invalidLink   = page{"task-invalid", http.StatusNotFound}
	goneLink      = page{"task-gone", http.StatusGone}
	closedTask    = page{"task-closed", http.StatusGone}
	completedTask = page{"task-completed", http.StatusGone}
	finishedTask  = page{"task-finished", http.StatusGone}
	failedTask    = page{"task-failed", http.StatusInternalServerError}
)

func (h *ConfirmHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.get(w, r)
	case http.MethodPost:
		h.post(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		h.show(w, r, page{"task-not-allowed", http.StatusMethodNotAllowed}, h.limits())
	}
}

// limits is a view with only the limits the pages state.
func (h *ConfirmHandler) limits() pages.Task {
	return pages.Task{MaxNote: MaxNoteLength, MaxUploadMB: MaxUploadBytes >> 20}
}

// view is the task page of rec's task, for request req.
func (h *ConfirmHandler) view(raw string, rec token.Record, req *request.Request) pages.Task {
	v := h.limits()
	v.Token, v.System, v.Action, v.RequestID = raw, rec.Data["system"], rec.Data["action"], rec.RequestID
	v.Export = rec.Data["action"] == string(system.Export)
	v.CategoriesOnly = v.Export && req != nil && request.CategoriesOnly(req.Kinds)
	if due, err := time.Parse(time.RFC3339, rec.Data["due"]); err == nil {
		v.Due = due
	} else {
		v.DueText = rec.Data["due"]
	}
	if h.Registry != nil {
		if sys, ok := h.Registry.Lookup(v.System); ok {
			v.System = sys.DisplayName()
			v.Categories = sys.Categories
			if v.CategoriesOnly {
				for _, c := range sys.Categories {
					v.Held = append(v.Held, pages.TaskCategory{Name: c, Title: h.Registry.CategoryTitle(c, "en")})
				}
			}
			if meth := sys.Actions[system.Action(v.Action)]; meth != nil && meth.Kind == system.Manual {
				v.Instructions = meth.Task
			}
			if v.CategoriesOnly {
				v.Instructions = CategoriesTask
			}
			if v.Action == string(system.Erase) {
				for _, hold := range sys.Holds {
					v.Keep = append(v.Keep, h.Registry.CategoryTitle(hold.Category, "en")+": "+hold.Reason)
				}
			}
		}
	}
	return v
}

func (h *ConfirmHandler) get(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("t")
	rec, problem := h.lookup(r.Context(), raw)
	var req *request.Request
	var events []request.Event
	if problem == nil {
		req, events, problem = h.closed(r.Context(), rec)
	}
	if problem != nil {
		h.show(w, r, *problem, h.limits())
		return
	}
	v := h.view(raw, rec, req)
	if v.Action == string(system.Erase) {
		// Said before the owner sets to work, not only once they answer:
		// the erase waits for the same system's export.
		switch exportState(events, rec.Data["system"]) {
		case "pending":
			v.Problem = "export-first"
		case "cannot":
			v.Problem = "export-cannot"
		case "nothing":
			v.Problem = "export-nothing"
		}
	}
	h.show(w, r, page{"task", http.StatusOK}, v)
}

// exportState says, from the trail, where the request's export task of
// sys stands: "pending" (asked of its owner, not answered), "cannot" (its
// owner cannot do it, and nobody did it since), "nothing" (answered, or
// done by hand, that the system holds nothing about the person), or ""
// (none asked, or done).
func exportState(events []request.Event, sys string) string {
	state := ""
	for _, e := range events {
		if e.Data["system"] != sys || e.Data["action"] != string(system.Export) {
			continue
		}
		switch {
		case e.Action == request.ActionTaskCreated, e.Action == request.ActionTaskReopened:
			state = "pending"
		case e.Action == request.ActionTaskConfirmed && e.Data["answer"] == string(TaskCannot):
			state = "cannot"
		case e.Action == request.ActionTaskConfirmed && e.Data["answer"] == string(TaskNothingHeld),
			e.Action == request.ActionStepDone && e.Data["found"] == "false":
			state = "nothing"
		case e.Action == request.ActionTaskConfirmed, e.Action == request.ActionStepDone:
			state = ""
		}
	}
	return state
}

// form reads the posted fields and, for a multipart post, the file.
type taskForm struct {
	token, outcome, reason, note, category string
	held                                   []string
	file                                   *Upload
}

func (h *ConfirmHandler) readForm(w http.ResponseWriter, r *http.Request) (taskForm, *page) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTaskFormBody)
	var f taskForm
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	tooBig := &page{"task-too-large", http.StatusBadRequest}
	bad := &page{"task-unreadable", http.StatusBadRequest}
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
	f.held = r.PostForm["held"]
	return f, nil
}

// problem checks the answer's fields against the page v they answer; it
// names what to fix (pages.Task's Problem), or "".
func (f *taskForm) problem(v pages.Task) string {
	for _, s := range []string{f.reason, f.note} {
		if utf8.RuneCountInString(s) > MaxNoteLength || !utf8.ValidString(s) {
			return "too-long"
		}
	}
	if len(f.held) > 0 && !v.CategoriesOnly {
		return "choose" // only that page offers the boxes
	}
	for _, c := range f.held {
		if !slices.ContainsFunc(v.Held, func(k pages.TaskCategory) bool { return k.Name == c }) {
			return "needs-held" // not one the page offers
		}
	}
	switch TaskState(f.outcome) {
	case TaskDone:
		switch {
		case v.CategoriesOnly && f.file != nil:
			return "no-file"
		case v.CategoriesOnly && len(f.held) == 0:
			return "needs-held"
		case v.Export && !v.CategoriesOnly && f.file == nil:
			return "needs-file"
		}
	case TaskNothingHeld:
		if f.file != nil {
			return "file-and-nothing"
		}
		if len(f.held) > 0 {
			return "held-and-nothing"
		}
	case TaskCannot:
		if f.reason == "" {
			return "needs-reason"
		}
	default:
		return "choose"
	}
	if f.file != nil {
		name := strings.ToLower(f.file.FileName)
		switch {
		case strings.HasSuffix(name, ".json"):
			f.file.Format = "json"
		case strings.HasSuffix(name, ".csv"):
			f.file.Format = "csv"
		default:
			return "file-type"
		}
		f.file.Category = f.category
	}
	return ""
}

func (h *ConfirmHandler) post(w http.ResponseWriter, r *http.Request) {
	f, bad := h.readForm(w, r)
	if bad != nil {
		h.show(w, r, *bad, h.limits())
		return
	}
	ctx := r.Context()
	// Read before using: a token issued for another purpose (a requester's
	// verification link) must not be used up by this page, and a wrong
	// answer must leave the link working.
	rec, problem := h.lookup(ctx, f.token)
	var req *request.Request
	if problem == nil {
		// Nothing is recorded for a request closed meanwhile; the link
		// stays unused, and keeps saying so.
		req, _, problem = h.closed(ctx, rec)
	}
	if problem != nil {
		h.show(w, r, *problem, h.limits())
		return
	}
	v := h.view(f.token, rec, req)
	if p := f.problem(v); p != "" {
		v.Problem = p
		h.show(w, r, page{"task", http.StatusBadRequest}, v)
		return
	}
	a := TaskAnswer{RequestID: rec.RequestID, System: rec.Data["system"], Action: system.Action(rec.Data["action"]),
		State: TaskState(f.outcome), Reason: f.reason, Note: f.note, Upload: f.file}
	if a.State == TaskDone {
		a.Held = f.held
	}
	err := h.Answers.AnswerTask(ctx, a)
	var ue *UploadError
	switch {
	case errors.As(err, &ue):
		v.Upload = ue.Problem
		h.show(w, r, page{"task", http.StatusBadRequest}, v)
		return
	case errors.Is(err, ErrAlreadyAnswered):
		h.show(w, r, page{"task-already", http.StatusGone}, v)
		return
	case errors.Is(err, ErrTaskClosed):
		h.show(w, r, closedTask, v)
		return
	case errors.Is(err, ErrExportCannot):
		v.Problem = "export-cannot"
		h.show(w, r, page{"task", http.StatusConflict}, v)
		return
	case errors.Is(err, ErrExportFirst):
		v.Problem = "export-first"
		h.show(w, r, page{"task", http.StatusConflict}, v)
		return
	case errors.Is(err, ErrExportHeldNothing):
		v.Problem = "export-nothing"
		h.show(w, r, page{"task", http.StatusConflict}, v)
		return
	case err != nil:
		h.Log.ErrorContext(ctx, "answer manual task", "requestId", rec.RequestID, "system", a.System, "err", err)
		h.show(w, r, page{"task-not-recorded", http.StatusInternalServerError}, v)
		return
	}
	// Recorded: now use the link up, so it cannot answer twice.
	if hash, herr := token.Hash(f.token); herr == nil {
		if _, cerr := h.Tokens.Consume(ctx, hash, h.Now()); cerr != nil && !errors.Is(cerr, token.ErrUsed) {
			h.Log.WarnContext(ctx, "use task token", "requestId", rec.RequestID, "err", cerr)
		}
	}
	h.Log.InfoContext(ctx, "manual task answered", "requestId", rec.RequestID, "system", a.System, "action", string(a.Action), "state", string(a.State))
	v.State = string(a.State)
	h.show(w, r, page{"task-answered", http.StatusOK}, v)
}

// lookup reads the record a link points to, without using it; or the page
// explaining why the link does not work.
func (h *ConfirmHandler) lookup(ctx context.Context, raw string) (token.Record, *page) {
	hash, err := token.Hash(raw)
	if err != nil {
		return token.Record{}, &invalidLink
	}
	rec, err := h.Tokens.Get(ctx, hash)
	switch {
	case errors.Is(err, token.ErrNotFound):
		return rec, &invalidLink
	case err != nil:
		h.Log.ErrorContext(ctx, "read task token", "err", err)
		return rec, &page{"task-failed", http.StatusInternalServerError}
	case rec.Purpose != token.ManualTask:
		return rec, &invalidLink
	case rec.Used || !h.Now().Before(rec.ExpiresAt):
		return rec, &goneLink
	}
	return rec, nil
}

// closed reads the request rec's task is for and, with Trails, its audit
// trail, and returns them with the page to show instead of the task when
// the task is no longer to be done (or nil).
func (h *ConfirmHandler) closed(ctx context.Context, rec token.Record) (*request.Request, []request.Event, *page) {
	if h.Requests == nil {
		h.Log.ErrorContext(ctx, "task page has no request store", "requestId", rec.RequestID)
		return nil, nil, &failedTask
	}
	req, err := h.Requests.Get(ctx, rec.RequestID)
	if err != nil {
		if errors.Is(err, request.ErrNotFound) {
			// Records are deleted 24 months after closing.
			return nil, nil, &closedTask
		}
		h.Log.ErrorContext(ctx, "read request of task", "requestId", rec.RequestID, "err", err)
		return nil, nil, &failedTask
	}
	switch taskClosed(req.Status, system.Action(rec.Data["action"])) {
	case closedUndone:
		h.Log.InfoContext(ctx, "task refused: request closed", "requestId", rec.RequestID, "status", string(req.Status))
		return req, nil, &closedTask
	case closedDone:
		h.Log.InfoContext(ctx, "task refused: request completed", "requestId", rec.RequestID)
		return req, nil, &completedTask
	}
	if h.Trails == nil {
		return req, nil, nil
	}
	events, err := h.Trails.Events(ctx, rec.RequestID)
	if err != nil {
		h.Log.ErrorContext(ctx, "read trail of task", "requestId", rec.RequestID, "err", err)
		return req, nil, &failedTask
	}
	if slices.ContainsFunc(events, func(e request.Event) bool {
		return e.Action == request.ActionStepDone && e.Data["outcome"] == request.OutcomeByHand &&
			e.Data["system"] == rec.Data["system"] && e.Data["action"] == rec.Data["action"]
	}) {
		h.Log.InfoContext(ctx, "task refused: done by the team", "requestId", rec.RequestID)
		return req, events, &finishedTask
	}
	return req, events, nil
}

// taskFate is whether a task is still to be done, by its request's status.
type taskFate int

const (
	taskOpen     taskFate = iota
	closedUndone          // closed without being carried out: denied, withdrawn…
	closedDone            // the team completed the request
)

// taskClosed says whether a task of action is still to be done for a
// request in status s, as fulfilment decides for its automatic steps: a
// denial or a withdrawal stops every task; an opt-out (optOut, suppress)
// stands whatever else became of the request (closed unverified,
// completed); any other task ends with its request.
func taskClosed(s request.Status, a system.Action) taskFate {
	optOut := a == system.OptOut || a == system.Suppress
	switch {
	case s == request.Denied || s == request.Withdrawn || s == request.NotARequest:
		return closedUndone
	case !s.Closed() || optOut:
		return taskOpen
	case s == request.Completed:
		return closedDone
	}
	return closedUndone
}

// show answers r with task page p in the owner's language (pages.Choose).
// Its language link leads to the task's link in the other language, after
// a POST too.
func (h *ConfirmHandler) show(w http.ResponseWriter, r *http.Request, p page, v pages.Task) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	q := r.URL.Query()
	if v.Token != "" {
		q.Set("t", v.Token)
	}
	view := pages.Site{Location: h.Location}.View(r, pages.Choose(r, ""), v).At(q)
	view.NoIndex = true
	if err := pages.Render(w, p.status, p.name, view); err != nil {
		h.Log.Error("render task page", "err", err)
	}
}
