package mail_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/standin/hostile"
)

// newMailFiller is a filler with the mail views' enums.
func newMailFiller(seed int) *hostile.Filler {
	return &hostile.Filler{
		Seed:  seed,
		Enums: hostile.RequestEnums(),
		Named: map[string][]string{
			"*.Language":            {"en", "es"},
			"AnswerSystem.Outcomes": mailOutcomes,
			"AnswerSystem.Outcome":  mailOutcomes,
			"DenialItem.Reason":     append(slices.Clone(mail.DenialReasons), hostile.Choice),
			"ReplyNotice.MatchedBy": {"in-reply-to", "subject"},
		},
		OneLine: map[string]bool{
			// The owner mails write the registry's words (the system, the
			// action, the task's instructions, which may run over several
			// lines, and a legal hold's category and reason) and the desk's
			// own (request ID, due date, task link) as they are; only the
			// person's values are cleaned.
			"OwnerTask.System": true, "OwnerTask.Action": true, "OwnerTask.Instructions": true,
			"OwnerTask.RequestID": true, "OwnerTask.Due": true, "OwnerTask.Link": true,
			"OwnerHold.Category": true, "OwnerHold.Reason": true,
			"OwnerReminder.System": true, "OwnerReminder.Action": true, "OwnerReminder.RequestID": true,
			"OwnerReminder.Due": true, "OwnerReminder.Link": true,
			"OwnerDigest.Day": true,
		},
	}
}

var mailOutcomes = []string{mail.OutcomeErased, mail.OutcomeErasedKept, mail.OutcomeErasedAsk, mail.OutcomeSuppressed, mail.OutcomeOptedOut,
	mail.OutcomeExported, mail.OutcomeNotFound, mail.OutcomeNothingLeft, mail.OutcomeSentApart, mail.OutcomeConfirmed, mail.OutcomeCorrected, mail.OutcomeWithheld}

// hostileMails renders every mail from a view the filler filled.
var hostileMails = map[string]func(f *hostile.Filler) (mail.Message, error){
	"acknowledgement": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.Acknowledgement
		f.Fill(&v)
		return mail.RenderAcknowledgement("ana@example.org", v)
	},
	"opt-out": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.OptOutConfirmation
		f.Fill(&v)
		return mail.RenderOptOutConfirmation("ana@example.org", v)
	},
	"verification": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.Verification
		f.Fill(&v)
		return mail.RenderVerification("ana@example.org", v)
	},
	"unverified": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.Unverified
		f.Fill(&v)
		return mail.RenderUnverified("ana@example.org", v)
	},
	"extension": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.ExtensionNotice
		f.Fill(&v)
		return mail.RenderExtensionNotice("ana@example.org", v)
	},
	"denial": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.DenialNotice
		f.Fill(&v)
		return mail.RenderDenialNotice("ana@example.org", v)
	},
	"answer": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.Answer
		f.Fill(&v)
		return mail.RenderAnswer("ana@example.org", v)
	},
	"unclear": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.UnclearReply
		f.Fill(&v)
		return mail.RenderUnclearReply("ana@example.org", v)
	},
	"unreadable": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.UnreadableReply
		f.Fill(&v)
		return mail.RenderUnreadableReply("ana@example.org", v)
	},
	"agent": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.AgentAcknowledgement
		f.Fill(&v)
		return mail.RenderAgentAcknowledgement("ana@example.org", v)
	},
	"attention": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.Attention
		f.Fill(&v)
		return mail.RenderAttention("privacy@example.org", v)
	},
	"digest": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.Digest
		f.Fill(&v)
		return mail.RenderDigest("privacy@example.org", v)
	},
	"owner-task": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.OwnerTask
		f.Fill(&v)
		return mail.RenderOwnerTask("owner@example.org", "privacy@example.org", v)
	},
	"owner-reminder": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.OwnerReminder
		f.Fill(&v)
		return mail.RenderOwnerReminder("owner@example.org", "privacy@example.org", v)
	},
	"owner-digest": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.OwnerDigest
		f.Fill(&v)
		return mail.RenderOwnerDigest("owner@example.org", "privacy@example.org", v)
	},
	"deadline-reminder": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.DeadlineReminder
		f.Fill(&v)
		// A reminder is rendered before its deadline, a missed notice
		// after it; RenderDeadlineReminder refuses the others.
		v.Now = v.Due.Add(-time.Hour)
		if v.Missed {
			v.Now = v.Due.Add(time.Hour)
		}
		return mail.RenderDeadlineReminder("privacy@example.org", v)
	},
	"reply-notice": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.ReplyNotice
		f.Fill(&v)
		return mail.RenderReplyNotice("privacy@example.org", v)
	},
	"unusable-sender": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.UnusableSenderNotice
		f.Fill(&v)
		return mail.RenderUnusableSenderNotice("privacy@example.org", v)
	},
	"team-notice": func(f *hostile.Filler) (mail.Message, error) {
		var v mail.TeamNotice
		f.Fill(&v)
		return mail.RenderTeamNotice("privacy@example.org", v)
	},
}

// seeds is how many variations of each view are rendered in each
// language: 32 give every boolean both values in each combination of
// four, and walk the enums.
const seeds = 32

// TestEveryMailFieldIsEscapedAndOneLine fills every string field of every
// mail's view with markup, quotes, an ampersand, CR/LF, NUL and a
// right-to-left override, each with its own marker, across 32 variations
// of each view (booleans both ways, enums over their real values, both
// languages). It proves that the HTML part writes every value escaped (no
// raw markup, and the markers found escaped), and that the text part
// carries no CR, NUL or override and no line a value started: requester
// values are cleaned to one line. It also proves most fields are written
// at all, and logs the ones no render wrote.
func TestEveryMailFieldIsEscapedAndOneLine(t *testing.T) {
	var cov hostile.Coverage
	for _, name := range slices.Sorted(maps.Keys(hostileMails)) {
		for seed := range 2 * seeds {
			lang := []string{"en", "es"}[seed/seeds]
			t.Run(fmt.Sprintf("%s/%s/%d", name, lang, seed%seeds), func(t *testing.T) {
				f := newMailFiller(seed % seeds)
				f.Named["*.Language"] = []string{lang}
				m, err := hostileMails[name](f)
				require.NoError(t, err)
				cov.CheckHTML(t, f, m.HTML)
				hostile.CheckText(t, f, m.Text)
				assert.NotContains(t, m.Subject, "\r")
				assert.NotContains(t, m.Subject, "\n")
			})
		}
	}
	written, filled := cov.Report(t)
	assert.Greater(t, written, 2*filled/3, "most fields are written")
}
