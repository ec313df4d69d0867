package mail

import (
	"slices"
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Verification is what the mail asking a requester to confirm their
// request says. Link is the confirm page with the single-use token; it is
// the only secret in the message and never goes anywhere else.
type Verification struct {
	RequestID string
	// ByAgent: someone acting as the requester's authorized agent made the
	// request; the mail says so, never the agent's name (as the
	// acknowledgement).
	ByAgent     bool
	Kinds       []request.Kind
	Link        string
	ExpiresAt   time.Time
	TeamAddress string
	Location    *time.Location // as in Acknowledgement
	Language    string         // as in Acknowledgement
	// StatusLink is the requester's link to the status page of the
	// request (/status?t=…), issued for this mail; empty: none.
	StatusLink string
}

type verificationView struct {
	RequestID   string
	ByAgent     bool
	Kinds       []string
	Link        string
	ExpiresAt   string // date and time
	TeamAddress string
	StatusLink  string
}

// RenderVerification renders the mail that asks the requester to open the
// link and confirm that the request is theirs.
func RenderVerification(to string, v Verification) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	lang := language(v.Language)
	view := verificationView{
		RequestID:   clean(v.RequestID),
		ByAgent:     v.ByAgent,
		Kinds:       titlesIn(v.Kinds, lang),
		Link:        clean(v.Link),
		ExpiresAt:   dateTimeOf(lang, in(v.ExpiresAt, v.Location)),
		TeamAddress: clean(v.TeamAddress),
		StatusLink:  clean(v.StatusLink),
	}
	subject := "Please confirm your privacy request " + view.RequestID
	if lang == Spanish {
		subject = "Confirme su solicitud de privacidad " + view.RequestID
	}
	return renderIn(lang, to, v.TeamAddress, subject, verificationBody.in(lang), view), nil
}

var verificationBody = bilingual[verificationView]{
	en: body[verificationView]{streamverifyEnText, streamverifyEnHTML},
	es: body[verificationView]{streamverifyEsText, streamverifyEsHTML},
}

// Unverified is what the notice that closes a never-confirmed request says.
type Unverified struct {
	RequestID   string
	Kinds       []request.Kind
	ReceivedAt  time.Time
	Days        int    // how long the link worked, in days
	FormURL     string // the request form, for a new request and the opt-out; may be empty
	TeamAddress string
	Location    *time.Location // as in Acknowledgement
	Language    string         // as in Acknowledgement
	// StatusLink is the requester's link to the status page of the
	// request (/status?t=…), issued for this mail; empty: none.
	StatusLink string
	// OptOutsDone: the opt-outs asked with it were carried out already
	// (opt-out:done is on the trail).
	OptOutsDone bool
}

type unverifiedView struct {
	RequestID string
	// Kinds are what needed the confirmation (not done); OptOuts the
	// opt-outs asked with them, which needed none and are carried out on
	// their own.
	Kinds, OptOuts []string
	OptOutsDone    bool   // the opt-outs were carried out already
	ReceivedAt     string // date
	Days           int
	Deletion       bool // offer the opt-out of sale instead (unless asked already)
	FormURL        string
	TeamAddress    string
	StatusLink     string
}

// RenderUnverified renders the notice that a request is closed because it
// was never confirmed: why, and how to make a new one. A request to delete
// is offered an opt-out of sale or sharing instead, which needs no proof of
// identity.
func RenderUnverified(to string, u Unverified) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	lang := language(u.Language)
	var confirmed, optOuts []request.Kind
	for _, k := range u.Kinds {
		if k.IsOptOut() {
			optOuts = append(optOuts, k)
		} else {
			confirmed = append(confirmed, k)
		}
	}
	view := unverifiedView{
		RequestID:   clean(u.RequestID),
		Kinds:       titlesIn(confirmed, lang),
		OptOuts:     titlesIn(optOuts, lang),
		OptOutsDone: len(optOuts) > 0 && u.OptOutsDone,
		ReceivedAt:  dateOf(lang, in(u.ReceivedAt, u.Location)),
		Days:        u.Days,
		Deletion: (slices.Contains(u.Kinds, request.Deletion) || slices.Contains(u.Kinds, request.ChildData)) &&
			!slices.Contains(u.Kinds, request.OptOutSale),
		FormURL:     formIn(lang, u.FormURL),
		TeamAddress: clean(u.TeamAddress),
		StatusLink:  clean(u.StatusLink),
	}
	subject := "We closed your privacy request " + view.RequestID + ": it was not confirmed"
	if lang == Spanish {
		subject = "Cerramos su solicitud de privacidad " + view.RequestID + ": no fue confirmada"
	}
	return renderIn(lang, to, u.TeamAddress, subject, unverifiedBody.in(lang), view), nil
}

var unverifiedBody = bilingual[unverifiedView]{
	en: body[unverifiedView]{streamunverifiedEnText, streamunverifiedEnHTML},
	es: body[unverifiedView]{streamunverifiedEsText, streamunverifiedEsHTML},
}
