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
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
)

// DefaultTTL is how long a verification link works: the workflow waits as
// long (and a little longer) before it closes the request unverified.
const DefaultTTL = 7 * 24 * time.Hour

// Audit actions and actors the service writes.
const (
	ActionSent       = "verification-sent"
	ActionVerified   = "verified"
	ActionUnverified = "status:" + string(request.Unverified)
	ActionNoticeSent = "unverified-notice-sent"
	Actor            = "system:verify"
	ActorRequester   = "requester"
	MethodEmailLink  = "email-link"
	// ReasonNotInTime is the reason the workflow gives when nobody
	// confirmed the request before the link expired.
	ReasonNotInTime = "not-verified-in-time"
)

// Purposes of the marker records that make the two mails idempotent. They
// sit in the token store under a key no raw token hashes to, are stored as
// used (so they can never be consumed), and expire with the link.
const (
	purposeMailed  token.Purpose = "verify-mailed"
	purposeNoticed token.Purpose = "verify-noticed"
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

// TaskAPI completes the workflow task that waits for verification
// (*sfn.Client).
type TaskAPI interface {
	SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, opts ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
}

var _ TaskAPI = (*sfn.Client)(nil)

// Service verifies requesters by email control.
type Service struct {
	Store  Store
	Tokens token.Store
	Issuer token.Issuer
	Mail   mail.Sender
	Tasks  TaskAPI
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
}

// TransientError is a failure worth retrying (the store, the mail service
// or Step Functions did not answer as they should). Start and Close return
// it unwrapped, so Lambda names it "TransientError" and the workflow's
// Retry matches it.
type TransientError struct {
	Op  string
	Err error
}

func (e *TransientError) Error() string { return "verify: " + e.Op + ": " + e.Err.Error() }

// Unwrap exposes the cause.
func (e *TransientError) Unwrap() error { return e.Err }

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

// StartInput is the workflow's verification task payload.
type StartInput struct {
	RequestID string `json:"requestId"`
	TaskToken string `json:"taskToken"`
}

// StartOutput says what Start did. The workflow does not read it: it waits
// for the task token.
type StartOutput struct {
	RequestID string    `json:"requestId"`
	Mailed    bool      `json:"mailed"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	// Skipped says why nothing was mailed: "already-mailed" (a retry of
	// the same task).
	Skipped string `json:"skipped,omitempty"`
}

// Start moves the request to verifying, issues a link, mails it to the
// requester in their language and records it.
//
// A retry of the same task mails once: after the mail goes out a marker
// keyed by the hash of the task token is stored, and Start checks it
// first. The crash window is between the send and the marker's write: a
// Lambda retry then mails a second link (both work; either completes the
// same task). A lost mail is worse than a second one, so the marker is
// written after the send, not before.
func (s *Service) Start(ctx context.Context, in StartInput) (StartOutput, error) {
	out := StartOutput{RequestID: in.RequestID}
	if in.RequestID == "" || in.TaskToken == "" {
		return out, errors.New("verify: start needs requestId and taskToken")
	}
	r, err := s.Store.Get(ctx, in.RequestID)
	if errors.Is(err, request.ErrNotFound) {
		return out, fmt.Errorf("verify: %w", err)
	}
	if err != nil {
		return out, &TransientError{Op: "get request", Err: err}
	}
	marker := markerHash(string(purposeMailed), in.TaskToken)
	switch m, err := s.Tokens.Get(ctx, marker); {
	case err == nil:
		out.Skipped = "already-mailed"
		if err := s.appendSent(ctx, r.ID, in.TaskToken, m); err != nil {
			return out, err
		}
		return out, nil
	case !errors.Is(err, token.ErrNotFound):
		return out, &TransientError{Op: "get marker", Err: err}
	}

	now := s.Now()
	switch r.Status {
	case request.Received, request.Acknowledged:
		if err := s.Store.SetStatus(ctx, r.ID, r.Status, request.Verifying, now); err != nil {
			return out, &TransientError{Op: "set status verifying", Err: err}
		}
	case request.Verifying:
	default:
		return out, &ClosedError{RequestID: r.ID, Status: r.Status}
	}

	raw, rec, err := s.Issuer.Issue(token.Verify, r.ID, in.TaskToken, s.ttl(), nil)
	if err != nil {
		return out, &TransientError{Op: "issue token", Err: err}
	}
	if err := s.Tokens.Put(ctx, rec); err != nil {
		return out, &TransientError{Op: "store token", Err: err}
	}
	link, err := s.link(raw)
	if err != nil {
		return out, err
	}
	msg, err := mail.RenderVerification(r.Requester.Email, mail.Verification{
		RequestID: r.ID, Kinds: r.Kinds, Link: link, ExpiresAt: rec.ExpiresAt,
		TeamAddress: s.TeamAddress, Location: s.Location, Language: r.Language,
	})
	if err != nil {
		return out, fmt.Errorf("verify: render mail for %s: %w", r.ID, err)
	}
	if _, err := s.Mail.Send(ctx, msg); err != nil {
		if errors.Is(err, mail.ErrRecipient) {
			return out, fmt.Errorf("verify: mail for %s: %w", r.ID, err)
		}
		return out, &TransientError{Op: "send verification mail", Err: err}
	}
	m := token.Record{
		Hash: marker, Purpose: purposeMailed, RequestID: r.ID, ExpiresAt: rec.ExpiresAt, Used: true, UsedAt: now,
		Data: map[string]string{"mailedAt": now.UTC().Format(time.RFC3339Nano), "expiresAt": rec.ExpiresAt.UTC().Format(time.RFC3339Nano)},
	}
	if err := s.Tokens.Put(ctx, m); err != nil {
		// The mail is out: a retry would send another. Keep going.
		s.log().WarnContext(ctx, "verification mail sent but its marker was not stored", "requestId", r.ID, "error", err)
	}
	if err := s.appendSent(ctx, r.ID, in.TaskToken, m); err != nil {
		return out, err
	}
	s.log().InfoContext(ctx, "verification mail sent", "requestId", r.ID)
	out.Mailed, out.ExpiresAt = true, rec.ExpiresAt
	return out, nil
}

// appendSent records the sent mail, dated by the marker so that a retry
// records it once.
func (s *Service) appendSent(ctx context.Context, id, taskToken string, m token.Record) error {
	at, err := time.Parse(time.RFC3339Nano, m.Data["mailedAt"])
	if err != nil {
		at = m.UsedAt
	}
	ev := request.Event{
		RequestID: id, At: at, Actor: Actor, Action: ActionSent, Once: markerHash("sent", taskToken)[:16],
		Data: map[string]string{"method": MethodEmailLink, "expiresAt": m.Data["expiresAt"]},
	}
	if err := s.Store.AppendEvent(ctx, ev); err != nil {
		return &TransientError{Op: "append event", Err: err}
	}
	return nil
}

func (s *Service) link(raw string) (string, error) {
	u, err := url.Parse(s.LinkBase)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", errors.New("verify: LinkBase is not an absolute URL")
	}
	u.RawQuery = url.Values{"t": {raw}}.Encode()
	u.Fragment = ""
	return u.String(), nil
}

// Link is what the confirm page shows before the requester confirms. It
// holds no personal data.
type Link struct {
	RequestID string
	Kinds     []request.Kind
	ExpiresAt time.Time
	// Language is the request's language ("es", "en" or empty for
	// English), set whenever the request was read.
	Language string
}

// record reads the verification token of a raw link value without using it.
func (s *Service) record(ctx context.Context, raw string) (token.Record, error) {
	hash, err := token.Hash(raw)
	if err != nil {
		return token.Record{}, ErrLinkUnknown
	}
	rec, err := s.Tokens.Get(ctx, hash)
	if errors.Is(err, token.ErrNotFound) {
		return token.Record{}, ErrLinkUnknown
	}
	if err != nil {
		return token.Record{}, fmt.Errorf("verify: read link: %w", err)
	}
	if rec.Purpose != token.Verify {
		return token.Record{}, ErrLinkPurpose
	}
	return rec, nil
}

// Lookup reads the link for the confirm page's GET and changes nothing.
func (s *Service) Lookup(ctx context.Context, raw string) (Link, error) {
	rec, err := s.record(ctx, raw)
	if err != nil {
		return Link{}, err
	}
	switch {
	case rec.Used:
		return Link{RequestID: rec.RequestID}, ErrLinkUsed
	case !s.Now().Before(rec.ExpiresAt):
		return Link{RequestID: rec.RequestID}, ErrLinkExpired
	}
	r, err := s.Store.Get(ctx, rec.RequestID)
	if err != nil {
		return Link{}, fmt.Errorf("verify: lookup: %w", err)
	}
	l := Link{RequestID: r.ID, Kinds: r.Kinds, ExpiresAt: rec.ExpiresAt, Language: r.Language}
	if r.Status != request.Verifying {
		if r.Status == request.Verified {
			return l, ErrLinkUsed
		}
		return l, ErrRequestClosed
	}
	return l, nil
}

// Confirmation is what the page shows after the requester confirmed.
type Confirmation struct {
	RequestID  string
	VerifiedAt time.Time
	AnswerBy   time.Time // request.AnswerBy: the response date, the extended one once extended; zero for none
	// Language is the request's language ("es", "en" or empty for
	// English), set whenever the request was read.
	Language string
}

// taskOutput is what the waiting workflow task receives: no personal data.
type taskOutput struct {
	RequestID  string    `json:"requestId"`
	VerifiedAt time.Time `json:"verifiedAt"`
}

// ResumeAfter is how long after a link was used a confirmation of the same
// link may finish the work the first one left undone (the store or Step
// Functions failed after the link was used): long enough that concurrent
// presses of one button never both complete the task.
const ResumeAfter = time.Minute

// Confirm uses the link (one conditional update: only one of any number
// of concurrent confirmations wins), marks the request verified, records
// it, and completes the workflow's task.
//
// If the first confirmation failed after using the link, the requester's
// retry (ResumeAfter later) finishes it. If the task is gone (it timed out
// and the workflow closed the request), Confirm returns ErrRequestClosed.
func (s *Service) Confirm(ctx context.Context, raw string) (Confirmation, error) {
	rec, err := s.record(ctx, raw) // a token of another purpose is refused before it is used
	if err != nil {
		return Confirmation{}, err
	}
	now := s.Now()
	used, err := s.Tokens.Consume(ctx, rec.Hash, now)
	resumed := false
	switch {
	case errors.Is(err, token.ErrUsed):
		again, gerr := s.Tokens.Get(ctx, rec.Hash)
		if gerr != nil || !again.Used || again.UsedAt.IsZero() || now.Sub(again.UsedAt) < ResumeAfter {
			return Confirmation{RequestID: rec.RequestID}, ErrLinkUsed
		}
		used, resumed = again, true
	case errors.Is(err, token.ErrExpired):
		return Confirmation{}, ErrLinkExpired
	case errors.Is(err, token.ErrNotFound):
		return Confirmation{}, ErrLinkUnknown
	case err != nil:
		return Confirmation{}, fmt.Errorf("verify: use link: %w", err)
	}
	return s.complete(ctx, used, resumed)
}

// complete does what follows the use of link rec: status, audit event and
// the workflow's task. Its steps can be repeated: the event is dated by
// the link's use, so it is recorded once.
func (s *Service) complete(ctx context.Context, rec token.Record, resumed bool) (Confirmation, error) {
	at := rec.UsedAt
	r, err := s.Store.Get(ctx, rec.RequestID)
	if err != nil {
		return Confirmation{}, fmt.Errorf("verify: confirm: %w", err)
	}
	// The response date, or the extended one only once the request has
	// been extended.
	c := Confirmation{RequestID: r.ID, VerifiedAt: at, AnswerBy: r.AnswerBy(), Language: r.Language}
	switch r.Status {
	case request.Verifying:
		err := s.Store.SetStatus(ctx, r.ID, request.Verifying, request.Verified, at)
		if errors.Is(err, request.ErrConflict) {
			// Raced the close path (or a withdrawal): whoever moved the
			// request first decides.
			if cur, gerr := s.Store.Get(ctx, r.ID); gerr == nil && cur.Status != request.Verified {
				return c, ErrRequestClosed
			}
			err = nil
		}
		if err != nil {
			return c, fmt.Errorf("verify: confirm %s: %w", r.ID, err)
		}
	case request.Verified:
	case request.InProgress, request.Extended, request.Completed:
		// Verified before and carried on since: this is a used link, not
		// a closed request.
		return c, ErrLinkUsed
	default:
		return c, ErrRequestClosed
	}
	if err := s.Store.AppendEvent(ctx, request.Event{
		RequestID: r.ID, At: at, Actor: ActorRequester, Action: ActionVerified, Once: ActionVerified,
		Data: map[string]string{"method": MethodEmailLink},
	}); err != nil {
		return c, fmt.Errorf("verify: confirm %s: %w", r.ID, err)
	}
	body, _ := json.Marshal(taskOutput{RequestID: r.ID, VerifiedAt: at.UTC()})
	_, err = s.Tasks.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(rec.TaskToken), Output: aws.String(string(body))})
	var timedOut *types.TaskTimedOut
	var gone *types.TaskDoesNotExist
	var invalid *types.InvalidToken
	switch {
	case (errors.As(err, &timedOut) || errors.As(err, &gone) || errors.As(err, &invalid)) && resumed:
		// Most likely the first confirmation did complete the task.
		return c, ErrLinkUsed
	case errors.As(err, &timedOut):
		// The link was used in time but the workflow stopped waiting
		// meanwhile: its close path (Close) finds the request verified and
		// the workflow hands it to fulfilment.
		s.log().WarnContext(ctx, "verified as the workflow stopped waiting; its close path hands it over", "requestId", r.ID)
		return c, nil
	case errors.As(err, &gone), errors.As(err, &invalid):
		s.log().WarnContext(ctx, "verified after the workflow stopped waiting", "requestId", r.ID)
		return c, ErrRequestClosed
	case err != nil:
		return c, fmt.Errorf("verify: complete task of %s: %w", r.ID, err)
	}
	s.log().InfoContext(ctx, "request verified", "requestId", r.ID, "resumed", resumed)
	return c, nil
}

// CloseInput is the workflow's timeout path payload.
type CloseInput struct {
	RequestID string `json:"requestId"`
	Reason    string `json:"reason"`
}

// CloseOutput says what Close did.
type CloseOutput struct {
	RequestID  string `json:"requestId"`
	Closed     bool   `json:"closed"`
	NoticeSent bool   `json:"noticeSent"`
	// Verified is true when the request was confirmed at the last moment
	// (the link used before it expired, the task completed too late): the
	// workflow then hands it to fulfilment instead of ending. Always
	// present, so the workflow's ResultSelector can read it.
	Verified bool `json:"verified"`
	// Skipped says why nothing was done: "verified" (confirmed at the last
	// moment) or the status the request is in.
	Skipped string `json:"skipped,omitempty"`
}

// Close closes a request that was never verified and mails the requester
// why, with an opt-out of sale offered in place of a deletion. A retry
// records and mails once (the notice's marker is keyed by the request).
func (s *Service) Close(ctx context.Context, in CloseInput) (CloseOutput, error) {
	out := CloseOutput{RequestID: in.RequestID}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" {
		reason = ReasonNotInTime
	}
	r, err := s.Store.Get(ctx, in.RequestID)
	if errors.Is(err, request.ErrNotFound) {
		return out, fmt.Errorf("verify: %w", err)
	}
	if err != nil {
		return out, &TransientError{Op: "get request", Err: err}
	}
	var at time.Time
	switch r.Status {
	case request.Verifying:
		at = s.Now()
		if err := s.Store.SetStatus(ctx, r.ID, request.Verifying, request.Unverified, at); err != nil {
			return out, &TransientError{Op: "set status closed-unverified", Err: err}
		}
	case request.Unverified:
		at = r.UpdatedAt // closed by an earlier attempt: same event time, recorded once
	case request.Verified:
		s.log().WarnContext(ctx, "verified after the workflow stopped waiting; not closed", "requestId", r.ID)
		out.Skipped, out.Verified = "verified", true
		return out, nil
	default:
		out.Skipped = string(r.Status)
		return out, nil
	}
	out.Closed = true
	if err := s.Store.AppendEvent(ctx, request.Event{
		RequestID: r.ID, At: at, Actor: Actor, Action: ActionUnverified, Reason: reason, Once: ActionUnverified,
	}); err != nil {
		return out, &TransientError{Op: "append event", Err: err}
	}

	marker := markerHash(string(purposeNoticed), r.ID)
	switch _, err := s.Tokens.Get(ctx, marker); {
	case err == nil:
		return out, nil
	case !errors.Is(err, token.ErrNotFound):
		return out, &TransientError{Op: "get marker", Err: err}
	}
	msg, err := mail.RenderUnverified(r.Requester.Email, mail.Unverified{
		RequestID: r.ID, Kinds: r.Kinds, ReceivedAt: r.ReceivedAt, Days: int(s.ttl() / (24 * time.Hour)),
		FormURL: s.FormURL, TeamAddress: s.TeamAddress, Location: s.Location, Language: r.Language,
	})
	if err != nil {
		return out, fmt.Errorf("verify: render notice for %s: %w", r.ID, err)
	}
	if _, err := s.Mail.Send(ctx, msg); err != nil {
		if errors.Is(err, mail.ErrRecipient) {
			return out, fmt.Errorf("verify: notice for %s: %w", r.ID, err)
		}
		return out, &TransientError{Op: "send notice", Err: err}
	}
	now := s.Now()
	if err := s.Tokens.Put(ctx, token.Record{Hash: marker, Purpose: purposeNoticed, RequestID: r.ID,
		ExpiresAt: now.Add(s.ttl()), Used: true, UsedAt: now}); err != nil {
		s.log().WarnContext(ctx, "notice sent but its marker was not stored", "requestId", r.ID, "error", err)
	}
	if err := s.Store.AppendEvent(ctx, request.Event{
		RequestID: r.ID, At: at, Actor: Actor, Action: ActionNoticeSent, Reason: reason, Once: ActionNoticeSent,
	}); err != nil {
		return out, &TransientError{Op: "append event", Err: err}
	}
	s.log().InfoContext(ctx, "request closed unverified", "requestId", r.ID)
	out.NoticeSent = true
	return out, nil
}

// WorkflowInput is the request workflow's input (workflows/request.asl.json):
// the request ID and whether it must be verified. Nothing else: the
// workflow holds no personal data.
type WorkflowInput struct {
	RequestID string `json:"requestId"`
	Verify    bool   `json:"verify"`
}

// NewWorkflowInput is the request workflow's input for r: every request
// is verified except one that asks only for opt-outs.
func NewWorkflowInput(r *request.Request) WorkflowInput {
	return WorkflowInput{RequestID: r.ID, Verify: !r.OnlyOptOuts()}
}
