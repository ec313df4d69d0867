package inbound_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/inbound"
	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// memThreads is an in-memory inbound.Threads and mail.SentLog with the
// DynamoDB store's rules; Clarify changes the requests of store.
type memThreads struct {
	mu          sync.Mutex
	sent        map[string]string
	clarifiedBy map[string]string
	store       *memStore
}

var (
	_ inbound.Threads = (*memThreads)(nil)
	_ mail.SentLog    = (*memThreads)(nil)
)

func (m *memThreads) RecordSent(_ context.Context, messageID, requestID string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sent[messageID]; !ok {
		m.sent[messageID] = requestID
	}
	return nil
}

func (m *memThreads) SentRequest(_ context.Context, id string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.sent[id]
	if !ok {
		return "", request.ErrNotFound
	}
	return r, nil
}

func (m *memThreads) Clarify(_ context.Context, c intake.Clarification) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.store.mu.Lock()
	defer m.store.mu.Unlock()
	r, ok := m.store.reqs[c.RequestID]
	if !ok {
		return request.ErrNotFound
	}
	if r.Status.Closed() || !(slices.Contains(r.Kinds, request.Unclear) || m.clarifiedBy[c.RequestID] == c.ReplyMessageID) {
		return request.ErrConflict
	}
	r.Kinds, r.Priority, r.Due = c.Kinds, c.Priority, c.Due
	if c.Subject != nil {
		r.Subject = c.Subject
	}
	if c.Corrections != nil {
		r.Corrections = c.Corrections
	}
	m.store.reqs[c.RequestID] = r
	m.clarifiedBy[c.RequestID] = c.ReplyMessageID
	return nil
}

const (
	team       = "privacy@productionflow.example"
	originalID = "0riginal0message0from0ses0000000000000a"
	replyID    = "reply0message0from0ses00000000000000000b"
)

// replyFixture is an inbox whose mail goes through mail.Threading, as in
// production, with a request opened by a first message.
type replyFixture struct {
	*inboxFixture
	threads *memThreads
	// workflows are the request workflows started (verification first).
	workflows [][]request.Kind
	r         request.Request
	ackID     string
}

func newReplyFixture(t *testing.T, original string) *replyFixture {
	t.Helper()
	f := &replyFixture{inboxFixture: newInbox(original)}
	f.threads = &memThreads{sent: map[string]string{}, clarifiedBy: map[string]string{}, store: f.store}
	svc := f.inbox.Intake
	svc.Mail = &mail.Threading{Next: f.mailer, Log: f.threads, Now: svc.Now}
	svc.StartWorkflow = func(_ context.Context, r *request.Request) error {
		f.workflows = append(f.workflows, slices.Clone(r.Kinds))
		return nil
	}
	f.inbox.Threads = f.threads
	f.raw.msgs = map[string]string{originalID: original}
	out, err := f.inbox.Receive(context.Background(), inbound.Delivery{MessageID: originalID, ReceivedAt: *f.now, Verdicts: pass})
	require.NoError(t, err)
	require.NotEmpty(t, out.RequestID)
	f.r = f.store.reqs[out.RequestID]
	f.ackID = f.r.AckMessageID
	require.NotEmpty(t, f.ackID)
	require.Equal(t, out.RequestID, f.threads.sent[f.ackID], "the acknowledgement's message ID is recorded against the request")
	if slices.Contains(f.r.Kinds, request.Unclear) {
		require.Empty(t, f.workflows, "unclear mail waits for triage: no verification yet")
	}
	f.mailer.sent, f.workflows = nil, nil
	return f
}

func (f *replyFixture) deliver(t *testing.T, raw string, v inbound.Verdicts) inbound.Outcome {
	t.Helper()
	*f.now = f.now.Add(time.Hour)
	f.raw.msgs[replyID] = raw
	out, err := f.inbox.Receive(context.Background(), inbound.Delivery{MessageID: replyID, ReceivedAt: *f.now, Verdicts: v})
	require.NoError(t, err)
	return out
}

func (f *replyFixture) sentTo(addr string) []mail.Message {
	var out []mail.Message
	for _, m := range f.mailer.sent {
		if slices.Contains(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

var kimUnclear = msg("From: Kim <kim@example.com>\nTo: privacy@productionflow.example\nSubject: Question\n",
	"Hi, I have a question about my account.\r\n")

func TestRepliesJoinTheirRequest(t *testing.T) {
	inReplyTo := func(f *replyFixture) string { return "In-Reply-To: <" + f.ackID + "@email.amazonses.com>\n" }
	tests := []struct {
		name      string
		headers   func(f *replyFixture) string
		body      string
		verdicts  inbound.Verdicts
		joined    bool
		matchedBy string
		excerpt   bool
	}{
		{
			name: "a reply to the acknowledgement",
			headers: func(f *replyFixture) string {
				return "From: José <JOSE@example.com>\nSubject: Re: thanks\n" + inReplyTo(f)
			},
			body:     "Is my old account covered too?\r\n\r\nOn Tue, Nov 17, 2026 at 9:20 AM Desk wrote:\r\n> We received your privacy request\r\n",
			verdicts: pass, joined: true, matchedBy: "in-reply-to", excerpt: true,
		},
		{
			name:    "a new mail naming the request in its subject",
			headers: func(f *replyFixture) string { return "From: jose@example.com\nSubject: About " + f.r.ID + "\n" },
			body:    "Is my old account covered too?\r\n", verdicts: pass, joined: true, matchedBy: "subject", excerpt: true,
		},
		{
			name:     "a reply whose sender may be forged shows no excerpt",
			headers:  func(f *replyFixture) string { return "From: jose@example.com\nSubject: Re: thanks\n" + inReplyTo(f) },
			body:     "Is my old account covered too?\r\n",
			verdicts: inbound.Verdicts{Spam: "PASS", Virus: "PASS", SPF: "FAIL", DKIM: "FAIL", DMARC: "FAIL"},
			joined:   true, matchedBy: "in-reply-to",
		},
		{
			name:    "a stranger quoting the request ID is not joined",
			headers: func(f *replyFixture) string { return "From: eve@example.net\nSubject: Re: " + f.r.ID + "\n" },
			body:    "Is my old account covered too?\r\n", verdicts: pass,
		},
		{
			name:    "a stranger answering the acknowledgement is not joined",
			headers: func(f *replyFixture) string { return "From: eve@example.net\nSubject: Re: thanks\n" + inReplyTo(f) },
			body:    "Is my old account covered too?\r\n", verdicts: pass,
		},
		{
			name: "a reply to mail the desk never sent is new mail",
			headers: func(f *replyFixture) string {
				return "From: jose@example.com\nSubject: Re: thanks\nIn-Reply-To: <other@email.amazonses.com>\n"
			},
			body: "Is my old account covered too?\r\n", verdicts: pass,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newReplyFixture(t, deletion)
			raw := msg(tc.headers(f)+"To: privacy@productionflow.example\n", tc.body)
			out := f.deliver(t, raw, tc.verdicts)
			f.deliver(t, raw, tc.verdicts) // SES may deliver twice

			if !tc.joined {
				assert.NotEqual(t, f.r.ID, out.RequestID, "opens no access to the request it names")
				assert.Len(t, f.store.reqs, 2, "treated as any new mail")
				assert.NotContains(t, f.actions(f.r.ID), "reply-received")
				return
			}
			assert.Equal(t, f.r.ID, out.RequestID)
			assert.Equal(t, intake.MailReply, out.Mail)
			assert.Len(t, f.store.reqs, 1, "no new request")
			assert.Empty(t, f.sentTo("jose@example.com"), "no mail to the requester")
			assert.Equal(t, f.r.Kinds, f.store.reqs[f.r.ID].Kinds, "the request is unchanged")

			notices := f.sentTo(team)
			require.Len(t, notices, 1, "the team is told once")
			assert.Contains(t, notices[0].Subject, f.r.ID)
			assert.Contains(t, notices[0].Text, replyID)
			if tc.excerpt {
				assert.Contains(t, notices[0].Text, "Is my old account covered too?")
				assert.NotContains(t, notices[0].Text, "> We received", "quoted text left out")
			} else {
				assert.NotContains(t, notices[0].Text, "old account")
			}

			rec := f.log.records[replyID]
			assert.Equal(t, intake.MailReply, rec.Outcome)
			assert.Equal(t, f.r.ID, rec.RequestID)
			assert.False(t, rec.TeamNotifiedAt.IsZero())

			var got *request.Event
			for i, ev := range f.store.events {
				if ev.RequestID == f.r.ID && ev.Action == "reply-received" {
					require.Nil(t, got, "one reply-received event")
					got = &f.store.events[i]
				}
			}
			require.NotNil(t, got)
			assert.Equal(t, replyID, got.Data["messageId"], "the raw message's key is on the trail")
			assert.Equal(t, tc.matchedBy, got.Data["matchedBy"])
			for _, v := range got.Data {
				assert.NotContains(t, v, "old account", "no body text in the event")
				assert.NotContains(t, v, "@", "no address in the event")
			}
		})
	}
}

func TestAgentRepliesJoin(t *testing.T) {
	f := newReplyFixture(t, msg("From: Sam Agent <sam@agency.example>\nTo: privacy@productionflow.example\nSubject: Request\n",
		"I am an authorized agent acting on behalf of my client. Please delete their personal data.\r\n"))
	require.NotNil(t, f.r.Agent)
	out := f.deliver(t, msg("From: sam@agency.example\nTo: privacy@productionflow.example\nSubject: Re: "+f.r.ID+"\n",
		"Attached is the signed permission.\r\n"), pass)
	assert.Equal(t, f.r.ID, out.RequestID)
	assert.Equal(t, intake.MailReply, out.Mail)
	assert.Empty(t, f.sentTo("sam@agency.example"))
}

func TestAReplyToTheUnclearQuestionSetsTheKinds(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		verdicts inbound.Verdicts
		kinds    []request.Kind // nil: the request stays unclear
	}{
		{"the reply names a kind", "Sorry, I would like you to delete my data.\r\n\r\n> Know what categories of personal data we hold\r\n", pass, []request.Kind{request.Deletion}},
		{"the reply names a child", "Please delete the data of my son Leo Park, leo.park@example.net.\r\n", pass, []request.Kind{request.ChildData}},
		{"the reply is still unclear", "Thanks, I will think about it.\r\n", pass, nil},
		{"a forged reply changes nothing", "Please delete my data.\r\n", inbound.Verdicts{Spam: "PASS", Virus: "PASS", DMARC: "FAIL"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newReplyFixture(t, kimUnclear)
			require.Equal(t, []request.Kind{request.Unclear}, f.r.Kinds)
			raw := msg("From: kim@example.com\nTo: privacy@productionflow.example\nSubject: Re: what would you like us to do? (request "+f.r.ID+")\n"+
				"In-Reply-To: <"+f.ackID+"@us-east-1.amazonses.com>\n", tc.body)
			out := f.deliver(t, raw, tc.verdicts)
			f.deliver(t, raw, tc.verdicts)
			assert.Equal(t, f.r.ID, out.RequestID)
			assert.Len(t, f.store.reqs, 1, "no new request")
			r := f.store.reqs[f.r.ID]
			notices := f.sentTo(team)
			require.Len(t, notices, 1, "the team is told once")

			if tc.kinds == nil {
				assert.Equal(t, []request.Kind{request.Unclear}, r.Kinds)
				assert.Empty(t, f.sentTo("kim@example.com"), "no robot answer")
				assert.Contains(t, notices[0].Text, "No robot answer went to the sender", "as the team is told")
				assert.Empty(t, f.workflows, "still unclear: still no verification")
				assert.NotContains(t, f.actions(f.r.ID), "kinds-set")
				return
			}
			assert.Equal(t, tc.kinds, r.Kinds)
			acks := f.sentTo("kim@example.com")
			require.Len(t, acks, 1, "the clarified request is acknowledged once")
			assert.Contains(t, acks[0].Subject, "We received your privacy request "+f.r.ID)
			for _, k := range tc.kinds {
				assert.Contains(t, acks[0].Text, k.Title())
			}
			assert.NotContains(t, acks[0].Text, "delete the data of my son", "no requester text to an unverified address")
			assert.Equal(t, f.r.ID, f.threads.sent[f.log.records[replyID].ReplyMessageID], "replies to that acknowledgement join too")
			require.NotEmpty(t, f.workflows, "now that the kinds are known, verification starts")
			assert.Equal(t, tc.kinds, f.workflows[len(f.workflows)-1])
			assert.Contains(t, notices[0].Subject, "no longer unclear")
			assert.Contains(t, notices[0].Text, "Apart from that acknowledgement, no robot answer went to the sender", "the notice tells the team what kim got")
			assert.NotContains(t, notices[0].Text, "No robot answer went", "it does not deny the acknowledgement it reports")
			assert.Contains(t, f.actions(f.r.ID), "kinds-set")
			assert.Contains(t, f.actions(f.r.ID), "acknowledged-as-clarified")
			assert.Equal(t, tc.kinds, f.log.records[replyID].Kinds)
			if slices.Contains(tc.kinds, request.ChildData) {
				assert.Equal(t, request.Expedited, r.Priority)
				assert.Equal(t, &request.Subject{Name: "Leo Park", Email: "leo.park@example.net"}, r.Subject)
			}
		})
	}
}

func TestAReplyAfterTheRequestIsClearSetsNothing(t *testing.T) {
	f := newReplyFixture(t, kimUnclear)
	first := msg("From: kim@example.com\nTo: privacy@productionflow.example\nSubject: Re: "+f.r.ID+"\n", "Please delete my data.\r\n")
	f.deliver(t, first, pass)
	require.Equal(t, []request.Kind{request.Deletion}, f.store.reqs[f.r.ID].Kinds)

	// A second reply, another SES message.
	f.mailer.sent = nil
	second := msg("From: kim@example.com\nTo: privacy@productionflow.example\nSubject: Re: "+f.r.ID+"\n", "And export my data too.\r\n")
	f.raw.msgs["second0reply0from0ses000000000000000000c"] = second
	out, err := f.inbox.Receive(context.Background(), inbound.Delivery{MessageID: "second0reply0from0ses000000000000000000c", ReceivedAt: *f.now, Verdicts: pass})
	require.NoError(t, err)
	assert.Equal(t, f.r.ID, out.RequestID)
	assert.Equal(t, []request.Kind{request.Deletion}, f.store.reqs[f.r.ID].Kinds, "the team handles what a later reply asks")
	assert.Empty(t, f.sentTo("kim@example.com"))
	require.Len(t, f.sentTo(team), 1)
	assert.True(t, strings.Contains(f.sentTo(team)[0].Text, "export my data"))
}
