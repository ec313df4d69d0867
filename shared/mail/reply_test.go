package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

type sentRecord struct{ messageID, requestID string }

type memSentLog struct {
	recs []sentRecord
	err  error
}

func (m *memSentLog) RecordSent(_ context.Context, messageID, requestID string, _ time.Time) error {
	if m.err != nil {
		return m.err
	}
	m.recs = append(m.recs, sentRecord{messageID, requestID})
	return nil
}

type idSender struct {
	id  string
	err error
}

func (s idSender) Send(context.Context, mail.Message) (string, error) { return s.id, s.err }

func TestThreadingRecordsMailAboutARequest(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC) }
	ack, err := mail.RenderAcknowledgement("ada@example.com", mail.Acknowledgement{RequestID: "PR-ABCD-EFGH-IJKL-MNOP", Kinds: []request.Kind{request.Deletion}})
	require.NoError(t, err)
	unreadable, err := mail.RenderUnreadableReply("ada@example.com", mail.UnreadableReply{})
	require.NoError(t, err)

	tests := []struct {
		name    string
		next    idSender
		log     *memSentLog
		msg     mail.Message
		wantID  string
		wantErr bool
		want    []sentRecord
	}{
		{"about a request", idSender{id: "ses-1"}, &memSentLog{}, ack, "ses-1", false, []sentRecord{{"ses-1", "PR-ABCD-EFGH-IJKL-MNOP"}}},
		{"about no request", idSender{id: "ses-2"}, &memSentLog{}, unreadable, "ses-2", false, nil},
		{"send failed: nothing recorded", idSender{err: errors.New("throttled")}, &memSentLog{}, ack, "", true, nil},
		{"record failed: the mail still counts as sent", idSender{id: "ses-3"}, &memSentLog{err: errors.New("dynamo down")}, ack, "ses-3", false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &mail.Threading{Next: tc.next, Log: tc.log, Now: now}
			id, err := s.Send(context.Background(), tc.msg)
			assert.Equal(t, tc.wantErr, err != nil)
			assert.Equal(t, tc.wantID, id)
			assert.Equal(t, tc.want, tc.log.recs)
		})
	}
}

// TestSendUnrecordedHandsBackTheRecord: the record Send would keep is
// returned, not kept, for a message about a request; none for others.
func TestSendUnrecordedHandsBackTheRecord(t *testing.T) {
	at := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	ack, err := mail.RenderAcknowledgement("ada@example.com", mail.Acknowledgement{RequestID: "PR-ABCD-EFGH-IJKL-MNOP", Kinds: []request.Kind{request.Deletion}})
	require.NoError(t, err)
	unreadable, err := mail.RenderUnreadableReply("ada@example.com", mail.UnreadableReply{})
	require.NoError(t, err)
	log := &memSentLog{}
	s := &mail.Threading{Next: idSender{id: "ses-1"}, Log: log, Now: func() time.Time { return at }}

	id, rec, ok, err := s.SendUnrecorded(context.Background(), ack)
	require.NoError(t, err)
	assert.Equal(t, "ses-1", id)
	assert.True(t, ok)
	assert.Equal(t, mail.Sent{MessageID: "ses-1", RequestID: "PR-ABCD-EFGH-IJKL-MNOP", At: at}, rec)
	_, _, ok, err = s.SendUnrecorded(context.Background(), unreadable)
	require.NoError(t, err)
	assert.False(t, ok, "about no request: nothing to record")
	assert.Empty(t, log.recs, "nothing kept by the sender")
}

func TestReplyNotice(t *testing.T) {
	at := time.Date(2026, 11, 18, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		n       mail.ReplyNotice
		subject string
		want    []string
		not     []string
		notHTML string
	}{
		{
			name:    "a reply with an excerpt",
			n:       mail.ReplyNotice{RequestID: "PR-ABCD-EFGH-IJKL-MNOP", MessageID: "m0001", ReceivedAt: at, MatchedBy: "in-reply-to", Excerpt: "Is my old account covered too?"},
			subject: "Reply received for privacy request PR-ABCD-EFGH-IJKL-MNOP",
			want:    []string{"PR-ABCD-EFGH-IJKL-MNOP", "m0001", "Is my old account covered too?", "answers mail the desk sent", "No robot answer"},
			not:     []string{"Apart from that acknowledgement", "acknowledgement of these"},
		},
		{
			name: "kinds set from an unclear request's reply",
			n: mail.ReplyNotice{RequestID: "PR-ABCD-EFGH-IJKL-MNOP", MessageID: "m0002", ReceivedAt: at, MatchedBy: "subject",
				KindsSet: []request.Kind{request.Deletion}},
			subject: "Reply received for privacy request PR-ABCD-EFGH-IJKL-MNOP: the request is no longer unclear",
			want: []string{request.Deletion.Title(), "acknowledgement of these went out", "workflow started",
				"subject names this request", "Apart from that acknowledgement, no robot answer went to the sender"},
			// The acknowledgement went to the sender: the notice does not
			// also say no answer did (shared/inbound
			// TestAReplyToTheUnclearQuestionSetsTheKinds checks the mail).
			not: []string{"No robot answer", "name them in the console"},
		},
		{
			name: "kinds set from an agent's reply, the consumer not named",
			n: mail.ReplyNotice{RequestID: "PR-ABCD-EFGH-IJKL-MNOP", MessageID: "m0002", ReceivedAt: at, MatchedBy: "subject",
				KindsSet: []request.Kind{request.Deletion}, AwaitsConsumer: true},
			subject: "Reply received for privacy request PR-ABCD-EFGH-IJKL-MNOP: the request is no longer unclear",
			want:    []string{"acknowledgement of these went out. Nothing else starts", "name them in the console"},
			not:     []string{"workflow started"},
		},
		{
			name: "a forged sender is flagged",
			n: mail.ReplyNotice{RequestID: "PR-ABCD-EFGH-IJKL-MNOP", MessageID: "m0003", ReceivedAt: at, MatchedBy: "subject",
				AuthFailures: []string{"DMARC:FAIL"}},
			subject: "Reply received for privacy request PR-ABCD-EFGH-IJKL-MNOP",
			want:    []string{"DMARC:FAIL", "may be forged"},
			not:     []string{"The reply begins"},
		},
		{
			name: "a long excerpt is cut and hostile text escaped",
			n: mail.ReplyNotice{RequestID: "PR-ABCD-EFGH-IJKL-MNOP", MessageID: "m0004", ReceivedAt: at,
				Excerpt: "<script>x</script>\r\nBcc: a@b " + strings.Repeat("z", 2*mail.MaxReplyExcerpt)},
			subject: "Reply received for privacy request PR-ABCD-EFGH-IJKL-MNOP",
			want:    []string{"…"},
			not:     []string{strings.Repeat("z", mail.MaxReplyExcerpt), "\r\nBcc"},
			notHTML: "<script>",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := mail.RenderReplyNotice("privacy@productionflow.example", tc.n)
			require.NoError(t, err)
			assert.Equal(t, tc.subject, m.Subject)
			assert.Equal(t, []string{"privacy@productionflow.example"}, m.To)
			assert.Equal(t, []string{"privacy@productionflow.example"}, m.ReplyTo, "a reply stays with the team, never reaching the intake as new mail")
			assert.Equal(t, "auto-generated", m.Headers[mail.HeaderAutoSubmitted], "never answered by our own intake")
			for _, w := range tc.want {
				assert.Contains(t, m.Text, w)
				assert.Contains(t, m.HTML, strings.ReplaceAll(w, "'", "&#39;"))
			}
			if tc.notHTML != "" {
				assert.NotContains(t, m.HTML, tc.notHTML)
			}
			for _, w := range tc.not {
				assert.NotContains(t, m.Text, w)
				assert.NotContains(t, m.HTML, w)
			}
		})
	}
}

func TestUnusableSenderNotice(t *testing.T) {
	m, err := mail.RenderUnusableSenderNotice("privacy@productionflow.example", mail.UnusableSenderNotice{
		MessageID: "k2ocb1d9v6j3f8t0m5q7h4n1r8s6e2a9lambda01", Reason: "no sender address",
		ReceivedAt: time.Date(2026, 11, 18, 15, 0, 0, 0, time.UTC),
	})
	require.NoError(t, err)
	assert.Equal(t, "auto-generated", m.Headers[mail.HeaderAutoSubmitted])
	for _, part := range []string{m.Text, m.HTML} {
		assert.Contains(t, part, "k2ocb1d9v6j3f8t0m5q7h4n1r8s6e2a9lambda01")
		assert.Contains(t, part, "no sender address")
		assert.Contains(t, part, "opened no request and was not answered")
	}
	_, err = mail.RenderUnusableSenderNotice("", mail.UnusableSenderNotice{})
	assert.ErrorIs(t, err, mail.ErrRecipient)
}
