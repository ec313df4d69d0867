package mail

import (
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// UnclearReply is the acknowledgement of mail to the privacy address that
// asked for nothing the desk could recognise. It lists the choices and links
// the form; the request stays open and the privacy team reads the message.
type UnclearReply struct {
	RequestID   string
	Name        string // the sender's display name; may be empty
	ReceivedAt  time.Time
	Due         request.Due // Due.Response, when set, is written as the answer date
	TeamAddress string      // Reply-To: a reply saying what they want reaches the team
	FormURL     string      // the request form; may be empty
	Location    *time.Location
	Language    string // "es" for Spanish; empty (or anything else) is English
}

type unclearView struct {
	RequestID   string
	Name        string
	ReceivedAt  string // date and time
	AnswerBy    string // date; empty: none
	Choices     []string
	TeamAddress string
	FormURL     string
}

// RenderUnclearReply renders the reply to mail whose request is unclear:
// the request ID, the rights a person can exercise, and the two ways to say
// which one they mean (reply, or use the form).
func RenderUnclearReply(to string, u UnclearReply) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	lang := language(u.Language)
	v := unclearView{
		RequestID:   clean(u.RequestID),
		Name:        clean(u.Name),
		ReceivedAt:  dateTimeOf(lang, in(u.ReceivedAt, u.Location)),
		AnswerBy:    dateIn(lang, in(u.Due.Response, u.Location)),
		Choices:     titlesIn(request.Kinds, lang),
		TeamAddress: clean(u.TeamAddress),
		FormURL:     formIn(lang, u.FormURL),
	}
	subject := "Your message to our privacy team: what would you like us to do? (request " + v.RequestID + ")"
	if lang == Spanish {
		subject = "Su mensaje a nuestro equipo de privacidad: ¿qué desea que hagamos? (solicitud " + v.RequestID + ")"
	}
	return renderIn(lang, to, u.TeamAddress, subject, unclearBody.in(lang), v), nil
}

var unclearBody = bilingual[unclearView]{
	en: body[unclearView]{streamunclearEnText, streamunclearEnHTML},
	es: body[unclearView]{streamunclearEsText, streamunclearEsHTML},
}

// UnreadableReply is the short note to someone whose message the desk could
// not read (too large, too deeply nested, not valid MIME). No request is
// opened from such a message; the note points to the form.
type UnreadableReply struct {
	Name        string // the sender's display name, when the headers could be read; may be empty
	TeamAddress string
	FormURL     string
	Language    string // "es" for Spanish; empty (or anything else) is English
}

type unreadableView struct{ Name, TeamAddress, FormURL string }

// RenderUnreadableReply renders "we could not read your message, please
// use the form".
func RenderUnreadableReply(to string, u UnreadableReply) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	lang := language(u.Language)
	v := unreadableView{Name: clean(u.Name), TeamAddress: clean(u.TeamAddress), FormURL: formIn(lang, u.FormURL)}
	subject := "We could not read your message to our privacy team"
	if lang == Spanish {
		subject = "No pudimos leer su mensaje a nuestro equipo de privacidad"
	}
	return renderIn(lang, to, u.TeamAddress, subject, unreadableBody.in(lang), v), nil
}

var unreadableBody = bilingual[unreadableView]{
	en: body[unreadableView]{streamunreadableEnText, streamunreadableEnHTML},
	es: body[unreadableView]{streamunreadableEsText, streamunreadableEsHTML},
}

// AgentAcknowledgement is the acknowledgement sent to an authorized agent
// who wrote on someone else's behalf. The consumer verifies directly with
// the desk, so the agent is told what the desk needs from them instead of
// being promised a confirmation link.
type AgentAcknowledgement struct {
	RequestID   string
	Name        string // the agent's display name; may be empty
	Kinds       []request.Kind
	ReceivedAt  time.Time
	Due         request.Due
	Expedited   bool
	TeamAddress string
	FormURL     string
	Location    *time.Location
	Language    string // "es" for Spanish; empty (or anything else) is English
}

type agentView struct {
	RequestID   string
	Name        string
	Kinds       []string
	ReceivedAt  string // date and time
	AnswerBy    string // date; empty: none
	Expedited   bool
	TeamAddress string
	FormURL     string
}

// RenderAgentAcknowledgement renders the acknowledgement to an authorized
// agent: what was asked, that the consumer confirms their identity with us
// directly, and the written permission and contact details we need.
func RenderAgentAcknowledgement(to string, a AgentAcknowledgement) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	lang := language(a.Language)
	v := agentView{
		RequestID:   clean(a.RequestID),
		Name:        clean(a.Name),
		Kinds:       titlesIn(a.Kinds, lang),
		ReceivedAt:  dateTimeOf(lang, in(a.ReceivedAt, a.Location)),
		AnswerBy:    dateIn(lang, in(a.Due.Response, a.Location)),
		Expedited:   a.Expedited,
		TeamAddress: clean(a.TeamAddress),
		FormURL:     formIn(lang, a.FormURL),
	}
	subject := "We received the privacy request you sent on someone's behalf " + v.RequestID
	if lang == Spanish {
		subject = "Recibimos la solicitud de privacidad que envió en nombre de otra persona " + v.RequestID
	}
	return renderIn(lang, to, a.TeamAddress, subject, agentBody.in(lang), v), nil
}

var agentBody = bilingual[agentView]{
	en: body[agentView]{streamagentEnText, streamagentEnHTML},
	es: body[agentView]{streamagentEsText, streamagentEsHTML},
}
