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
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/withdraw"
)

// The actions the team takes from a request's page.
const (
	ActionSetKinds = "set-kinds" // say what an unclear mail asks for; its workflow starts
	ActionExtend   = "extend"    // take up to 45 more days, once, telling the requester why
	ActionDeny     = "deny"      // refuse, with a reason for each kind, telling the requester
	ActionWithdraw = "withdraw"  // close at the requester's word
	// ActionNotARequest closes unclear mail the team read and found to be
	// no privacy request.
	ActionNotARequest = "not-a-request"
	ActionComplete    = "complete" // close a request the team finished by hand
)

// Writer is what the actions need of the request store besides Store
// (*dynamo.Store): conditional status moves and the kinds of unclear mail.
type Writer interface {
	SetStatus(ctx context.Context, id string, from, to request.Status, at time.Time) error
	Extend(ctx context.Context, id string, from request.Status, due, at time.Time) error
	Clarify(ctx context.Context, c intake.Clarification) error
	SetCorrections(ctx context.Context, id string, items []request.CorrectionItem, at time.Time) error
}

// Intake is the intake service (*intake.Service): what follows once an
// unclear mail's kinds are known, as for a new request of those kinds; and
// the acknowledgement the address's daily cap held back, sent at the
// team's word (by names the member, "team:<username>").
type Intake interface {
	Acknowledgement(ctx context.Context, r *request.Request) (mail.Message, error)
	StartWorkflows(ctx context.Context, r *request.Request) error
	SendHeldBack(ctx context.Context, id, by string) (*request.Request, error)
}

// ErrNotAllowed: the action is not open to the request as it stands (its
// status, or it was done before); ActionError says why.
var ErrNotAllowed = errors.New("action not allowed")

// ActionError says why an action is not open to a request.
type ActionError struct{ Action, Why string }

func (e *ActionError) Error() string {
	return fmt.Sprintf("%s: %s: %s", ErrNotAllowed, e.Action, e.Why)
}

// Unwrap lets errors.Is(err, ErrNotAllowed) match.
func (e *ActionError) Unwrap() error { return ErrNotAllowed }

// FormError is a form the team must correct: a problem per field.
type FormError map[string]string

func (e FormError) Error() string { return fmt.Sprintf("console: %d problem(s) with the form", len(e)) }

// actions lists what the team may do with r now.
func (s *Service) actions(r *request.Request, events []request.Event, now time.Time) []string {
	var out []string
	for _, a := range []string{ActionSendHeldBack, ActionSetKinds, ActionNameConsumer, ActionNotARequest, ActionExtend, ActionDeny, ActionWithdraw, ActionResendLink, ActionRerun, ActionFinishStep,
		ActionComplete, ActionWriteCorrection, ActionMarkDuplicate, ActionNote, ActionRevokeStatus} {
		if s.why(a, r, events, now) == "" {
			out = append(out, a)
		}
	}
	return out
}

// why says why action is not open to r now, or "" when it is.
func (s *Service) why(action string, r *request.Request, events []request.Event, now time.Time) string {
	moves := func(to request.Status) bool { return request.CheckTransition(r.Status, to) == nil }
	switch action {
	case ActionSendHeldBack:
		return whySendHeldBack(r, events)
	case ActionSetKinds:
		switch {
		case r.Status.Closed():
			return "the request is closed"
		case !slices.Contains(r.Kinds, request.Unclear):
			return "its kinds are known"
		case r.AcknowledgedAt.IsZero() && !r.AckCappedAt.IsZero():
			// Its acknowledgement clock is met only by marking it
			// acknowledged, which sending the held-back mail does.
			return "the daily cap held its acknowledgement back: send the acknowledgement first"
		}
	case ActionExtend:
		switch {
		case r.Status == request.Extended && !has(events, request.ActionExtensionNoticeSent):
			return "" // extended, the notice still to go out
		case extendedOnTrail(events):
			return "it was extended before: a request is extended once"
		case !moves(request.Extended):
			return "only a verified request, or one in progress, is extended (it is " + string(r.Status) + ")"
		case r.Due.Extended.IsZero() || r.Due.Response.IsZero():
			return "it has no answer date to extend"
		case now.After(r.Due.Response):
			return "the answer date has passed: the notice had to reach the requester before it"
		}
	case ActionDeny:
		switch {
		case r.Status == request.Denied && !has(events, request.ActionDenialNoticeSent):
			return "" // denied, the notice still to go out
		case !moves(request.Denied):
			return "the request is " + string(r.Status)
		case slices.Contains(r.Kinds, request.Unclear):
			return "say first what the mail asks for"
		case len(DeniableKinds(r, events)) == 0:
			return "it asks only for opt-outs, carried out already: nothing is left to deny"
		}
	case ActionWithdraw:
		switch {
		case r.Status == request.Withdrawn && withdraw.NoticeOwed(events):
			return "" // withdrawn, the notice to the requester still to go out
		case !moves(request.Withdrawn):
			return "the request is " + string(r.Status)
		}
	case ActionNotARequest:
		switch {
		case !slices.Contains(r.Kinds, request.Unclear):
			return "its kinds are known: a privacy request"
		case !moves(request.NotARequest):
			return "the request is " + string(r.Status)
		}
	case ActionComplete:
		switch {
		case r.Attention == "":
			return "only a request that needs attention is completed by hand; the desk completes the others"
		case !moves(request.Completed):
			return "the request is " + string(r.Status)
		}
	default:
		return s.whyMore(action, r, events)
	}
	return ""
}

func has(events []request.Event, action string) bool {
	return slices.ContainsFunc(events, func(e request.Event) bool { return e.Action == action })
}

func lastOf(events []request.Event, action string) (request.Event, bool) {
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Action == action {
			return events[i], true
		}
	}
	return request.Event{}, false
}

// load reads r and its trail and checks action is open to it.
func (s *Service) load(ctx context.Context, action, id string) (*request.Request, []request.Event, error) {
	r, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", action, id, err)
	}
	events, err := s.Store.Events(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", action, id, err)
	}
	if why := s.why(action, r, events, s.Now()); why != "" {
		return nil, nil, &ActionError{Action: action, Why: why}
	}
	return r, events, nil
}

// record appends the team's event.
func (s *Service) record(ctx context.Context, ev request.Event) error {
	if err := s.Store.AppendEvent(ctx, ev); err != nil {
		return fmt.Errorf("record %s of %s: %w", ev.Action, ev.RequestID, err)
	}
	return nil
}

// move changes r's status from what it is to to, and records it with the
// member and reason.
func (s *Service) move(ctx context.Context, m Member, r *request.Request, to request.Status, reason string, data map[string]string) error {
	now := s.Now()
	if err := s.Writer.SetStatus(ctx, r.ID, r.Status, to, now); err != nil {
		return fmt.Errorf("%s %s: %w", to, r.ID, err)
	}
	if data == nil {
		data = map[string]string{}
	}
	data["from"] = string(r.Status)
	s.logger().InfoContext(ctx, "console: status moved", "requestId", r.ID, "from", string(r.Status), "to", string(to), "user", m.Username)
	r.Status = to
	return s.record(ctx, request.Event{RequestID: r.ID, At: now, Actor: m.Actor(), Action: request.StatusAction(to),
		Once: request.StatusAction(to), Reason: reason, Data: data})
}

// Triage is what the team says an unclear mail asks for.
type Triage struct {
	Kinds []request.Kind
	// Child identifies the child of a child's-data request: an email or
	// an account is required with that kind.
	Child *request.Subject
	// Correction is what a correction asks, as the team reads it in the
	// mail: which data, what it says now (optional), what it should say.
	// Required with that kind: the systems correct item by item.
	Correction request.CorrectionItem
	Note       string
}

// SetKinds gives an unclear request the kinds the team read in it, with
// their deadlines counted from its receipt (and expedited for a child's
// data), then does what intake does for a new request of those kinds: it
// acknowledges it in their words (once) and starts its workflows.
func (s *Service) SetKinds(ctx context.Context, m Member, id string, t Triage) (*request.Request, error) {
	r, events, err := s.load(ctx, ActionSetKinds, id)
	if err != nil {
		return nil, err
	}
	problems := FormError{}
	var kinds []request.Kind
	for _, k := range t.Kinds {
		if !slices.Contains(TriageKinds(), k) {
			problems["kinds"] = "Choose from the kinds listed."
		} else if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 && problems["kinds"] == "" {
		problems["kinds"] = "Choose at least one kind: what the person asks for."
	}
	if p := tooLong(strings.TrimSpace(t.Note), MaxNote, false); p != "" {
		problems["note"] = p
	}
	var child *request.Subject
	if slices.Contains(kinds, request.ChildData) {
		if t.Child == nil || (strings.TrimSpace(t.Child.Email) == "" && strings.TrimSpace(t.Child.Account) == "") {
			problems["child"] = "A child's data request needs the child's email address or account, so that the child's data is found, not the parent's."
		} else if utf8.RuneCountInString(strings.TrimSpace(t.Child.Name)) > intake.MaxName || utf8.RuneCountInString(strings.TrimSpace(t.Child.Email)) > intake.MaxEmail ||
			utf8.RuneCountInString(strings.TrimSpace(t.Child.Account)) > intake.MaxAccount {
			problems["child"] = fmt.Sprintf("The child's name takes at most %d characters, the email address %d and the account %d.", intake.MaxName, intake.MaxEmail, intake.MaxAccount)
		} else {
			c := *t.Child
			c.Name, c.Email, c.Account = strings.TrimSpace(c.Name), strings.TrimSpace(c.Email), strings.TrimSpace(c.Account)
			switch {
			case c.Email != "" && intake.CheckEmail(c.Email) != "":
				problems["child"] = "The child's email address: " + intake.CheckEmail(c.Email)
			case c.Email != "" && request.NormalizeEmail(c.Email) == request.NormalizeEmail(r.Requester.Email):
				problems["child"] = "This is the sender's own address: give the child's (or leave it empty and give the child's account), or the parent's data would be deleted."
			default:
				child = &c
			}
		}
	}
	var corrections []request.CorrectionItem
	switch c, problem := checkCorrection(t.Correction); {
	case !slices.Contains(kinds, request.Correction):
		if c != (request.CorrectionItem{}) {
			problems["correction"] = "You wrote what to correct: choose the correction too, or clear these fields."
		}
	case problem != "":
		problems["correction"] = problem
	default:
		corrections = []request.CorrectionItem{c}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	priority := r.Priority
	if child != nil {
		priority = request.Expedited
	}
	now := s.Now()
	c := intake.Clarification{
		// The store keeps who made the request clear; for a reply it is the
		// reply's message ID, here the team member, so that a repeat of
		// the same form applies again and anyone else's is refused.
		RequestID: r.ID, ReplyMessageID: m.Actor(), Kinds: kinds, Priority: priority,
		Due: s.Calendar.Deadlines(r.ReceivedAt, kinds, priority), Subject: child, Corrections: corrections, At: now,
	}
	if err := s.Writer.Clarify(ctx, c); err != nil {
		return nil, fmt.Errorf("set kinds of %s: %w", r.ID, err)
	}
	r.Kinds, r.Priority, r.Due = kinds, priority, c.Due
	if child != nil {
		r.Subject = child
	}
	if corrections != nil {
		r.Corrections = corrections
	}
	reason := strings.TrimSpace(t.Note)
	if reason == "" {
		reason = "the team read the mail and named what the person asks for"
	}
	if err := s.record(ctx, request.Event{RequestID: r.ID, At: now, Actor: m.Actor(), Action: request.ActionKindsSet, Once: "kinds-set-by-team",
		Reason: reason, Data: map[string]string{"from": string(request.Unclear), "kinds": joinKinds(kinds), "priority": string(priority)}}); err != nil {
		return nil, err
	}
	s.logger().InfoContext(ctx, "console: kinds set", "requestId", r.ID, "kinds", joinKinds(kinds), "user", m.Username)
	if !has(events, request.ActionAcknowledgedClarified) {
		msg, err := s.Intake.Acknowledgement(ctx, r)
		if err != nil {
			return nil, fmt.Errorf("acknowledge %s: %w", r.ID, err)
		}
		messageID, err := s.Mail.Send(ctx, msg)
		if err != nil {
			return nil, fmt.Errorf("acknowledge %s: send: %w", r.ID, err)
		}
		if err := s.record(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: m.Actor(), Action: request.ActionAcknowledgedClarified,
			Once: request.ActionAcknowledgedClarified, Data: map[string]string{"messageId": messageID}}); err != nil {
			return nil, err
		}
	}
	if err := s.Intake.StartWorkflows(ctx, r); err != nil {
		return nil, fmt.Errorf("set kinds of %s: %w", r.ID, err)
	}
	return r, nil
}

// Extend extends a verified request (or one in progress) once, before its
// answer date: its status becomes extended, its next deadline the extended
// answer date (90 days from receipt), and the requester is mailed the
// notice with the team's reason and the new date, in their language.
// Called again for a request extended whose notice did not go out, it
// sends the notice. It returns the new answer date.
func (s *Service) Extend(ctx context.Context, m Member, id, reason string) (time.Time, error) {
	r, events, err := s.load(ctx, ActionExtend, id)
	if err != nil {
		return time.Time{}, err
	}
	if r.Status != request.Extended {
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return time.Time{}, FormError{"reason": "Say why the request needs more time: the requester is told."}
		}
		if p := tooLong(reason, MaxForRequester, true); p != "" {
			return time.Time{}, FormError{"reason": p}
		}
		now := s.Now()
		if err := s.Writer.Extend(ctx, r.ID, r.Status, r.Due.Extended, now); err != nil {
			return time.Time{}, fmt.Errorf("extend %s: %w", r.ID, err)
		}
		if err := s.record(ctx, request.Event{RequestID: r.ID, At: now, Actor: m.Actor(), Action: request.StatusAction(request.Extended),
			Once: request.StatusAction(request.Extended), Reason: reason,
			Data: map[string]string{"from": string(r.Status), "due": r.Due.Extended.UTC().Format(time.RFC3339)}}); err != nil {
			return time.Time{}, err
		}
		s.logger().InfoContext(ctx, "console: extended", "requestId", r.ID, "user", m.Username)
		r.Status = request.Extended
	} else if ev, ok := lastOf(events, request.StatusAction(request.Extended)); ok {
		reason = ev.Reason // the notice that did not go out says what the team wrote then
	}
	msg, err := mail.RenderExtensionNotice(r.Requester.Email, mail.ExtensionNotice{
		RequestID: r.ID, Kinds: r.Kinds, ReceivedAt: r.ReceivedAt, Reason: reason, AnswerBy: r.Due.Extended,
		TeamAddress: s.TeamAddress, Location: s.Calendar.Location(), Language: r.Language, StatusLink: s.statusLink(ctx, r.ID),
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("extension notice of %s: %w", r.ID, err)
	}
	messageID, err := s.Mail.Send(ctx, msg)
	if err != nil {
		return time.Time{}, fmt.Errorf("extension notice of %s: send: %w", r.ID, err)
	}
	if err := s.record(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: m.Actor(), Action: request.ActionExtensionNoticeSent,
		Once: request.ActionExtensionNoticeSent,
		Data: map[string]string{"messageId": messageID, "answerBy": r.Due.Extended.UTC().Format(time.RFC3339)}}); err != nil {
		return time.Time{}, err
	}
	return r.Due.Extended, nil
}

// Deny refuses the request with a reason for each of its kinds, closes it,
// and mails the requester the reasons in their language. Called again for
// a request denied whose notice did not go out, it sends the notice.
func (s *Service) Deny(ctx context.Context, m Member, id string, items []mail.DenialItem) error {
	r, events, err := s.load(ctx, ActionDeny, id)
	if err != nil {
		return err
	}
	if ev, onTrail := lastOf(events, request.StatusAction(request.Denied)); r.Status != request.Denied || !onTrail {
		// Not denied yet; or denied but its event (with the reasons) was
		// lost after the status moved: the reasons are given again.
		if err := checkDenial(r, DeniableKinds(r, events), items, withdraw.Erased(events)); err != nil {
			return err
		}
		data := map[string]string{}
		var words []string
		for _, it := range items {
			data["reason."+string(it.Kind)] = it.Reason
			if d := strings.TrimSpace(it.Detail); d != "" {
				data["detail."+string(it.Kind)] = d
			}
			words = append(words, string(it.Kind)+": "+it.Reason)
		}
		if r.Status == request.Denied {
			err = s.record(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: m.Actor(), Action: request.StatusAction(request.Denied),
				Once: request.StatusAction(request.Denied), Reason: strings.Join(words, "; "), Data: data})
		} else {
			err = s.move(ctx, m, r, request.Denied, strings.Join(words, "; "), data)
		}
		if err != nil {
			return err
		}
	} else {
		items = nil
		for _, k := range r.Kinds {
			if reason := ev.Data["reason."+string(k)]; reason != "" { // an opt-out carried out has none
				items = append(items, mail.DenialItem{Kind: k, Reason: reason, Detail: ev.Data["detail."+string(k)]})
			}
		}
	}
	msg, err := mail.RenderDenialNotice(r.Requester.Email, mail.DenialNotice{RequestID: r.ID, ReceivedAt: r.ReceivedAt, Items: items,
		TeamAddress: s.TeamAddress, Location: s.Calendar.Location(), Language: r.Language, StatusLink: s.statusLink(ctx, r.ID)})
	if err != nil {
		return fmt.Errorf("denial notice of %s: %w", r.ID, err)
	}
	messageID, err := s.Mail.Send(ctx, msg)
	if err != nil {
		return fmt.Errorf("denial notice of %s: send: %w", r.ID, err)
	}
	return s.record(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: m.Actor(), Action: request.ActionDenialNoticeSent,
		Once: request.ActionDenialNoticeSent, Data: map[string]string{"messageId": messageID}})
}

// denialReasons are the reasons a denial of kind k of r may give: those of
// the kind, and "an agent did not show the authorization" only where an
// agent acts.
func denialReasons(r *request.Request, k request.Kind) []string {
	return slices.DeleteFunc(mail.DenialReasonsFor(k), func(reason string) bool { return reason == mail.DenyAgent && r.Agent == nil })
}

// checkDenial wants exactly one item per kind of r, each with a reason
// from the list, and the team's words for "other".
func checkDenial(r *request.Request, kinds []request.Kind, items []mail.DenialItem, erased []string) error {
	problems := FormError{}
	byKind := map[request.Kind]mail.DenialItem{}
	for _, it := range items {
		byKind[it.Kind] = it
	}
	for _, k := range kinds {
		it, ok := byKind[k]
		switch {
		case !ok || it.Reason == "":
			problems["reason."+string(k)] = "Choose why this is denied."
		case !slices.Contains(denialReasons(r, k), it.Reason):
			problems["reason."+string(k)] = "Choose a reason from the list."
		case it.Reason == mail.DenyOther && strings.TrimSpace(it.Detail) == "":
			problems["detail."+string(k)] = "Say why, in words the requester will read."
		case len(erased) > 0 && (k == request.Deletion || k == request.ChildData) && strings.TrimSpace(it.Detail) == "":
			// The notice says the deletion cannot be carried out: not
			// true of the systems that erased already.
			problems["detail."+string(k)] = "Data was erased already in " + strings.Join(erased, ", ") + ": say so, in words the requester will read."
		}
		if p := tooLong(strings.TrimSpace(it.Detail), MaxForRequester, true); ok && p != "" {
			problems["detail."+string(k)] = p
		}
	}
	for _, it := range items {
		switch {
		case !slices.Contains(r.Kinds, it.Kind):
			problems["reason."+string(it.Kind)] = "The request does not ask for this."
		case !slices.Contains(kinds, it.Kind):
			problems["reason."+string(it.Kind)] = "This opt-out was carried out already: it is not denied."
		}
	}
	if len(problems) > 0 {
		return problems
	}
	return nil
}

// checkCorrection trims a correction the team writes and says what is
// wrong with it ("" when nothing), as the form checks the person's own.
func checkCorrection(item request.CorrectionItem) (request.CorrectionItem, string) {
	c := request.CorrectionItem{Item: strings.TrimSpace(item.Item), Wrong: strings.TrimSpace(item.Wrong), Right: strings.TrimSpace(item.Right)}
	switch {
	case c.Item == "" || c.Right == "":
		return c, "A correction needs which data to correct and what it should say, as the mail asks."
	case !plainText(c.Item, false) || !plainText(c.Wrong, true) || !plainText(c.Right, true):
		return c, "Write plain text: which data on one line, without control characters."
	case utf8.RuneCountInString(c.Item) > intake.MaxCorrectionItem || utf8.RuneCountInString(c.Wrong) > intake.MaxCorrectionValue ||
		utf8.RuneCountInString(c.Right) > intake.MaxCorrectionValue:
		return c, fmt.Sprintf("Which data takes at most %d characters, and each value at most %d.", intake.MaxCorrectionItem, intake.MaxCorrectionValue)
	}
	return c, ""
}

// plainText reports whether v is valid UTF-8 without control characters
// (line breaks allowed when lines is set): what reaches the systems' calls.
func plainText(v string, lines bool) bool {
	if !utf8.ValidString(v) {
		return false
	}
	for _, r := range v {
		if unicode.IsControl(r) && !(lines && r == '\n') {
			return false
		}
	}
	return true
}

// DeniableKinds are the kinds of r a denial refuses: all but its opt-outs
// once carried out (their opt-out:done on the trail): those stand.
func DeniableKinds(r *request.Request, events []request.Event) []request.Kind {
	if !has(events, request.ActionOptOutDone) {
		return r.Kinds
	}
	var kinds []request.Kind
	for _, k := range r.Kinds {
		if !k.IsOptOut() {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// Withdraw closes the request at the requester's word; note says how they
// said so. The requester is mailed, in their language, that it is
// withdrawn and what of it stands (withdraw.Service), unless noMail: the
// team's choice for a request made in someone else's name, kept on the
// trail. Called again for a request withdrawn whose notice did not go
// out, it sends the notice.
func (s *Service) Withdraw(ctx context.Context, m Member, id, note string, noMail bool) error {
	_, err := s.WithdrawMailed(ctx, m, id, note, noMail)
	return err
}

// WithdrawMailed is Withdraw, and reports whether the notice went to the
// requester (by this call, or an earlier one, or one sending it now).
func (s *Service) WithdrawMailed(ctx context.Context, m Member, id, note string, noMail bool) (bool, error) {
	r, _, err := s.load(ctx, ActionWithdraw, id)
	if err != nil {
		return false, err
	}
	note = strings.TrimSpace(note)
	if r.Status == request.Withdrawn {
		noMail = false // its notice is owed (why allows nothing else): it is sent
	} else {
		if note == "" {
			return false, FormError{"note": "Say how the requester withdrew it (their mail, a call…)."}
		}
		if p := tooLong(note, MaxNote, false); p != "" {
			return false, FormError{"note": p}
		}
	}
	res, err := s.Withdrawals.Withdraw(ctx, withdraw.Withdrawal{RequestID: r.ID, Actor: m.Actor(), Reason: note, NoMail: noMail})
	if err != nil {
		if errors.Is(err, withdraw.ErrNotWithdrawable) {
			return false, &ActionError{Action: ActionWithdraw, Why: err.Error()}
		}
		return false, err
	}
	s.logger().InfoContext(ctx, "console: withdrawn", "requestId", r.ID, "user", m.Username, "mailed", res.Mailed)
	return res.Mailed, nil
}

// NotARequest closes unclear mail the team read and found to ask nothing
// of anyone's personal data (a question about an order, a complaint):
// closed as closed-not-a-request, out of the yearly request figures, with
// no mail (the team answers such mail as any other, from its mailbox).
// note says what the mail was about, for the trail.
func (s *Service) NotARequest(ctx context.Context, m Member, id, note string) error {
	r, _, err := s.load(ctx, ActionNotARequest, id)
	if err != nil {
		return err
	}
	if note = strings.TrimSpace(note); note == "" {
		return FormError{"note": "Say what the mail asks instead (an order question, a complaint…), without personal data."}
	}
	if p := tooLong(note, MaxNote, false); p != "" {
		return FormError{"note": p}
	}
	return s.move(ctx, m, r, request.NotARequest, note, nil)
}

// Complete closes a request that needed attention once the team has
// finished its steps by hand and answered the requester itself; note says
// what was done. The desk sends the requester nothing more.
func (s *Service) Complete(ctx context.Context, m Member, id, note string, answered bool) error {
	r, _, err := s.load(ctx, ActionComplete, id)
	if err != nil {
		return err
	}
	problems := FormError{}
	if note = strings.TrimSpace(note); note == "" {
		problems["note"] = "Say what was finished by hand, and how."
	} else if p := tooLong(note, MaxNote, false); p != "" {
		problems["note"] = p
	}
	if !answered {
		problems["answered"] = "Complete a request only once the requester has had the answer."
	}
	if len(problems) > 0 {
		return problems
	}
	return s.move(ctx, m, r, request.Completed, note, map[string]string{"attention": r.Attention, "answeredBy": "team"})
}

func joinKinds(kinds []request.Kind) string {
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = string(k)
	}
	return strings.Join(parts, ",")
}

// TriageKinds are the kinds the team may name for an unclear mail: every
// kind (a correction with what to correct, a child's data with the child).
func TriageKinds() []request.Kind { return request.Kinds }
