package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
)

// Errors Resend returns when no link can be resent.
var (
	ErrNotVerifying = errors.New("verify: the request is not waiting for verification")
	ErrNoWait       = errors.New("verify: no verification wait is known for the request")
	ErrWaitOver     = errors.New("verify: the verification wait is over")
)

// Resend mails the requester a new verification link for the wait the
// request workflow is in: a new token that completes the same task and
// works until the wait ends (the first link works too). actor is who asked
// (the team member, "team:<username>"); the trail records the mail under
// that actor with resent=true. It returns when the link stops working.
func (s *Service) Resend(ctx context.Context, requestID, actor string) (time.Time, error) {
	r, err := s.Store.Get(ctx, requestID)
	if err != nil {
		return time.Time{}, fmt.Errorf("verify: resend to %s: %w", requestID, err)
	}
	if r.Status != request.Verifying {
		return time.Time{}, fmt.Errorf("resend to %s (%s): %w", r.ID, r.Status, ErrNotVerifying)
	}
	task, err := s.Tokens.Get(ctx, markerHash(string(purposeTask), r.ID))
	if errors.Is(err, token.ErrNotFound) && r.VerifyTaskToken != "" {
		// The wait kept on the request: its link came in the acknowledgement.
		task, err = token.Record{TaskToken: r.VerifyTaskToken, ExpiresAt: r.VerifyLinkUntil}, nil
	}
	if errors.Is(err, token.ErrNotFound) {
		return time.Time{}, fmt.Errorf("resend to %s: %w", r.ID, ErrNoWait)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("verify: resend to %s: read wait: %w", r.ID, err)
	}
	now := s.Now()
	if !now.Before(task.ExpiresAt) {
		return time.Time{}, fmt.Errorf("resend to %s: %w", r.ID, ErrWaitOver)
	}
	raw, rec, err := s.Issuer.Issue(token.Verify, r.ID, task.TaskToken, task.ExpiresAt.Sub(now), nil)
	if err != nil {
		return time.Time{}, fmt.Errorf("verify: resend to %s: issue: %w", r.ID, err)
	}
	rec.ExpiresAt = task.ExpiresAt
	if err := s.Tokens.Put(ctx, rec); err != nil {
		return time.Time{}, fmt.Errorf("verify: resend to %s: store token: %w", r.ID, err)
	}
	link, err := s.link(raw)
	if err != nil {
		return time.Time{}, err
	}
	msg, err := mail.RenderVerification(r.Requester.Email, mail.Verification{
		RequestID: r.ID, ByAgent: r.Agent != nil && !r.ConsumerUnknown(), Kinds: r.Kinds, Link: link, ExpiresAt: rec.ExpiresAt,
		TeamAddress: s.TeamAddress, Location: s.Location, Language: r.Language, StatusLink: s.statusLink(ctx, r.ID),
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("verify: render mail for %s: %w", r.ID, err)
	}
	messageID, err := s.Mail.Send(ctx, msg)
	if err != nil {
		return time.Time{}, fmt.Errorf("verify: resend to %s: send: %w", r.ID, err)
	}
	if err := s.Store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: now, Actor: actor, Action: ActionSent,
		Reason: "the team sent the verification link again",
		Data: map[string]string{"method": MethodEmailLink, "expiresAt": rec.ExpiresAt.UTC().Format(time.RFC3339Nano),
			"resent": "true", "messageId": messageID}}); err != nil {
		return time.Time{}, fmt.Errorf("verify: resend to %s: record: %w", r.ID, err)
	}
	s.log().InfoContext(ctx, "verification link resent", "requestId", r.ID)
	return rec.ExpiresAt, nil
}
