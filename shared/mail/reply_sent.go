package mail

import (
	"context"
	"log/slog"
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// SentLog remembers which request a mail the desk sent was about, by the
// provider's message ID (*dynamo.Store), so that a reply naming that
// message in In-Reply-To finds its request.
type SentLog interface {
	RecordSent(ctx context.Context, messageID, requestID string, at time.Time) error
}

// RequestIDOf returns the request a message is about (the request ID its
// subject names, request.NewID's form), or "". Every mail the desk sends
// about a request names it in the subject, and a subject never carries
// requester text, so an ID there is the desk's own.
func RequestIDOf(m Message) string {
	return request.FindID(m.Subject)
}

// Threading is a Sender that sends through Next and, for a message about a
// request, records Next's message ID against the request in Log. It wraps
// whatever Sender a function uses; messages about no request pass through
// unrecorded.
//
// A failure to record is logged and swallowed: the mail went out, and
// failing the send would make the caller send it again. A reply to such a
// mail is still joined to its request by the request ID in its subject.
type Threading struct {
	Next Sender
	Log  SentLog
	Now  func() time.Time // when a mail was sent; required for recording
	// Logger receives the failures to record (request and message IDs
	// only); nil discards them.
	Logger *slog.Logger
}

var _ Sender = (*Threading)(nil)

// Send sends m through Next and records which request it was about.
func (t *Threading) Send(ctx context.Context, m Message) (string, error) {
	id, rec, ok, err := t.SendUnrecorded(ctx, m)
	if !ok {
		return id, err
	}
	if rerr := t.Log.RecordSent(ctx, rec.MessageID, rec.RequestID, rec.At); rerr != nil && t.Logger != nil {
		t.Logger.WarnContext(ctx, "sent mail not recorded: replies to it are joined by subject only",
			"requestId", rec.RequestID, "messageId", id, "error", rerr)
	}
	return id, nil
}

// Sent is the record of one mail the desk sent about a request: what
// SentLog keeps.
type Sent struct {
	MessageID, RequestID string
	At                   time.Time
}

// SendUnrecorded sends m through Next and returns, for a message about a
// request, the record Send would have kept, for the caller to write with
// its own records (ok false: nothing to record). The caller then answers
// for writing it.
func (t *Threading) SendUnrecorded(ctx context.Context, m Message) (id string, rec Sent, ok bool, err error) {
	id, err = t.Next.Send(ctx, m)
	if err != nil || id == "" || t.Log == nil || t.Now == nil {
		return id, Sent{}, false, err
	}
	requestID := RequestIDOf(m)
	if requestID == "" {
		return id, Sent{}, false, nil
	}
	return id, Sent{MessageID: id, RequestID: requestID, At: t.Now()}, true, nil
}
