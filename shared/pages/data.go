package pages

import (
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// What each page shows besides the layout, its View's Data. A page that
// shows nothing of its own takes any Data and ignores it; the status page
// takes a status.View.

// Form is what the request form shows ("form").
type Form struct {
	// Kinds, Relationships and States are the form's choices, in order.
	Kinds         []request.Kind
	Relationships []string
	States        []string
	SubmissionID  string
	Values        FormValues
	// Errors holds each field's error, by the field's name in the
	// service's errors; ErrorOrder lists them for the error summary.
	Errors      map[string]string
	ErrorOrder  []FieldError
	Corrections []Correction
	// Reused: this form was sent before with other answers; it now has a
	// new submission ID and asks to be sent again.
	Reused bool
	// NotIssued: the form's submission ID was not one the desk issued (a
	// form from elsewhere, or from before the key changed); nothing was
	// saved, the form has a new ID and asks to be sent again.
	NotIssued bool
}

// FormValues are the answers the form shows back.
type FormValues struct {
	Kinds                                              []request.Kind
	Name, Email, Phone, Address, Company, Relationship string
	State, Details, AgentName, AgentEmail              string
	ChildName, ChildEmail, ChildAccount                string
	IsAgent, Declaration                               bool
}

// FieldError is one line of the form's error summary: the field (the page
// names it), the control its link lands on, and what is wrong.
type FieldError struct {
	Field, Anchor, Message string
	// Row and Part place a correction's field: row 1 to 3, part item,
	// wrong or right; Row is 0 for any other field.
	Row  int
	Part string
}

// Correction is one row of the form's corrections: which data, what it
// says now, what it should say (the page labels them).
type Correction struct {
	N                  int
	Item, Wrong, Right Field
}

// Field is one text input of a form: its id (also its name), label, value,
// type, autocomplete token and error.
type Field struct {
	ID, Label, Value, Type, Auto, Error string
	Required                            bool
}

// Submitted is what the page after a form's submission shows: the receipt
// of its request ("receipt", "request-capped"), or why no new request was
// opened ("request-already-open": the earlier one is not shown, the
// submitter has proven nothing).
type Submitted struct {
	Request *request.Request
	// Resent: the open request's acknowledgement went out again. Why it
	// did not is not said: the submitter has proven nothing.
	Resent bool
	// Repeat: the same submission came before ("receipt": the request is
	// not new).
	Repeat bool
}

// MovedOn reports whether the receipt is of a repeated submission whose
// request has moved past waiting for its confirmation (verified, carried
// out, closed): what a first receipt says would no longer be true.
func (d Submitted) MovedOn() bool {
	if !d.Repeat || d.Request == nil {
		return false
	}
	switch d.Request.Status {
	case request.Received, request.Acknowledged, request.Verifying:
		return false
	}
	return true
}

// Verify is what the verification page shows ("verify").
type Verify struct {
	RequestID string
	Kinds     []request.Kind
	Expires   time.Time
	Token     string
	// ByAgent: someone acting as the requester's authorized agent made
	// the request.
	ByAgent bool
	// DeclarationNeeded: the request asks for a copy of the data and no
	// declaration was made on the form: the page asks for it with the
	// button; DeclarationMissing: the button was pressed without it.
	DeclarationNeeded, DeclarationMissing bool
}

// Withdraw is what the withdrawal pages show ("withdraw-confirm",
// "withdrawn", "withdraw-refused"): the request, its status link's token
// (the form sends it back), whether its opt-outs were carried out, its
// status when it can no longer be withdrawn there, and whether the notice
// went to the requester.
type Withdraw struct {
	RequestID   string
	Kinds       []request.Kind
	Token       string
	OptOutsDone bool
	Status      request.Status
	Mailed      bool
}

// Verified is what the page after a confirmation shows ("verified").
type Verified struct {
	RequestID string
	// AnswerBy is the date the page promises an answer by; zero for none.
	// Late: it passed before the confirmation (the page owns it instead).
	AnswerBy time.Time
	Late     bool
}

// Download is what the download page shows ("download").
type Download struct {
	RequestID string
	Expires   time.Time
	Token     string
}

// Link is what the pages explaining a link say of links in general
// ("link-expired", "download-used", "download-expired").
type Link struct {
	// Days a link works; GraceMinutes a download may be pressed again.
	Days, GraceMinutes int
	// Closed is the status of the request a confirmation link belongs to,
	// when known: why a closed request closed ("request-closed"), or where
	// the request of an expired link stands ("link-expired": closed, still
	// waiting for a confirmation, or confirmed with another link).
	Closed request.Status
	// OptOutsDone: the request's opt-outs were carried out (they needed no
	// confirmation), so a page about its closing says they stand.
	OptOutsDone bool
}

// Task is what the system owners' task pages show ("task",
// "task-answered", "task-too-large").
type Task struct {
	System, Action, RequestID string
	// Due is when the task is due; DueText the stored value when it is
	// not a time.
	Due         time.Time
	DueText     string
	Token       string
	MaxNote     int
	MaxUploadMB int
	Export      bool
	Categories  []string
	// CategoriesOnly: the export's request asks only which kinds of data
	// the system holds, not a copy: the owner ticks Held's categories
	// (each with its title in words) instead of sending a file.
	CategoriesOnly bool
	Held           []TaskCategory
	// Instructions are the registry's words for the task (what to do, in
	// the owner's system); Keep, for an erase task, what the system's
	// legal holds keep, each "category: reason". As the task's mail says.
	Instructions string
	Keep         []string
	// Problem says what to fix in an answer (the page words it): too-long,
	// needs-file, file-and-nothing, needs-reason, file-type, needs-held,
	// held-and-nothing, no-file or choose.
	Problem string
	// Upload is the service's words on a file it refused (English).
	Upload string
	// State is the answer recorded: done, nothing-held or cannot.
	State string
}

// TaskCategory is one of a system's categories on the task page: its
// registry name and its title in words.
type TaskCategory struct{ Name, Title string }

// AlreadyOpenWords is what the "request-already-open" page says of d, in
// English, for the API's JSON answer.
func AlreadyOpenWords(d Submitted) string { return alreadyOpenWordsEN(d) }
