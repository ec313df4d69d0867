package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
)

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
		StatusLink: s.statusLink(ctx, r.ID), OptOutsDone: s.optOutsDone(ctx, r),
	})
	if err != nil {
		return out, fmt.Errorf("verify: render notice for %s: %w", r.ID, err)
	}
	messageID, err := s.Mail.Send(ctx, msg)
	if err != nil {
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
		Data: map[string]string{"messageId": messageID}, // its bounce finds it
	}); err != nil {
		return out, &TransientError{Op: "append event", Err: err}
	}
	s.log().InfoContext(ctx, "request closed unverified", "requestId", r.ID)
	out.NoticeSent = true
	return out, nil
}

// trailReader reads a request's audit trail (*dynamo.Store).
type trailReader interface {
	Events(ctx context.Context, id string) ([]request.Event, error)
}

// optOutsDone reports whether r's opt-outs were carried out already
// (opt-out:done on its trail), for the notice to say so; false when r
// asks none, or the store cannot say (it then says they are acted on).
func (s *Service) optOutsDone(ctx context.Context, r *request.Request) bool {
	tr, ok := s.Store.(trailReader)
	if !ok || len(r.OptOutKinds()) == 0 {
		return false
	}
	events, err := tr.Events(ctx, r.ID)
	if err != nil {
		s.log().WarnContext(ctx, "trail not read for the unverified notice", "requestId", r.ID)
		return false
	}
	return slices.ContainsFunc(events, func(e request.Event) bool { return e.Action == request.ActionOptOutDone })
}
