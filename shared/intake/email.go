package intake

import (
	"slices"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// What happens to mail that opens no request (MailRecord.Outcome).
const (
	MailQuarantined = "quarantined" // spam or virus verdict FAIL: kept for the team, never answered
	MailNoReply     = "no-reply"    // auto-reply, bounce, list mail, our own address: never answered
	MailUnreadable  = "unreadable"  // past the parse bounds: answered once with "please use the form"
	MailRejected    = "rejected"    // no sender the desk could write to: never answered
	MailReply       = "reply"       // a requester's reply to desk mail: joined to its request, never answered
	// MailUnauthenticated: DMARC failed, or SPF and DKIM both did; the From
	// may be forged, so answering would mail a stranger. Kept for the team.
	MailUnauthenticated = "unauthenticated"
)

// MailRecord is what the desk keeps of received mail that opened no
// request (request.MailRecord).
type MailRecord = request.MailRecord

// renderEmail picks the acknowledgement of requests that came by email and
// need their own wording: unclear mail gets the choices and the form, an
// authorized agent is told the consumer verifies directly. ok is false for
// every other request.
func (s *Service) renderEmail(r *request.Request) (m mail.Message, ok bool, err error) {
	if r.Channel != request.Email {
		return mail.Message{}, false, nil
	}
	loc := s.Calendar.Location()
	switch {
	case slices.Contains(r.Kinds, request.Unclear):
		m, err = mail.RenderUnclearReply(r.Requester.Email, mail.UnclearReply{
			RequestID: r.ID, Name: r.Requester.Name, ReceivedAt: r.ReceivedAt, Due: r.Due,
			TeamAddress: s.TeamAddress, FormURL: s.FormURL, Location: loc, Language: r.Language,
		})
		return m, true, err
	case r.Agent != nil && !r.OnlyOptOuts():
		m, err = mail.RenderAgentAcknowledgement(r.Agent.Email, mail.AgentAcknowledgement{
			RequestID: r.ID, Name: r.Agent.Name, Kinds: r.Kinds, ReceivedAt: r.ReceivedAt, Due: r.Due,
			Expedited: r.Priority == request.Expedited, TeamAddress: s.TeamAddress, FormURL: s.FormURL, Location: loc,
			Language: r.Language,
		})
		return m, true, err
	}
	return mail.Message{}, false, nil
}

// Clarification is what a reply to the unclear-mail question changes on
// its request (request.Clarification).
type Clarification = request.Clarification
