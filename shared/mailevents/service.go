package mailevents

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/metric"
	"github.com/productionflow/privacy-desk/shared/request"
)

// Actor is who records the events: the mail-events function.
const Actor = "system:mail-events"

// MetricName counts the SES events the function handled, by Event
// (Bounce, Complaint) and About ("request": recorded on a request;
// "none": mail about no request the desk knows, or an event type it does
// not record).
const MetricName = "MailEvents"

// Store is what the service reads and writes (*dynamo.Store).
type Store interface {
	// SentRequest returns the request a desk mail was about, by its SES
	// message ID; request.ErrNotFound when none was recorded.
	SentRequest(ctx context.Context, sesMessageID string) (string, error)
	Get(ctx context.Context, id string) (*request.Request, error)
	Events(ctx context.Context, id string) ([]request.Event, error)
	// AppendEvent appends to the trail; an event with a Once key is
	// written once, and one that needs attention marks the open request.
	AppendEvent(ctx context.Context, ev request.Event) error
}

// Service records SES events on the trail of the request the mail was
// about.
type Service struct {
	Store   Store
	Now     func() time.Time
	Log     *slog.Logger   // nil discards
	Metrics *metric.Writer // nil writes none
}

// Outcome is what Record did with an event.
type Outcome struct {
	// RequestID is the request the mail was about; empty when none.
	RequestID string
	// Action is the audit action recorded; empty when nothing was.
	Action string
}

// Record finds the request the event's mail was about (the sent-mail
// record of its message ID, else the request ID its subject names) and
// appends one audit event for it, written once however often SES's event
// is delivered. An event about no request the desk knows, or of a type
// the desk does not record, is logged and counted, and is not an error.
// Errors are the store's and worth retrying.
func (s *Service) Record(ctx context.Context, ev Event) (Outcome, error) {
	log := s.logger().With("messageId", ev.MessageID, "event", string(ev.Type))
	if ev.Type != Bounce && ev.Type != Complaint {
		log.InfoContext(ctx, "mail event passed over: the desk records bounces and complaints only")
		s.Metrics.Count(MetricName, "Event", "Other", "About", "none")
		return Outcome{}, nil
	}
	id, err := s.requestOf(ctx, ev)
	if err != nil {
		return Outcome{}, err
	}
	var r *request.Request
	if id != "" {
		r, err = s.Store.Get(ctx, id)
		if errors.Is(err, request.ErrNotFound) {
			id = ""
		} else if err != nil {
			return Outcome{}, fmt.Errorf("mail event %s: %w", ev.MessageID, err)
		}
	}
	if id == "" {
		// Team mail about no request (the digest), or mail whose record
		// and request are gone: nothing to record it on.
		log.InfoContext(ctx, "mail event about no request")
		s.Metrics.Count(MetricName, "Event", string(ev.Type), "About", "none")
		return Outcome{}, nil
	}
	trail, err := s.Store.Events(ctx, id)
	if err != nil {
		return Outcome{}, fmt.Errorf("mail event %s: %w", ev.MessageID, err)
	}
	out := s.event(ev, r, trail)
	if err := s.Store.AppendEvent(ctx, out); err != nil {
		return Outcome{}, fmt.Errorf("mail event %s: %w", ev.MessageID, err)
	}
	log.InfoContext(ctx, "mail event recorded", "requestId", id, "action", out.Action,
		"mail", out.Data["mail"], "to", out.Data["to"], "bounceType", ev.BounceType)
	s.Metrics.Count(MetricName, "Event", string(ev.Type), "About", "request")
	return Outcome{RequestID: id, Action: out.Action}, nil
}

// requestOf is the request the event's mail was about, or "".
func (s *Service) requestOf(ctx context.Context, ev Event) (string, error) {
	id, err := s.Store.SentRequest(ctx, ev.MessageID)
	switch {
	case err == nil:
		return id, nil
	case !errors.Is(err, request.ErrNotFound):
		return "", fmt.Errorf("mail event %s: %w", ev.MessageID, err)
	}
	// The sent mail was not recorded (recording failed, or it was sent
	// before the record existed): every mail about a request names it in
	// its subject.
	return mail.RequestIDOf(mail.Message{Subject: ev.Subject}), nil
}

// event is the audit event for ev on request r, whose trail is trail.
func (s *Service) event(ev Event, r *request.Request, trail []request.Event) request.Event {
	kind, to, system := "unknown", "", ""
	for _, e := range trail {
		if e.Data["messageId"] == ev.MessageID && recipientOf(e.Action) != "" {
			kind, to, system = e.Action, recipientOf(e.Action), e.Data["system"]
			break
		}
	}
	if toRequester(ev.Recipients, r) {
		to = "requester"
	}
	if to == "" {
		to = "unknown"
	}
	data := map[string]string{"messageId": ev.MessageID, "mail": kind, "to": to}
	if system != "" {
		data["system"] = system
	}
	out := request.Event{RequestID: r.ID, At: s.Now(), Actor: Actor, Data: data,
		Once: string(ev.Type) + "-" + feedbackKey(ev)}
	if !ev.At.IsZero() {
		data["reportedAt"] = ev.At.UTC().Format(time.RFC3339)
	}
	switch ev.Type {
	case Bounce:
		if ev.BounceType != "" {
			data["bounceType"] = ev.BounceType
		}
		if ev.BounceSubType != "" {
			data["bounceSubType"] = ev.BounceSubType
		}
		out.Action = request.ActionMailBounced
		out.Reason = "SES reported the mail bounced (" + orUnknown(ev.BounceType) + ")"
		if ev.BounceType == Permanent && to == "requester" {
			out.Action = request.ActionRequesterUnreachable
			out.Reason = "mail to the requester bounced permanently: the desk cannot reach them by mail"
		}
	case Complaint:
		out.Action = request.ActionMailComplaint
		out.Reason = "the recipient marked the mail as spam"
		if ev.ComplaintType != "" {
			data["complaintType"] = ev.ComplaintType
		}
	}
	return out
}

// feedbackKey identifies the bounce or complaint for the Once key: SES's
// feedback ID, or the mail's message ID when there is none (one bounce or
// complaint per mail, the desk's mail having one recipient).
func feedbackKey(ev Event) string {
	if ev.FeedbackID != "" {
		return ev.FeedbackID
	}
	return ev.MessageID
}

// toRequester reports whether any of the addresses is the one the desk
// writes to about r: the requester's, or an agent's who asked for them.
func toRequester(addresses []string, r *request.Request) bool {
	ours := []string{request.NormalizeEmail(r.Requester.Email)}
	if r.Agent != nil {
		ours = append(ours, request.NormalizeEmail(r.Agent.Email))
	}
	return slices.ContainsFunc(addresses, func(a string) bool {
		a = request.NormalizeEmail(a)
		return a != "" && slices.Contains(ours, a)
	})
}

// recipientOf says to whom the mail recorded by action went, in the
// trail's words, or "" when the action is not one of the desk's mails.
func recipientOf(action string) string {
	switch action {
	case request.ActionAcknowledged, request.ActionAcknowledgedClarified, request.ActionVerificationSent,
		request.ActionUnverifiedNoticeSent, request.ActionAnswered, request.ActionOptOutDone,
		request.ActionExtensionNoticeSent, request.ActionDenialNoticeSent, request.ActionWithdrawalNoticeSent:
		return "requester"
	case request.ActionTeamNotified, request.ActionTeamNotifiedOfReply, request.ActionReminderSent,
		request.ActionDeadlineMissed, request.ActionNeedsAttention, request.ActionStageFailed, request.ActionTaskOverdue:
		return "privacy team"
	case request.ActionTaskMailed, request.ActionTaskReminded:
		return "owner"
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "type not given"
	}
	return s
}

func (s *Service) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return s.Log
}
