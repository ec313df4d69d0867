// Package inbound reads mail written to the privacy address and decides what
// it asks for: it parses raw MIME within fixed bounds, triages the free text
// into request kinds, and says whether the desk may answer it (loop and abuse
// safety). It is the domain core of email intake: Inbox turns each
// delivered message into a request through the intake service, or records
// why it opened none, and joins replies to their request. The Lambda
// function and the local SMTP stand-in only move bytes to it.
package inbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Limits bound the work spent on one message.
type Limits struct {
	MaxBytes     int64         // raw message size; SES accepts at most 40 MB
	MaxParts     int           // MIME parts, counted across embedded messages
	MaxDepth     int           // nesting of multiparts and embedded messages
	Timeout      time.Duration // wall time for parsing and triage
	MaxTextBytes int           // plain text kept for triage (Result.Text)
}

// MaxSESBytes is the largest message SES receiving accepts (40 MB).
const MaxSESBytes = 40 << 20

// DefaultLimits are the bounds used in production.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:     MaxSESBytes,
		MaxParts:     100,
		MaxDepth:     8,
		Timeout:      10 * time.Second,
		MaxTextBytes: 64 << 10,
	}
}

// withDefaults fills zero fields so a partly set Limits is still bounded.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxParts <= 0 {
		l.MaxParts = d.MaxParts
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = d.MaxTextBytes
	}
	return l
}

// Verdicts are the SES receipt verdict statuses: "PASS", "FAIL", "GRAY",
// "PROCESSING_FAILED", or "" when unknown (local mail).
type Verdicts struct{ Spam, Virus, SPF, DKIM, DMARC string }

// Result is what the desk learns from one message.
type Result struct {
	From    mail.Address  // the requester; display name decoded
	ReplyTo *mail.Address // only when it differs from From; verification still goes to From
	Subject string
	// MessageID is the message's own Message-ID header (angle brackets
	// removed), not the SES messageId.
	MessageID string
	// Refs are the message IDs named by In-Reply-To and References (angle
	// brackets removed, at most MaxRefs): what the message answers.
	Refs []string
	// RequestIDs are the desk's request IDs (PR-XXXX-XXXX-XXXX-XXXX) the
	// subject names, at most MaxRefs.
	RequestIDs []string

	Kinds      []request.Kind
	Priority   request.Priority
	Regulation string // "CCPA" when the subject says "CCPA Request"
	Agent      bool   // an authorized agent writing for someone else
	Language   string // "en" or "es"

	Reply      bool // false for auto-replies, bounces, our own addresses, quarantine
	Quarantine bool
	Unreadable bool
	Reason     string // why no reply / quarantined / unreadable; never personal data
	// SenderUnusable is set when the desk may not answer because of the
	// sender itself: no From address at all (missing or unparsable), or one
	// of the desk's own addresses. Auto-replies and bounces are not.
	SenderUnusable bool
	AuthFailures   []string // e.g. "SPF:FAIL"; recorded, never blocking

	// Child is who a child's-data request is about, when the mail names the
	// child: an address in the body other than the sender's, or a name after
	// "my son/daughter/child" ("mi hijo/hija"). Nil otherwise.
	Child *request.Subject
	// Corrections hold the mail's own description of what to correct (one
	// item, bounded) when triage read a correction request.
	Corrections []request.CorrectionItem

	Text string // bounded plain text used for triage: personal data, never log it
}

// Read parses one raw message within lim and triages it. ours lists the
// desk's own sending addresses. A message past a bound, or one that cannot be
// parsed at all, gives a Result with Unreadable set and the bound in Reason;
// the error is only for I/O failures reading raw (and the context being
// cancelled by the caller).
func Read(ctx context.Context, raw io.Reader, v Verdicts, ours []string, lim Limits) (*Result, error) {
	lim = lim.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()

	res := &Result{Priority: request.Normal, Language: "en", Reply: true}
	res.AuthFailures = authFailures(v)

	var small bytes.Buffer
	err := shrink(ctx, raw, &small, lim)
	var le *LimitError
	switch {
	case errors.As(err, &le):
		if cerr := callerDone(ctx); cerr != nil {
			return nil, cerr
		}
		return unreadable(res, v, ours, le.Error(), topHeader(small.Bytes())), nil
	case err != nil:
		return nil, err
	}

	msg, err := parse(ctx, small.Bytes(), lim)
	if errors.As(err, &le) {
		if cerr := callerDone(ctx); cerr != nil {
			return nil, cerr
		}
		return unreadable(res, v, ours, le.Error(), topHeader(small.Bytes())), nil
	}
	if err != nil {
		return unreadable(res, v, ours, "message is not valid MIME", topHeader(small.Bytes())), nil
	}

	fillEnvelope(res, msg.env)
	res.Text = msg.text
	decide(res, v, ours, msg.env, msg.env.Root.ContentType)
	if res.Reply {
		triage(res)
		describe(res, ours)
	}
	return res, nil
}

// callerDone tells a cancelled caller context from our own time box: the
// first is the caller's error, the second an unreadable message.
func callerDone(ctx context.Context) error {
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// decide applies quarantine and loop safety, in that order.
func decide(res *Result, v Verdicts, ours []string, h headers, contentType string) {
	switch {
	case strings.EqualFold(v.Virus, "FAIL"):
		res.Quarantine, res.Reply, res.Reason = true, false, "virus verdict FAIL"
		return
	case strings.EqualFold(v.Spam, "FAIL"):
		res.Quarantine, res.Reply, res.Reason = true, false, "spam verdict FAIL"
		return
	}
	if why := noReply(h, contentType, res.From.Address, ours); why != "" {
		res.Reply, res.Reason = false, why
		res.SenderUnusable = why == ReasonOwnAddress
		return
	}
	if res.From.Address == "" {
		res.Reply, res.Reason, res.SenderUnusable = false, ReasonNoSender, true
	}
}

// topHeader returns the message's own header block from the bounded copy,
// so a message past a bound can still be checked for loops and answered.
func topHeader(small []byte) (env *enmime.Envelope) {
	defer func() {
		if recover() != nil {
			env = nil
		}
	}()
	end := bytes.Index(small, []byte("\n\r\n"))
	if alt := bytes.Index(small, []byte("\n\n")); alt >= 0 && (end < 0 || alt < end) {
		end = alt
	}
	if end < 0 {
		return nil
	}
	env, err := parser.ReadEnvelope(bytes.NewReader(small[:end+1]))
	if err != nil {
		return nil
	}
	return env
}

// unreadable marks a message the desk could not read. Unless it is
// quarantined or a loop risk, the caller answers it with "we could not read
// your message, please use the form" and records a request of kind Unclear.
func unreadable(res *Result, v Verdicts, ours []string, reason string, env *enmime.Envelope) *Result {
	res.Unreadable = true
	res.Reason = reason
	var h headers = noHeaders{}
	contentType := ""
	if env != nil {
		fillEnvelope(res, env)
		h, contentType = env, env.Root.ContentType
	}
	decide(res, v, ours, h, contentType)
	if res.Reply {
		res.Reason = reason
		res.Kinds = []request.Kind{request.Unclear}
		triageSubject(res)
	} else if !res.Quarantine {
		res.Reason = reason + "; " + res.Reason
	}
	return res
}

type noHeaders struct{}

func (noHeaders) GetHeader(string) string { return "" }

func authFailures(v Verdicts) []string {
	var out []string
	for _, c := range []struct{ name, status string }{{"SPF", v.SPF}, {"DKIM", v.DKIM}, {"DMARC", v.DMARC}} {
		if strings.EqualFold(c.status, "FAIL") {
			out = append(out, c.name+":FAIL")
		}
	}
	return out
}

// message is the parsed form Read works from.
type message struct {
	env   *enmime.Envelope
	text  string // bounded plain text: subject-free body plus forwarded bodies
	isDSN bool   // a delivery or disposition report somewhere at the top
}

var parser = enmime.NewParser(
	enmime.SkipMalformedParts(true),
	enmime.MultipartWOBoundaryAsSinglePart(true),
	enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
	enmime.MaxStoredPartErrors(20),
	// Trust the declared charset: detection costs most of the parse time and
	// guesses wrong on short Spanish text.
	enmime.DisableCharacterDetection(true),
)

// parse runs enmime on the already bounded message, under the deadline.
func parse(ctx context.Context, small []byte, lim Limits) (*message, error) {
	type out struct {
		m   *message
		err error
	}
	done := make(chan out, 1)
	go func() {
		defer func() {
			// enmime is well tested, but a parser bug must not take the
			// function down: a panic on hostile input is an unreadable message.
			if p := recover(); p != nil {
				done <- out{err: fmt.Errorf("mime parser panic")}
			}
		}()
		m, err := parseMessage(small, lim, 0)
		done <- out{m, err}
	}()
	select {
	case o := <-done:
		return o.m, o.err
	case <-ctx.Done():
		return nil, &LimitError{Bound: "time"}
	}
}

func parseMessage(raw []byte, lim Limits, depth int) (*message, error) {
	env, err := parser.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	m := &message{env: env}
	ct := strings.ToLower(env.Root.ContentType)
	m.isDSN = ct == "multipart/report"

	var b textBuilder
	b.max = lim.MaxTextBytes
	b.add(env.Text) // enmime converts HTML to text when there is no plain part
	// Forwarded messages attached as message/rfc822: their text counts too
	// (someone forwarding our reply, or a colleague forwarding a request).
	if depth < lim.MaxDepth {
		for _, p := range env.Root.BreadthMatchAll(func(p *enmime.Part) bool {
			return strings.EqualFold(p.ContentType, "message/rfc822")
		}) {
			if b.full() {
				break
			}
			inner, err := parseMessage(p.Content, lim, depth+1)
			if err != nil {
				continue
			}
			b.add("\n---------- Forwarded message ----------\n")
			if s := inner.env.GetHeader("Subject"); s != "" {
				b.add("Subject: " + s + "\n")
			}
			b.add(inner.text)
		}
	}
	m.text = b.String()
	return m, nil
}

// textBuilder keeps at most max bytes, cut on a rune boundary.
type textBuilder struct {
	strings.Builder
	max int
}

func (b *textBuilder) full() bool { return b.Len() >= b.max }

func (b *textBuilder) add(s string) {
	room := b.max - b.Len()
	if room <= 0 {
		return
	}
	if len(s) > room {
		s = s[:room]
		// Don't end in the middle of a UTF-8 sequence (at most 3 bytes of one).
		for i := 0; i < 3 && len(s) > 0; i++ {
			if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size > 1 {
				break
			}
			s = s[:len(s)-1]
		}
	}
	b.WriteString(s)
}

func fillEnvelope(res *Result, env *enmime.Envelope) {
	res.Subject = env.GetHeader("Subject")
	res.MessageID = strings.Trim(strings.TrimSpace(env.GetHeader("Message-Id")), "<>")
	if from := firstAddress(env, "From"); from != nil {
		res.From = *from
	}
	if rt := firstAddress(env, "Reply-To"); rt != nil && !strings.EqualFold(rt.Address, res.From.Address) {
		res.ReplyTo = rt
	}
	res.Refs = messageRefs(env.GetHeader("In-Reply-To"), env.GetHeader("References"))
	res.RequestIDs = subjectRequestIDs(res.Subject)
}

func firstAddress(env *enmime.Envelope, key string) *mail.Address {
	list, err := env.AddressList(key)
	if err != nil || len(list) == 0 || list[0] == nil {
		return nil
	}
	a := *list[0]
	a.Address = strings.TrimSpace(a.Address)
	return &a
}
