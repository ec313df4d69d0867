// Package request is the privacy request domain: what a person can ask for,
// who asked, through which channel, and where the request stands.
package request

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Kind is one right a requester exercises. A request may carry several.
type Kind string

// The kinds of request the privacy policy offers.
const (
	AccessCategories Kind = "access-categories" // right to know: categories of data
	AccessSpecific   Kind = "access-specific"   // right to know: specific pieces of data
	Deletion         Kind = "deletion"
	Correction       Kind = "correction"
	Portability      Kind = "portability"
	OptOutSale       Kind = "opt-out-sale"      // opt out of sale or sharing (also Sec-GPC: 1)
	OptOutMarketing  Kind = "opt-out-marketing" // stop marketing mail
	ChildData        Kind = "child-data"        // a parent reports data of someone under 18
	Unclear          Kind = "unclear"           // mail that asks for nothing we could recognise
)

// Kinds lists every kind a requester can choose, in the order the form shows them.
var Kinds = []Kind{AccessCategories, AccessSpecific, Deletion, Correction, Portability, OptOutSale, OptOutMarketing, ChildData}

// Valid reports whether k is a known kind (Unclear included).
func (k Kind) Valid() bool {
	if k == Unclear {
		return true
	}
	for _, v := range Kinds {
		if v == k {
			return true
		}
	}
	return false
}

// IsOptOut reports whether k is an opt-out, which needs no verification and
// no acknowledgement.
func (k Kind) IsOptOut() bool { return k == OptOutSale || k == OptOutMarketing }

// Title is the kind in plain words, as the requester reads it.
func (k Kind) Title() string {
	switch k {
	case AccessCategories:
		return "Know what categories of personal data we hold about you"
	case AccessSpecific:
		return "Get a copy of the specific pieces of personal data we hold about you"
	case Deletion:
		return "Delete your personal data"
	case Correction:
		return "Correct inaccurate personal data"
	case Portability:
		return "Receive your data in a portable, machine-readable format"
	case OptOutSale:
		return "Opt out of the sale or sharing of your personal data"
	case OptOutMarketing:
		return "Stop marketing email"
	case ChildData:
		return "Delete the data of a child under 18"
	case Unclear:
		return "A request we need you to clarify"
	}
	return string(k)
}

// Channel is how the request reached us.
type Channel string

// Channels.
const (
	Web   Channel = "web"
	Email Channel = "email"
)

// Priority orders the team's work; mail marked "CCPA Request" and child data are expedited.
type Priority string

// Priorities.
const (
	Normal    Priority = "normal"
	Expedited Priority = "expedited"
)

// Identity is what the requester tells us about themselves. All of it is
// personal data: it never goes into a log line.
type Identity struct {
	Name         string `json:"name" dynamodbav:"name"`
	Email        string `json:"email" dynamodbav:"email"`
	Phone        string `json:"phone,omitempty" dynamodbav:"phone,omitempty"`
	Address      string `json:"address,omitempty" dynamodbav:"address,omitempty"`
	Company      string `json:"company,omitempty" dynamodbav:"company,omitempty"`
	Relationship string `json:"relationship,omitempty" dynamodbav:"relationship,omitempty"` // customer, former customer, supplier, visitor...
	State        string `json:"state,omitempty" dynamodbav:"state,omitempty"`               // two-letter US state of residence, or empty
}

// Subject identifies the person a request is about when that is not the
// requester (a child). Email or Account must be set; all of it is personal
// data.
type Subject struct {
	Name    string `json:"name,omitempty" dynamodbav:"name,omitempty"`
	Email   string `json:"email,omitempty" dynamodbav:"email,omitempty"`
	Account string `json:"account,omitempty" dynamodbav:"account,omitempty"` // an account ID or username with us
}

// CopyAsked reports whether kinds ask for a copy of the data: specific
// pieces, or portability (specific pieces in a portable format). Those
// need the higher verification: the requester's declaration under penalty
// of perjury, on the form or on the confirmation page.
func CopyAsked(kinds []Kind) bool {
	return slices.Contains(kinds, AccessSpecific) || slices.Contains(kinds, Portability)
}

// CategoriesOnly reports whether kinds ask to know the categories of data
// held and no copy: exports then find which categories hold the person,
// and no record reaches the requester.
func CategoriesOnly(kinds []Kind) bool {
	return slices.Contains(kinds, AccessCategories) && !CopyAsked(kinds)
}

// CorrectionInWords is the Item of a correction the requester gave in
// their own words (by mail): its Right holds their message, which no
// system can take until the team writes it as one does (the console's
// "Write the correction for the systems").
const CorrectionInWords = "as described in the message"

// InWords reports whether c is a correction in the requester's own words
// (CorrectionInWords).
func (c CorrectionItem) InWords() bool { return c.Item == CorrectionInWords }

// CorrectionItem is one item a requester asks us to correct: which piece of
// data, what it says now (may be empty) and what it should say.
type CorrectionItem struct {
	Item  string `json:"item" dynamodbav:"item"`
	Wrong string `json:"wrong,omitempty" dynamodbav:"wrong,omitempty"`
	Right string `json:"right" dynamodbav:"right"`
}

// Agent describes an authorized agent acting for the consumer.
type Agent struct {
	Name  string `json:"name" dynamodbav:"name"`
	Email string `json:"email" dynamodbav:"email"`
}

// Status is where a request stands.
type Status string

// Statuses, in the order a request usually passes through them.
const (
	Received     Status = "received"
	Acknowledged Status = "acknowledged"
	Verifying    Status = "verifying"
	Verified     Status = "verified"
	InProgress   Status = "in-progress"
	Extended     Status = "extended"
	Completed    Status = "completed"
	Denied       Status = "denied"
	Unverified   Status = "closed-unverified"
	Withdrawn    Status = "withdrawn"
	// NotARequest: the team read an unclear mail and found it asks
	// nothing of anyone's personal data (a question, a complaint): closed
	// here, counted in no request figure.
	NotARequest Status = "closed-not-a-request"
)

// Closed reports whether no more work happens on a request in status s.
func (s Status) Closed() bool {
	switch s {
	case Completed, Denied, Unverified, Withdrawn, NotARequest:
		return true
	}
	return false
}

var transitions = map[Status][]Status{
	Received:     {Acknowledged, Verifying, InProgress, Completed, Denied, Withdrawn, NotARequest},
	Acknowledged: {Verifying, InProgress, Denied, Withdrawn, NotARequest},
	Verifying:    {Verified, Unverified, Denied, Withdrawn},
	Verified:     {InProgress, Extended, Completed, Denied, Withdrawn},
	InProgress:   {Extended, Completed, Denied, Withdrawn},
	Extended:     {InProgress, Completed, Denied, Withdrawn},
}

// ErrTransition is the class of illegal status changes.
var ErrTransition = errors.New("illegal status transition")

// TransitionError names the illegal change.
type TransitionError struct {
	From, To Status
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("%s: %s → %s", ErrTransition, e.From, e.To)
}

// Unwrap lets errors.Is(err, ErrTransition) match.
func (e *TransitionError) Unwrap() error { return ErrTransition }

// CheckTransition returns a *TransitionError unless from → to is allowed.
func CheckTransition(from, to Status) error {
	for _, s := range transitions[from] {
		if s == to {
			return nil
		}
	}
	return &TransitionError{From: from, To: to}
}

// Request is one privacy request and its clocks.
type Request struct {
	ID         string   `json:"id" dynamodbav:"id"`
	SourceID   string   `json:"sourceId" dynamodbav:"sourceId"` // submission ID or SES messageId
	Kinds      []Kind   `json:"kinds" dynamodbav:"kinds"`
	Status     Status   `json:"status" dynamodbav:"status"`
	Channel    Channel  `json:"channel" dynamodbav:"channel"`
	Priority   Priority `json:"priority" dynamodbav:"priority"`
	Regulation string   `json:"regulation,omitempty" dynamodbav:"regulation,omitempty"` // "CCPA" when the requester invoked it
	Requester  Identity `json:"requester" dynamodbav:"requester"`
	Agent      *Agent   `json:"agent,omitempty" dynamodbav:"agent,omitempty"`
	Details    string   `json:"details,omitempty" dynamodbav:"details,omitempty"` // free text: what to correct, which data
	// Subject is the person whose data the request concerns when it is not
	// the requester: the child of a child's-data request. Nil means the
	// requester. Connectors and owners' tasks target the subject; mail
	// goes to the requester.
	Subject *Subject `json:"subject,omitempty" dynamodbav:"subject,omitempty"`
	// Corrections are what a correction request says is wrong and what it
	// should be, item by item.
	Corrections []CorrectionItem `json:"corrections,omitempty" dynamodbav:"corrections,omitempty"`
	GPC         bool             `json:"gpc,omitempty" dynamodbav:"gpc,omitempty"` // a Global Privacy Control signal came with it
	ReceivedAt  time.Time        `json:"receivedAt" dynamodbav:"receivedAt"`
	Due         Due              `json:"due" dynamodbav:"due"`
	// Language is the language the requester wrote in and is answered in:
	// "es" (Spanish) or "en" (English) for mail, as triage read it. Empty,
	// as for the web form, means English.
	Language string `json:"language,omitempty" dynamodbav:"language,omitempty"`
	// DuplicateOf lists earlier requests of the same person; each still verifies on its own.
	DuplicateOf []string `json:"duplicateOf,omitempty" dynamodbav:"duplicateOf,omitempty"`
	// AcknowledgedAt is when the acknowledgement (or opt-out confirmation) was sent.
	AcknowledgedAt time.Time `json:"acknowledgedAt,omitzero" dynamodbav:"acknowledgedAt,omitempty"`
	// AckCappedAt is when the acknowledgement was held back because the
	// address had its automatic mails for the day; the team acknowledges.
	AckCappedAt  time.Time `json:"ackCappedAt,omitzero" dynamodbav:"ackCappedAt,omitempty"`
	AckMessageID string    `json:"ackMessageId,omitempty" dynamodbav:"ackMessageId,omitempty"`
	// VerifyLinkUntil, set when the request is stored, says that its
	// acknowledgement carries the verification link, which works until
	// then: the request workflow's verification step then mails nothing.
	// Zero: the link comes in a mail of its own.
	VerifyLinkUntil time.Time `json:"verifyLinkUntil,omitzero" dynamodbav:"verifyLinkUntil,omitempty"`
	// VerifyTaskToken is the task token of the request workflow's wait
	// for that link, written with the move to verifying; never shown.
	VerifyTaskToken string    `json:"-" dynamodbav:"verifyTaskToken,omitempty"`
	UpdatedAt       time.Time `json:"updatedAt" dynamodbav:"updatedAt"`
	// ClosedAt is when the request closed (completed, denied, withdrawn or
	// closed unverified): its answer's date for the yearly metrics, and
	// the start of its 24 months' retention.
	ClosedAt time.Time `json:"closedAt,omitzero" dynamodbav:"closedAt,omitempty"`
	// ExpiresAt is when the closed request's record and trail are deleted
	// (epoch seconds, the table's TTL); 0 while it is open.
	ExpiresAt int64 `json:"-" dynamodbav:"expiresAt,omitempty"`
	// Fingerprint is ContentFingerprint as the request was submitted: a
	// later submission with the same source ID is the same request only
	// if its fingerprint is equal. A hash, not personal data in clear.
	Fingerprint string `json:"fingerprint,omitempty" dynamodbav:"fingerprint,omitempty"`
	// NextDue is the next deadline the team must meet while the request
	// is open, as the store keeps it for the open-work index (dueAt): the
	// acknowledgement's until it is sent, then the answer's (or the
	// opt-out's for a request of opt-outs only), the extended one once
	// extended.
	NextDue time.Time `json:"-" dynamodbav:"dueAt,omitempty"`
	// Attention, while set, puts the request on the team's "needs
	// attention" list: the audit action that raised it (NeedsAttention).
	Attention string `json:"attention,omitempty" dynamodbav:"attention,omitempty"`
}

// Due holds a request's legal deadlines. A zero time means the clock does not apply.
type Due struct {
	Acknowledge time.Time `json:"acknowledge,omitzero" dynamodbav:"acknowledge,omitempty"`
	Response    time.Time `json:"response,omitzero" dynamodbav:"response,omitempty"`
	Extended    time.Time `json:"extended,omitzero" dynamodbav:"extended,omitempty"`
	OptOut      time.Time `json:"optOut,omitzero" dynamodbav:"optOut,omitempty"`
}

// Next is the earliest deadline still ahead of the request: what the team must meet next.
func (d Due) Next() time.Time {
	var next time.Time
	for _, t := range []time.Time{d.Acknowledge, d.OptOut, d.Response} {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}

// TargetEmail is the address of the person whose data is acted on: the
// subject's when the request names a subject (empty when the subject has
// no address: the reporter's address never stands in for a child's), else
// the requester's.
func (r *Request) TargetEmail() string {
	if r.Subject != nil {
		return r.Subject.Email
	}
	return r.Requester.Email
}

// OptOutKinds are the opt-outs the request asks for (they run on their own
// clock, verified or not).
func (r *Request) OptOutKinds() []Kind {
	var out []Kind
	for _, k := range r.Kinds {
		if k.IsOptOut() {
			out = append(out, k)
		}
	}
	return out
}

// ConsumerUnknown reports whether r came from an authorized agent who has
// not yet named the consumer: its requester of record is the agent (mail
// from an agent opens it so). Nothing is verified or carried out for it
// until the team names the consumer, who then confirms directly.
func (r *Request) ConsumerUnknown() bool {
	return r.Channel == Email && r.Agent != nil && NormalizeEmail(r.Requester.Email) == NormalizeEmail(r.Agent.Email)
}

// OnlyOptOuts reports whether every kind asked for is an opt-out.
func (r *Request) OnlyOptOuts() bool {
	if len(r.Kinds) == 0 {
		return false
	}
	for _, k := range r.Kinds {
		if !k.IsOptOut() {
			return false
		}
	}
	return true
}

// Event is one entry of a request's audit trail: who did what, when and why.
// Details never carry personal data beyond what the record already holds.
type Event struct {
	RequestID string            `json:"requestId" dynamodbav:"requestId"`
	At        time.Time         `json:"at" dynamodbav:"at"`
	Actor     string            `json:"actor" dynamodbav:"actor"`   // "requester", "system:intake-web", "team:<name>"
	Action    string            `json:"action" dynamodbav:"action"` // "created", "acknowledged", "status:verified"...
	Reason    string            `json:"reason,omitempty" dynamodbav:"reason,omitempty"`
	Data      map[string]string `json:"data,omitempty" dynamodbav:"data,omitempty"`
	// Once, when set, makes the event idempotent: appending an event with the
	// same request and Once key again, at any time, keeps the first and
	// succeeds.
	Once string `json:"-" dynamodbav:"-"`
}

// NewID derives a request's ID from where it came from (a submission ID or
// an SES messageId), so that the same source always names the same request.
// It is not secret and carries no personal data: "PR-" and four groups of
// four base32 characters.
func NewID(ch Channel, sourceID string) string {
	in := make([]byte, 0, 160) // on the stack for the IDs the desk makes
	in = append(append(append(in, ch...), 0), sourceID...)
	sum := sha256.Sum256(in)
	// The first 16 characters of the base32 of the digest, in four groups.
	var enc [56]byte
	idEncoding.Encode(enc[:], sum[:])
	id := [3 + 19]byte{'P', 'R', '-'}
	for g := range 4 {
		copy(id[3+5*g:], enc[4*g:4*g+4])
		if g < 3 {
			id[3+5*g+4] = '-'
		}
	}
	return string(id[:])
}

// idEncoding writes request IDs' digests.
var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Errors a store reports, for callers to classify.
var (
	ErrNotFound = errors.New("request not found")
	// ErrConflict means the request changed underneath: the status was not
	// the one the caller expected.
	ErrConflict = errors.New("request changed concurrently")
)

// Errors the completion of a workflow's waiting task reports (the Step
// Functions adapter, shared/sfn, maps the service's own to them), for the
// service that asked the workflow to wait to tell apart.
var (
	// ErrTaskTimedOut means the task's wait ended (its timeout passed)
	// before it was completed: the workflow has taken its timeout path.
	ErrTaskTimedOut = errors.New("workflow task timed out")
	// ErrTaskGone means no open task has the token: the task was completed
	// already, its execution ended, or the token is not a task token.
	ErrTaskGone = errors.New("workflow task no longer open")
)

// NormalizeEmail is the form of an address used to find a person's requests:
// trimmed and lower-cased.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// ContentFingerprint is a SHA-256, keyed by the request ID, over what the
// requester asked and who they are, normalised (kinds in a fixed order,
// addresses trimmed and lower-cased): equal for a repeat of the same
// submission, different when any of it differs. Status, clocks and
// bookkeeping are not part of it.
func (r *Request) ContentFingerprint() string {
	kinds := slices.Clone(r.Kinds)
	slices.Sort(kinds)
	id := r.Requester
	id.Email = NormalizeEmail(id.Email)
	var agent *Agent
	if r.Agent != nil {
		agent = &Agent{Name: r.Agent.Name, Email: NormalizeEmail(r.Agent.Email)}
	}
	var subject *Subject
	if r.Subject != nil {
		subject = &Subject{Name: r.Subject.Name, Email: NormalizeEmail(r.Subject.Email), Account: r.Subject.Account}
	}
	content := struct {
		V           int              `json:"v"`
		ID          string           `json:"id"`
		Channel     Channel          `json:"channel"`
		Kinds       []Kind           `json:"kinds"`
		Priority    Priority         `json:"priority"`
		Regulation  string           `json:"regulation"`
		Requester   Identity         `json:"requester"`
		Agent       *Agent           `json:"agent"`
		Subject     *Subject         `json:"subject"`
		Corrections []CorrectionItem `json:"corrections"`
		Details     string           `json:"details"`
		GPC         bool             `json:"gpc"`
		Language    string           `json:"language"`
	}{1, r.ID, r.Channel, kinds, r.Priority, r.Regulation, id, agent, subject, r.Corrections, r.Details, r.GPC, r.Language}
	b, _ := json.Marshal(content) // plain strings and bools: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// SameContent reports whether other (a new submission with r's ID) asks
// the same as r did when it was stored. A request stored before
// fingerprints were kept is compared by its content as stored.
func (r *Request) SameContent(other *Request) bool {
	mine := r.Fingerprint
	if mine == "" {
		mine = r.ContentFingerprint()
	}
	theirs := other.Fingerprint
	if theirs == "" {
		theirs = other.ContentFingerprint()
	}
	return mine == theirs
}

// KeptUntil is when a closed request's record is deleted; zero while it
// is open.
func (r *Request) KeptUntil() time.Time {
	if r.ExpiresAt == 0 {
		return time.Time{}
	}
	return time.Unix(r.ExpiresAt, 0).UTC()
}

// AnswerBy is the date the requester is told they will have an answer by:
// the response deadline, or the extended one once the request is extended
// (the extension notice went out). Zero when no answer is due (opt-outs).
func (r *Request) AnswerBy() time.Time {
	if r.Status == Extended && !r.Due.Extended.IsZero() {
		return r.Due.Extended
	}
	return r.Due.Response
}
