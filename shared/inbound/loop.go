package inbound

import (
	"strings"
)

// headers is the part of an enmime.Envelope the loop check reads.
type headers interface {
	GetHeader(name string) string
}

// Reasons for not answering that are about the sender itself
// (Result.SenderUnusable): the team is told of such mail.
const (
	ReasonNoSender   = "no sender address"
	ReasonOwnAddress = "sent from our own address"
)

// autoSubjects start the subjects of auto-replies sent without the standard
// headers (some Exchange and webmail vacation replies). A person does not
// begin a subject this way.
var autoSubjects = []string{
	"automatic reply:", "auto reply:", "auto-reply:", "autoreply:", "out of office:",
	"out of the office:", "respuesta automatica:", "respuesta automática:", "fuera de la oficina:",
	"undeliverable:", "delivery status notification", "mail delivery failed", "returned mail:",
}

// noReply says why the desk must not answer a message, or "" when it may.
// It never blocks on authentication results.
func noReply(h headers, contentType string, from string, ours []string) string {
	if v := strings.ToLower(strings.TrimSpace(h.GetHeader("Auto-Submitted"))); v != "" {
		if i := strings.IndexByte(v, ';'); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		if v != "no" {
			return "auto-submitted message"
		}
	}
	switch strings.ToLower(strings.TrimSpace(h.GetHeader("Precedence"))) {
	case "bulk", "list", "junk", "auto_reply":
		return "bulk or list precedence"
	}
	if h.GetHeader("X-Autoreply") != "" || h.GetHeader("X-Autorespond") != "" {
		return "auto-reply"
	}
	// X-Auto-Response-Suppress asks *us* not to auto-reply to certain kinds of
	// mail; Outlook sets it on ordinary messages, so it is not a signal here.
	if h.GetHeader("List-Id") != "" {
		return "mailing list message"
	}
	if rp := strings.TrimSpace(h.GetHeader("Return-Path")); rp == "<>" {
		return "bounce: null return path"
	}
	if strings.EqualFold(contentType, "multipart/report") {
		return "delivery or disposition report"
	}
	local, _, _ := strings.Cut(from, "@")
	switch strings.ToLower(local) {
	case "mailer-daemon", "postmaster":
		return "bounce: sent by mail system"
	}
	for _, a := range ours {
		if a != "" && strings.EqualFold(strings.TrimSpace(a), from) {
			return ReasonOwnAddress
		}
	}
	subj := strings.ToLower(strings.TrimSpace(h.GetHeader("Subject")))
	for _, p := range autoSubjects {
		if strings.HasPrefix(subj, p) {
			return "auto-reply subject"
		}
	}
	return ""
}
