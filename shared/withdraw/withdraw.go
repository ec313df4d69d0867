// Package withdraw closes a request at its requester's word — the team in
// the console, or the requester on their status page — in one way: the
// status moves to withdrawn (a conditional write from the status read),
// the trail records who withdrew it and how, and the requester is mailed
// once, in the request's language, that it is withdrawn and what of it
// stands. The workflows see the status and stop: a waiting verification
// times out and its close skips a withdrawn request, and the
// fulfilment's steps skip a closed request, its opt-outs included.
package withdraw

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// Store is what a withdrawal needs of the request store (*dynamo.Store).
type Store interface {
	Get(ctx context.Context, id string) (*request.Request, error)
	Events(ctx context.Context, id string) ([]request.Event, error)
	AppendEvent(ctx context.Context, ev request.Event) error
	SetStatus(ctx context.Context, id string, from, to request.Status, at time.Time) error
	ClaimWithdrawalNotice(ctx context.Context, id string, now time.Time, lease time.Duration) (bool, error)
	MarkWithdrawalNoticeSent(ctx context.Context, id string, at time.Time, messageID string) error
	// ReleaseWithdrawalNotice ends the lease of a sender whose mail did
	// not go out.
	ReleaseWithdrawalNotice(ctx context.Context, id string, until time.Time) error
}

// StatusLinks issues the status-page link the notice carries
// (*status.Links).
type StatusLinks interface {
	Link(ctx context.Context, requestID string) (string, error)
}

// Lease is how long one sender holds the notice before a retry may send it.
const Lease = 2 * time.Minute

// Service withdraws requests.
type Service struct {
	Store Store
	Mail  mail.Sender
	// StatusLinks, when set, issues the notice's status link.
	StatusLinks StatusLinks
	Now         func() time.Time
	Location    *time.Location
	TeamAddress string
	// FormURL is the request form the notice offers for a new request; may
	// be empty.
	FormURL string
	Log     *slog.Logger
}

// Withdrawal is one request to withdraw.
type Withdrawal struct {
	RequestID string
	// Actor is who withdraws it: "requester" (the status page) or
	// "team:<username>" (the console, at the requester's word).
	Actor  string
	Reason string // how the requester said so, for the trail
	// From, when set, are the only statuses it may be withdrawn from (the
	// requester's own: before any system is asked); otherwise any status
	// that may move to withdrawn.
	From []request.Status
	// NoMail: the requester is not mailed (the team's choice, for a
	// request made in someone else's name). Recorded on the trail.
	NoMail bool
}

// ByRequester are the statuses a requester may withdraw their own request
// from: open and not yet being carried out (in progress: systems are
// being asked, and an erasure cannot be taken back).
var ByRequester = []request.Status{request.Received, request.Acknowledged, request.Verifying, request.Verified}

// RequesterMay reports whether the requester may withdraw a request in
// status s themselves.
func RequesterMay(s request.Status) bool { return slices.Contains(ByRequester, s) }

// Result says what Withdraw did.
type Result struct {
	RequestID string
	Language  string
	// Withdrew: this call moved it to withdrawn (false: it was already).
	Withdrew bool
	// Mailed: the notice went to the requester, by this call or an
	// earlier one (or one sending it now); false when the team chose not
	// to mail.
	Mailed bool
}

// ErrNotWithdrawable: the request is not in a status it may be withdrawn
// from; StateError says which.
var ErrNotWithdrawable = errors.New("withdraw: the request cannot be withdrawn now")

// StateError says the status that refused the withdrawal.
type StateError struct {
	RequestID string
	Status    request.Status
}

func (e *StateError) Error() string {
	return fmt.Sprintf("%s: request %s is %s", ErrNotWithdrawable, e.RequestID, e.Status)
}

// Unwrap lets errors.Is(err, ErrNotWithdrawable) match.
func (e *StateError) Unwrap() error { return ErrNotWithdrawable }

// The withdrawal event's "mail": the requester is to be mailed the notice,
// or the team chose not to. A withdrawal recorded before the notice
// existed has neither, and is owed none.
const (
	dataMailed    = "requester"
	dataNotMailed = "not-mailed"
)

// Withdraw withdraws the request and mails the requester the notice once.
// Called again for a request withdrawn whose notice did not go out (the
// send failed), it sends the notice; for one whose notice went out, or
// that the team chose not to mail, it does nothing more.
func (s *Service) Withdraw(ctx context.Context, w Withdrawal) (Result, error) {
	r, err := s.Store.Get(ctx, w.RequestID)
	if err != nil {
		return Result{}, fmt.Errorf("withdraw %s: %w", w.RequestID, err)
	}
	res := Result{RequestID: r.ID, Language: r.Language}
	if r.Status != request.Withdrawn {
		moved, err := s.move(ctx, r, w)
		if err != nil {
			return res, err
		}
		res.Withdrew = moved
	}
	events, err := s.Store.Events(ctx, r.ID)
	if err != nil {
		return res, fmt.Errorf("withdraw %s: read trail: %w", r.ID, err)
	}
	ev, ok := last(events, request.StatusAction(request.Withdrawn))
	if !ok {
		// Withdrawn, its event lost after the move: record it now.
		ev = s.event(r.ID, w, "")
		if err := s.Store.AppendEvent(ctx, ev); err != nil {
			return res, fmt.Errorf("withdraw %s: record: %w", r.ID, err)
		}
	}
	if ev.Data["mail"] != dataMailed {
		return res, nil
	}
	res.Mailed = true
	if slices.ContainsFunc(events, func(e request.Event) bool { return e.Action == request.ActionWithdrawalNoticeSent }) {
		return res, nil
	}
	return res, s.notify(ctx, r, events, ev.Actor)
}

// move moves r to withdrawn from the status read and records it, and
// reports whether it did; a request another call withdrew meanwhile is
// left as it is (r.Status becomes withdrawn), any other change refuses.
func (s *Service) move(ctx context.Context, r *request.Request, w Withdrawal) (bool, error) {
	allowed := request.CheckTransition(r.Status, request.Withdrawn) == nil && (w.From == nil || slices.Contains(w.From, r.Status))
	if !allowed {
		return false, &StateError{RequestID: r.ID, Status: r.Status}
	}
	now := s.Now()
	err := s.Store.SetStatus(ctx, r.ID, r.Status, request.Withdrawn, now)
	if errors.Is(err, request.ErrConflict) {
		cur, gerr := s.Store.Get(ctx, r.ID)
		if gerr != nil {
			return false, fmt.Errorf("withdraw %s: %w", r.ID, gerr)
		}
		if cur.Status == request.Withdrawn {
			r.Status = request.Withdrawn // another press won: it records and mails
			return false, nil
		}
		return false, &StateError{RequestID: r.ID, Status: cur.Status}
	}
	if err != nil {
		return false, fmt.Errorf("withdraw %s: %w", r.ID, err)
	}
	from := r.Status
	r.Status = request.Withdrawn
	s.log().InfoContext(ctx, "request withdrawn", "requestId", r.ID, "from", string(from), "actor", w.Actor, "mailed", !w.NoMail)
	if err := s.Store.AppendEvent(ctx, s.event(r.ID, w, from)); err != nil {
		return true, fmt.Errorf("withdraw %s: record: %w", r.ID, err)
	}
	return true, nil
}

func (s *Service) event(id string, w Withdrawal, from request.Status) request.Event {
	data := map[string]string{}
	if from != "" {
		data["from"] = string(from)
	}
	data["mail"] = dataMailed
	if w.NoMail {
		data["mail"] = dataNotMailed
	}
	return request.Event{RequestID: id, At: s.Now(), Actor: w.Actor, Action: request.StatusAction(request.Withdrawn),
		Once: request.StatusAction(request.Withdrawn), Reason: w.Reason, Data: data}
}

// notify mails the requester the notice, once: under the lease, so that
// two calls at once send one mail.
func (s *Service) notify(ctx context.Context, r *request.Request, events []request.Event, actor string) error {
	claimed := s.Now()
	won, err := s.Store.ClaimWithdrawalNotice(ctx, r.ID, claimed, Lease)
	if err != nil {
		return fmt.Errorf("withdrawal notice of %s: claim: %w", r.ID, err)
	}
	if !won {
		return nil // sent, or another call is sending it now
	}
	st := Stands(events)
	msg, err := mail.RenderWithdrawalNotice(r.Requester.Email, mail.WithdrawalNotice{
		RequestID: r.ID, Kinds: r.Kinds, ReceivedAt: r.ReceivedAt, OptOutDone: st.OptOutDone, OptOutsBegun: st.OptOutsBegun,
		Erased: st.Deleted, Asked: st.Asked,
		FormURL: s.FormURL, TeamAddress: s.TeamAddress, Location: s.Location, Language: r.Language,
		StatusLink: s.statusLink(ctx, r.ID),
	})
	if err != nil {
		return fmt.Errorf("withdrawal notice of %s: %w", r.ID, err)
	}
	messageID, err := s.Mail.Send(ctx, msg)
	if err != nil {
		// Not sent: the next call (a second press) sends it, not only
		// the one after the lease.
		if rerr := s.Store.ReleaseWithdrawalNotice(ctx, r.ID, claimed.Add(Lease)); rerr != nil {
			s.log().WarnContext(ctx, "withdrawal notice lease not released", "requestId", r.ID, "error", rerr)
		}
		return fmt.Errorf("withdrawal notice of %s: send: %w", r.ID, err)
	}
	now := s.Now()
	if err := s.Store.MarkWithdrawalNoticeSent(ctx, r.ID, now, messageID); err != nil {
		s.log().WarnContext(ctx, "withdrawal notice sent but not marked", "requestId", r.ID, "error", err)
	}
	return s.Store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: now, Actor: actor, Action: request.ActionWithdrawalNoticeSent,
		Once: request.ActionWithdrawalNoticeSent, Data: map[string]string{"messageId": messageID}})
}

// NoticeOwed reports whether the trail shows a withdrawal whose notice is
// still to go out: withdrawn to be mailed (not by the team's choice
// unmailed, nor before the notice existed), and no notice sent.
func NoticeOwed(events []request.Event) bool {
	ev, ok := last(events, request.StatusAction(request.Withdrawn))
	return ok && ev.Data["mail"] == dataMailed &&
		!slices.ContainsFunc(events, func(e request.Event) bool { return e.Action == request.ActionWithdrawalNoticeSent })
}

// Standing is what was done of a request before it closed and stands.
type Standing struct {
	// OptOutDone is when its opt-outs were carried out (opt-out:done).
	OptOutDone time.Time
	// OptOutsBegun: a system carried out an opt-out step.
	OptOutsBegun bool
	// Deleted names the systems that erased the person's data, Asked those
	// that only accepted to erase it, on their own schedule
	// (mail.OutcomeErasedAsk: they cannot be asked again); together, Erased.
	Deleted, Asked []string
}

// Stands reads off the trail what was done and stands.
func Stands(events []request.Event) Standing {
	var st Standing
	if e, ok := last(events, request.ActionOptOutDone); ok {
		st.OptOutDone = e.At
	}
	for _, e := range events {
		if e.Action != request.ActionStepDone || (e.Data["action"] != "suppress" && e.Data["action"] != "optOut") || e.Data["found"] == "false" {
			continue // not an opt-out, or one with nothing to act on
		}
		switch e.Data["outcome"] {
		case mail.OutcomeSuppressed, mail.OutcomeOptedOut, mail.OutcomeConfirmed, request.OutcomeByHand:
			st.OptOutsBegun = true
		}
	}
	st.Deleted, st.Asked = erasures(events)
	return st
}

// EraseAction is system.Erase as the trail spells it (this package does
// not link the registry's, whose YAML parser only fulfilment and intake
// need).
const EraseAction = "erase"

// Erased lists, in the order the trail has them, the systems the trail
// shows erased the person's data: an erase step done (erased, in whole or
// but for a hold, or accepted where the system cannot be asked again; by
// an owner, or by the team by hand), or an owner's erase task answered
// done. Neither a denial nor a withdrawal undoes them.
func Erased(events []request.Event) []string {
	var out []string
	for _, ev := range events {
		if sys := ev.Data["system"]; erasure(ev) != "" && sys != "" && !slices.Contains(out, sys) {
			out = append(out, sys)
		}
	}
	return out
}

// erasures splits Erased into the systems that deleted the data and those
// that only accepted to delete it.
func erasures(events []request.Event) (deleted, asked []string) {
	accepted := map[string]bool{}
	for _, ev := range events {
		if erasure(ev) == "asked" {
			accepted[ev.Data["system"]] = true
		}
	}
	for _, sys := range Erased(events) {
		if accepted[sys] {
			asked = append(asked, sys)
		} else {
			deleted = append(deleted, sys)
		}
	}
	return deleted, asked
}

// erasure says what event ev shows of an erasure: "deleted", "asked" (a
// system accepted to delete on its own schedule), or "" for none.
func erasure(ev request.Event) string {
	if ev.Data["action"] != EraseAction {
		return ""
	}
	switch {
	case ev.Action == request.ActionTaskConfirmed && ev.Data["answer"] == "done":
		return "deleted"
	case ev.Action != request.ActionStepDone, ev.Data["found"] == "false":
		return "" // by hand, the system held nothing: nothing deleted
	}
	switch ev.Data["outcome"] {
	case mail.OutcomeErasedAsk:
		return "asked"
	case mail.OutcomeErased, mail.OutcomeErasedKept, mail.OutcomeConfirmed, request.OutcomeByHand:
		return "deleted"
	}
	return ""
}

func (s *Service) statusLink(ctx context.Context, id string) string {
	return mail.StatusLinkFor(ctx, s.StatusLinks, id, s.log())
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func last(events []request.Event, action string) (request.Event, bool) {
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Action == action {
			return events[i], true
		}
	}
	return request.Event{}, false
}
