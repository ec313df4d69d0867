// Package mailevents records on a request's audit trail what SES says
// became of a mail the desk sent about it: a bounce or a complaint,
// published by the desk's configuration set (through SNS and SQS on AWS).
// A permanent bounce of mail to the requester puts the request on the
// team's "needs attention" list: the desk cannot reach the requester.
//
// SES's events name the recipients; their addresses are compared with the
// request's and then dropped. No address reaches the trail, a log line or
// a metric.
package mailevents

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Type is the kind of SES event.
type Type string

// The SES event types the desk records.
const (
	Bounce    Type = "Bounce"
	Complaint Type = "Complaint"
)

// Bounce types SES reports (bounce.bounceType).
const (
	Permanent    = "Permanent"
	Transient    = "Transient"
	Undetermined = "Undetermined"
)

// Event is one SES event about a mail the desk sent.
type Event struct {
	Type Type
	// MessageID is SES's message ID of the desk's mail (mail.messageId):
	// what SendEmail returned and the sent-mail record keeps.
	MessageID string
	// FeedbackID is SES's ID of this bounce or complaint: the same for a
	// redelivery of the event.
	FeedbackID string
	// At is when the bounce or complaint happened, as SES says.
	At time.Time
	// Subject is the mail's subject (mail.commonHeaders.subject); the
	// desk's subjects name the request and carry no requester text.
	Subject string
	// Recipients are the addresses that bounced or complained. They are
	// compared with the request's and never stored or logged.
	Recipients []string
	// BounceType and BounceSubType are SES's words ("Permanent",
	// "General"...); empty for a complaint.
	BounceType, BounceSubType string
	// ComplaintType is the mailbox provider's feedback type ("abuse"...),
	// when it gave one.
	ComplaintType string
}

// ErrMalformed is an SES event the desk cannot read; retrying cannot help.
// Its text never quotes the event.
var ErrMalformed = errors.New("mailevents: not an SES bounce or complaint event")

// notification is SES's event as a configuration set publishes it
// (eventType) or as an identity's notifications send it
// (notificationType); only the fields the desk reads.
type notification struct {
	EventType        string `json:"eventType"`
	NotificationType string `json:"notificationType"`
	Mail             struct {
		MessageID     string `json:"messageId"`
		CommonHeaders struct {
			Subject string `json:"subject"`
		} `json:"commonHeaders"`
	} `json:"mail"`
	Bounce *struct {
		BounceType        string      `json:"bounceType"`
		BounceSubType     string      `json:"bounceSubType"`
		BouncedRecipients []recipient `json:"bouncedRecipients"`
		FeedbackID        string      `json:"feedbackId"`
		Timestamp         time.Time   `json:"timestamp"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients  []recipient `json:"complainedRecipients"`
		ComplaintFeedbackType string      `json:"complaintFeedbackType"`
		FeedbackID            string      `json:"feedbackId"`
		Timestamp             time.Time   `json:"timestamp"`
	} `json:"complaint"`
}

type recipient struct {
	EmailAddress string `json:"emailAddress"`
}

// snsEnvelope is an SNS notification as it reaches a queue without raw
// message delivery: the SES event is its Message, as a string.
type snsEnvelope struct {
	Type    string `json:"Type"`
	Message string `json:"Message"`
}

// Parse reads an SES bounce or complaint event: the JSON SES publishes,
// either as it is (SNS raw message delivery, the template's choice) or
// inside an SNS notification. Other event types (sends, deliveries) are
// returned with their Type for the caller to pass over.
func Parse(body []byte) (Event, error) {
	var env snsEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Event{}, fmt.Errorf("%w: not JSON", ErrMalformed)
	}
	if env.Type == "Notification" && env.Message != "" {
		body = []byte(env.Message)
	}
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		return Event{}, fmt.Errorf("%w: not JSON", ErrMalformed)
	}
	t := n.EventType
	if t == "" {
		t = n.NotificationType
	}
	ev := Event{Type: Type(t), MessageID: strings.TrimSpace(n.Mail.MessageID), Subject: n.Mail.CommonHeaders.Subject}
	switch ev.Type {
	case Bounce:
		if n.Bounce == nil {
			return Event{}, fmt.Errorf("%w: a bounce without its bounce", ErrMalformed)
		}
		b := n.Bounce
		ev.FeedbackID, ev.At = b.FeedbackID, b.Timestamp
		ev.BounceType, ev.BounceSubType = word(b.BounceType), word(b.BounceSubType)
		ev.Recipients = addresses(b.BouncedRecipients)
	case Complaint:
		if n.Complaint == nil {
			return Event{}, fmt.Errorf("%w: a complaint without its complaint", ErrMalformed)
		}
		c := n.Complaint
		ev.FeedbackID, ev.At = c.FeedbackID, c.Timestamp
		ev.ComplaintType = word(c.ComplaintFeedbackType)
		ev.Recipients = addresses(c.ComplainedRecipients)
	case "":
		return Event{}, fmt.Errorf("%w: no event type", ErrMalformed)
	default:
		return ev, nil
	}
	if ev.MessageID == "" {
		return Event{}, fmt.Errorf("%w: no message ID", ErrMalformed)
	}
	ev.FeedbackID = strings.TrimSpace(ev.FeedbackID)
	return ev, nil
}

func addresses(rs []recipient) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		if a := strings.TrimSpace(r.EmailAddress); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// word keeps an SES or mailbox provider's type word fit for the trail: at
// most 40 letters, digits and hyphens; anything else is "other".
func word(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if len(s) > 40 {
		return "other"
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return "other"
		}
	}
	return s
}
