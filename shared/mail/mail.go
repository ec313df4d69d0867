// Package mail renders the messages the desk sends to requesters, as an HTML
// part and a plain-text part, and names the Sender that delivers them.
//
// The parts are written by the templates of this directory (*.qtpl), which
// qtc compiles into Go functions (*.qtpl.go, committed; go generate
// ./shared/mail after changing a template).
//
// Every value a requester supplied is treated as hostile: the HTML part
// escapes it, and writes a URL into an attribute through href, which
// refuses schemes other than http, https and mailto; in the plain-text
// part control characters (CR, LF, tabs, NUL, bidirectional overrides...)
// are removed; it never goes into the Subject or into a header. The only
// requester value in a Message outside its body is the recipient address,
// which the caller validates and the Sender checks again.
//
// Requester mail is written in English or Spanish: each view has a Language
// field ("es" for Spanish; empty or anything else means English), and the
// message says which in its Content-Language header.
package mail

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/valyala/quicktemplate"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Message is one email ready to send.
type Message struct {
	To      []string
	ReplyTo []string
	Subject string
	Text    string
	HTML    string
	// Headers are extra header fields; set by this package only, never from
	// requester data.
	Headers map[string]string
	// Internal marks mail to the privacy team or a system owner. Its
	// Reply-To (the team's) is kept by a sender that points every other
	// mail's Reply-To at the address the intake reads: a requester's reply
	// joins their request there, but a member's or an owner's would be a
	// stranger's new mail.
	Internal bool
}

// Sender delivers a Message and returns the provider's message ID.
type Sender interface {
	Send(ctx context.Context, m Message) (messageID string, err error)
}

// The header fields on every message: they mark it as machine-sent so that
// autoresponders (vacation replies, Exchange out-of-office) do not answer it
// and start a loop with our own intake (RFC 3834).
const (
	HeaderAutoSubmitted      = "Auto-Submitted"
	HeaderAutoResponseSupp   = "X-Auto-Response-Suppress"
	autoSubmittedValue       = "auto-generated"
	autoResponseSuppressWord = "All"
)

// ErrRecipient is returned when the recipient address is empty or carries
// characters no address may carry. The error never quotes the address.
var ErrRecipient = errors.New("mail: unusable recipient address")

// The English forms of dates in mail.
const (
	dateLayout     = "Monday, January 2, 2006"
	dateTimeLayout = "Monday, January 2, 2006 at 3:04 PM MST"
)

// dateOf writes t's date in lang: "Monday, January 2, 2006", or in
// Spanish "lunes, 2 de enero de 2006".
func dateOf(lang string, t time.Time) string {
	if lang == Spanish {
		return fecha(t)
	}
	return t.Format(dateLayout)
}

// dateTimeOf writes t's date and time in lang: "Monday, January 2, 2006
// at 3:04 PM MST", or in Spanish with fechaHora.
func dateTimeOf(lang string, t time.Time) string {
	if lang == Spanish {
		return fechaHora(t)
	}
	return t.Format(dateTimeLayout)
}

// dateIn is dateOf, and "" for the zero time: a date the mail leaves out.
func dateIn(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return dateOf(lang, t)
}

// dateTimeIn is dateTimeOf, and "" for the zero time.
func dateTimeIn(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return dateTimeOf(lang, t)
}

//go:generate go tool qtc -skipLineComments -dir=.

// body is a message's two parts: the funcs the templates (*.qtpl, compiled
// by qtc into *.qtpl.go) write them with, from a view of type V.
type body[V any] struct {
	text, html func(*quicktemplate.Writer, V)
}

// bilingual is a requester message's bodies in English and in Spanish.
type bilingual[V any] struct {
	en, es body[V]
}

// in is the body in lang (English or Spanish, as language returns).
func (b bilingual[V]) in(lang string) body[V] {
	if lang == Spanish {
		return b.es
	}
	return b.en
}

// Acknowledgement is what the acknowledgement of a request says.
type Acknowledgement struct {
	RequestID string
	Name      string // the requester's name as they gave it; may be empty
	Kinds     []request.Kind
	// GPC: an opt-out among Kinds came from the browser's Global Privacy
	// Control signal (the mail says so, as the opt-out confirmation does).
	GPC         bool
	ReceivedAt  time.Time
	Due         request.Due
	Expedited   bool
	TeamAddress string // the privacy team's address, for questions (and Reply-To)
	FormURL     string // the request form, offered for further requests; may be empty
	// Location is the zone dates are written in. Pass the business zone
	// (clock.Calendar.Location): a deadline is the end of a day there, and
	// written in another zone it could fall on the next date. nil writes
	// each date in the zone it carries.
	Location *time.Location
	// Language is "es" for Spanish; empty (or anything else) is English.
	Language string
	// StatusLink is the requester's link to the status page of the
	// request (/status?t=…), issued for this mail; empty: none.
	StatusLink string
	// VerifyLink is the verification link (the confirm page with its
	// single-use token), working until VerifyLinkUntil, when the
	// acknowledgement carries it; empty: the link comes in a mail of its
	// own, as the acknowledgement then says.
	VerifyLink      string
	VerifyLinkUntil time.Time
	// ByAgent: someone acting as the requester's authorized agent made
	// the request (on the form). The mail says so, never the agent's name:
	// the requester's address has proven nothing, so nothing the submitter
	// typed is mailed to it.
	ByAgent bool
	// Late: the answer date has passed (a request acknowledged late, as
	// when the team names an unclear mail's kinds after it); OptOutLate:
	// the opt-out date has, the opt-outs not carried out; OptOutsDone:
	// they were carried out already.
	Late, OptOutLate, OptOutsDone bool
}

// ackView carries its dates already written in the mail's language.
type ackView struct {
	RequestID   string
	Name        string
	ByAgent     bool
	GPC         bool
	Kinds       []string
	ReceivedAt  string // date and time
	AnswerBy    string // date; empty: no 45-day answer (only opt-outs)
	OptOutBy    string // date; empty: no opt-out asked
	Verify      bool
	Late        bool // the answer date has passed
	OptOutLate  bool // the opt-out date has passed
	OptOutsDone bool // the opt-outs were carried out already
	Expedited   bool
	TeamAddress string
	FormURL     string
	StatusLink  string
	// VerifyLink is set only with Verify; VerifyLinkUntil is a date and time.
	VerifyLink      string
	VerifyLinkUntil string
}

// RenderAcknowledgement renders the acknowledgement of request a to the
// address to: the request ID, what was asked, what happens next and by when,
// and how to reach the team.
func RenderAcknowledgement(to string, a Acknowledgement) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	lang := language(a.Language)
	v := ackView{
		StatusLink:  clean(a.StatusLink),
		RequestID:   clean(a.RequestID),
		Name:        clean(a.Name),
		ByAgent:     a.ByAgent,
		GPC:         a.GPC,
		Kinds:       titlesIn(a.Kinds, lang),
		ReceivedAt:  dateTimeIn(lang, in(a.ReceivedAt, a.Location)),
		AnswerBy:    dateIn(lang, in(a.Due.Response, a.Location)),
		OptOutBy:    dateIn(lang, in(a.Due.OptOut, a.Location)),
		Verify:      !a.Due.Response.IsZero(),
		Late:        a.Late && !a.Due.Response.IsZero(),
		OptOutLate:  a.OptOutLate && !a.OptOutsDone && !a.Due.OptOut.IsZero(),
		OptOutsDone: a.OptOutsDone,
		Expedited:   a.Expedited,
		TeamAddress: clean(a.TeamAddress),
		FormURL:     formIn(lang, a.FormURL),
	}
	if v.Verify && a.VerifyLink != "" {
		v.VerifyLink, v.VerifyLinkUntil = clean(a.VerifyLink), dateTimeIn(lang, in(a.VerifyLinkUntil, a.Location))
	}
	subject := "We received your privacy request " + v.RequestID
	if lang == Spanish {
		subject = "Recibimos su solicitud de privacidad " + v.RequestID
	}
	return renderIn(lang, to, a.TeamAddress, subject, ackBody.in(lang), v), nil
}

var ackBody = bilingual[ackView]{
	en: body[ackView]{streamackEnText, streamackEnHTML},
	es: body[ackView]{streamackEsText, streamackEsHTML},
}

// OptOutConfirmation is what the confirmation of an opt-out says.
type OptOutConfirmation struct {
	RequestID   string
	Kinds       []request.Kind
	ReceivedAt  time.Time
	GPC         bool // the opt-out came (also) from a Global Privacy Control signal
	TeamAddress string
	Location    *time.Location // as in Acknowledgement
	Language    string         // as in Acknowledgement
	// StatusLink is the requester's link to the status page of the
	// request (/status?t=…), issued for this mail; empty: none.
	StatusLink string
}

type optOutView struct {
	RequestID   string
	Kinds       []string
	Sale        bool
	Marketing   bool
	ReceivedAt  string // date and time
	GPC         bool
	TeamAddress string
	StatusLink  string
}

// RenderOptOutConfirmation renders the confirmation that an opt-out was
// recorded: opt-outs need no verification, so this is the only mail the
// requester gets for them.
func RenderOptOutConfirmation(to string, c OptOutConfirmation) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	lang := language(c.Language)
	v := optOutView{
		StatusLink:  clean(c.StatusLink),
		RequestID:   clean(c.RequestID),
		Kinds:       titlesIn(c.Kinds, lang),
		ReceivedAt:  dateTimeOf(lang, in(c.ReceivedAt, c.Location)),
		GPC:         c.GPC,
		TeamAddress: clean(c.TeamAddress),
	}
	for _, k := range c.Kinds {
		switch k {
		case request.OptOutSale:
			v.Sale = true
		case request.OptOutMarketing:
			v.Marketing = true
		}
	}
	if c.GPC && !v.Sale {
		// The signal is the request: say so in the list even if no kind was ticked.
		v.Kinds = append(v.Kinds, kindTitle(request.OptOutSale, lang))
		v.Sale = true
	}
	subject := "Your opt-out is recorded (request " + v.RequestID + ")"
	if lang == Spanish {
		subject = "Registramos su solicitud de exclusión (solicitud " + v.RequestID + ")"
	}
	return renderIn(lang, to, c.TeamAddress, subject, optOutBody.in(lang), v), nil
}

var optOutBody = bilingual[optOutView]{
	en: body[optOutView]{streamoptoutEnText, streamoptoutEnHTML},
	es: body[optOutView]{streamoptoutEsText, streamoptoutEsHTML},
}

// render renders an English message to the team or a system owner
// (Internal).
func render[V any](to, replyTo, subject string, b body[V], view V) Message {
	m := renderIn(English, to, replyTo, subject, b, view)
	m.Internal = true
	return m
}

// renderIn renders body b of view in language lang (English or Spanish,
// as language returns): both parts are written into one pooled buffer, and
// each is copied out once.
func renderIn[V any](lang, to, replyTo, subject string, b body[V], view V) Message {
	buf := quicktemplate.AcquireByteBuffer()
	defer quicktemplate.ReleaseByteBuffer(buf)
	qw := quicktemplate.AcquireWriter(buf)
	defer quicktemplate.ReleaseWriter(qw)
	b.text(qw, view)
	text := string(buf.B)
	buf.Reset()
	b.html(qw, view)
	m := Message{
		To:      []string{to},
		Subject: clean(subject),
		Text:    text,
		HTML:    string(buf.B),
		Headers: map[string]string{
			HeaderAutoSubmitted:    autoSubmittedValue,
			HeaderAutoResponseSupp: autoResponseSuppressWord,
			HeaderContentLanguage:  lang,
		},
	}
	if replyTo = strings.TrimSpace(replyTo); replyTo != "" && checkRecipient(replyTo) == nil {
		m.ReplyTo = []string{replyTo}
	}
	return m
}

// checkRecipient refuses an empty address or one with control characters
// (a CR/LF would let it smuggle header lines into a raw message).
func checkRecipient(to string) error {
	if strings.TrimSpace(to) == "" || !utf8.ValidString(to) || strings.IndexFunc(to, unwanted) >= 0 {
		return ErrRecipient
	}
	return nil
}

// clean makes a requester-supplied value safe for a single line of plain
// text: invalid UTF-8 becomes U+FFFD, control characters and bidirectional
// overrides become spaces, runs of spaces collapse, and the ends are trimmed.
func clean(s string) string {
	if isClean(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unwanted(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// isClean reports whether clean would return s as it is: valid UTF-8,
// nothing unwanted, spaces only single U+0020 between words.
func isClean(s string) bool {
	prevSpace := true // no leading space
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ' ':
				if prevSpace {
					return false
				}
				prevSpace = true
			case c < 0x20 || c == 0x7f:
				return false
			default:
				prevSpace = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unwanted(r) || unicode.IsSpace(r) {
			return false
		}
		prevSpace = false
		i += size
	}
	return !prevSpace || s == ""
}

// unwanted reports the runes that never belong in a line of mail: C0 and C1
// controls (CR, LF, TAB, NUL, ESC...), line and paragraph separators, and the
// bidirectional embedding, override and isolate controls that can make text
// read differently from what it says.
func unwanted(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

func in(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() || loc == nil {
		return t
	}
	return t.In(loc)
}
