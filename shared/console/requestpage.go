package console

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/deadline"
	"github.com/productionflow/privacy-desk/shared/request"
)

// Clock is one of a request's legal clocks on its page.
type Clock struct {
	Name  string // "acknowledgement", "opt-out", "response", "extended response"
	Title string // what it is and how long it runs
	Due   time.Time
	// DaysLeft counts calendar days from today to Due's date: negative
	// when overdue.
	DaysLeft int
	// State: "met", "extended" (the response clock, once the extended
	// one runs instead), "not running", "open", "overdue" or "closed".
	State string
}

// SystemLine is what happened in one downstream system: its steps, the
// proof of erasure, what was withheld and the owner's task, in order.
type SystemLine struct {
	System string
	Events []request.Event
}

// Mail is one mail the desk sent about the request.
type Mail struct {
	At        time.Time
	To        string // "requester", "privacy team", "owner of <system>"
	What      string // the audit action that records it
	MessageID string // SES's message ID, when recorded
	// Fate is what SES reported of it since, in plain words ("bounced
	// permanently", "marked as spam"...); empty when nothing.
	Fate string
}

// RequestView is everything the request's page shows.
type RequestView struct {
	Request *request.Request
	Clocks  []Clock
	// Verification are the events of identity verification.
	Verification []request.Event
	Systems      []SystemLine
	Mails        []Mail
	// Replies are the requester's mail that joined the request.
	Replies []request.Event
	// Trail is the whole audit trail, oldest first.
	Trail []request.Event
	// Actions are what the team may do now, by name (ActionSetKinds…).
	Actions []string
	// Extended reports whether the request was extended (it may be once).
	Extended bool
	// Attention says why the request needs attention, in words ("" when
	// it does not).
	Attention string
	// HeldBack, when the address's daily cap held the acknowledgement
	// back, says when, and when it went out since.
	HeldBack *HeldBack
}

// Can reports whether action is open to the team now.
func (v RequestView) Can(action string) bool { return slices.Contains(v.Actions, action) }

// Request reads a request, its audit trail, and what the team may do.
func (s *Service) Request(ctx context.Context, id string) (*RequestView, error) {
	r, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("request page %s: %w", id, err)
	}
	events, err := s.Store.Events(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("request page %s: %w", id, err)
	}
	now := s.Now()
	v := &RequestView{Request: r, Trail: events, Extended: extendedOnTrail(events)}
	if r.Attention != "" {
		v.Attention = attentionWords(r.Attention)
		if allFinishedByHand(r, events) {
			v.Attention = "every step that failed is done (by hand, or by a later run): run the fulfilment again to have the desk answer the requester, or answer them yourself and complete the request"
		}
	}
	for _, c := range deadline.Clocks(r, events) {
		if c.Due.IsZero() {
			continue
		}
		clock := Clock{Name: deadline.ClockWords(c.Clock), Title: deadline.ClockTitle(c.Clock), Due: c.Due,
			DaysLeft: s.daysBetween(now, c.Due)}
		switch {
		case c.Met:
			clock.State = "met"
		case c.Moot && c.Clock == deadline.ClockResponse && v.Extended:
			clock.State = "extended" // the extended response clock runs instead
		case c.Moot:
			clock.State = "not running"
		case r.Status.Closed():
			clock.State = "closed"
		case now.After(c.Due):
			clock.State = "overdue"
		default:
			clock.State = "open"
		}
		v.Clocks = append(v.Clocks, clock)
	}
	bySystem := map[string]*SystemLine{}
	var order []string
	for _, ev := range events {
		switch ev.Action {
		case request.ActionVerificationSent, request.ActionVerified, request.ActionUnverifiedNoticeSent,
			request.StatusAction(request.Verifying), request.StatusAction(request.Verified), request.StatusAction(request.Unverified):
			v.Verification = append(v.Verification, ev)
		case request.ActionReplyReceived:
			v.Replies = append(v.Replies, ev)
		}
		if sys := ev.Data["system"]; sys != "" {
			if bySystem[sys] == nil {
				bySystem[sys] = &SystemLine{System: sys}
				order = append(order, sys)
			}
			bySystem[sys].Events = append(bySystem[sys].Events, ev)
		}
		if to := mailTo(ev); to != "" {
			v.Mails = append(v.Mails, Mail{At: ev.At, To: to, What: ev.Action, MessageID: ev.Data["messageId"]})
		}
	}
	for _, sys := range order {
		v.Systems = append(v.Systems, *bySystem[sys])
	}
	for i := range v.Mails {
		v.Mails[i].Fate = mailFate(events, v.Mails[i].MessageID)
	}
	v.Actions = s.actions(r, events, now)
	v.HeldBack = heldBackOf(r, events)
	return v, nil
}

// mailTo says to whom the event's mail went, or "" when the event records
// no mail.
func mailTo(ev request.Event) string {
	switch ev.Action {
	case request.ActionAcknowledged, request.ActionAcknowledgedClarified, request.ActionVerificationSent,
		request.ActionUnverifiedNoticeSent, request.ActionAnswered, request.ActionAnswered + "-opt-outs",
		request.ActionExtensionNoticeSent, request.ActionDenialNoticeSent, request.ActionWithdrawalNoticeSent:
		return "requester"
	case request.ActionTeamNotified, request.ActionTeamNotifiedOfReply, request.ActionReminderSent,
		request.ActionDeadlineMissed, request.ActionNeedsAttention, request.ActionStageFailed, request.ActionTaskOverdue:
		return "privacy team"
	case request.ActionTaskMailed, request.ActionTaskReminded:
		return "owner of " + ev.Data["system"]
	}
	return ""
}

// extendedOnTrail reports whether the request was ever extended.
func extendedOnTrail(events []request.Event) bool {
	return slices.ContainsFunc(events, func(e request.Event) bool { return e.Action == request.StatusAction(request.Extended) })
}

// DataWords writes an event's data as "key: value" pairs in key order.
func DataWords(data map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(data)) {
		parts = append(parts, k+": "+data[k])
	}
	return strings.Join(parts, "; ")
}
