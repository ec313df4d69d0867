package mail

import (
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// ExtensionNotice is what the notice of an extension says: the request
// takes up to 45 more days, why, and the new date. It goes out before the
// original answer date, as the law requires.
type ExtensionNotice struct {
	RequestID  string
	Kinds      []request.Kind
	ReceivedAt time.Time
	// Reason is the team's, as written in the console.
	Reason string
	// AnswerBy is the extended answer date (request.Due.Extended).
	AnswerBy    time.Time
	TeamAddress string
	Location    *time.Location // as in Acknowledgement
	Language    string         // as in Acknowledgement
	// StatusLink is the requester's link to the status page of the
	// request (/status?t=…), issued for this mail; empty: none.
	StatusLink string
}

type extensionView struct {
	RequestID   string
	Kinds       []string
	ReceivedAt  string // date
	Reason      string
	AnswerBy    string // date
	TeamAddress string
	StatusLink  string
}

// RenderExtensionNotice renders the notice that request n is extended.
func RenderExtensionNotice(to string, n ExtensionNotice) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	lang := language(n.Language)
	v := extensionView{
		StatusLink: clean(n.StatusLink),
		RequestID:  clean(n.RequestID), Kinds: titlesIn(n.Kinds, lang), ReceivedAt: dateOf(lang, in(n.ReceivedAt, n.Location)),
		Reason: clean(n.Reason), AnswerBy: dateOf(lang, in(n.AnswerBy, n.Location)), TeamAddress: clean(n.TeamAddress),
	}
	subject := "We need more time to answer your privacy request " + v.RequestID
	if lang == Spanish {
		subject = "Necesitamos más tiempo para responder a su solicitud de privacidad " + v.RequestID
	}
	return renderIn(lang, to, n.TeamAddress, subject, extensionBody.in(lang), v), nil
}

var extensionBody = bilingual[extensionView]{
	en: body[extensionView]{streamextensionEnText, streamextensionEnHTML},
	es: body[extensionView]{streamextensionEsText, streamextensionEsHTML},
}

// Why the team may deny a request, one reason per kind denied. Each has
// its words in English and Spanish (DenialReasonWords).
const (
	DenyUnverifiable    = "unverifiable"     // identity not verified to the degree the kind needs
	DenyAgent           = "agent-not-shown"  // an agent did not show the consumer's authorization
	DenyLegalObligation = "legal-obligation" // the data must be kept to comply with a legal obligation
	DenyRepeated        = "repeated"         // access asked more than twice in 12 months
	DenySecurity        = "security"         // disclosure would put the data, the account or our systems at risk
	DenyExcessive       = "excessive"        // manifestly unfounded or excessive
	DenyOther           = "other"            // the team's own words (Detail) say why
)

// DenialReasons lists the reasons in the order the console offers them.
var DenialReasons = []string{DenyUnverifiable, DenyAgent, DenyLegalObligation, DenyRepeated, DenySecurity, DenyExcessive, DenyOther}

// DenialReasonsFor are the reasons that may refuse kind k: "repeated"
// only a request to know (access, a copy, portability: the law limits those
// to two a year), "legal-obligation" only a deletion (an exception to
// deletion); the others any kind.
func DenialReasonsFor(k request.Kind) []string {
	var out []string
	for _, r := range DenialReasons {
		switch {
		case r == DenyRepeated && k != request.AccessCategories && k != request.AccessSpecific && k != request.Portability:
		case r == DenyLegalObligation && k != request.Deletion && k != request.ChildData:
		default:
			out = append(out, r)
		}
	}
	return out
}

// DenialReasonWordsFor is reason in words for a denial of kind k, in
// language lang: what the requester reads, and the team chooses from.
// Security is the one reason whose words depend on the kind: disclosure is
// what a request to know risks, keeping data what a deletion's security
// exception allows, doing it what the others risk.
func DenialReasonWordsFor(reason string, k request.Kind, lang string) string {
	if reason != DenySecurity {
		return DenialReasonWords(reason, lang)
	}
	es := language(lang) == Spanish
	switch k {
	case request.AccessCategories, request.AccessSpecific, request.Portability:
		return DenialReasonWords(reason, lang)
	case request.Deletion, request.ChildData:
		if es {
			return "Necesitamos conservarlos para ayudar a garantizar la seguridad e integridad de nuestros sistemas y de su cuenta (por ejemplo, para detectar fraudes o incidentes de seguridad)."
		}
		return "We need to keep it to help ensure the security and integrity of our systems and your account (for example, to detect fraud or security incidents)."
	}
	if es {
		return "Hacerlo pondría en un riesgo considerable la seguridad de sus datos, de su cuenta o de nuestros sistemas."
	}
	return "Doing it would create a substantial risk to the security of your data, your account or our systems."
}

// DenialReasonWords is reason in words, in language lang ("es" or English),
// whatever the kind (DenialReasonWordsFor says it for one kind). "" for a
// reason that is not one of DenialReasons.
func DenialReasonWords(reason, lang string) string {
	es := language(lang) == Spanish
	switch reason {
	case DenyUnverifiable:
		if es {
			return "No pudimos verificar su identidad en la medida que la ley exige para esta solicitud."
		}
		return "We could not verify your identity to the degree the law requires for this request."
	case DenyAgent:
		if es {
			return "La persona que actúa en su nombre no nos mostró que usted la autorizó."
		}
		return "The person acting for you did not show us that you authorized them."
	case DenyLegalObligation:
		if es {
			return "Debemos conservar esta información para cumplir una obligación legal."
		}
		return "We must keep this information to comply with a legal obligation."
	case DenyRepeated:
		if es {
			return "Ya le entregamos esta información dos veces en los últimos 12 meses; la ley no nos obliga a hacerlo más a menudo."
		}
		return "We have already given you this information twice in the last 12 months; the law does not require us to do so more often."
	case DenySecurity:
		if es {
			return "Revelarla pondría en un riesgo considerable la seguridad de sus datos, de su cuenta o de nuestros sistemas."
		}
		return "Disclosing it would create a substantial risk to the security of your data, your account or our systems."
	case DenyExcessive:
		if es {
			return "La solicitud es manifiestamente infundada o excesiva."
		}
		return "The request is manifestly unfounded or excessive."
	case DenyOther:
		if es {
			return "Por la razón que explicamos a continuación."
		}
		return "For the reason we explain below."
	}
	return ""
}

// DenialItem is one kind of request denied and why.
type DenialItem struct {
	Kind   request.Kind
	Reason string // one of DenialReasons
	// Detail is the team's own words, optional except for DenyOther.
	Detail string
}

// DenialNotice is what the notice of a denial says: each kind asked for,
// the reason it is denied, and how to reach the team.
type DenialNotice struct {
	RequestID   string
	ReceivedAt  time.Time
	Items       []DenialItem
	TeamAddress string
	Location    *time.Location // as in Acknowledgement
	Language    string         // as in Acknowledgement
	// StatusLink is the requester's link to the status page of the
	// request (/status?t=…), issued for this mail; empty: none.
	StatusLink string
}

type denialView struct {
	RequestID   string
	ReceivedAt  string // date
	Items       []denialItemView
	TeamAddress string
	StatusLink  string
}

type denialItemView struct{ Kind, Reason, Detail string }

// RenderDenialNotice renders the notice that request n is denied, with the
// reason for each kind.
func RenderDenialNotice(to string, n DenialNotice) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	lang := language(n.Language)
	v := denialView{StatusLink: clean(n.StatusLink), RequestID: clean(n.RequestID), ReceivedAt: dateOf(lang, in(n.ReceivedAt, n.Location)), TeamAddress: clean(n.TeamAddress)}
	for _, it := range n.Items {
		v.Items = append(v.Items, denialItemView{Kind: clean(kindTitle(it.Kind, lang)), Reason: DenialReasonWordsFor(it.Reason, it.Kind, lang), Detail: clean(it.Detail)})
	}
	subject := "Our answer to your privacy request " + v.RequestID + ": we cannot carry it out"
	if lang == Spanish {
		subject = "Nuestra respuesta a su solicitud de privacidad " + v.RequestID + ": no podemos llevarla a cabo"
	}
	return renderIn(lang, to, n.TeamAddress, subject, denialBody.in(lang), v), nil
}

var denialBody = bilingual[denialView]{
	en: body[denialView]{streamdenialEnText, streamdenialEnHTML},
	es: body[denialView]{streamdenialEsText, streamdenialEsHTML},
}
