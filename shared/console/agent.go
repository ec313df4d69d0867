package console

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
)

// ActionNameConsumer names the consumer of an authorized agent's mail that
// named none; the desk then asks the consumer to confirm.
const ActionNameConsumer = "name-consumer"

// ConsumerWriter is what naming an agent's consumer needs of the store
// (*dynamo.Store).
type ConsumerWriter interface {
	// SetConsumer makes consumer the requester of an open request whose
	// requester of record is its agent; request.ErrConflict otherwise.
	SetConsumer(ctx context.Context, id string, consumer request.Identity, at time.Time) error
}

// maxPermissionNote bounds what the team writes of the agent's permission.
const maxPermissionNote = 1000

// whyNameConsumer says why the consumer of r cannot be named now, or "".
// A request whose consumer was named but whose workflow did not start (the
// call failed between the two) is still open to it: sending the form again
// starts it.
func (s *Service) whyNameConsumer(r *request.Request) string {
	switch {
	case s.Consumers == nil || s.Intake == nil:
		return "this console cannot name consumers"
	case r.Status.Closed():
		return "the request is closed"
	case r.Agent == nil || r.Channel != request.Email:
		return "only mail from an authorized agent that named no consumer needs one named"
	case slices.Contains(r.Kinds, request.Unclear):
		return "say first what the mail asks for"
	case r.AcknowledgedAt.IsZero() && !r.AckCappedAt.IsZero():
		// Naming starts the workflow, which moves the request on: the
		// held-back acknowledgement could then never be sent.
		return "the daily cap held its acknowledgement back: send the acknowledgement first"
	case !r.ConsumerUnknown() && r.Status != request.Acknowledged:
		return "its consumer is named and was asked to confirm"
	}
	return ""
}

// NameConsumer names the consumer of an authorized agent's request that
// named none, once the team has the agent's signed permission: the
// consumer becomes the requester (the agent stays the contact), and the
// request's workflow starts, which mails the consumer the link to confirm
// before anything is done. permission says how the signed permission came
// (for the trail; no personal data). Sent again after a call that named
// the consumer and failed before the workflow started, it starts it.
func (s *Service) NameConsumer(ctx context.Context, m Member, id string, consumer request.Identity, permission string) error {
	r, _, err := s.load(ctx, ActionNameConsumer, id)
	if err != nil {
		return err
	}
	problems := FormError{}
	if r.ConsumerUnknown() {
		consumer.Name = strings.TrimSpace(consumer.Name)
		consumer.Email = request.NormalizeEmail(consumer.Email)
		if utf8.RuneCountInString(consumer.Name) > intake.MaxName || strings.ContainsFunc(consumer.Name, unicode.IsControl) {
			problems["consumerName"] = fmt.Sprintf("Write the consumer's name on one line, in at most %d characters.", intake.MaxName)
		}
		switch msg := intake.CheckEmail(consumer.Email); {
		case msg != "":
			problems["consumerEmail"] = msg
		case consumer.Email == request.NormalizeEmail(r.Agent.Email):
			problems["consumerEmail"] = "This is the agent's address: write the consumer's own, to which the desk sends the link to confirm."
		}
	}
	permission = strings.TrimSpace(permission)
	switch {
	case permission == "":
		problems["permission"] = "Say how the agent's signed permission came (their mail of December 1 with the signed form…), without personal data."
	case utf8.RuneCountInString(permission) > maxPermissionNote:
		problems["permission"] = fmt.Sprintf("Write at most %d characters.", maxPermissionNote)
	}
	if len(problems) > 0 {
		return problems
	}
	if r.ConsumerUnknown() {
		if err := s.Consumers.SetConsumer(ctx, r.ID, consumer, s.Now()); err != nil {
			if errors.Is(err, request.ErrConflict) {
				return &ActionError{Action: ActionNameConsumer, Why: "its consumer was named meanwhile, or it closed"}
			}
			return err
		}
		r.Requester = consumer
		s.logger().InfoContext(ctx, "console: consumer named", "requestId", r.ID, "user", m.Username)
	}
	if err := s.record(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: m.Actor(), Action: request.ActionConsumerNamed,
		Once: request.ActionConsumerNamed, Reason: permission}); err != nil {
		return err
	}
	if err := s.Intake.StartWorkflows(ctx, r); err != nil {
		return fmt.Errorf("name consumer of %s: %w", r.ID, err)
	}
	return nil
}
