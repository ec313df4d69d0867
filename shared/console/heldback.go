package console

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
)

// ActionSendHeldBack sends the acknowledgement the address's daily cap on
// automatic acknowledgements held back (ACKS_PER_ADDRESS_PER_DAY): the
// team has looked at the request and decided it is the person's own.
const ActionSendHeldBack = "send-acknowledgement"

// whySendHeldBack says why the held-back acknowledgement of r cannot be
// sent now, or "" when it can: the cap held it back, it has not gone out
// since (nor the acknowledgement of the kinds the team named for unclear
// mail), and the request waits, received, as the cap left it.
func whySendHeldBack(r *request.Request, events []request.Event) string {
	switch {
	case r.AckCappedAt.IsZero():
		return "the daily cap did not hold its acknowledgement back"
	case !r.AcknowledgedAt.IsZero():
		return "its acknowledgement went out already"
	case r.Status.Closed():
		return "the request is closed"
	case has(events, request.ActionAcknowledgedClarified):
		return "it was acknowledged when the team said what the mail asks for"
	case r.Status != request.Received:
		return "its workflow has moved it on (it is " + string(r.Status) + ")"
	}
	return ""
}

// HeldBack is what a request's page says of an acknowledgement the daily
// cap held back: when, and when it went out since (the team's, or the
// acknowledgement of the kinds the team named for unclear mail), by whom.
type HeldBack struct {
	At     time.Time
	SentAt time.Time // zero: not sent
	SentBy string
}

// heldBackOf is r's HeldBack, or nil when the cap never held its
// acknowledgement back.
func heldBackOf(r *request.Request, events []request.Event) *HeldBack {
	if r.AckCappedAt.IsZero() {
		return nil
	}
	hb := &HeldBack{At: r.AckCappedAt}
	for _, ev := range events {
		if (ev.Action == request.ActionAcknowledged && !r.AcknowledgedAt.IsZero()) || ev.Action == request.ActionAcknowledgedClarified {
			hb.SentAt, hb.SentBy = ev.At, ev.Actor
			break
		}
	}
	if hb.SentAt.IsZero() && !r.AcknowledgedAt.IsZero() {
		hb.SentAt = r.AcknowledgedAt
	}
	return hb
}

// SendHeldBack sends the acknowledgement of request id that the address's
// daily cap held back, through the intake (intake.Service.SendHeldBack): as
// intake would have sent it (with the verification link while the
// request's link works), not counted against the cap, on the audit trail
// under the member, and the request's workflow starts (none for unclear
// mail). It returns the request as acknowledged. When the mail went out
// but the workflow did not start, it returns the request with an error
// that wraps intake.ErrNotStarted.
func (s *Service) SendHeldBack(ctx context.Context, m Member, id string) (*request.Request, error) {
	r, _, err := s.load(ctx, ActionSendHeldBack, id)
	if err != nil {
		return nil, err
	}
	got, err := s.Intake.SendHeldBack(ctx, r.ID, m.Actor())
	switch {
	case errors.Is(err, intake.ErrNotHeldBack):
		return nil, &ActionError{Action: ActionSendHeldBack, Why: "its acknowledgement went out meanwhile, or the request moved on"}
	case errors.Is(err, intake.ErrNotStarted):
		s.logger().ErrorContext(ctx, "console: held-back acknowledgement sent, workflow not started", "requestId", r.ID, "user", m.Username, "error", err)
		return got, err
	case err != nil:
		return nil, fmt.Errorf("send held-back acknowledgement of %s: %w", r.ID, err)
	}
	s.logger().InfoContext(ctx, "console: held-back acknowledgement sent", "requestId", r.ID, "user", m.Username)
	return got, nil
}

// heldBackView is what the action's page says it will do.
type heldBackView struct {
	// LinkUntil: the acknowledgement carries the link to confirm the
	// request, which works until then; zero: it carries none.
	LinkUntil time.Time
	// Verify: the request is to be verified (not only opt-outs).
	Verify bool
	// ToAgent: the acknowledgement goes to the authorized agent who wrote.
	ToAgent bool
	// Unclear: the mail asked nothing the desk recognised; its
	// acknowledgement asks the person what they want, and no workflow
	// starts. WaitsForConsumer: an agent's mail that named no consumer,
	// whose workflow waits for the team to name them.
	Unclear, WaitsForConsumer bool
}

func newHeldBackView(r *request.Request, now time.Time) heldBackView {
	v := heldBackView{Verify: !r.OnlyOptOuts(), Unclear: slices.Contains(r.Kinds, request.Unclear), WaitsForConsumer: r.ConsumerUnknown()}
	v.ToAgent = r.Channel == request.Email && r.Agent != nil && !r.OnlyOptOuts() && !v.Unclear
	if !r.VerifyLinkUntil.IsZero() && now.Before(r.VerifyLinkUntil) {
		v.LinkUntil = r.VerifyLinkUntil
	}
	return v
}

// sentHeldBackWords is the page after the held-back acknowledgement of
// request id went out.
func (h *Handler) sentHeldBackWords(id string, v heldBackView) string {
	var b strings.Builder
	b.WriteString("Request " + id + ": the acknowledgement went out to ")
	if v.ToAgent {
		b.WriteString("the authorized agent")
	} else {
		b.WriteString("the requester")
	}
	if !v.LinkUntil.IsZero() {
		b.WriteString(", with the link to confirm the request, which works until " + v.LinkUntil.In(h.desk.Calendar.Location()).Format("Monday, January 2, 2006 at 3:04 PM MST"))
	}
	b.WriteString(". It is on the audit trail under your name and was not counted against the address's daily cap. ")
	switch {
	case v.Unclear:
		b.WriteString("It asks the person what they would like us to do; say what the mail asks for once you know.")
	case v.WaitsForConsumer:
		b.WriteString("Nothing more starts until you name the consumer.")
	case v.Verify:
		b.WriteString("The request's workflow has started: verification, then fulfilment.")
	default:
		b.WriteString("The request's workflow has started: its opt-outs are carried out without verification.")
	}
	return b.String()
}
