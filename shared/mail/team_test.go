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

func TestNeedsTeam(t *testing.T) {
	tests := []struct {
		name string
		r    request.Request
		want bool
	}{
		{"a normal deletion waits for the digest", request.Request{Priority: request.Normal, Kinds: []request.Kind{request.Deletion}}, false},
		{"expedited", request.Request{Priority: request.Expedited, Regulation: "CCPA", Kinds: []request.Kind{request.Deletion}}, true},
		{"a child's data", request.Request{Priority: request.Expedited, Kinds: []request.Kind{request.ChildData}}, true},
		{"unclear mail", request.Request{Priority: request.Normal, Kinds: []request.Kind{request.Unclear}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, mail.NeedsTeam(&tt.r))
		})
	}
}

func TestRenderTeamNotice(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	received := time.Date(2026, 11, 27, 3, 30, 0, 0, time.UTC) // Thursday 26 November in New York
	base := mail.TeamNotice{
		RequestID: "PR-ABCD-EFGH-IJKL-MNOP", Kinds: []request.Kind{request.ChildData},
		Channel: request.Web, Priority: request.Expedited, ReceivedAt: received, Location: ny,
		Due: request.Due{
			Acknowledge: time.Date(2026, 12, 11, 4, 59, 59, 0, time.UTC),
			Response:    time.Date(2027, 1, 11, 4, 59, 59, 0, time.UTC),
		},
	}
	tests := []struct {
		name    string
		edit    func(*mail.TeamNotice)
		subject string
		want    []string
	}{
		{"child's data", func(*mail.TeamNotice) {}, "[expedited] New privacy request PR-ABCD-EFGH-IJKL-MNOP",
			[]string{"a child's data: delete it promptly", "child-data", "web", "expedited", "Thursday, November 26, 2026",
				"Answer by:  Sunday, January 10, 2027", "Acknowledge by: Thursday, December 10, 2026"}},
		{"CCPA Request mail", func(n *mail.TeamNotice) {
			n.Kinds, n.Channel, n.Regulation = []request.Kind{request.Deletion}, request.Email, "CCPA"
		}, "[expedited] New privacy request PR-ABCD-EFGH-IJKL-MNOP",
			[]string{"expedited: the mail is marked CCPA Request", "deletion", "email"}},
		{"unclear mail", func(n *mail.TeamNotice) {
			n.Kinds, n.Channel, n.Priority = []request.Kind{request.Unclear}, request.Email, request.Normal
		}, "New unclear privacy request PR-ABCD-EFGH-IJKL-MNOP: please triage",
			[]string{"unclear mail: find out what the person asks for", "set the request's kinds"}},
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
			assert.Contains(t, m.HTML, n.RequestID)
			assert.Contains(t, m.HTML, html.EscapeString(tt.want[0]))
			assert.Equal(t, "auto-generated", m.Headers[mail.HeaderAutoSubmitted])
		})
	}
	t.Run("refuses an unusable recipient", func(t *testing.T) {
		_, err := mail.RenderTeamNotice("team@example.com\r\nBcc: x@example.com", base)
		assert.ErrorIs(t, err, mail.ErrRecipient)
	})
}
