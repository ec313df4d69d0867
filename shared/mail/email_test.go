package mail_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

func TestRenderUnclearReply(t *testing.T) {
	received := time.Date(2026, 11, 17, 17, 30, 0, 0, time.UTC)
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	m, err := mail.RenderUnclearReply("jo@example.com", mail.UnclearReply{
		RequestID: "PR-AAAA-BBBB-CCCC-DDDD", Name: "Jo <script>x</script>", ReceivedAt: received,
		Due:         request.Due{Response: received.AddDate(0, 0, 45)},
		TeamAddress: team, FormURL: "https://privacy.productionflow.example/", Location: ny,
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"jo@example.com"}, m.To)
	assert.Equal(t, []string{team}, m.ReplyTo, "a reply saying what they want reaches the team")
	assert.Contains(t, m.Subject, "PR-AAAA-BBBB-CCCC-DDDD")
	wantAutoHeaders(t, m)
	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		t.Run(part, func(t *testing.T) {
			assert.Contains(t, body, "PR-AAAA-BBBB-CCCC-DDDD")
			assert.Contains(t, body, "could not tell what you would like us to do")
			for _, k := range request.Kinds {
				assert.Contains(t, body, k.Title(), "every choice is listed")
			}
			assert.NotContains(t, body, request.Unclear.Title())
			assert.Contains(t, body, "https://privacy.productionflow.example/", "the form is linked")
			assert.Contains(t, body, "January 1, 2027", "the answer date")
		})
	}
	assert.NotContains(t, m.HTML, "<script>", "the sender's name is escaped in HTML")
}

func TestRenderUnreadableReply(t *testing.T) {
	tests := []struct {
		name, form, want string
	}{
		{"with the form", "https://privacy.productionflow.example/", "https://privacy.productionflow.example/"},
		{"without a form", "", "plain text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mail.RenderUnreadableReply("jo@example.com", mail.UnreadableReply{TeamAddress: team, FormURL: tt.form})
			require.NoError(t, err)
			assert.Equal(t, "We could not read your message to our privacy team", m.Subject)
			wantAutoHeaders(t, m)
			for _, body := range []string{m.Text, m.HTML} {
				assert.Contains(t, body, "We could not read your message")
				assert.Contains(t, body, tt.want)
				assert.Contains(t, body, "Hello,")
			}
		})
	}
	_, err := mail.RenderUnreadableReply("jo@example.com\r\nBcc: x@example.com", mail.UnreadableReply{TeamAddress: team})
	assert.ErrorIs(t, err, mail.ErrRecipient)
}

func TestRenderAgentAcknowledgement(t *testing.T) {
	received := time.Date(2026, 11, 17, 17, 30, 0, 0, time.UTC)
	m, err := mail.RenderAgentAcknowledgement("agent@example.com", mail.AgentAcknowledgement{
		RequestID: "PR-AAAA-BBBB-CCCC-DDDD", Name: "Sam Agent", Kinds: []request.Kind{request.Deletion},
		ReceivedAt: received, Due: request.Due{Response: received.AddDate(0, 0, 45)}, Expedited: true,
		TeamAddress: team, Location: time.UTC,
	})
	require.NoError(t, err)
	assert.Equal(t, []string{team}, m.ReplyTo)
	wantAutoHeaders(t, m)
	for _, body := range []string{m.Text, m.HTML} {
		assert.NotContains(t, body, "Sam Agent", "no requester text to an unproven address")
		assert.Contains(t, body, request.Deletion.Title())
		assert.Contains(t, body, "written permission")
		assert.Contains(t, body, "confirm their identity with us directly")
		assert.NotContains(t, body, "it is you who made this request", "the agent is not asked to verify as the consumer")
		assert.Contains(t, body, "January 1, 2027")
		assert.Contains(t, body, "priority")
		// What was asked is the consumer's, and so is the answer: after the
		// team names them, only they are written to.
		assert.Contains(t, body, "You asked us, for the person you act for, to")
		assert.Contains(t, body, "We will answer the person you act for by")
	}
}
