package mail

import (
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// WithdrawalNotice is what the mail that confirms a withdrawal says: the
// request is closed and nothing more is done for it; what was done before
// and stands (opt-outs carried out, data already deleted); and that a new
// request may be made.
type WithdrawalNotice struct {
	RequestID  string
	Kinds      []request.Kind
	ReceivedAt time.Time
	// OptOutDone is when the request's opt-outs were carried out (its
	// opt-out:done on the trail); zero when they were not.
	OptOutDone time.Time
	// OptOutsBegun: a system carried out an opt-out step before the
	// withdrawal, though the opt-outs were not done in every system.
	OptOutsBegun bool
	// Erased names the systems that deleted the person's data before the
	// withdrawal (that cannot be undone), Asked those that accepted to
	// delete it on their own schedule (that cannot be stopped). The mail
	// counts them: the names are the registry's, not words for the
	// requester.
	Erased, Asked []string
	FormURL       string // the request form, for a new request; may be empty
	TeamAddress   string
	Location      *time.Location // as in Acknowledgement
	Language      string         // as in Acknowledgement
	// StatusLink is the requester's link to the status page of the
	// request (/status?t=…), issued for this mail; empty: none.
	StatusLink string
}

type withdrawnView struct {
	RequestID  string
	ReceivedAt string // date
	Kinds      []string
	// OptOuts: the request asked for an opt-out; OptOutDone is the date
	// it was carried out ("" when it was not), OptOutsBegun that some of
	// it was.
	OptOuts      bool
	Many         bool // more than one opt-out: the words are plural
	OptOutDone   string
	OptOutsBegun bool
	Erased       int
	Asked        int
	FormURL      string
	TeamAddress  string
	StatusLink   string
}

// RenderWithdrawalNotice renders the mail that tells the requester their
// request is withdrawn, in its language.
func RenderWithdrawalNotice(to string, n WithdrawalNotice) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	lang := language(n.Language)
	v := withdrawnView{
		RequestID:   clean(n.RequestID),
		ReceivedAt:  dateOf(lang, in(n.ReceivedAt, n.Location)),
		Kinds:       titlesIn(n.Kinds, lang),
		FormURL:     formIn(lang, n.FormURL),
		TeamAddress: clean(n.TeamAddress),
		StatusLink:  clean(n.StatusLink),
	}
	optOuts := 0
	for _, k := range n.Kinds {
		if k.IsOptOut() {
			optOuts++
		}
	}
	v.OptOuts, v.Many = optOuts > 0, optOuts > 1
	if v.OptOuts && !n.OptOutDone.IsZero() {
		v.OptOutDone = dateOf(lang, in(n.OptOutDone, n.Location))
	}
	v.OptOutsBegun = v.OptOuts && v.OptOutDone == "" && n.OptOutsBegun
	v.Erased, v.Asked = len(n.Erased), len(n.Asked)
	subject := "Your privacy request " + v.RequestID + " is withdrawn"
	if lang == Spanish {
		subject = "Su solicitud de privacidad " + v.RequestID + " fue retirada"
	}
	return renderIn(lang, to, n.TeamAddress, subject, withdrawnBody.in(lang), v), nil
}

var withdrawnBody = bilingual[withdrawnView]{
	en: body[withdrawnView]{streamwithdrawnEnText, streamwithdrawnEnHTML},
	es: body[withdrawnView]{streamwithdrawnEsText, streamwithdrawnEsHTML},
}
