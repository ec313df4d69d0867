package mail_test

import (
	"html"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// TestTeamNoticeOfAHeldBackAcknowledgement: the notice of a request whose
// acknowledgement the per-address daily cap held back says so, that the
// requester has not been mailed and what the team can do (send the
// acknowledgement, or deny the request as excessive); an expedited or
// child's-data request says so as the normal notice does; unclear mail is
// sent its question, then triaged. (The facts behind these words:
// shared/intake TestACappedRequestTellsTheTeamAtOnce and
// TestTheTeamSendsAHeldBackAcknowledgement, shared/console
// TestSendTheHeldBackAcknowledgement.)
func TestTeamNoticeOfAHeldBackAcknowledgement(t *testing.T) {
	received := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	base := mail.TeamNotice{
		RequestID: "PR-ABCD-EFGH-IJKL-MNOP", Kinds: []request.Kind{request.Deletion},
		Channel: request.Web, Priority: request.Normal, ReceivedAt: received, Location: time.UTC, HeldBack: true,
		Due: request.Due{
			Acknowledge: time.Date(2026, 12, 11, 23, 59, 59, 0, time.UTC),
			Response:    time.Date(2027, 1, 11, 23, 59, 59, 0, time.UTC),
		},
	}
	tests := []struct {
		name    string
		edit    func(*mail.TeamNotice)
		subject string
		want    []string
		not     []string
	}{
		{"a deletion", func(*mail.TeamNotice) {}, "Not acknowledged (daily cap): new privacy request PR-ABCD-EFGH-IJKL-MNOP",
			[]string{
				"A new privacy request was not acknowledged and needs the team now: PR-ABCD-EFGH-IJKL-MNOP",
				"Why now:    the acknowledgement was held back by the per-address daily cap, so the requester has not been mailed",
				"Acknowledge by: Friday, December 11, 2026 (not sent: held back by the daily cap)",
				"the requester has not been mailed, no\nverification link was sent and the request's workflow has not started.",
				"- Send the acknowledgement: it goes out as intake would have sent it (with\n  the verification link when the request needs one), not counted against\n  the cap, and the request's workflow starts.",
				"deny the request as excessive: the requester\n  is mailed the reason.",
			},
			[]string{"sent automatically", "Open the request in the privacy desk by its ID to see who asked"}},
		{"a child's data", func(n *mail.TeamNotice) {
			n.Kinds, n.Priority = []request.Kind{request.ChildData}, request.Expedited
		}, "[expedited] Not acknowledged (daily cap): new privacy request PR-ABCD-EFGH-IJKL-MNOP",
			[]string{"held back by the per-address daily cap, so the requester has not been mailed; a child's data: delete it promptly",
				"Priority:   expedited", "deny the request as excessive"},
			nil},
		{"CCPA Request mail", func(n *mail.TeamNotice) {
			n.Channel, n.Priority, n.Regulation = request.Email, request.Expedited, "CCPA"
		}, "[expedited] Not acknowledged (daily cap): new privacy request PR-ABCD-EFGH-IJKL-MNOP",
			[]string{"; expedited: the mail is marked CCPA Request"}, nil},
		{"unclear mail", func(n *mail.TeamNotice) {
			n.Kinds, n.Channel = []request.Kind{request.Unclear}, request.Email
		}, "Not acknowledged (daily cap): new unclear privacy request PR-ABCD-EFGH-IJKL-MNOP: please triage",
			[]string{"; unclear mail: find out what the person asks for",
				"(it\n  asks the person what they would like us to do), not counted against the\n  cap; then set the request's kinds, as for any unclear mail."},
			[]string{"deny the request", "workflow starts"}},
		{"an agent's mail naming no consumer", func(n *mail.TeamNotice) {
			n.Channel, n.AwaitsConsumer = request.Email, true
		}, "Not acknowledged (daily cap): new privacy request PR-ABCD-EFGH-IJKL-MNOP",
			[]string{"it goes out to the authorized agent as intake\n  would have sent it, not counted against the cap; nothing else starts until\n  you name the consumer."},
			[]string{"workflow starts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := base
			tt.edit(&n)
			m, err := mail.RenderTeamNotice("privacy@productionflow.example", n)
			require.NoError(t, err)
			assert.Equal(t, []string{"privacy@productionflow.example"}, m.To)
			assert.Equal(t, tt.subject, m.Subject)
			for _, w := range tt.want {
				assert.Contains(t, m.Text, w)
			}
			for _, w := range tt.not {
				assert.NotContains(t, m.Text, w)
			}
			assert.Contains(t, m.HTML, "was not acknowledged and needs the team now")
			assert.Contains(t, m.HTML, html.EscapeString("(not sent: held back by the daily cap)"))
			assert.Contains(t, m.HTML, "the requester has not been mailed, no verification link was sent and the request's workflow has not started")
		})
	}
	t.Run("the normal notice says nothing of the cap", func(t *testing.T) {
		n := base
		n.HeldBack, n.Priority = false, request.Expedited
		m, err := mail.RenderTeamNotice("privacy@productionflow.example", n)
		require.NoError(t, err)
		assert.Equal(t, "[expedited] New privacy request PR-ABCD-EFGH-IJKL-MNOP", m.Subject)
		assert.Contains(t, m.Text, "(the acknowledgement was sent automatically)")
		assert.NotContains(t, m.Text, "cap")
		assert.NotContains(t, m.HTML, "cap")
	})
}
