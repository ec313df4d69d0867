package request

import "time"

// MailRecord is what the desk keeps of received mail that opened no
// request (or that joined one as a reply): the SES messageId (the raw message stays in the inbound bucket
// until it expires), what was done and why, and the receipt verdicts. It
// carries no address, name, subject or text.
type MailRecord struct {
	MessageID    string            `json:"messageId" dynamodbav:"messageId"`
	Outcome      string            `json:"outcome" dynamodbav:"outcome"`
	Reason       string            `json:"reason" dynamodbav:"reason"`
	Verdicts     map[string]string `json:"verdicts,omitempty" dynamodbav:"verdicts,omitempty"`
	AuthFailures []string          `json:"authFailures,omitempty" dynamodbav:"authFailures,omitempty"`
	ReceivedAt   time.Time         `json:"receivedAt" dynamodbav:"receivedAt"`
	// RepliedAt and ReplyMessageID are set once the one reply went out
	// (unreadable mail; a reply that made an unclear request clear gets the
	// request's acknowledgement as its one reply).
	RepliedAt      time.Time `json:"repliedAt,omitzero" dynamodbav:"repliedAt,omitempty"`
	ReplyMessageID string    `json:"replyMessageId,omitempty" dynamodbav:"replyMessageId,omitempty"`
	// RequestID is the request a reply joined (MailReply only); Kinds are
	// the kinds it gave that request when the request was unclear.
	RequestID string `json:"requestId,omitempty" dynamodbav:"requestId,omitempty"`
	Kinds     []Kind `json:"kinds,omitempty" dynamodbav:"kinds,omitempty"`
	// TeamNotifiedAt and TeamMessageID are set once the privacy team was
	// told of the mail (replies, and mail without a usable sender).
	TeamNotifiedAt time.Time `json:"teamNotifiedAt,omitzero" dynamodbav:"teamNotifiedAt,omitempty"`
	TeamMessageID  string    `json:"teamMessageId,omitempty" dynamodbav:"teamMessageId,omitempty"`
}

// Clarification is what a reply to the unclear-mail question changes on
// its request.
type Clarification struct {
	RequestID      string
	ReplyMessageID string // the SES messageId of the reply
	Kinds          []Kind
	Priority       Priority
	Due            Due // recomputed from the request's receipt for the new kinds
	Subject        *Subject
	Corrections    []CorrectionItem
	At             time.Time
}
