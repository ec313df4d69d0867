package mail

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Outcomes of one system's action, as the answer names them.
const (
	OutcomeErased     = "erased"          // erased, and the system no longer finds the person
	OutcomeErasedKept = "erased-kept"     // erased but for what a legal hold keeps; nothing else found after
	OutcomeErasedAsk  = "erased-unproven" // erase accepted; the system cannot be asked again
	OutcomeSuppressed = "suppressed"      // no further marketing mail
	OutcomeOptedOut   = "opted-out"       // the system no longer sells or shares the person's data
	OutcomeExported   = "exported"        // the system's data is in the package
	OutcomeFound      = "found"           // the system holds data about the person: its categories are listed (no copy)
	OutcomeNotFound   = "not-found"       // the system holds nothing about the person
	// OutcomeNothingLeft: an erasure found nothing after the same
	// system's export found the person (the data gone since).
	OutcomeNothingLeft = "nothing-left"
	OutcomeConfirmed   = "confirmed" // done by hand: by the system's owner, or by the privacy team
	// OutcomeExportedByHand: a copy made by hand (the privacy team, after
	// the owner could not), which is not in the download.
	OutcomeExportedByHand = "exported-by-hand"
	// OutcomeSentApart: the same, and the team sent that copy to the
	// requester separately (their word on the trail).
	OutcomeSentApart = "sent-apart"
	// OutcomeErasedByHand: deleted by hand (an owner's task, or the
	// privacy team); OutcomeErasedByHandKept: the same, what the system's
	// legal holds keep kept (the answer lists it).
	OutcomeErasedByHand     = "erased-by-hand"
	OutcomeErasedByHandKept = "erased-by-hand-kept"
	OutcomeCorrected        = "corrected" // the system corrected the record as the requester asked
	OutcomeWithheld         = "withheld"  // kept in full under a legal hold
)

// Answer is the final answer to a request that was carried out.
type Answer struct {
	RequestID  string
	Kinds      []request.Kind
	ReceivedAt time.Time
	// Systems say what was done in each system, in registry order.
	Systems []AnswerSystem
	// Withheld lists the data kept under a legal hold, with the reason.
	Withheld []AnswerHold
	// NotApplicable names the systems nothing was asked of: the registry
	// gives them no action for this kind of request (they may hold
	// personal data, even what the request concerns).
	NotApplicable []string
	// Corrections are what the requester asked to correct, listed when a
	// system corrected its record.
	Corrections []request.CorrectionItem
	// Held, for a request to know the categories (CategoriesOnly), lists
	// what each system that holds the person's data holds: the categories
	// of data, and what the registry says of where they come from, why
	// they are held and who else receives them. Never a record.
	Held []AnswerHeld
	// MayHold, for the same answer, lists the systems that hold personal
	// data of this kind about people but that the desk cannot search by
	// person (no export): the person may be in them, unchecked.
	MayHold []AnswerHeld
	// CategoriesOnly: the request asks to know the categories and for no
	// copy of the data (neither specific pieces nor portability); the
	// answer says it carries no copy, and how to ask for one.
	CategoriesOnly bool
	// Link is the desk's download page for the access package, with its
	// token (empty: none), and LinkExpires when it stops working. Never a
	// presigned S3 URL: on Lambda those die with the role's credentials.
	Link        string
	LinkExpires time.Time
	TeamAddress string
	Location    *time.Location // as in Acknowledgement
	Language    string         // as in Acknowledgement
	// StatusLink is the requester's link to the status page of the
	// request (/status?t=…), issued for this mail; empty: none.
	StatusLink string
	// OptOutsOnly: the answer is of the opt-outs of a request that asks
	// for more (Kinds are the opt-outs); RestOpen: that rest is still open,
	// and answered on its own.
	OptOutsOnly, RestOpen bool
	// Withdrawable: the requester may still withdraw what is left of the
	// request from the status page (its status link says so).
	Withdrawable bool
	// Child: the request is a parent's about their child's data, which
	// is what the systems acted on (the answer says "the child's data",
	// not "your data").
	Child bool
}

// AnswerSystem is one system's line of the answer: each system is named
// once, with everything done there.
type AnswerSystem struct {
	Title string // the system in plain words, in the request's language
	// Outcomes are the Outcome constants of the system's steps, in order
	// (e.g. erased, then suppressed).
	Outcomes []string
	// Outcome is a single outcome, for a caller with one step; it is added
	// to Outcomes.
	Outcome string
}

// AnswerHeld is what one system holds about the person, in categories,
// all in the request's language and in plain words.
type AnswerHeld struct {
	System string
	// Categories are the kinds of data the system holds about the person;
	// with Unchecked, every kind it holds about people: it held the person
	// (its deletion found them) but which kinds was not checked.
	Categories   []string
	Unchecked    bool
	Sources      []string // where the data comes from
	Purposes     []string // why it is held
	ThirdParties []string // who else receives it; none: nobody
}

// AnswerHold is one category kept under a legal hold.
type AnswerHold struct {
	System   string // the system in plain words
	Category string // the category in plain words, in the request's language
	Reason   string // in the request's language
	Law      string
	Until    string
}

type answerView struct {
	Subject        string
	OptOutsOnly    bool // the opt-outs of a request with more in it
	RestOpen       bool // and that rest open
	Withdrawable   bool // and the rest may still be withdrawn
	Child          bool // the data acted on is the requester's child's
	RequestID      string
	Kinds          []string
	ReceivedAt     string // date
	Systems        []AnswerSystem
	Withheld       []AnswerHold
	NotApplicable  []string
	Corrections    []request.CorrectionItem
	Held           []answerHeld
	MayHold        []answerHeld
	CategoriesOnly bool
	// AlsoDeleted: the request asked a deletion too, so what the answer
	// lists of the person's data was held before it was deleted.
	AlsoDeleted bool
	Link        string
	LinkExpires string // date and time
	TeamAddress string
	StatusLink  string
}

// RenderAnswer renders the answer to the requester: what was done in each
// system, what was kept and why, which systems had nothing to do with the
// request, and for an access request the link to the package (never the
// data itself).
func RenderAnswer(to string, a Answer) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	lang := language(a.Language)
	v := answerView{
		StatusLink:  clean(a.StatusLink),
		RequestID:   clean(a.RequestID),
		Kinds:       titlesIn(a.Kinds, lang),
		ReceivedAt:  dateOf(lang, in(a.ReceivedAt, a.Location)),
		Link:        clean(a.Link),
		LinkExpires: dateTimeOf(lang, in(a.LinkExpires, a.Location)),
		TeamAddress: clean(a.TeamAddress),
	}
	v.Systems = mergeSystems(a.Systems)
	for _, h := range a.Withheld {
		v.Withheld = append(v.Withheld, AnswerHold{System: clean(h.System), Category: clean(h.Category), Reason: clean(h.Reason), Law: clean(h.Law), Until: clean(h.Until)})
	}
	if slices.ContainsFunc(v.Systems, func(s AnswerSystem) bool { return slices.Contains(s.Outcomes, OutcomeCorrected) }) {
		v.Corrections = cleanCorrections(a.Corrections)
	}
	for _, n := range a.NotApplicable {
		v.NotApplicable = append(v.NotApplicable, clean(n))
	}
	if a.CategoriesOnly {
		// Never a download with it: this answer carries no copy.
		v.CategoriesOnly, v.Link = true, ""
		v.AlsoDeleted = slices.Contains(a.Kinds, request.Deletion) || slices.Contains(a.Kinds, request.ChildData)
		// The registry lists who else receives a system's data: none
		// listed is nobody. A list it leaves empty otherwise is left out.
		nobody := "nobody"
		if lang == Spanish {
			nobody = "nadie"
		}
		v.Held, v.MayHold = heldLines(a.Held, nobody, a.Child), heldLines(a.MayHold, nobody, a.Child)
	}
	v.OptOutsOnly, v.RestOpen, v.Child = a.OptOutsOnly, a.OptOutsOnly && a.RestOpen, a.Child
	v.Withdrawable = v.RestOpen && a.Withdrawable
	switch {
	case lang == Spanish && a.OptOutsOnly:
		v.Subject = "Las exclusiones de su solicitud de privacidad " + v.RequestID + " están atendidas"
	case lang == Spanish:
		v.Subject = "Su solicitud de privacidad " + v.RequestID + " está completada"
	case a.OptOutsOnly:
		v.Subject = "The opt-outs of your privacy request " + v.RequestID + " are done"
	default:
		v.Subject = "Your privacy request " + v.RequestID + " is done"
	}
	return renderIn(lang, to, a.TeamAddress, v.Subject, answerBody.in(lang), v), nil
}

// answerHeld is an AnswerHeld as the answer writes it: each list on one
// line.
type answerHeld struct {
	System, Categories, Sources, Purposes, ThirdParties string
	// Unchecked: Categories are every kind the system holds about people
	// (AnswerHeld.Unchecked); Child: the person is a child.
	Unchecked, Child bool
}

// heldLines writes each system's holdings on lines of their own; nobody
// is who else receives the data when the registry lists no one.
func heldLines(items []AnswerHeld, nobody string, child bool) []answerHeld {
	var out []answerHeld
	for _, h := range items {
		out = append(out, answerHeld{System: clean(h.System), Categories: joined(h.Categories, ""),
			Sources: joined(h.Sources, ""), Purposes: joined(h.Purposes, ""), ThirdParties: joined(h.ThirdParties, nobody),
			Unchecked: h.Unchecked, Child: child})
	}
	return out
}

// joined writes a list on one line, "; " between items; empty, none.
func joined(items []string, none string) string {
	var out []string
	for _, s := range items {
		if s = clean(s); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return none
	}
	return strings.Join(out, "; ")
}

var answerBody = bilingual[answerView]{
	en: body[answerView]{streamanswerEnText, streamanswerEnHTML},
	es: body[answerView]{streamanswerEsText, streamanswerEsHTML},
}

// mergeSystems names each system once, each of its outcomes once, in the
// order given.
func mergeSystems(systems []AnswerSystem) []AnswerSystem {
	var out []AnswerSystem
	at := map[string]int{}
	for _, s := range systems {
		title := clean(s.Title)
		i, ok := at[title]
		if !ok {
			i = len(out)
			at[title] = i
			out = append(out, AnswerSystem{Title: title})
		}
		for _, o := range append(slices.Clip(s.Outcomes), s.Outcome) {
			if o != "" && !slices.Contains(out[i].Outcomes, o) {
				out[i].Outcomes = append(out[i].Outcomes, o)
			}
		}
	}
	return out
}

// Attention tells the privacy team that a request could not be carried out
// in every system and needs them.
type Attention struct {
	RequestID string
	Failed    []AttentionItem
	Done      int // systems that succeeded
}

// AttentionItem is one system that failed.
type AttentionItem struct {
	System string
	Action string
	Error  string // the error's name, e.g. ErasureNotProvenError
	Cause  string // the error's message: names the system and status only
}

// RenderAttention renders the team's notice that a request needs attention.
// It names systems and errors only, never the person.
func RenderAttention(to string, a Attention) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	items := make([]AttentionItem, len(a.Failed))
	for i, f := range a.Failed {
		items[i] = AttentionItem{System: clean(f.System), Action: clean(f.Action), Error: clean(f.Error), Cause: clean(f.Cause)}
	}
	a.Failed, a.RequestID = items, clean(a.RequestID)
	subject := fmt.Sprintf("Privacy request %s needs attention: %d system(s) failed", a.RequestID, len(items))
	return render(to, to, subject, attentionBody, a), nil
}

var attentionBody = body[Attention]{streamattentionText, streamattentionHTML}
