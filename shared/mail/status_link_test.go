package mail_test

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// Every mail to the requester carries the link to the request's status
// page, in both languages, in its text and its HTML; without a link none
// says there is one.
func TestRequesterMailsCarryTheStatusLink(t *testing.T) {
	const to = "ana@example.org"
	const link = "https://privacy.productionflow.example/status?t=AbC-dEf_123"
	at := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	due := request.Due{Acknowledge: at.AddDate(0, 0, 10), Response: at.AddDate(0, 0, 45), Extended: at.AddDate(0, 0, 90), OptOut: at.AddDate(0, 0, 15)}
	mails := map[string]func(lang, link string) (mail.Message, error){
		"acknowledgement": func(lang, link string) (mail.Message, error) {
			return mail.RenderAcknowledgement(to, mail.Acknowledgement{RequestID: "PR-1", Kinds: []request.Kind{request.Deletion}, ReceivedAt: at, Due: due,
				TeamAddress: "privacy@example.com", Language: lang, StatusLink: link})
		},
		"opt-out confirmation": func(lang, link string) (mail.Message, error) {
			return mail.RenderOptOutConfirmation(to, mail.OptOutConfirmation{RequestID: "PR-1", Kinds: []request.Kind{request.OptOutSale}, ReceivedAt: at,
				TeamAddress: "privacy@example.com", Language: lang, StatusLink: link})
		},
		"verification": func(lang, link string) (mail.Message, error) {
			return mail.RenderVerification(to, mail.Verification{RequestID: "PR-1", Kinds: []request.Kind{request.Deletion}, Link: "https://x.example/verify?t=v",
				ExpiresAt: at.AddDate(0, 0, 7), TeamAddress: "privacy@example.com", Language: lang, StatusLink: link})
		},
		"answer": func(lang, link string) (mail.Message, error) {
			return mail.RenderAnswer(to, mail.Answer{RequestID: "PR-1", Kinds: []request.Kind{request.Deletion}, ReceivedAt: at,
				Systems: []mail.AnswerSystem{{Title: "CRM", Outcomes: []string{"erased"}}}, TeamAddress: "privacy@example.com", Language: lang, StatusLink: link})
		},
		"extension notice": func(lang, link string) (mail.Message, error) {
			return mail.RenderExtensionNotice(to, mail.ExtensionNotice{RequestID: "PR-1", Kinds: []request.Kind{request.Deletion}, ReceivedAt: at,
				Reason: "many systems", AnswerBy: due.Extended, TeamAddress: "privacy@example.com", Language: lang, StatusLink: link})
		},
		"denial notice": func(lang, link string) (mail.Message, error) {
			return mail.RenderDenialNotice(to, mail.DenialNotice{RequestID: "PR-1", ReceivedAt: at,
				Items:       []mail.DenialItem{{Kind: request.Deletion, Reason: mail.DenyLegalObligation}},
				TeamAddress: "privacy@example.com", Language: lang, StatusLink: link})
		},
		"unverified close notice": func(lang, link string) (mail.Message, error) {
			return mail.RenderUnverified(to, mail.Unverified{RequestID: "PR-1", Kinds: []request.Kind{request.Deletion}, ReceivedAt: at, Days: 7,
				TeamAddress: "privacy@example.com", Language: lang, StatusLink: link})
		},
		"withdrawal notice": func(lang, link string) (mail.Message, error) {
			return mail.RenderWithdrawalNotice(to, mail.WithdrawalNotice{RequestID: "PR-1", Kinds: []request.Kind{request.Deletion}, ReceivedAt: at,
				TeamAddress: "privacy@example.com", Language: lang, StatusLink: link})
		},
	}
	words := map[string]string{"en": "See where your request stands", "es": "Consulte en qué punto está su solicitud"}
	// A mail about a request the requester can no longer withdraw (closed,
	// or extended: being carried out) does not offer it.
	closed := map[string]bool{"answer": true, "denial notice": true, "unverified close notice": true, "withdrawal notice": true,
		"extension notice": true}
	for name, render := range mails {
		for _, lang := range []string{"en", "es"} {
			t.Run(name+" "+lang, func(t *testing.T) {
				m, err := render(lang, link)
				require.NoError(t, err)
				assert.Contains(t, m.Text, link)
				assert.Contains(t, m.Text, words[lang])
				assert.Contains(t, m.HTML, `href="`+html.EscapeString(link)+`"`)
				assert.Contains(t, html.UnescapeString(m.HTML), words[lang])
				// What the link lets its holder do: see the status, and
				// withdraw the request before it is carried out (the
				// status page's "Withdraw this request").
				withdraws := map[string]string{"en": "lets you withdraw the request before we start carrying it out", "es": "le permite retirarla antes de que empecemos a llevarla a cabo"}[lang]
				if closed[name] {
					assert.NotContains(t, strings.Join(strings.Fields(m.Text), " "), withdraws)
					assert.NotContains(t, m.HTML, withdraws)
				} else {
					assert.Contains(t, strings.Join(strings.Fields(m.Text), " "), withdraws)
					assert.Contains(t, m.HTML, withdraws)
				}
				assert.Less(t, strings.Index(m.Text, link), strings.Index(m.Text, "\n--\n"), "above the signature")

				none, err := render(lang, "")
				require.NoError(t, err)
				assert.NotContains(t, none.Text, words[lang], "no link, no sentence about one")
				assert.NotContains(t, html.UnescapeString(none.HTML), words[lang])
			})
		}
	}
}

// TestTheOptOutsAnswerOffersAWithdrawalOnlyWhileOneIsPossible: the answer
// to a request's opt-outs, its rest still open, says its status link lets
// the requester withdraw the rest only while the rest is not yet being
// carried out.
func TestTheOptOutsAnswerOffersAWithdrawalOnlyWhileOneIsPossible(t *testing.T) {
	withdraws := "lets you withdraw the request before we start carrying it out"
	for _, may := range []bool{true, false} {
		m, err := mail.RenderAnswer("ada@example.com", mail.Answer{RequestID: "PR-1", Kinds: []request.Kind{request.OptOutSale},
			ReceivedAt: time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC), TeamAddress: "privacy@example.com",
			OptOutsOnly: true, RestOpen: true, Withdrawable: may, StatusLink: "https://privacy.example/status?t=AbC"})
		require.NoError(t, err)
		assert.Equal(t, may, strings.Contains(strings.Join(strings.Fields(m.Text), " "), withdraws), "withdrawable: %v", may)
	}
}
