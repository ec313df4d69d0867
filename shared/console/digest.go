package console

import (
	"context"
	"fmt"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// Digest mails the team, once a day, what the work list's counts say:
// the requests overdue, due in the next 7 days, waiting for triage and
// needing attention. It reads the work list (one query of the open-work
// index) and sends nothing on a day with nothing to say.
type Digest struct {
	Desk *Service
	Mail mail.Sender
	// To is the team's address; ConsoleURL the work list's, for the mail's
	// link (may be empty).
	To, ConsoleURL string
}

// DigestResult says what the digest did.
type DigestResult struct {
	Sent      bool   `json:"sent"`
	MessageID string `json:"messageId,omitempty"`
	Counts    Counts `json:"counts"`
}

// Send builds today's digest from the work list and mails it, unless
// there is nothing to say.
func (d *Digest) Send(ctx context.Context) (DigestResult, error) {
	wl, err := d.Desk.WorkList(ctx, Filter{})
	if err != nil {
		return DigestResult{}, fmt.Errorf("digest: %w", err)
	}
	res := DigestResult{Counts: wl.Counts}
	dg := mail.Digest{Now: wl.Now, Location: d.Desk.Calendar.Location(), Open: wl.Counts.Open, ConsoleURL: d.ConsoleURL}
	for _, row := range wl.Rows {
		it := mail.DigestItem{RequestID: row.ID, Kinds: row.Kinds, Status: row.Status, Clock: row.Clock, Due: row.Due, DaysLeft: row.DaysLeft,
			Expedited: row.Priority == request.Expedited}
		switch {
		case row.Overdue:
			dg.Overdue = append(dg.Overdue, it)
		case !row.Due.IsZero() && row.Due.Sub(wl.Now) <= dueSoon:
			dg.DueSoon = append(dg.DueSoon, it)
		}
		if row.Triage {
			dg.Triage = append(dg.Triage, it)
		}
		if row.Attention {
			dg.Attention = append(dg.Attention, it)
		}
	}
	if dg.Empty() {
		d.Desk.logger().InfoContext(ctx, "digest: nothing to say", "open", wl.Counts.Open)
		return res, nil
	}
	msg, err := mail.RenderDigest(d.To, dg)
	if err != nil {
		return res, fmt.Errorf("digest: %w", err)
	}
	res.MessageID, err = d.Mail.Send(ctx, msg)
	if err != nil {
		return res, fmt.Errorf("digest: send: %w", err)
	}
	res.Sent = true
	d.Desk.logger().InfoContext(ctx, "digest sent", "messageId", res.MessageID, "overdue", wl.Counts.Overdue,
		"dueSoon", wl.Counts.DueSoon, "triage", wl.Counts.Triage, "attention", wl.Counts.Attention)
	return res, nil
}
