package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
)

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
	// the same task), SkippedInAcknowledgement or SkippedConfirmed.
	Skipped string `json:"skipped,omitempty"`
}

// Why Start mailed nothing, for a request whose acknowledgement carried
// the link: it waits for the requester, or they had confirmed already and
// the task was completed at once.
const (
	SkippedInAcknowledgement = "link-in-acknowledgement"
	SkippedConfirmed         = "confirmed-before-the-wait"
)

// Start moves the request to verifying, issues a link, mails it to the
// requester in their language and records it. When the request's
// acknowledgement carried the link (request.Request.VerifyLinkUntil),
// Start mails nothing: it records the wait and completes the task at once
// if the requester confirmed already (see await).
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
	if s.linkInAcknowledgement(r) {
		return s.await(ctx, r, in.TaskToken)
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
	task := token.Record{Hash: markerHash(string(purposeTask), r.ID), Purpose: purposeTask, RequestID: r.ID, TaskToken: in.TaskToken,
		ExpiresAt: rec.ExpiresAt, Used: true, UsedAt: now}
	if err := s.Tokens.Put(ctx, task); err != nil {
		// Kept already by a retry of this task; or not stored, and then the
		// team cannot resend this link from the console: the link mailed
		// now works all the same.
		s.log().InfoContext(ctx, "verification task record not stored", "requestId", r.ID, "error", err)
	}
	link, err := s.link(raw)
	if err != nil {
		return out, err
	}
	msg, err := mail.RenderVerification(r.Requester.Email, mail.Verification{
		RequestID: r.ID, ByAgent: r.Agent != nil && !r.ConsumerUnknown(), Kinds: r.Kinds, Link: link, ExpiresAt: rec.ExpiresAt,
		TeamAddress: s.TeamAddress, Location: s.Location, Language: r.Language, StatusLink: s.statusLink(ctx, r.ID),
	})
	if err != nil {
		return out, fmt.Errorf("verify: render mail for %s: %w", r.ID, err)
	}
	messageID, err := s.Mail.Send(ctx, msg)
	if err != nil {
		if errors.Is(err, mail.ErrRecipient) {
			return out, fmt.Errorf("verify: mail for %s: %w", r.ID, err)
		}
		return out, &TransientError{Op: "send verification mail", Err: err}
	}
	m := token.Record{
		Hash: marker, Purpose: purposeMailed, RequestID: r.ID, ExpiresAt: rec.ExpiresAt, Used: true, UsedAt: now,
		Data: map[string]string{"mailedAt": now.UTC().Format(time.RFC3339Nano), "expiresAt": rec.ExpiresAt.UTC().Format(time.RFC3339Nano),
			"messageId": messageID},
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
	if id := m.Data["messageId"]; id != "" {
		ev.Data["messageId"] = id // the mail's SES ID: its bounce or complaint finds it
	}
	if err := s.Store.AppendEvent(ctx, ev); err != nil {
		return &TransientError{Op: "append event", Err: err}
	}
	return nil
}

func (s *Service) link(raw string) (string, error) {
	link, err := linkURL(s.LinkBase, raw)
	if err != nil {
		return "", errors.New("verify: LinkBase is not an absolute URL")
	}
	return link, nil
}

// await is Start for a request whose acknowledgement carried the link: no
// mail and no event, only the wait recorded (the task token, for Confirm
// and for the team's Resend) and the request moved to verifying. The requester may
// have confirmed before the workflow got here; then the task is completed
// at once.
//
// Confirm and await meet on two records, each written before the other is
// read: await writes the wait, then reads the request's status; Confirm
// moves the status to verified, then reads the wait. Whichever comes
// second sees the other's write, so the task is always completed; both
// may complete it, and the second completion is refused harmlessly
// (ErrTaskTimedOut). A retry of the same task finds its wait recorded and
// mails nothing either.
func (s *Service) await(ctx context.Context, r *request.Request, taskToken string) (StartOutput, error) {
	out := StartOutput{RequestID: r.ID, ExpiresAt: r.VerifyLinkUntil, Skipped: SkippedInAcknowledgement}
	now := s.Now()
	status := r.Status
	if aw, ok := s.Store.(awaiter); ok {
		// The wait and the move to verifying in one write on the request.
		err := aw.AwaitVerification(ctx, r.ID, taskToken, now)
		switch {
		case err == nil:
			status = request.Verifying
		case errors.Is(err, request.ErrConflict): // confirmed (or closed) before the wait
			cur, gerr := s.Store.Get(ctx, r.ID)
			if gerr != nil {
				return out, &TransientError{Op: "get request", Err: gerr}
			}
			r, status = cur, cur.Status
		default:
			return out, &TransientError{Op: "record the wait", Err: err}
		}
		return s.afterWait(ctx, r, status, taskToken, out)
	}
	wait := token.Record{Hash: markerHash(string(purposeTask), r.ID), Purpose: purposeTask, RequestID: r.ID, TaskToken: taskToken,
		ExpiresAt: r.VerifyLinkUntil, Used: true, UsedAt: now}
	if err := s.Tokens.Put(ctx, wait); err != nil {
		got, gerr := s.Tokens.Get(ctx, wait.Hash)
		switch {
		case gerr != nil:
			return out, &TransientError{Op: "record the wait", Err: err}
		case got.TaskToken != taskToken:
			return out, fmt.Errorf("verify: another workflow task already waits for %s", r.ID)
		}
		// Recorded by an earlier attempt of this task.
	}
	switch status {
	case request.Received, request.Acknowledged:
		err := s.Store.SetStatus(ctx, r.ID, status, request.Verifying, now)
		if err == nil {
			status = request.Verifying
			break
		}
		if !errors.Is(err, request.ErrConflict) {
			return out, &TransientError{Op: "set status verifying", Err: err}
		}
		fallthrough // moved meanwhile (the requester confirmed): read it again
	default:
		// Read after the wait was written: a confirmation before it shows.
		cur, err := s.Store.Get(ctx, r.ID)
		if err != nil {
			return out, &TransientError{Op: "get request", Err: err}
		}
		r, status = cur, cur.Status
	}
	return s.afterWait(ctx, r, status, taskToken, out)
}

// afterWait finishes await once the wait is recorded and the request's
// status read after it: verifying, Confirm completes the task; verified
// (or further on), the requester confirmed first and the task is completed
// now.
func (s *Service) afterWait(ctx context.Context, r *request.Request, status request.Status, taskToken string, out StartOutput) (StartOutput, error) {
	switch status {
	case request.Verifying:
		// Confirm completes the task: it reads the wait after verifying.
	case request.Verified, request.InProgress, request.Extended, request.Completed:
		body, _ := json.Marshal(taskOutput{RequestID: r.ID, VerifiedAt: r.UpdatedAt.UTC()})
		err := s.Tasks.Complete(ctx, taskToken, body)
		switch {
		case errors.Is(err, ErrTaskTimedOut), errors.Is(err, ErrTaskGone):
			// Completed by the confirmation itself.
		case err != nil:
			return out, &TransientError{Op: "complete the task of a confirmed request", Err: err}
		default:
			s.log().InfoContext(ctx, "confirmed before the workflow waited: task completed at once", "requestId", r.ID)
		}
		out.Skipped = SkippedConfirmed
	default:
		return out, &ClosedError{RequestID: r.ID, Status: status}
	}
	// Nothing to record: no mail went out here. The trail's acknowledged
	// event says the link went with it (verifyLinkUntil).
	return out, nil
}

// linkInAcknowledgement reports whether r's acknowledgement went out with
// a verification link that still works.
func (s *Service) linkInAcknowledgement(r *request.Request) bool {
	return !r.VerifyLinkUntil.IsZero() && !r.AcknowledgedAt.IsZero() && r.AcknowledgedAt.Before(r.VerifyLinkUntil) &&
		s.Now().Before(r.VerifyLinkUntil)
}

// awaiter records the workflow's wait on the request itself, with its move
// to verifying, in one conditional write (*dynamo.Store); a store without
// it keeps the wait as a record of its own.
type awaiter interface {
	AwaitVerification(ctx context.Context, id, taskToken string, at time.Time) error
}
