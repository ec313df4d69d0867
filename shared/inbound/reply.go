package inbound

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// Threads is what the inbox needs to join replies to their requests
// (*dynamo.Store).
type Threads interface {
	// SentRequest returns the request a desk mail was about, by the
	// message ID SES returned when it was sent; request.ErrNotFound when
	// the desk recorded no such mail.
	SentRequest(ctx context.Context, sesMessageID string) (string, error)
	// Clarify gives an unclear request the kinds a reply named. It applies
	// once: request.ErrConflict when the request is no longer unclear,
	// unless this same reply made it so (a retry).
	Clarify(ctx context.Context, c intake.Clarification) error
}

// maxLookups bounds the store reads one message can cause by naming
// message IDs and request IDs.
const maxLookups = 5

const reasonSenderUnusable = "sender address not usable"

// thread is the request a message answers and how it was recognised.
type thread struct {
	r         *request.Request
	matchedBy string // "in-reply-to" or "subject"
}

// findThread finds the request a message answers: one whose desk mail its
// In-Reply-To or References names, else one its subject names by ID. Either
// way the sender must be the request's requester or agent: a stranger
// quoting an ID is not joined to someone else's request. nil when the
// message answers no request.
func (in *Inbox) findThread(ctx context.Context, res *Result) (*thread, error) {
	seen := map[string]bool{}
	try := func(id, how string) (*thread, error) {
		if seen[id] {
			return nil, nil
		}
		seen[id] = true
		r, err := in.Intake.Store.Get(ctx, id)
		if errors.Is(err, request.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if !sentBy(r, res.From.Address) {
			return nil, nil
		}
		return &thread{r: r, matchedBy: how}, nil
	}
	if in.Threads != nil {
		n := 0
		for _, ref := range res.Refs {
			sesID, ok := DeskMessageID(ref)
			if !ok {
				continue
			}
			if n++; n > maxLookups {
				break
			}
			id, err := in.Threads.SentRequest(ctx, sesID)
			if errors.Is(err, request.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if th, err := try(id, "in-reply-to"); th != nil || err != nil {
				return th, err
			}
		}
	}
	for i, id := range res.RequestIDs {
		if i >= maxLookups {
			break
		}
		if th, err := try(id, "subject"); th != nil || err != nil {
			return th, err
		}
	}
	return nil, nil
}

// sentBy reports whether from is the request's requester or agent address.
func sentBy(r *request.Request, from string) bool {
	from = request.NormalizeEmail(from)
	if from == "" {
		return false
	}
	if request.NormalizeEmail(r.Requester.Email) == from {
		return true
	}
	return r.Agent != nil && request.NormalizeEmail(r.Agent.Email) == from
}

// joinReply attaches a reply to its request: it records the message
// against the request and on its audit trail (no text), lets a reply to the
// unclear-mail question set the request's kinds, and tells the team once.
// It never opens a request and never answers the sender, except with the
// acknowledgement a newly clear request is owed.
func (in *Inbox) joinReply(ctx context.Context, d Delivery, res *Result, th *thread) (Outcome, error) {
	svc := in.Intake
	r := th.r
	rec := intake.MailRecord{
		MessageID: d.MessageID, Outcome: intake.MailReply, Reason: "reply to the request's mail (" + th.matchedBy + ")",
		RequestID: r.ID, ReceivedAt: in.receivedAt(d), Verdicts: verdictMap(d.Verdicts), AuthFailures: res.AuthFailures,
	}
	if kinds := clarifyingKinds(r, res); len(kinds) > 0 && in.Threads != nil {
		rec.Kinds = kinds
	}
	created, err := in.Records.RecordMail(ctx, rec)
	if err != nil {
		return Outcome{}, fmt.Errorf("record reply %s: %w", d.MessageID, err)
	}
	if !created {
		// Delivered before: go on from what the first delivery decided.
		stored, err := in.Records.MailRecord(ctx, d.MessageID)
		if err != nil {
			return Outcome{}, fmt.Errorf("record reply %s: %w", d.MessageID, err)
		}
		if stored.RequestID != r.ID {
			return Outcome{RequestID: stored.RequestID, Mail: stored.Outcome, Reason: stored.Reason}, nil
		}
		rec = *stored
	}
	if err := svc.Store.AppendEvent(ctx, request.Event{
		RequestID: r.ID, At: rec.ReceivedAt, Actor: "requester", Action: request.ActionReplyReceived, Once: request.ActionReplyReceived + ":" + d.MessageID,
		Data: map[string]string{
			"messageId":    d.MessageID,
			"matchedBy":    th.matchedBy,
			"language":     res.Language,
			"unreadable":   fmt.Sprint(res.Unreadable),
			"authFailures": strings.Join(res.AuthFailures, ","),
		},
	}); err != nil {
		return Outcome{}, fmt.Errorf("record reply %s: %w", d.MessageID, err)
	}

	var kindsSet []request.Kind
	if len(rec.Kinds) > 0 {
		set, err := in.clarify(ctx, d, res, r, rec.Kinds)
		if err != nil {
			return Outcome{}, err
		}
		if set {
			kindsSet = rec.Kinds
		}
	}
	if err := in.tellTeamReply(ctx, d, res, th, kindsSet); err != nil {
		return Outcome{}, err
	}
	return Outcome{RequestID: r.ID, Mail: intake.MailReply, Reason: rec.Reason}, nil
}

// clarifyingKinds are the kinds a reply gives its request: only an open,
// unclear request, only from a reply that was read whole, named a kind,
// and passed sender authentication (a forged From must not steer a
// request; the team still sees the reply).
func clarifyingKinds(r *request.Request, res *Result) []request.Kind {
	if !slices.Contains(r.Kinds, request.Unclear) || r.Status.Closed() || res.Unreadable || len(res.AuthFailures) > 0 {
		return nil
	}
	var kinds []request.Kind
	for _, k := range res.Kinds {
		if k != request.Unclear && k.Valid() {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// clarify sets the kinds and then does what intake does for a new request
// of those kinds: the acknowledgement (once: it is this reply's one reply)
// and the workflows. It reports false when the request had been made
// clear otherwise first (another reply, the team).
func (in *Inbox) clarify(ctx context.Context, d Delivery, res *Result, r *request.Request, kinds []request.Kind) (bool, error) {
	svc := in.Intake
	priority := r.Priority
	if res.Priority == request.Expedited || slices.Contains(kinds, request.ChildData) {
		priority = request.Expedited
	}
	c := intake.Clarification{
		RequestID: r.ID, ReplyMessageID: d.MessageID, Kinds: kinds, Priority: priority,
		Due: svc.Calendar.Deadlines(r.ReceivedAt, kinds, priority), At: svc.Now(),
	}
	if slices.Contains(kinds, request.ChildData) {
		c.Subject = res.Child
	}
	if slices.Contains(kinds, request.Correction) {
		c.Corrections = res.Corrections
	}
	err := in.Threads.Clarify(ctx, c)
	if errors.Is(err, request.ErrConflict) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("clarify %s: %w", r.ID, err)
	}
	r.Kinds, r.Priority, r.Due = kinds, priority, c.Due
	if c.Subject != nil {
		r.Subject = c.Subject
	}
	if c.Corrections != nil {
		r.Corrections = c.Corrections
	}
	if err := svc.Store.AppendEvent(ctx, request.Event{
		RequestID: r.ID, At: c.At, Actor: "requester", Action: request.ActionKindsSet, Once: "kinds-set-by-reply",
		Reason: "the requester's reply to the question what they would like us to do named it",
		Data:   map[string]string{"from": string(request.Unclear), "kinds": joinKinds(kinds), "priority": string(priority), "messageId": d.MessageID},
	}); err != nil {
		return false, fmt.Errorf("clarify %s: %w", r.ID, err)
	}

	lease := in.ReplyLease
	if lease == 0 {
		lease = 2 * time.Minute
	}
	won, err := in.Records.ClaimMailReply(ctx, d.MessageID, svc.Now(), lease)
	if err != nil {
		return false, fmt.Errorf("acknowledge %s: %w", r.ID, err)
	}
	if won {
		msg, err := svc.Acknowledgement(ctx, r)
		if err != nil {
			return false, fmt.Errorf("acknowledge %s: %w", r.ID, err)
		}
		id, err := svc.Mail.Send(ctx, msg)
		if err != nil {
			return false, fmt.Errorf("acknowledge %s: send: %w", r.ID, err)
		}
		if err := in.Records.MarkMailReplied(ctx, d.MessageID, svc.Now(), id); err != nil {
			return false, fmt.Errorf("acknowledge %s: %w", r.ID, err)
		}
		if err := svc.Store.AppendEvent(ctx, request.Event{
			RequestID: r.ID, At: svc.Now(), Actor: svc.AuditActor(), Action: request.ActionAcknowledgedClarified, Once: request.ActionAcknowledgedClarified,
			Data: map[string]string{"messageId": id},
		}); err != nil {
			return false, fmt.Errorf("acknowledge %s: %w", r.ID, err)
		}
		svc.Logger().InfoContext(ctx, "clarified request acknowledged", "requestId", r.ID, "messageId", id)
	}
	// As Submit does after the acknowledgement: a start of the same
	// request is harmless, and a retry after a crash still starts it.
	if err := svc.StartWorkflows(ctx, r); err != nil {
		return false, fmt.Errorf("clarify %s: %w", r.ID, err)
	}
	return true, nil
}

// tellTeamReply sends the team its one notice of a reply. The team address
// is the desk's own, so the notice may show the start of what the
// requester wrote — unless sender authentication failed (the From may be
// forged) or the reply could not be read. Mail to a requester never
// carries it.
func (in *Inbox) tellTeamReply(ctx context.Context, d Delivery, res *Result, th *thread, kindsSet []request.Kind) error {
	svc := in.Intake
	n := mail.ReplyNotice{
		RequestID: th.r.ID, MessageID: d.MessageID, ReceivedAt: in.receivedAt(d), MatchedBy: th.matchedBy,
		KindsSet: kindsSet, AuthFailures: res.AuthFailures, Unreadable: res.Unreadable, Closed: th.r.Status.Closed(),
		AwaitsConsumer: len(kindsSet) > 0 && th.r.ConsumerUnknown(),
		Location:       svc.Calendar.Location(),
	}
	if len(res.AuthFailures) == 0 && !res.Unreadable {
		n.Excerpt = OwnText(res)
		if !th.r.Status.Closed() {
			n.WithdrawWords = WithdrawWords(res)
		}
	}
	return in.tellTeam(ctx, d, th.r.ID, func() (mail.Message, error) { return mail.RenderReplyNotice(svc.TeamAddress, n) })
}

// tellTeamUnusable sends the team its one notice of mail the desk cannot
// answer because of its sender.
func (in *Inbox) tellTeamUnusable(ctx context.Context, d Delivery, reason string) error {
	svc := in.Intake
	return in.tellTeam(ctx, d, "", func() (mail.Message, error) {
		return mail.RenderUnusableSenderNotice(svc.TeamAddress, mail.UnusableSenderNotice{
			MessageID: d.MessageID, Reason: reason, ReceivedAt: in.receivedAt(d), Location: svc.Calendar.Location(),
		})
	})
}

// tellTeamUnauthenticated tells the team of mail that may be forged, which
// was kept and not answered.
func (in *Inbox) tellTeamUnauthenticated(ctx context.Context, d Delivery, reason string) error {
	svc := in.Intake
	return in.tellTeam(ctx, d, "", func() (mail.Message, error) {
		return mail.RenderUnusableSenderNotice(svc.TeamAddress, mail.UnusableSenderNotice{
			MessageID: d.MessageID, Reason: reason, ReceivedAt: in.receivedAt(d), Location: svc.Calendar.Location(),
			Unauthenticated: true,
		})
	})
}

// tellTeam sends one notice about a recorded message to the team, once,
// under a lease like the acknowledgement's. A failure is returned: the
// delivery is retried, and nothing else is sent twice.
func (in *Inbox) tellTeam(ctx context.Context, d Delivery, requestID string, render func() (mail.Message, error)) error {
	svc := in.Intake
	if svc.TeamAddress == "" {
		return nil
	}
	lease := in.ReplyLease
	if lease == 0 {
		lease = 2 * time.Minute
	}
	won, err := in.Records.ClaimTeamNotice(ctx, d.MessageID, svc.Now(), lease)
	if err != nil || !won {
		if err != nil {
			return fmt.Errorf("tell team of mail %s: %w", d.MessageID, err)
		}
		return nil
	}
	msg, err := render()
	if err != nil {
		return fmt.Errorf("tell team of mail %s: %w", d.MessageID, err)
	}
	id, err := svc.Mail.Send(ctx, msg)
	if err != nil {
		return fmt.Errorf("tell team of mail %s: send: %w", d.MessageID, err)
	}
	if err := in.Records.MarkTeamNotified(ctx, d.MessageID, svc.Now(), id); err != nil {
		return fmt.Errorf("tell team of mail %s: %w", d.MessageID, err)
	}
	if requestID != "" {
		if err := svc.Store.AppendEvent(ctx, request.Event{
			RequestID: requestID, At: svc.Now(), Actor: svc.AuditActor(), Action: request.ActionTeamNotifiedOfReply, Once: request.ActionTeamNotifiedOfReply + ":" + d.MessageID,
			Data: map[string]string{"messageId": id, "replyMessageId": d.MessageID},
		}); err != nil {
			return fmt.Errorf("tell team of mail %s: %w", d.MessageID, err)
		}
	}
	return nil
}
