package inbound_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/inbound"
	"github.com/productionflow/privacy-desk/shared/request"
)

var kimDeletion = msg("From: Kim <kim@example.com>\nTo: privacy@productionflow.example\nSubject: Delete my data\n",
	"Please delete all my personal data.\r\n")

// TestAReplyAskingToWithdrawTellsTheTeam: a reply that reads as asking to
// withdraw the request (triage's retraction words, English or Spanish)
// gets the team a notice that says so plainly and points to the console's
// "Withdraw the request"; the request is not withdrawn, the requester gets
// no robot answer. A reply without such words, a forged one, and one to a
// closed request say nothing of it.
func TestAReplyAskingToWithdrawTellsTheTeam(t *testing.T) {
	tests := []struct {
		name, body string
		verdicts   inbound.Verdicts
		closed     bool
		word       string // "": the notice says nothing of a withdrawal
	}{
		{"changed my mind", "I changed my mind. Please cancel this request.\r\n\r\n> We received your privacy request\r\n", pass, false, "changed my mind"},
		{"Spanish", "Hola, quiero cancelar mi solicitud.\r\n", pass, false, "cancelar"},
		{"withdraw", "I would like to withdraw my request, thanks.\r\n", pass, false, "withdraw"},
		{"only the quoted text", "Thanks.\r\n\r\n> You can cancel by replying\r\n", pass, false, ""},
		{"an ordinary reply", "Here is my account number, 4711.\r\n", pass, false, ""},
		{"a forged reply", "I changed my mind. Please cancel this request.\r\n", inbound.Verdicts{Spam: "PASS", Virus: "PASS", DMARC: "FAIL"}, false, ""},
		{"the request is closed", "I changed my mind. Please cancel this request.\r\n", pass, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newReplyFixture(t, kimDeletion)
			if tc.closed {
				r := f.store.reqs[f.r.ID]
				r.Status = request.Denied
				f.store.reqs[f.r.ID] = r
			}
			status := f.store.reqs[f.r.ID].Status
			raw := msg("From: kim@example.com\nTo: privacy@productionflow.example\nSubject: Re: We received your privacy request "+f.r.ID+"\n"+
				"In-Reply-To: <"+f.ackID+"@us-east-1.amazonses.com>\n", tc.body)
			f.deliver(t, raw, tc.verdicts)
			notices := f.sentTo(team)
			require.Len(t, notices, 1)
			n := notices[0]
			assert.Equal(t, status, f.store.reqs[f.r.ID].Status, "the desk withdraws nothing by itself")
			assert.Empty(t, f.sentTo("kim@example.com"), "no robot answer")
			if tc.word == "" {
				assert.NotContains(t, n.Text, "withdraw or cancel")
				assert.NotContains(t, n.Subject, "withdraw")
				return
			}
			assert.Equal(t, "Reply received for privacy request "+f.r.ID+": it may ask to withdraw the request", n.Subject)
			for _, part := range []string{n.Text, n.HTML} {
				assert.Contains(t, part, "reads as asking to withdraw or cancel the request")
				assert.Contains(t, part, `"`+tc.word+`"`)
				assert.Contains(t, part, `"Withdraw the request" on the request's page`)
				assert.Contains(t, part, "The desk has not withdrawn it.")
			}
		})
	}
}
