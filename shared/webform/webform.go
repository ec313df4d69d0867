// Package webform is the public web intake: the request form, its
// submission as a urlencoded form or JSON, and the receipt. Its pages are
// shared/pages' templates, in English or Spanish.
package webform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/pages"
	"github.com/productionflow/privacy-desk/shared/request"
)

// honeypot names a field people never see or fill; a name no browser's
// autofill matches, so a real person's request is never dropped.
const honeypot = "x-leave-empty"

// MaxBody is the largest request body accepted; larger ones get 413.
const MaxBody = 32 << 10

// Submitter is the intake service.
type Submitter interface {
	Submit(ctx context.Context, sub intake.Submission) (*intake.Receipt, error)
}

// Handler serves the form. Build it with New.
type Handler struct {
	intake Submitter
	loc    *time.Location
	team   string
	// ids mints and recognises the form's signed submission IDs.
	ids  *SubmissionIDs
	log  *slog.Logger
	mux  *http.ServeMux
	site pages.Site
	// verifier serves the confirm page; nil when not configured.
	verifier Verifier
	// requests gives the confirmed page its date; nil shows none.
	requests Requests
	// downloads serves the download page; nil when not configured.
	downloads Downloader
	// status serves the requester's status page; nil when not configured.
	status StatusPages
	// withdrawals lets the requester withdraw from the status page; nil when not configured.
	withdrawals Withdrawer
	// routes are the method and path patterns served (Routes).
	routes []string
}

// Config is what the handler needs besides the intake service.
type Config struct {
	// Location renders due dates in the business time zone.
	Location *time.Location
	// TeamAddress is shown for questions.
	TeamAddress string
	// SubmissionIDs mints the form's submission IDs and recognises them
	// (the desk's key, from Secrets Manager or SSM); nil signs with a key
	// of this handler's own, made from Entropy.
	SubmissionIDs *SubmissionIDs
	// Entropy makes submission IDs when SubmissionIDs is nil; nil means
	// crypto/rand.
	Entropy io.Reader
	Log     *slog.Logger
	// Mount adds handlers at fixed patterns of the same site, e.g. the
	// system owners' manual-task confirm page at "/tasks/confirm".
	Mount map[string]http.Handler
	// Verifier, when set, serves the verification confirm page:
	// GET /verify shows it, POST /verify confirms.
	Verifier Verifier
	// Requests, when set, lets the page after a confirmation say by when
	// the request is answered.
	Requests Requests
	// Downloads, when set, serves the access package's download page:
	// GET /download shows it, POST /download sends the browser to the file.
	Downloads Downloader
	// Status, when set, serves the requester's status page: GET /status.
	Status StatusPages
	// Withdrawals, with Status, lets the requester withdraw their request
	// from its status page while it is not yet carried out: GET /withdraw
	// asks, POST /withdraw withdraws.
	Withdrawals Withdrawer
}

// New builds the handler.
func New(svc Submitter, cfg Config) *Handler {
	h := &Handler{intake: svc, loc: cfg.Location, team: cfg.TeamAddress, ids: cfg.SubmissionIDs, log: cfg.Log}
	if h.loc == nil {
		h.loc = time.UTC
	}
	if h.ids == nil {
		h.ids = ownSubmissionIDs(cfg.Entropy)
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.site = pages.Site{Location: h.loc, Team: h.team}
	mux := http.NewServeMux()
	h.handle(mux, "GET /{$}", h.form)
	h.handle(mux, "POST /requests", h.submit)
	h.handle(mux, "GET /form.css", pages.Stylesheet)
	h.handle(mux, "GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	for pattern, handler := range cfg.Mount {
		mux.Handle(pattern, handler)
		h.routes = append(h.routes, "GET "+pattern, "POST "+pattern)
	}
	if cfg.Verifier != nil {
		h.verifier = cfg.Verifier
		h.requests = cfg.Requests
		h.handle(mux, "GET /verify", h.verifyPage)
		h.handle(mux, "POST /verify", h.verifyConfirm)
	}
	if cfg.Downloads != nil {
		h.downloads = cfg.Downloads
		h.handle(mux, "GET /download", h.downloadPage)
		h.handle(mux, "POST /download", h.downloadOpen)
	}
	if cfg.Status != nil {
		h.status = cfg.Status
		h.handle(mux, "GET /status", h.statusPage)
		if cfg.Withdrawals != nil {
			h.withdrawals = cfg.Withdrawals
			h.handle(mux, "GET /withdraw", h.withdrawPage)
			h.handle(mux, "POST /withdraw", h.withdrawConfirm)
		}
	}
	h.mux = mux
	return h
}

// handle serves fn at pattern ("METHOD /path") and keeps the route.
func (h *Handler) handle(mux *http.ServeMux, pattern string, fn http.HandlerFunc) {
	mux.HandleFunc(pattern, fn)
	h.routes = append(h.routes, pattern)
}

// Routes lists the "METHOD /path" patterns the handler serves, mounted
// handlers as GET and POST: on AWS each is a route of the public API
// (template.yaml), which serves nothing else.
func (h *Handler) Routes() []string { return slices.Clone(h.routes) }

// securityHeaders go on every answer of the site. Their values are shared
// between answers (written, never changed: Set replaces a value, Add
// outgrows its one-element slice) instead of made again for each.
var securityHeaders = http.Header{
	"Content-Security-Policy": {"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
	"X-Content-Type-Options":  {"nosniff"},
	"Referrer-Policy":         {"no-referrer"},
	"X-Frame-Options":         {"DENY"},
	"Cache-Control":           {"no-store"},
	// Browsers keep to HTTPS for two years once they have seen this over
	// HTTPS (they ignore it over plain HTTP, as on the local stack).
	"Strict-Transport-Security":  {"max-age=63072000; includeSubDomains"},
	"Cross-Origin-Opener-Policy": {"same-origin"},
}

// SecurityHeaders writes the headers every answer of the site carries into
// hd: also the answers of what stands in front of the site's handler.
func SecurityHeaders(hd http.Header) {
	for k, v := range securityHeaders {
		hd[k] = v
	}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	SecurityHeaders(w.Header())
	if fallback, pattern := h.mux.Handler(r); pattern == "" {
		h.noRoute(w, r, fallback)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// noRoute answers a request no page takes, with a page of the site rather
// than the mux's plain text: 405 (with Allow) when the address takes other
// methods, else 404. A redirect to the cleaned path stays a redirect.
func (h *Handler) noRoute(w http.ResponseWriter, r *http.Request, fallback http.Handler) {
	probe := &statusProbe{header: http.Header{}}
	fallback.ServeHTTP(probe, r)
	status := probe.status
	switch {
	case status >= 300 && status < 400:
		fallback.ServeHTTP(w, r)
		return
	case status == http.StatusMethodNotAllowed:
		w.Header().Set("Allow", probe.header.Get("Allow"))
	default:
		status = http.StatusNotFound
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/json" {
		writeJSON(w, status, map[string]string{"error": strings.ToLower(http.StatusText(status))})
		return
	}
	page := "not-found"
	if status == http.StatusMethodNotAllowed {
		page = "not-allowed"
	}
	h.render(w, r, status, page, pages.Choose(r, ""), nil)
}

// statusProbe records what a handler would answer, and writes nothing.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header { return p.header }
func (p *statusProbe) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}
func (p *statusProbe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}

// formKinds are the form's checkboxes, in order; the pages word them.
var formKinds = []request.Kind{request.AccessCategories, request.AccessSpecific, request.Deletion, request.Correction,
	request.Portability, request.OptOutSale, request.OptOutMarketing, request.ChildData}

// summaryOrder lists the fields the error summary can name, in the form's
// order, each with the control its link lands on: the control to act on,
// not a wrapper around it.
var summaryOrder = func() []pages.FieldError {
	var out []pages.FieldError
	add := func(fields ...string) {
		for _, f := range fields {
			anchor := map[string]string{"kinds": "kind-" + string(request.AccessCategories), "declaration": "declaration-box",
				"child": "childEmail", "corrections": "correction-1-item"}[f]
			if anchor == "" {
				anchor = f
			}
			out = append(out, pages.FieldError{Field: f, Anchor: anchor})
		}
	}
	add("kinds", "name", "email", "phone", "address", "company", "relationship", "state", "agentName", "agentEmail",
		"child", "childName", "childEmail", "childAccount", "corrections")
	for i := range FormCorrectionRows {
		for _, part := range []string{"item", "wrong", "right"} {
			name, key := correctionField(i, part)
			out = append(out, pages.FieldError{Field: key, Anchor: name, Row: i + 1, Part: part})
		}
	}
	add("details", "declaration", "submissionId", "priority", "channel")
	return out
}()

// FormCorrectionRows is how many correction rows the form offers; the
// JSON API takes up to intake.MaxCorrections.
const FormCorrectionRows = 3

// formValues are a form's answers: those the form shows back, and its
// correction rows.
type formValues struct {
	pages.FormValues
	Corrections [FormCorrectionRows]request.CorrectionItem
}

// correctionField names a correction row's control in the form
// ("correction-1-item") and in the service's errors ("corrections[0].item").
func correctionField(i int, part string) (formName, errorKey string) {
	if i >= 0 && i < FormCorrectionRows {
		if n, ok := correctionNames[i][part]; ok {
			return n[0], n[1] // every form post reads each row: named once
		}
	}
	return fmt.Sprintf("correction-%d-%s", i+1, part), fmt.Sprintf("corrections[%d].%s", i, part)
}

// correctionNames holds correctionField's names of the form's rows.
var correctionNames = func() (n [FormCorrectionRows]map[string][2]string) {
	for i := range n {
		n[i] = map[string][2]string{}
		for _, part := range []string{"item", "wrong", "right"} {
			n[i][part] = [2]string{fmt.Sprintf("correction-%d-%s", i+1, part), fmt.Sprintf("corrections[%d].%s", i, part)}
		}
	}
	return n
}()

func correctionRows(v formValues, fe intake.FieldErrors) []pages.Correction {
	rows := make([]pages.Correction, FormCorrectionRows)
	for i, c := range v.Corrections {
		field := func(part, value string) pages.Field {
			name, key := correctionField(i, part)
			return pages.Field{ID: name, Value: value, Type: "text", Auto: "off", Error: fe[key]}
		}
		rows[i] = pages.Correction{N: i + 1, Item: field("item", c.Item), Wrong: field("wrong", c.Wrong), Right: field("right", c.Right)}
	}
	return rows
}

func (h *Handler) form(w http.ResponseWriter, r *http.Request) {
	id, err := h.newSubmissionID()
	if err != nil {
		h.internal(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "form", pages.Choose(r, ""), formData(id, formValues{}, nil))
}

func formData(id string, v formValues, fe intake.FieldErrors) pages.Form {
	d := pages.Form{Kinds: formKinds, Relationships: intake.Relationships, States: intake.States,
		SubmissionID: id, Values: v.FormValues, Errors: fe, Corrections: correctionRows(v, fe)}
	for _, f := range summaryOrder {
		if msg, ok := fe[f.Field]; ok {
			f.Message = msg
			d.ErrorOrder = append(d.ErrorOrder, f)
		}
	}
	return d
}

func (h *Handler) newSubmissionID() (string, error) {
	return h.ids.Mint()
}

// jsonBody is the JSON form of a submission.
type jsonBody struct {
	SubmissionID string         `json:"submissionId"`
	Kinds        []request.Kind `json:"kinds"`
	Name         string         `json:"name"`
	Email        string         `json:"email"`
	Phone        string         `json:"phone"`
	Address      string         `json:"address"`
	Company      string         `json:"company"`
	Relationship string         `json:"relationship"`
	State        string         `json:"state"`
	Details      string         `json:"details"`
	Declaration  bool           `json:"declaration"`
	Agent        *request.Agent `json:"agent"`
	// Child identifies the child of a child-data request.
	Child *request.Subject `json:"child"`
	// Corrections list what a correction request asks to correct.
	Corrections []request.CorrectionItem `json:"corrections"`
	Trap        string                   `json:"leaveEmpty"` // honeypot: people leave it empty
}

// reusedMessage answers a submission ID sent before with other content. It
// says nothing about the earlier request.
const reusedMessage = "This submission ID (Idempotency-Key or submissionId) was already used for a different request, so this one was not saved. " +
	"Send it again with a new Idempotency-Key, or leave both out and we make one."

func (h *Handler) submit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	gpc := r.Header.Get("Sec-GPC") == "1"
	switch ct {
	case "application/json":
		h.submitJSON(w, r, gpc)
	case "application/x-www-form-urlencoded":
		h.submitForm(w, r, gpc)
	default:
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send application/x-www-form-urlencoded or application/json"})
	}
}

func (h *Handler) submitForm(w http.ResponseWriter, r *http.Request, gpc bool) {
	if err := r.ParseForm(); err != nil {
		if tooLarge(err) {
			h.render(w, r, http.StatusRequestEntityTooLarge, "request-too-long", pages.Choose(r, ""), nil)
			return
		}
		h.render(w, r, http.StatusBadRequest, "request-unreadable", pages.Choose(r, ""), nil)
		return
	}
	// The form's hidden lang field: the language it was shown in.
	lang := pages.Choose(r, "")
	f := r.PostForm
	v := formValues{FormValues: pages.FormValues{
		Name: f.Get("name"), Email: f.Get("email"), Phone: f.Get("phone"), Address: f.Get("address"),
		Company: f.Get("company"), Relationship: f.Get("relationship"), State: f.Get("state"),
		Details: f.Get("details"), AgentName: f.Get("agentName"), AgentEmail: f.Get("agentEmail"),
		ChildName: f.Get("childName"), ChildEmail: f.Get("childEmail"), ChildAccount: f.Get("childAccount"),
		IsAgent: f.Get("isAgent") == "yes", Declaration: f.Get("declaration") == "yes",
	}}
	for i := range v.Corrections {
		get := func(part string) string { name, _ := correctionField(i, part); return f.Get(name) }
		v.Corrections[i] = request.CorrectionItem{Item: get("item"), Wrong: get("wrong"), Right: get("right")}
	}
	for _, k := range f["kinds"] {
		v.Kinds = append(v.Kinds, request.Kind(k))
	}
	if f.Get(honeypot) != "" {
		h.log.InfoContext(r.Context(), "honeypot filled; submission dropped")
		h.render(w, r, http.StatusOK, "request-thanks", lang, nil)
		return
	}
	sourceID, problem, err := h.submissionSource(f.Get("submissionId"), r.Header.Get("Idempotency-Key"), false)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	switch problem {
	case "":
	case idNotIssued:
		// Nothing is looked up or saved: the form comes back with the
		// answers kept and a new ID, in the page's language.
		h.log.InfoContext(r.Context(), "form submission ID not issued by the desk; refused")
		id, ierr := h.newSubmissionID()
		if ierr != nil {
			h.internal(w, r, ierr)
			return
		}
		d := formData(id, v, nil)
		d.NotIssued = true
		h.render(w, r, http.StatusBadRequest, "form", lang, d)
		return
	default:
		// Only an API client sends Idempotency-Key.
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": string(problem)})
		return
	}
	sub := intake.Submission{
		SourceID: sourceID, Channel: request.Web, Kinds: v.Kinds,
		Requester: request.Identity{Name: v.Name, Email: v.Email, Phone: v.Phone, Address: v.Address,
			Company: v.Company, Relationship: v.Relationship, State: v.State},
		Details: v.Details, Declaration: v.Declaration, GPC: gpc,
		Corrections: v.Corrections[:],
		// The request is answered in the form's language; its field
		// errors come back in it too.
		Language: lang,
	}
	if v.ChildName != "" || v.ChildEmail != "" || v.ChildAccount != "" {
		sub.Subject = &request.Subject{Name: v.ChildName, Email: v.ChildEmail, Account: v.ChildAccount}
	}
	if v.IsAgent {
		sub.Agent = &request.Agent{Name: v.AgentName, Email: v.AgentEmail}
	}
	rc, err := h.intake.Submit(r.Context(), sub)
	var fe intake.FieldErrors
	if errors.As(err, &fe) {
		id := sourceID
		if _, bad := fe["submissionId"]; bad || !h.ids.Issued(id) {
			id, _ = h.newSubmissionID()
		}
		h.render(w, r, http.StatusBadRequest, "form", lang, formData(id, v, fe))
		return
	}
	if errors.Is(err, intake.ErrSubmissionReused) {
		// This form was sent before with other answers (the browser's back
		// button, an edit): keep the answers, give the form a new ID.
		id, ierr := h.newSubmissionID()
		if ierr != nil {
			h.internal(w, r, ierr)
			return
		}
		d := formData(id, v, nil)
		d.Reused = true
		h.render(w, r, http.StatusConflict, "form", lang, d)
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if rc.AlreadyOpen {
		h.render(w, r, http.StatusOK, "request-already-open", lang, pages.Submitted{Resent: rc.Resent})
		return
	}
	d := pages.Submitted{Request: rc.Request, Repeat: !rc.Created}
	if rc.Capped && !d.MovedOn() {
		h.render(w, r, http.StatusOK, "request-capped", lang, d)
		return
	}
	h.render(w, r, http.StatusOK, "receipt", lang, d)
}

func (h *Handler) submitJSON(w http.ResponseWriter, r *http.Request, gpc bool) {
	var body jsonBody
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		if tooLarge(err) {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "request body larger than 32 KiB"})
			return
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": jsonProblem(err)})
		return
	}
	if dec.More() {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "malformed JSON: one object expected"})
		return
	}
	if body.Trap != "" {
		h.log.InfoContext(r.Context(), "honeypot filled; submission dropped")
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "received"})
		return
	}
	// An API client names its submission in the Idempotency-Key header;
	// submissionId is only ever an ID the desk issued (a form's). Both are
	// bound to the address, and reused with other content are a 409.
	// Without either, this submission is a request of its own (a retry of
	// it makes another, linked as a duplicate).
	sourceID, problem, err := h.submissionSource(body.SubmissionID, r.Header.Get("Idempotency-Key"), true)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if problem != "" {
		if problem == idNotIssued {
			h.log.InfoContext(r.Context(), "submission ID not issued by the desk; refused")
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": string(problem)})
		return
	}
	body.SubmissionID = sourceID
	rc, err := h.intake.Submit(r.Context(), intake.Submission{
		SourceID: body.SubmissionID, Channel: request.Web, Kinds: body.Kinds,
		Requester: request.Identity{Name: body.Name, Email: body.Email, Phone: body.Phone, Address: body.Address,
			Company: body.Company, Relationship: body.Relationship, State: body.State},
		Agent: body.Agent, Details: body.Details, Declaration: body.Declaration, GPC: gpc,
		Subject: body.Child, Corrections: body.Corrections,
	})
	var fe intake.FieldErrors
	if errors.As(err, &fe) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid request", "fields": fe})
		return
	}
	if errors.Is(err, intake.ErrSubmissionReused) {
		writeJSON(w, http.StatusConflict, map[string]string{"error": reusedMessage})
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if rc.AlreadyOpen {
		// The earlier request is not shown: the submitter has proven nothing.
		writeJSON(w, http.StatusOK, map[string]any{"status": "already-open", "resent": rc.Resent,
			"message": pages.AlreadyOpenWords(pages.Submitted{Resent: rc.Resent}) + " Questions? Write to " + h.team + "."})
		return
	}
	status := http.StatusCreated
	if !rc.Created {
		status = http.StatusOK
	}
	if rc.Capped {
		writeJSON(w, status, cappedReceipt{Receipt: receiptJSON(rc.Request), Acknowledgement: "held", Message: cappedMessage(h.team)})
		return
	}
	writeJSON(w, status, receiptJSON(rc.Request))
}

// cappedMessage is what a JSON submitter is told of a request stored whose
// acknowledgement the address's daily cap held back (the form's page says
// it in the template "request-capped" of shared/pages).
func cappedMessage(team string) string {
	return "This email address has already had several mails from us today, so we are not sending another one now; the privacy team will write to it. Questions? Write to " + team + "."
}

// cappedReceipt is the JSON receipt of a request whose acknowledgement was
// held back by the daily cap.
type cappedReceipt struct {
	Receipt
	Acknowledgement string `json:"acknowledgement"`
	Message         string `json:"message"`
}

// Receipt is the JSON answer to a submission.
type Receipt struct {
	RequestID  string         `json:"requestId"`
	Status     request.Status `json:"status"`
	Kinds      []request.Kind `json:"kinds"`
	ReceivedAt time.Time      `json:"receivedAt"`
	Due        request.Due    `json:"due"`
}

func receiptJSON(r *request.Request) Receipt {
	return Receipt{RequestID: r.ID, Status: r.Status, Kinds: r.Kinds, ReceivedAt: r.ReceivedAt, Due: r.Due}
}

// render answers r with page name in lang.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name, lang string, data any) {
	h.show(w, status, name, h.site.View(r, lang, data))
}

// show answers with page name as v.
func (h *Handler) show(w http.ResponseWriter, status int, name string, v pages.View) {
	if err := pages.Render(w, status, name, v); err != nil {
		h.log.Error("render page", "page", name, "error", err)
	}
}

// internal logs the error (which carries request IDs, never personal data)
// and answers without detail.
func (h *Handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	h.log.ErrorContext(r.Context(), "submission failed", "error", err)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		return
	}
	h.render(w, r, http.StatusInternalServerError, "request-failed", pages.Choose(r, ""), nil)
}

func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// jsonProblem describes a decoding error without echoing the input. A
// body that is JSON but not an object (an array, a string, a number) is
// said to be one; a value of the wrong type inside it is named by its
// field's path (child.email), never by an empty name.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "malformed JSON: syntax error"
	case errors.As(err, &typ) && typ.Field == "":
		return "the body must be a JSON object"
	case errors.As(err, &typ):
		return "malformed JSON: field " + strconv.Quote(typ.Field) + " has the wrong type"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed JSON: body is empty or cut short"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if len(name) > 40 || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return "malformed JSON: unknown field"
		}
		return "malformed JSON: unknown field " + strconv.Quote(name)
	}
	return "malformed JSON: cannot decode"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}
