package mail_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// TestTeamMailIsAnsweredToTheTeam: mail to the privacy team and to system
// owners is Internal with the team as its Reply-To, which the sender keeps,
// so a member's or an owner's reply reaches the team (the sender points
// other mail's Reply-To at the address the intake reads, where it would be
// a stranger's new mail); mail to a requester is not, so the requester's
// reply joins their request.
func TestTeamMailIsAnsweredToTheTeam(t *testing.T) {
	const team = "privacy-team@productionflow.example"
	at := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	id := "PR-ABCD-EFGH-IJKL-MNOP"
	due := request.Due{Acknowledge: at.AddDate(0, 0, 14), Response: at.AddDate(0, 0, 45), Extended: at.AddDate(0, 0, 90)}
	render := map[string]func() (mail.Message, error){
		"attention": func() (mail.Message, error) {
			return mail.RenderAttention(team, mail.Attention{RequestID: id, Failed: []mail.AttentionItem{{System: "billing", Error: "TransientError"}}})
		},
		"digest": func() (mail.Message, error) {
			return mail.RenderDigest(team, mail.Digest{Now: at, Location: time.UTC, Open: 1})
		},
		"reminder": func() (mail.Message, error) {
			return mail.RenderDeadlineReminder(team, mail.DeadlineReminder{RequestID: id, Clock: "response", ClockTitle: "the answer", Due: due.Response, Location: time.UTC})
		},
		"reply notice": func() (mail.Message, error) {
			return mail.RenderReplyNotice(team, mail.ReplyNotice{RequestID: id, MessageID: "m1", ReceivedAt: at})
		},
		"unusable sender": func() (mail.Message, error) {
			return mail.RenderUnusableSenderNotice(team, mail.UnusableSenderNotice{MessageID: "m1", Reason: "no address", ReceivedAt: at, Location: time.UTC})
		},
		"team notice": func() (mail.Message, error) {
			return mail.RenderTeamNotice(team, mail.TeamNotice{RequestID: id, Kinds: []request.Kind{request.Deletion}, Channel: request.Web, Priority: request.Normal, ReceivedAt: at, Due: due, Location: time.UTC})
		},
	}
	for name, r := range render {
		m, err := r()
		require.NoError(t, err, name)
		assert.Equal(t, []string{team}, m.ReplyTo, name)
		assert.True(t, m.Internal, name)
	}
	task, err := mail.RenderOwnerTask("billing-owner@productionflow.example", team, mail.OwnerTask{RequestID: id, System: "Billing", Action: "erase", Person: "ada@example.com", Due: "December 15, 2026", DueShort: "Dec 15", Link: "https://desk.example/task?t=x"})
	require.NoError(t, err)
	assert.Equal(t, []string{team}, task.ReplyTo)
	assert.True(t, task.Internal, "an owner's reply goes to the team")
	ack, err := mail.RenderAcknowledgement("ada@example.com", mail.Acknowledgement{RequestID: id, Kinds: []request.Kind{request.Deletion}, ReceivedAt: at, Due: due, Location: time.UTC, TeamAddress: team})
	require.NoError(t, err)
	assert.False(t, ack.Internal, "a requester's reply goes where the sender points it: the intake")
}
