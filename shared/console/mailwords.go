package console

import (
	"strings"

	"github.com/productionflow/privacy-desk/shared/request"
)

// mailNames name the desk's mails by the audit action that records each.
var mailNames = map[string]string{
	request.ActionAcknowledged:          "acknowledgement",
	request.ActionAcknowledgedClarified: "acknowledgement",
	request.ActionVerificationSent:      "verification mail",
	request.ActionUnverifiedNoticeSent:  "notice that the request closed unverified",
	request.ActionAnswered:              "answer",
	request.ActionOptOutDone:            "opt-out confirmation",
	request.ActionExtensionNoticeSent:   "extension notice",
	request.ActionDenialNoticeSent:      "denial notice",
	request.ActionWithdrawalNoticeSent:  "withdrawal notice",
	request.ActionTeamNotified:          "notice of the request to the team",
	request.ActionTeamNotifiedOfReply:   "notice of a reply to the team",
	request.ActionReminderSent:          "deadline reminder",
	request.ActionDeadlineMissed:        "missed-deadline notice",
	request.ActionNeedsAttention:        "notice of a failed step",
	request.ActionStageFailed:           "notice of a failed stage",
	request.ActionTaskOverdue:           "notice of an overdue task",
	request.ActionTaskMailed:            "task",
	request.ActionTaskReminded:          "task reminder",
}

// mailWords names the mail a mail event is about and its recipient: "the
// acknowledgement to the requester", "a mail" when the trail does not say
// which.
func mailWords(data map[string]string) string {
	name, ok := mailNames[data["mail"]]
	if !ok {
		name = "a mail"
	} else {
		name = "the " + name
	}
	switch data["to"] {
	case "requester":
		return name + " to the requester"
	case "privacy team":
		return name + " to the privacy team"
	case "owner":
		if sys := data["system"]; sys != "" {
			return name + " to the owner of " + sys
		}
		return name + " to a system's owner"
	}
	return name
}

// eventWords says in plain words what an event of the mail-events
// function means; "" for other events, whose action and reason say it.
func eventWords(ev request.Event) string {
	d := ev.Data
	switch ev.Action {
	case request.ActionRequesterUnreachable:
		return capital(mailWords(d)) + " bounced permanently" + kindOf(d["bounceSubType"]) +
			": the desk cannot reach the requester by mail."
	case request.ActionMailBounced:
		words := capital(mailWords(d)) + " bounced"
		switch d["bounceType"] {
		case "Permanent":
			words += " permanently"
		case "Transient":
			words += " for now (SES stopped retrying)"
		}
		return words + kindOf(d["bounceSubType"]) + "."
	case request.ActionMailComplaint:
		return "The recipient of " + mailWords(d) + " marked it as spam" + kindOf(d["complaintType"]) + "."
	}
	return ""
}

// kindOf adds SES's or the mailbox provider's type in brackets.
func kindOf(t string) string {
	if t == "" {
		return ""
	}
	return " (" + t + ")"
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// attentionWords says why a request needs attention, from its mark (the
// action that raised it, shown as it is unless words say more).
func attentionWords(mark string) string {
	switch mark {
	case request.ActionRequesterUnreachable:
		return "mail to the requester bounced permanently: reach the requester another way"
	case request.ActionNeedsAttention:
		return "a system could not act: see the trail, finish it by hand or run the fulfilment again"
	case request.ActionStageFailed:
		return "a stage of the fulfilment failed: see the trail, then run it again"
	case request.ActionAgentConsumerUnknown:
		return "an authorized agent wrote for someone, whom the desk does not take from the mail: nothing is verified or done until you name the consumer (once the agent's signed permission has come)"
	}
	return mark
}

// mailFate is what SES reported of the mail with SES message ID id, from
// the trail: "bounced permanently", "bounced", "marked as spam", or "".
func mailFate(events []request.Event, id string) string {
	if id == "" {
		return ""
	}
	var fates []string
	for _, ev := range events {
		if ev.Data["messageId"] != id {
			continue
		}
		var f string
		switch ev.Action {
		case request.ActionRequesterUnreachable:
			f = "bounced permanently"
		case request.ActionMailBounced:
			f = "bounced"
			if ev.Data["bounceType"] == "Permanent" {
				f = "bounced permanently"
			}
		case request.ActionMailComplaint:
			f = "marked as spam"
		}
		if f != "" && !strings.Contains(strings.Join(fates, ";"), f) {
			fates = append(fates, f)
		}
	}
	return strings.Join(fates, "; ")
}
