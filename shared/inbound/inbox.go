package inbound

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// unauthenticated reports whether the sender's domain failed to
// authenticate the mail: DMARC failed, or SPF and DKIM both failed.
func unauthenticated(v Verdicts) bool {
	fail := func(s string) bool { return strings.EqualFold(s, "FAIL") }
	return fail(v.DMARC) || (fail(v.SPF) && fail(v.DKIM))
}

// MailLog keeps MailRecords, one per SES messageId (*dynamo.Store).
type MailLog interface {
	// RecordMail stores rec unless a record of the same message exists; it
	// reports whether this call stored it.
	RecordMail(ctx context.Context, rec intake.MailRecord) (bool, error)
	// ClaimMailReply takes a lease on sending the one reply to a recorded
	// message, as ClaimAcknowledgement does for requests.
	ClaimMailReply(ctx context.Context, messageID string, now time.Time, lease time.Duration) (bool, error)
	// MarkMailReplied records that the reply went out.
	MarkMailReplied(ctx context.Context, messageID string, at time.Time, replyMessageID string) error
	// MailRecord reads the record of a message (request.ErrNotFound when
	// there is none).
	MailRecord(ctx context.Context, messageID string) (*intake.MailRecord, error)
	// ClaimTeamNotice and MarkTeamNotified do for the one notice to the
	// team what ClaimMailReply and MarkMailReplied do for the reply.
	ClaimTeamNotice(ctx context.Context, messageID string, now time.Time, lease time.Duration) (bool, error)
	MarkTeamNotified(ctx context.Context, messageID string, at time.Time, noticeMessageID string) error
}

// RawMail opens the raw message SES stored for a messageId (the S3 object
// the receipt rule's S3 action wrote).
type RawMail interface {
	Open(ctx context.Context, messageID string) (io.ReadCloser, error)
}

// Inbox turns mail delivered to the privacy address into requests: it reads
// each message within bounds, opens and acknowledges a request once per SES
// messageId through Service.Submit, and records, without answering, what
// must not be answered. Delivering the same message again creates nothing
// twice and sends nothing twice.
type Inbox struct {
	Intake  *intake.Service // creates requests and sends every acknowledgement
	Records MailLog
	Raw     RawMail
	// Ours are the desk's own addresses (the sending address, the team
	// address...): mail from them is never answered.
	Ours   []string
	Limits Limits
	// Threads finds the request a desk mail was about and records what a
	// reply changes; nil joins replies by the request ID in their subject
	// only.
	Threads Threads
	// ReplyLease bounds how long one delivery holds the right to send the
	// unreadable-mail note; 0 means two minutes.
	ReplyLease time.Duration
}

// Delivery is one message SES received: one record of a receipt event.
type Delivery struct {
	MessageID  string // the SES messageId: the S3 key's last part and the request's source ID
	ReceivedAt time.Time
	Verdicts   Verdicts
}

// Outcome says what became of one delivery.
type Outcome struct {
	RequestID string // set when the mail is (or was already) a request
	Mail      string // one of the Mail* outcomes when it is not
	Reason    string // why; never personal data
}

// ReceiveAll receives every delivery of one SES receipt event in turn
// (the email intake's handler translates the event). An error means a
// dependency failed (S3, DynamoDB, SES); Lambda then delivers the whole
// event again, which is safe.
func (in *Inbox) ReceiveAll(ctx context.Context, ds []Delivery) error {
	var errs []error
	for _, d := range ds {
		if _, err := in.Receive(ctx, d); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Receive reads one delivered message and acts on it.
func (in *Inbox) Receive(ctx context.Context, d Delivery) (Outcome, error) {
	log := in.Intake.Logger().With("messageId", safeID(d.MessageID))
	if !intake.ValidSourceID(d.MessageID) {
		// Not an SES messageId: nothing to read, and retrying cannot help.
		log.WarnContext(ctx, "mail skipped: malformed messageId")
		return Outcome{Mail: intake.MailRejected, Reason: "malformed messageId"}, nil
	}
	raw, err := in.Raw.Open(ctx, d.MessageID)
	if err != nil {
		return Outcome{}, fmt.Errorf("receive mail %s: %w", d.MessageID, err)
	}
	defer raw.Close()
	lim := in.Limits
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = DefaultLimits().MaxBytes
	}
	// One byte past the bound is enough for Read to tell the message is too large.
	res, err := Read(ctx, io.LimitReader(raw, lim.MaxBytes+1), d.Verdicts, in.Ours, lim)
	if err != nil {
		return Outcome{}, fmt.Errorf("receive mail %s: read: %w", d.MessageID, err)
	}

	var th *thread
	if !res.Quarantine && res.Reply && intake.CheckEmail(res.From.Address) == "" {
		if th, err = in.findThread(ctx, res); err != nil {
			return Outcome{}, fmt.Errorf("receive mail %s: %w", d.MessageID, err)
		}
	}

	var out Outcome
	switch {
	case res.Quarantine:
		out, err = in.record(ctx, d, res, intake.MailQuarantined, res.Reason)
	case !res.Reply:
		out, err = in.record(ctx, d, res, intake.MailNoReply, res.Reason)
		if err == nil && res.SenderUnusable {
			err = in.tellTeamUnusable(ctx, d, res.Reason)
		}
	case intake.CheckEmail(res.From.Address) != "":
		out, err = in.record(ctx, d, res, intake.MailRejected, reasonSenderUnusable)
		if err == nil {
			err = in.tellTeamUnusable(ctx, d, reasonSenderUnusable)
		}
	case th != nil:
		// A reply joins its request even when it may be forged: it is
		// shown to the team without its text and changes nothing.
		out, err = in.joinReply(ctx, d, res, th)
	case unauthenticated(d.Verdicts):
		reason := "not authenticated by the sender's domain (" + strings.Join(res.AuthFailures, ", ") + ")"
		out, err = in.record(ctx, d, res, intake.MailUnauthenticated, reason)
		if err == nil {
			err = in.tellTeamUnauthenticated(ctx, d, reason)
		}
	case res.Unreadable:
		out, err = in.unreadable(ctx, d, res)
	default:
		out, err = in.submit(ctx, d, res)
	}
	if err != nil {
		return Outcome{}, err
	}
	attrs := []any{"outcome", out.Mail}
	if out.RequestID != "" && out.Mail != "" {
		attrs = append(attrs, "requestId", out.RequestID)
	} else if out.RequestID != "" {
		attrs = []any{"outcome", "request", "requestId", out.RequestID}
	}
	if out.Reason != "" {
		attrs = append(attrs, "reason", out.Reason)
	}
	if len(res.AuthFailures) > 0 {
		attrs = append(attrs, "authFailures", strings.Join(res.AuthFailures, ","))
	}
	log.InfoContext(ctx, "mail received", attrs...)
	return out, nil
}

// record keeps a MailRecord of mail that opens no request.
func (in *Inbox) record(ctx context.Context, d Delivery, res *Result, outcome, reason string) (Outcome, error) {
	rec := intake.MailRecord{
		MessageID: d.MessageID, Outcome: outcome, Reason: reason, ReceivedAt: in.receivedAt(d),
		Verdicts: verdictMap(d.Verdicts), AuthFailures: res.AuthFailures,
	}
	if _, err := in.Records.RecordMail(ctx, rec); err != nil {
		return Outcome{}, fmt.Errorf("record mail %s: %w", d.MessageID, err)
	}
	return Outcome{Mail: outcome, Reason: reason}, nil
}

// unreadable records the message and sends the "please use the form" note
// once, under a lease like the acknowledgement's.
func (in *Inbox) unreadable(ctx context.Context, d Delivery, res *Result) (Outcome, error) {
	out, err := in.record(ctx, d, res, intake.MailUnreadable, res.Reason)
	if err != nil {
		return Outcome{}, err
	}
	svc := in.Intake
	lease := in.ReplyLease
	if lease == 0 {
		lease = 2 * time.Minute
	}
	won, err := in.Records.ClaimMailReply(ctx, d.MessageID, svc.Now(), lease)
	if err != nil {
		return Outcome{}, fmt.Errorf("reply to mail %s: %w", d.MessageID, err)
	}
	if !won {
		return out, nil // sent before, or being sent by another delivery
	}
	if svc.Caps != nil {
		// The note counts against the sender's automatic mails for the
		// day, as an acknowledgement does: a loop of unreadable mail gets
		// a few notes, not one per message.
		now := svc.Now()
		ok, err := svc.Caps.CountAcknowledgement(ctx, res.From.Address, now.In(svc.Calendar.Location()).Format(time.DateOnly),
			d.MessageID, cmp.Or(svc.AcksPerAddressPerDay, intake.DefaultAcksPerAddressPerDay), now)
		if err != nil {
			return Outcome{}, fmt.Errorf("reply to mail %s: %w", d.MessageID, err)
		}
		if !ok {
			svc.Logger().InfoContext(ctx, "unreadable-mail note not sent: the sender had its automatic mails for the day", "messageId", d.MessageID)
			return out, nil
		}
	}
	msg, err := mail.RenderUnreadableReply(res.From.Address, mail.UnreadableReply{
		Name: singleLineText(res.From.Name, intake.MaxName), TeamAddress: svc.TeamAddress, FormURL: svc.FormURL,
		Language: res.Language,
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("reply to mail %s: %w", d.MessageID, err)
	}
	id, err := svc.Mail.Send(ctx, msg)
	if err != nil {
		return Outcome{}, fmt.Errorf("reply to mail %s: send: %w", d.MessageID, err)
	}
	if err := in.Records.MarkMailReplied(ctx, d.MessageID, svc.Now(), id); err != nil {
		return Outcome{}, fmt.Errorf("reply to mail %s: %w", d.MessageID, err)
	}
	return out, nil
}

// submit opens the request (once) and records on its audit trail what the
// team needs to know about the mail.
func (in *Inbox) submit(ctx context.Context, d Delivery, res *Result) (Outcome, error) {
	sub := intake.Submission{
		SourceID:  d.MessageID,
		Channel:   request.Email,
		Kinds:     res.Kinds,
		Requester: request.Identity{Name: singleLineText(res.From.Name, intake.MaxName), Email: res.From.Address},
		Details:   details(res),
		// What triage read of the child's identifiers and of the
		// correction; the team checks both against the details.
		Subject:     res.Child,
		Corrections: res.Corrections,
		Priority:    res.Priority,
		Regulation:  res.Regulation,
		Language:    res.Language, // the reply, and any later one, is written in it
	}
	if res.Agent {
		// The sender is the agent; the consumer is not known yet. The agent
		// is the contact (and, for want of the consumer's address, the
		// requester of record); the consumer verifies directly later.
		name := sub.Requester.Name
		if name == "" {
			name = res.From.Address
		}
		sub.Agent = &request.Agent{Name: name, Email: res.From.Address}
	}
	rc, err := in.Intake.Submit(ctx, sub)
	var fe intake.FieldErrors
	if errors.As(err, &fe) && (sub.Subject != nil || sub.Corrections != nil) {
		// What triage read of the child or the correction is a pointer for
		// the team; open the request without it rather than not at all.
		sub.Subject, sub.Corrections = nil, nil
		rc, err = in.Intake.Submit(ctx, sub)
	}
	if errors.As(err, &fe) {
		// Retrying cannot fix what the message says; keep a record instead.
		return in.record(ctx, d, res, intake.MailRejected, fe.Error())
	}
	if err != nil {
		return Outcome{}, err
	}
	r := rc.Request
	svc := in.Intake
	events := []request.Event{{
		Action: request.ActionMailReceived, Once: request.ActionMailReceived,
		Data: map[string]string{
			"messageId":      d.MessageID,
			"language":       res.Language,
			"agent":          fmt.Sprint(res.Agent),
			"replyToDiffers": fmt.Sprint(res.ReplyTo != nil),
			"authFailures":   strings.Join(res.AuthFailures, ","),
		},
	}}
	if slices.Contains(r.Kinds, request.Unclear) {
		events = append(events, request.Event{Action: request.ActionNeedsTriage, Once: request.ActionNeedsTriage,
			Reason: "the mail does not say plainly what it asks for (nothing the desk recognised, a deletion both asked and refused, or a child's data with the writer's own): read it and set the request's kinds"})
	}
	if r.ConsumerUnknown() {
		// Only while unnamed: a redelivery after the team named the
		// consumer must not put the request back on the attention list.
		events = append(events, request.Event{Action: request.ActionAgentConsumerUnknown, Once: request.ActionAgentConsumerUnknown,
			Reason: "an authorized agent wrote: get the signed permission and the consumer's address, then name the consumer (the desk asks them to confirm before anything is done)"})
	}
	for _, ev := range events {
		ev.RequestID, ev.At, ev.Actor = r.ID, r.ReceivedAt, svc.AuditActor()
		if err := svc.Store.AppendEvent(ctx, ev); err != nil {
			return Outcome{}, fmt.Errorf("receive mail %s: %w", d.MessageID, err)
		}
	}
	return Outcome{RequestID: r.ID}, nil
}

func (in *Inbox) receivedAt(d Delivery) time.Time {
	if d.ReceivedAt.IsZero() {
		return in.Intake.Now()
	}
	return d.ReceivedAt
}

// details is what the team reads of the mail: the subject and the triage
// text, bounded to intake.MaxDetails and stripped of control characters.
func details(res *Result) string {
	text := strings.TrimSpace(res.Text)
	if s := singleLineText(res.Subject, intake.MaxName); s != "" {
		text = "Subject: " + s + "\n\n" + text
	}
	text = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r == '\r' || unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(text, "\uFFFD"))
	return strings.TrimSpace(cutRunes(text, intake.MaxDetails))
}

// singleLineText makes a header value (a display name, a subject) one line
// of at most max runes without control characters.
func singleLineText(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return cutRunes(strings.Join(strings.Fields(s), " "), max)
}

func cutRunes(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max])
}

func verdictMap(v Verdicts) map[string]string {
	m := map[string]string{}
	for k, s := range map[string]string{"spam": v.Spam, "virus": v.Virus, "spf": v.SPF, "dkim": v.DKIM, "dmarc": v.DMARC} {
		if s != "" {
			m[k] = s
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// safeID keeps a messageId fit for a log line: SES's are 40 characters of
// [a-z0-9]; anything else is cut and masked.
func safeID(id string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '_'
	}, cutRunes(id, 64))
}

// joinKinds lists kinds for an audit event's data.
func joinKinds(kinds []request.Kind) string {
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = string(k)
	}
	return strings.Join(parts, ",")
}
