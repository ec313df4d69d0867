package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
)

// Link is what the confirm page shows before the requester confirms. It
// holds no personal data.
type Link struct {
	RequestID string
	Kinds     []request.Kind
	ExpiresAt time.Time
	// Language is the request's language ("es", "en" or empty for
	// English), set whenever the request was read.
	Language string
	// Status is the request's, set whenever the request was read: why a
	// closed request's link confirms nothing, or where the request of an
	// expired link stands.
	Status request.Status
	// OptOutsDone: the request's opt-outs were carried out (opt-out:done
	// on its trail), read for a link of a closed request or an expired
	// link, for the page to say they stand.
	OptOutsDone bool
	// ByAgent: someone acting as the requester's authorized agent made the
	// request (the page says so, never the agent's name).
	ByAgent bool
	// DeclarationNeeded: the request asks for a copy of the data and the
	// requester has not declared who they are yet (ConfirmDeclared): the
	// page asks for the declaration with the button.
	DeclarationNeeded bool
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
		return s.expiredLink(ctx, rec.RequestID), ErrLinkExpired
	}
	r, err := s.Store.Get(ctx, rec.RequestID)
	if err != nil {
		return Link{}, fmt.Errorf("verify: lookup: %w", err)
	}
	l := Link{RequestID: r.ID, Kinds: r.Kinds, ExpiresAt: rec.ExpiresAt, Language: r.Language, Status: r.Status,
		ByAgent: r.Agent != nil && !r.ConsumerUnknown()}
	// Received and acknowledged: the link came in the acknowledgement and
	// the workflow does not wait for it yet; Confirm handles that.
	switch r.Status {
	case request.Verifying, request.Acknowledged, request.Received:
		if l.DeclarationNeeded, err = s.declarationNeeded(ctx, r); err != nil {
			return Link{}, err
		}
		return l, nil
	case request.Verified, request.InProgress, request.Extended, request.Completed:
		// Verified before and carried on since: a used link, as Confirm
		// says, not a closed request.
		return l, ErrLinkUsed
	}
	l.OptOutsDone = s.optOutsDone(ctx, r)
	return l, ErrRequestClosed
}

// expiredLink is what the page of an expired link of request id says of
// the request: where it stands (closed, waiting, or confirmed with another
// link), its language, and whether its opt-outs were carried out. Only the
// ID when the request cannot be read: the page then says nothing it does
// not know.
func (s *Service) expiredLink(ctx context.Context, id string) Link {
	r, err := s.Store.Get(ctx, id)
	if err != nil {
		s.log().WarnContext(ctx, "expired link: request not read", "requestId", id, "error", err)
		return Link{RequestID: id}
	}
	return Link{RequestID: r.ID, Kinds: r.Kinds, Language: r.Language, Status: r.Status,
		ByAgent: r.Agent != nil && !r.ConsumerUnknown(), OptOutsDone: s.optOutsDone(ctx, r)}
}

// Confirmation is what the page shows after the requester confirmed.
type Confirmation struct {
	RequestID  string
	VerifiedAt time.Time
	AnswerBy   time.Time // request.AnswerBy: the response date, the extended one once extended; zero for none
	// Language is the request's language ("es", "en" or empty for
	// English), set whenever the request was read.
	Language string
	// Status is the request's as read, for a link that confirms nothing.
	Status request.Status
	// OptOutsDone: as Link's, for a link that confirms nothing.
	OptOutsDone bool
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
	return s.confirm(ctx, rec)
}

// confirm is Confirm for the link's token as read (s.record).
func (s *Service) confirm(ctx context.Context, rec token.Record) (Confirmation, error) {
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
		l := s.expiredLink(ctx, rec.RequestID)
		return Confirmation{RequestID: l.RequestID, Language: l.Language, Status: l.Status, OptOutsDone: l.OptOutsDone}, ErrLinkExpired
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
	c := Confirmation{RequestID: r.ID, VerifiedAt: at, AnswerBy: r.AnswerBy(), Language: r.Language, Status: r.Status}
	switch r.Status {
	case request.Received:
		// The acknowledgement that carried this link is being recorded
		// this very moment; pressed again a minute later, the link
		// finishes (ResumeAfter).
		return c, fmt.Errorf("verify: confirm %s: its acknowledgement is not recorded yet", r.ID)
	case request.Acknowledged:
		// The link came in the acknowledgement and the workflow does not
		// wait for it yet: verifying first, as Start does.
		err := s.Store.SetStatus(ctx, r.ID, request.Acknowledged, request.Verifying, at)
		switch {
		case err == nil:
			r.Status = request.Verifying
		case errors.Is(err, request.ErrConflict): // Start (or a withdrawal) moved it meanwhile
			cur, gerr := s.Store.Get(ctx, r.ID)
			if gerr != nil {
				return c, fmt.Errorf("verify: confirm: %w", gerr)
			}
			r.Status = cur.Status
		default:
			return c, fmt.Errorf("verify: confirm %s: %w", r.ID, err)
		}
	}
	switch r.Status {
	case request.Verifying:
		err := s.Store.SetStatus(ctx, r.ID, request.Verifying, request.Verified, at)
		if errors.Is(err, request.ErrConflict) {
			// Raced the close path (or a withdrawal): whoever moved the
			// request first decides.
			if cur, gerr := s.Store.Get(ctx, r.ID); gerr == nil && cur.Status != request.Verified {
				c.Status = cur.Status
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
		c.OptOutsDone = s.optOutsDone(ctx, r)
		return c, ErrRequestClosed
	}
	if err := s.Store.AppendEvent(ctx, request.Event{
		RequestID: r.ID, At: at, Actor: ActorRequester, Action: ActionVerified, Once: ActionVerified,
		Data: map[string]string{"method": MethodEmailLink},
	}); err != nil {
		return c, fmt.Errorf("verify: confirm %s: %w", r.ID, err)
	}
	taskToken := rec.TaskToken
	if taskToken == "" {
		// A link from the acknowledgement: the task token is in the wait
		// Start records (read after the request was verified, see await).
		var err error
		if taskToken, err = s.waitingTask(ctx, r.ID); err != nil {
			return c, fmt.Errorf("verify: confirm %s: read the wait: %w", r.ID, err)
		}
		if taskToken == "" {
			s.log().InfoContext(ctx, "verified before the workflow waited; its verification step completes the task", "requestId", r.ID)
			return c, nil
		}
	}
	body, _ := json.Marshal(taskOutput{RequestID: r.ID, VerifiedAt: at.UTC()})
	err = s.Tasks.Complete(ctx, taskToken, body)
	switch {
	case (errors.Is(err, ErrTaskTimedOut) || errors.Is(err, ErrTaskGone)) && resumed:
		// Most likely the first confirmation did complete the task.
		return c, ErrLinkUsed
	case errors.Is(err, ErrTaskTimedOut):
		// The link was used in time but the workflow stopped waiting
		// meanwhile: its close path (Close) finds the request verified and
		// the workflow hands it to fulfilment.
		s.log().WarnContext(ctx, "verified as the workflow stopped waiting; its close path hands it over", "requestId", r.ID)
		return c, nil
	case errors.Is(err, ErrTaskGone):
		s.log().WarnContext(ctx, "verified after the workflow stopped waiting", "requestId", r.ID)
		return c, ErrRequestClosed
	case err != nil:
		return c, fmt.Errorf("verify: complete task of %s: %w", r.ID, err)
	}
	s.log().InfoContext(ctx, "request verified", "requestId", r.ID, "resumed", resumed)
	return c, nil
}

// waitingTask is the task token the request workflow waits on for the link
// in the acknowledgement of request id, read now: on the request (written
// with its move to verifying), or in the wait's own record; "" when the
// workflow does not wait yet.
func (s *Service) waitingTask(ctx context.Context, id string) (string, error) {
	if _, ok := s.Store.(awaiter); ok {
		r, err := s.Store.Get(ctx, id)
		if err != nil {
			return "", err
		}
		if r.VerifyTaskToken != "" {
			return r.VerifyTaskToken, nil
		}
	}
	wait, err := s.Tokens.Get(ctx, markerHash(string(purposeTask), id))
	switch {
	case errors.Is(err, token.ErrNotFound):
		return "", nil
	case err != nil:
		return "", err
	}
	return wait.TaskToken, nil
}
