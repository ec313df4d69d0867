package verify

import (
	"context"
	"errors"
	"fmt"
	"net/url"
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
		RequestID: r.ID, Kinds: r.Kinds, Link: link, ExpiresAt: rec.ExpiresAt,
		TeamAddress: s.TeamAddress, Location: s.Location, Language: r.Language, StatusLink: s.statusLink(ctx, r.ID),
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
