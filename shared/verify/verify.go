// Package verify is identity verification by email control: the request
// workflow asks for it (Start, a waitForTaskToken task), the requester
// opens the mailed single-use link and confirms on a page (Lookup on GET,
// Confirm on POST, so a mail scanner that prefetches the link verifies
// nothing), and a request nobody confirms within the link's life is closed
// with a notice (Close, the workflow's timeout path).
//
// Only the SHA-256 of the 32-byte token is stored, next to the workflow's
// task token, with an expiry; Confirm uses it in one conditional update.
package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
)

// DefaultTTL is how long a verification link works: the workflow waits as
// long (and a little longer) before it closes the request unverified.
const DefaultTTL = 7 * 24 * time.Hour

// Audit actions and actors the service writes.
const (
	ActionSent       = request.ActionVerificationSent
	ActionVerified   = request.ActionVerified
	ActionNoticeSent = request.ActionUnverifiedNoticeSent
	Actor            = "system:verify"
	ActorRequester   = "requester"
	MethodEmailLink  = "email-link"
	// ReasonNotInTime is the reason the workflow gives when nobody
	// confirmed the request before the link expired.
	ReasonNotInTime = "not-verified-in-time"
)

// ActionUnverified is the event of a request's close as unverified.
var ActionUnverified = request.StatusAction(request.Unverified)

// Purposes of the marker records that make the two mails idempotent. They
// sit in the token store under a key no raw token hashes to, are stored as
// used (so they can never be consumed), and expire with the link.
const (
	purposeMailed  token.Purpose = "verify-mailed"
	purposeNoticed token.Purpose = "verify-noticed"
	// purposeTask keeps, per request, the task token its verification
	// waits on and when the wait ends, so the team can resend the link.
	purposeTask token.Purpose = "verify-task"
)

// Errors Lookup and Confirm return; the confirm page maps each to a page.
var (
	ErrLinkUnknown   = errors.New("verify: unknown link")
	ErrLinkUsed      = errors.New("verify: link already used")
	ErrLinkExpired   = errors.New("verify: link expired")
	ErrLinkPurpose   = errors.New("verify: link is not a verification link")
	ErrRequestClosed = errors.New("verify: request already closed")
)

// Store is what the service needs of the request store (*dynamo.Store).
type Store interface {
	Get(ctx context.Context, id string) (*request.Request, error)
	SetStatus(ctx context.Context, id string, from, to request.Status, at time.Time) error
	AppendEvent(ctx context.Context, ev request.Event) error
}

// TaskCompleter completes the workflow task that waits for verification
// (*sfn.Tasks). When the task can no longer be completed its error is
// ErrTaskTimedOut (the wait ended first) or ErrTaskGone (no task has the
// token); any other error is worth retrying.
type TaskCompleter interface {
	Complete(ctx context.Context, taskToken string, output json.RawMessage) error
}

// Errors of a TaskCompleter, as the request package names them.
var (
	ErrTaskTimedOut = request.ErrTaskTimedOut
	ErrTaskGone     = request.ErrTaskGone
)

// Service verifies requesters by email control.
type Service struct {
	Store  Store
	Tokens token.Store
	Issuer token.Issuer
	Mail   mail.Sender
	Tasks  TaskCompleter
	Now    func() time.Time
	// LinkBase is the public URL of the confirm page (FORM_URL + "verify");
	// the link adds only ?t=<token>.
	LinkBase string
	// FormURL is the request form, offered in the closing notice; may be empty.
	FormURL     string
	TeamAddress string
	TTL         time.Duration // DefaultTTL when zero
	Location    *time.Location
	Log         *slog.Logger
	// StatusLinks, when set, issues the link to the request's status
	// page that each mail to the requester carries.
	StatusLinks StatusLinks
}

// StatusLinks issues a new link to a request's status page
// (*status.Links).
type StatusLinks interface {
	Link(ctx context.Context, requestID string) (string, error)
}

// statusLink is a new status link for the request's mail, or "" (the mail
// goes without one) when there is none to give.
func (s *Service) statusLink(ctx context.Context, id string) string {
	return mail.StatusLinkFor(ctx, s.StatusLinks, id, s.log())
}

// TransientError is a failure worth retrying (the store, the mail service
// or Step Functions did not answer as they should). Start and Close return
// it unwrapped, so Lambda names it "TransientError" and the workflow's
// Retry matches it.
type TransientError = request.TransientError

// ClosedError is Start's answer for a request that can no longer be
// verified (closed, withdrawn, denied): the workflow catches
// "ClosedError" and ends.
type ClosedError struct {
	RequestID string
	Status    request.Status
}

func (e *ClosedError) Error() string {
	return fmt.Sprintf("verify: request %s is %s and cannot be verified", e.RequestID, e.Status)
}

func (s *Service) ttl() time.Duration {
	if s.TTL <= 0 {
		return DefaultTTL
	}
	return s.TTL
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// markerHash is the token-store key of a marker: the SHA-256 of a label
// and a value, never the hash of a 32-byte token.
func markerHash(label, value string) string {
	sum := sha256.Sum256([]byte(label + "\x00" + value))
	return hex.EncodeToString(sum[:])
}

// WorkflowInput is the request workflow's input (workflows/request.asl.json):
// the request ID, whether it must be verified, and whether it has opt-outs
// to carry out at once, before verification. Nothing else: the workflow
// holds no personal data.
type WorkflowInput struct {
	RequestID string `json:"requestId"`
	Verify    bool   `json:"verify"`
	OptOuts   bool   `json:"optOuts"`
}

// NewWorkflowInput is the request workflow's input for r: every request
// is verified except one that asks only for opt-outs.
func NewWorkflowInput(r *request.Request) WorkflowInput {
	return WorkflowInput{RequestID: r.ID, Verify: !r.OnlyOptOuts(), OptOuts: len(r.OptOutKinds()) > 0}
}
