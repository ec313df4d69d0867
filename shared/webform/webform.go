// Package webform is the public web intake: the request form, its
// submission as a urlencoded form or JSON, and the receipt.
package webform

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
)

// honeypot names a field people never see or fill; a name no browser's
// autofill matches, so a real person's request is never dropped.
const honeypot = "x-leave-empty"

// MaxBody is the largest request body accepted; larger ones get 413.
const MaxBody = 32 << 10

//go:embed templates/*.html templates/form.css
var files embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"date": func(t time.Time, loc *time.Location) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format("Monday, January 2, 2006")
	},
	"at":          func(title, root string) headData { return headData{Title: title, Root: root} },
	"checked":     func(kinds []request.Kind, k request.Kind) bool { return slices.Contains(kinds, k) },
	"corrections": correctionRows,
	"field": func(id, label, value, auto string, fe intake.FieldErrors, required bool) textField {
		typ := "text"
		switch {
		case strings.HasSuffix(auto, "email"):
			typ = "email"
		case strings.HasSuffix(auto, "tel"):
			typ = "tel"
		}
		return textField{ID: id, Label: label, Value: value, Type: typ, Auto: auto, Error: fe[id], Required: required}
	},
}).ParseFS(files, "templates/*.html"))

// headData is what a page's head needs: its title, and the way from the
// page's address back to the site's root ("" or "./" for a page at the
// root, "../" one folder down), for the stylesheet and the form's link.
type headData struct{ Title, Root string }

// Submitter is the intake service.
type Submitter interface {
	Submit(ctx context.Context, sub intake.Submission) (*intake.Receipt, error)
}

// Handler serves the form. Build it with New.
type Handler struct {
	intake  Submitter
	loc     *time.Location
	team    string
	entropy io.Reader
	log     *slog.Logger
	mux     *http.ServeMux
	formCSS []byte
	// verifier serves the confirm page; nil when not configured.
	verifier Verifier
	// requests gives the confirmed page its date; nil shows none.
	requests Requests
	// downloads serves the download page; nil when not configured.
	downloads Downloader
}

// Config is what the handler needs besides the intake service.
type Config struct {
	// Location renders due dates in the business time zone.
	Location *time.Location
	// TeamAddress is shown for questions.
	TeamAddress string
	// Entropy makes submission IDs; nil means crypto/rand.
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
}

// New builds the handler.
func New(svc Submitter, cfg Config) *Handler {
	h := &Handler{intake: svc, loc: cfg.Location, team: cfg.TeamAddress, entropy: cfg.Entropy, log: cfg.Log}
	if h.loc == nil {
		h.loc = time.UTC
	}
	if h.entropy == nil {
		h.entropy = rand.Reader
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.formCSS, _ = files.ReadFile("templates/form.css")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.form)
	mux.HandleFunc("POST /requests", h.submit)
	mux.HandleFunc("GET /form.css", h.css)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	for pattern, handler := range cfg.Mount {
		mux.Handle(pattern, handler)
	}
	if cfg.Verifier != nil {
		h.verifier = cfg.Verifier
		h.requests = cfg.Requests
		mux.HandleFunc("GET /verify", h.verifyPage)
		mux.HandleFunc("POST /verify", h.verifyConfirm)
	}
	if cfg.Downloads != nil {
		h.downloads = cfg.Downloads
		mux.HandleFunc("GET /download", h.downloadPage)
		mux.HandleFunc("POST /download", h.downloadOpen)
	}
	h.mux = mux
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-store")
	// Browsers keep to HTTPS for two years once they have seen this over
	// HTTPS (they ignore it over plain HTTP, as on the local stack).
	hd.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
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
	d := missingData{Root: rootFrom(r.URL.EscapedPath()), Title: "Page not found",
		Message: "There is no page at this address. If you typed it, check that it is right; if you followed a link from one of our emails, check that you opened the whole link.",
		Spanish: "Esta página no existe. Si escribió la dirección, revise que esté bien; si siguió un enlace de uno de nuestros correos, revise que lo haya abierto completo."}
	if status == http.StatusMethodNotAllowed {
		d.Title = "There is no page to show here"
		d.Message = "This address only takes the request form when it is sent. To make a privacy request, fill in the form."
		d.Spanish = "Esta dirección solo recibe el formulario de solicitud cuando se envía. Para hacer una solicitud de privacidad, complete el formulario."
	}
	h.render(w, status, "missing.html", d)
}

// missingData is the page of an address the site does not serve.
type missingData struct{ Title, Message, Spanish, Root string }

// rootFrom is the relative way from a page at escapedPath (as the browser
// sent it) back to the site's root: "./" at the root, "../" for each
// folder below it. It holds wherever the site is mounted (an API stage
// prefix included); <base> is not an option, as the pages' CSP sets
// base-uri 'none'.
func rootFrom(escapedPath string) string {
	depth := strings.Count(strings.TrimPrefix(escapedPath, "/"), "/")
	if depth == 0 {
		return "./"
	}
	return strings.Repeat("../", depth)
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

// kindChoice is one checkbox of the form.
type kindChoice struct {
	Kind        request.Kind
	Title       string
	Explanation string
}

var choices = []kindChoice{
	{request.AccessCategories, "Know what we hold", "We tell you which categories of personal data we hold about you, where it came from, why we use it and who we share it with."},
	{request.AccessSpecific, "Get a copy of your data", "We send you the specific pieces of personal data we hold about you. Because this discloses your data, we ask for more proof that it is you and a signed declaration."},
	{request.Deletion, "Delete your data", "We delete your personal data and tell our service providers to delete it too. Some records we must keep by law (for example invoices); we will tell you which and why."},
	{request.Correction, "Correct your data", "We fix personal data about you that is wrong or incomplete. Tell us below what is wrong and what it should be."},
	{request.Portability, "Take your data with you", "We send your data in a machine-readable format (JSON and CSV) that you can take to another service."},
	{request.OptOutSale, "Do not sell or share my data", "We stop selling or sharing your personal data for cross-context advertising. No proof of identity is needed."},
	{request.OptOutMarketing, "Stop marketing email", "We stop sending you marketing email. Service messages about your account continue."},
	{request.ChildData, "Delete a child's data", "You are a parent or guardian and we hold data about someone under 18. We delete it promptly."},
}

type option struct{ Value, Label string }

var relationshipOptions = []option{
	{"customer", "Customer"}, {"former-customer", "Former customer"}, {"supplier", "Supplier or partner"},
	{"job-applicant", "Job applicant"}, {"website-visitor", "Website visitor"}, {"employee", "Employee or former employee"}, {"other", "Other"},
}

// formData is everything the form template shows.
type formData struct {
	Choices       []kindChoice
	Relationships []option
	States        []string
	SubmissionID  string
	Values        formValues
	Errors        intake.FieldErrors
	ErrorOrder    []fieldError
	TeamAddress   string
	// Reused: this form was sent before with other answers; it now has a
	// new submission ID and asks to be sent again.
	Reused bool
}

type textField struct {
	ID, Label, Value, Type, Auto, Error string
	Required                            bool
}

type fieldError struct{ Field, Anchor, Label, Message string }

// anchors are where an error summary link takes the reader: the control
// to act on, not a wrapper around it.
var anchors = map[string]string{"kinds": "kind-" + string(request.AccessCategories), "declaration": "declaration-box",
	"child": "childEmail", "corrections": "correction-1-item"}

// FormCorrectionRows is how many correction rows the form offers; the
// JSON API takes up to intake.MaxCorrections.
const FormCorrectionRows = 3

type formValues struct {
	Kinds                                              []request.Kind
	Name, Email, Phone, Address, Company, Relationship string
	State, Details, AgentName, AgentEmail              string
	ChildName, ChildEmail, ChildAccount                string
	Corrections                                        [FormCorrectionRows]request.CorrectionItem
	IsAgent, Declaration                               bool
}

// correctionRow is one row of the form's corrections: which data, what it
// says now, what it should say.
type correctionRow struct {
	N                  int
	Item, Wrong, Right textField
}

// correctionField names a correction row's control in the form
// ("correction-1-item") and in the service's errors ("corrections[0].item").
func correctionField(i int, part string) (formName, errorKey string) {
	return fmt.Sprintf("correction-%d-%s", i+1, part), fmt.Sprintf("corrections[%d].%s", i, part)
}

func correctionRows(v formValues, fe intake.FieldErrors) []correctionRow {
	rows := make([]correctionRow, FormCorrectionRows)
	for i, c := range v.Corrections {
		field := func(part, label, value string) textField {
			name, key := correctionField(i, part)
			return textField{ID: name, Label: label, Value: value, Type: "text", Auto: "off", Error: fe[key]}
		}
		rows[i] = correctionRow{N: i + 1,
			Item:  field("item", "Which piece of data is wrong", c.Item),
			Wrong: field("wrong", "What it says now (optional)", c.Wrong),
			Right: field("right", "What it should say", c.Right),
		}
	}
	return rows
}

type fieldLabel struct{ Field, Label string }

var topLabels = []fieldLabel{
	{"kinds", "What would you like us to do"}, {"name", "Full name"}, {"email", "Email address"},
	{"phone", "Phone number"}, {"address", "Postal address"}, {"company", "Company"},
	{"relationship", "Your relationship with ProductionFlow"}, {"state", "State of residence"},
	{"agentName", "Agent's name"}, {"agentEmail", "Agent's email address"},
	{"child", "The child"}, {"childName", "Child's name"}, {"childEmail", "Child's email address"}, {"childAccount", "Child's account or username"},
	{"corrections", "What to correct"},
}

// fieldLabels name each field in the error summary, in the form's order.
var fieldLabels = append(append(slices.Clone(topLabels), correctionLabels()...),
	[]fieldLabel{{"details", "Details"}, {"declaration", "Declaration"}, {"submissionId", "Form"}, {"priority", "Priority"}, {"channel", "Channel"}}...)

func correctionLabels() []fieldLabel {
	var out []fieldLabel
	for i := range FormCorrectionRows {
		for _, p := range []struct{ part, label string }{{"item", "which data"}, {"wrong", "what it says now"}, {"right", "what it should say"}} {
			name, key := correctionField(i, p.part)
			out = append(out, fieldLabel{key, fmt.Sprintf("Correction %d, %s", i+1, p.label)})
			anchors[key] = name
		}
	}
	return out
}

func (h *Handler) form(w http.ResponseWriter, r *http.Request) {
	id, err := h.newSubmissionID()
	if err != nil {
		h.internal(w, r, err)
		return
	}
	h.render(w, http.StatusOK, "form.html", h.formData(id, formValues{}, nil))
}

func (h *Handler) css(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(h.formCSS)
}

func (h *Handler) formData(id string, v formValues, fe intake.FieldErrors) formData {
	d := formData{Choices: choices, Relationships: relationshipOptions, States: intake.States,
		SubmissionID: id, Values: v, Errors: fe, TeamAddress: h.team}
	for _, f := range fieldLabels {
		if msg, ok := fe[f.Field]; ok {
			anchor := f.Field
			if a, ok := anchors[f.Field]; ok {
				anchor = a
			}
			d.ErrorOrder = append(d.ErrorOrder, fieldError{f.Field, anchor, f.Label, msg})
		}
	}
	return d
}

func (h *Handler) newSubmissionID() (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(h.entropy, b); err != nil {
		return "", err
	}
	return "web-" + base64.RawURLEncoding.EncodeToString(b), nil
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
const reusedMessage = "This submissionId was already used for a different request, so this one was not saved. " +
	"Send it again with a new submissionId, or leave submissionId out and we make one."

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
			h.renderMessage(w, http.StatusRequestEntityTooLarge, "Your request is too long", "Please shorten the details and send it again.")
			return
		}
		h.renderMessage(w, http.StatusBadRequest, "We could not read your request", "Please go back to the form and send it again.")
		return
	}
	f := r.PostForm
	v := formValues{
		Name: f.Get("name"), Email: f.Get("email"), Phone: f.Get("phone"), Address: f.Get("address"),
		Company: f.Get("company"), Relationship: f.Get("relationship"), State: f.Get("state"),
		Details: f.Get("details"), AgentName: f.Get("agentName"), AgentEmail: f.Get("agentEmail"),
		ChildName: f.Get("childName"), ChildEmail: f.Get("childEmail"), ChildAccount: f.Get("childAccount"),
		IsAgent: f.Get("isAgent") == "yes", Declaration: f.Get("declaration") == "yes",
	}
	for i := range v.Corrections {
		get := func(part string) string { name, _ := correctionField(i, part); return f.Get(name) }
		v.Corrections[i] = request.CorrectionItem{Item: get("item"), Wrong: get("wrong"), Right: get("right")}
	}
	for _, k := range f["kinds"] {
		v.Kinds = append(v.Kinds, request.Kind(k))
	}
	if f.Get(honeypot) != "" {
		h.log.InfoContext(r.Context(), "honeypot filled; submission dropped")
		h.renderMessage(w, http.StatusOK, "Thank you", "We have received your request.")
		return
	}
	sub := intake.Submission{
		SourceID: f.Get("submissionId"), Channel: request.Web, Kinds: v.Kinds,
		Requester: request.Identity{Name: v.Name, Email: v.Email, Phone: v.Phone, Address: v.Address,
			Company: v.Company, Relationship: v.Relationship, State: v.State},
		Details: v.Details, Declaration: v.Declaration, GPC: gpc,
		Corrections: v.Corrections[:],
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
		id := f.Get("submissionId")
		if _, bad := fe["submissionId"]; bad {
			id, _ = h.newSubmissionID()
		}
		h.render(w, http.StatusBadRequest, "form.html", h.formData(id, v, fe))
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
		d := h.formData(id, v, nil)
		d.Reused = true
		h.render(w, http.StatusConflict, "form.html", d)
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if rc.AlreadyOpen {
		h.renderMessage(w, http.StatusOK, alreadyOpenTitle, alreadyOpenMessage(rc.Resent, h.team))
		return
	}
	if rc.Capped {
		h.renderMessage(w, http.StatusOK, "We have received your request",
			"Your request "+rc.Request.ID+" is stored and the deadlines run from today. "+cappedMessage(h.team))
		return
	}
	h.render(w, http.StatusOK, "receipt.html", receiptData{Request: rc.Request, Location: h.loc, TeamAddress: h.team,
		Titles: titles(rc.Request.Kinds)})
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
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "malformed JSON: " + jsonProblem(err)})
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
	if body.SubmissionID == "" {
		// No ID of the client's own: this submission is a request of its
		// own (a retry of it makes another, linked as a duplicate).
		id, err := h.newSubmissionID()
		if err != nil {
			h.internal(w, r, err)
			return
		}
		body.SubmissionID = id
	}
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
			"message": alreadyOpenMessage(rc.Resent, h.team)})
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

// What a submitter is told when the same address already has an open,
// unconfirmed request of the same kinds, or has had its mails for the day.
const alreadyOpenTitle = "This request is already waiting for confirmation"

func alreadyOpenMessage(resent bool, team string) string {
	m := "A request for the same thing from this email address is already open and waiting for its confirmation, so we did not open another one. "
	if resent {
		m += "We have sent its acknowledgement to that address again. "
	} else {
		m += "We sent mail about it to that address less than an hour ago, so we did not send more. "
	}
	return m + "Please look for our mail there, including in the spam folder, and use the confirmation link in it. Questions? Write to " + team + "."
}

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

type receiptData struct {
	Request     *request.Request
	Titles      []string
	Location    *time.Location
	TeamAddress string
}

// titles names the kinds as the form's checkboxes do.
func titles(kinds []request.Kind) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.Title()
		for _, c := range choices {
			if c.Kind == k {
				out[i] = c.Title
			}
		}
	}
	return out
}

type messageData struct{ Title, Message string }

func (h *Handler) renderMessage(w http.ResponseWriter, status int, title, msg string) {
	h.render(w, status, "message.html", messageData{title, msg})
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, data any) {
	var buf strings.Builder
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		h.log.Error("render page", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, buf.String())
}

// internal logs the error (which carries request IDs, never personal data)
// and answers without detail.
func (h *Handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	h.log.ErrorContext(r.Context(), "submission failed", "error", err)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		return
	}
	h.renderMessage(w, http.StatusInternalServerError, "Something went wrong on our side",
		"Your request was not saved. Please try again in a few minutes, or write to "+h.team+".")
}

func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// jsonProblem describes a decoding error without echoing the input.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "syntax error"
	case errors.As(err, &typ):
		return "field " + typ.Field + " has the wrong type"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "body is empty or cut short"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if len(name) > 40 || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return "unknown field"
		}
		return "unknown field " + strconv.Quote(name)
	}
	return "cannot decode"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}
