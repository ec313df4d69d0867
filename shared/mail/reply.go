package mail

import (
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// MaxReplyExcerpt bounds the excerpt of a reply shown to the team.
const MaxReplyExcerpt = 300

// ReplyNotice tells the privacy team that a requester answered mail the
// desk sent. It goes to the team's own address only, never to a requester:
// the excerpt is the requester's free text.
type ReplyNotice struct {
	RequestID  string
	MessageID  string // the SES messageId of the reply: where the raw message is kept
	ReceivedAt time.Time
	// MatchedBy says how the reply was recognised: "in-reply-to" (it
	// answers a desk mail) or "subject" (it names the request ID).
	MatchedBy string
	// Excerpt is the start of what the requester wrote, quoted text left
	// out; empty when it is not shown (see Unverified, Unreadable).
	Excerpt string
	// KindsSet are the kinds the reply gave an unclear request (the
	// acknowledgement of them went out, the one robot answer to the
	// reply, and the notice says so); empty when it set none (the notice
	// says no robot answer went to the sender).
	KindsSet []request.Kind
	// AuthFailures are the sender-authentication checks that failed
	// (e.g. "DMARC:FAIL"): the From may be forged.
	AuthFailures []string
	Unreadable   bool // the reply was past the parse bounds: only its headers were read
	Closed       bool // the request was already closed
	// AwaitsConsumer: an authorized agent wrote without naming the
	// consumer, so setting the kinds started nothing (the team names the
	// consumer first).
	AwaitsConsumer bool
	// WithdrawWords is the retraction word the reply uses ("cancel",
	// "changed my mind"…), when it reads as asking to withdraw the open
	// request: the notice says so and points to the console's "Withdraw
	// the request" (the desk withdraws nothing by itself).
	WithdrawWords string
	Location      *time.Location
}

type replyNoticeView struct {
	RequestID      string
	MessageID      string
	ReceivedAt     string // date and time
	MatchedBy      string
	Excerpt        string
	KindsSet       []string
	AuthFailures   []string
	Unreadable     bool
	Closed         bool
	AwaitsConsumer bool
	WithdrawWords  string
}

// RenderReplyNotice renders the team's notice of a reply to the team
// address to.
func RenderReplyNotice(to string, n ReplyNotice) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	v := replyNoticeView{
		RequestID:      clean(n.RequestID),
		MessageID:      clean(n.MessageID),
		ReceivedAt:     dateTimeOf(English, in(n.ReceivedAt, n.Location)),
		MatchedBy:      "it answers mail the desk sent about this request",
		Excerpt:        clean(cutText(n.Excerpt, MaxReplyExcerpt)),
		KindsSet:       titlesIn(n.KindsSet, English),
		Unreadable:     n.Unreadable,
		Closed:         n.Closed,
		AwaitsConsumer: n.AwaitsConsumer,
		WithdrawWords:  clean(n.WithdrawWords),
	}
	if n.MatchedBy == "subject" {
		v.MatchedBy = "its subject names this request and it comes from the requester's address"
	}
	for _, f := range n.AuthFailures {
		v.AuthFailures = append(v.AuthFailures, clean(f))
	}
	subject := "Reply received for privacy request " + v.RequestID
	if len(v.KindsSet) > 0 {
		subject = "Reply received for privacy request " + v.RequestID + ": the request is no longer unclear"
	} else if v.WithdrawWords != "" {
		subject = "Reply received for privacy request " + v.RequestID + ": it may ask to withdraw the request"
	}
	return render(to, to, subject, replyNoticeBody, v), nil
}

var replyNoticeBody = body[replyNoticeView]{streamreplyNoticeText, streamreplyNoticeHTML}

// UnusableSenderNotice tells the team that mail reached the privacy address
// from no sender the desk can write to: no From at all, an address that
// cannot be parsed or used, or one of the desk's own addresses. The mail
// opens no request and is not answered; it is kept under its messageId.
type UnusableSenderNotice struct {
	MessageID  string
	Reason     string // why the sender is unusable; never personal data
	ReceivedAt time.Time
	Location   *time.Location
	// Unauthenticated: the sender's domain did not authenticate the mail
	// (DMARC, or both SPF and DKIM, failed): the From may be forged, so
	// nothing was sent to it.
	Unauthenticated bool
}

type unusableSenderView struct {
	MessageID, Reason string
	ReceivedAt        string // date and time
	Unauthenticated   bool
}

// RenderUnusableSenderNotice renders the team's notice of mail without a
// usable sender to the team address to.
func RenderUnusableSenderNotice(to string, n UnusableSenderNotice) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	v := unusableSenderView{MessageID: clean(n.MessageID), Reason: clean(n.Reason),
		ReceivedAt: dateTimeOf(English, in(n.ReceivedAt, n.Location)), Unauthenticated: n.Unauthenticated}
	subject := "Mail to the privacy address without a usable sender (kept, not answered)"
	if n.Unauthenticated {
		subject = "Mail to the privacy address that may be forged (kept, not answered)"
	}
	return render(to, to, subject, unusableSenderBody, v), nil
}

var unusableSenderBody = body[unusableSenderView]{streamunusableSenderText, streamunusableSenderHTML}

// cutText keeps at most max runes of s, and says so when it cut.
func cutText(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max]) + "…"
}
