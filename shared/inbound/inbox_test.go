package inbound_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/inbound"
	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
)

// memMailLog is an in-memory inbound.MailLog with the DynamoDB store's rules.
type memMailLog struct {
	mu          sync.Mutex
	records     map[string]intake.MailRecord
	leases      map[string]time.Time
	teamLeases  map[string]time.Time
	failNoticed error
}

var _ inbound.MailLog = (*memMailLog)(nil)

func newMemMailLog() *memMailLog {
	return &memMailLog{records: map[string]intake.MailRecord{}, leases: map[string]time.Time{}, teamLeases: map[string]time.Time{}}
}

func (m *memMailLog) MailRecord(_ context.Context, id string) (*intake.MailRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.records[id]
	if !ok {
		return nil, request.ErrNotFound
	}
	return &rec, nil
}

func (m *memMailLog) ClaimTeamNotice(_ context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.records[id]
	if !ok || !rec.TeamNotifiedAt.IsZero() {
		return false, nil
	}
	if until, held := m.teamLeases[id]; held && !until.Before(now) {
		return false, nil
	}
	m.teamLeases[id] = now.Add(lease)
	return true, nil
}

func (m *memMailLog) MarkTeamNotified(_ context.Context, id string, at time.Time, noticeID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failNoticed != nil {
		return m.failNoticed
	}
	rec := m.records[id]
	if !rec.TeamNotifiedAt.IsZero() {
		return request.ErrConflict
	}
	rec.TeamNotifiedAt, rec.TeamMessageID = at, noticeID
	m.records[id] = rec
	delete(m.teamLeases, id)
	return nil
}

func (m *memMailLog) RecordMail(_ context.Context, rec intake.MailRecord) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.records[rec.MessageID]; ok {
		return false, nil
	}
	m.records[rec.MessageID] = rec
	return true, nil
}

func (m *memMailLog) ClaimMailReply(_ context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.records[id]
	if !ok || !rec.RepliedAt.IsZero() {
		return false, nil
	}
	if until, held := m.leases[id]; held && !until.Before(now) {
		return false, nil
	}
	m.leases[id] = now.Add(lease)
	return true, nil
}

func (m *memMailLog) MarkMailReplied(_ context.Context, id string, at time.Time, replyID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec := m.records[id]
	if !rec.RepliedAt.IsZero() {
		return request.ErrConflict
	}
	rec.RepliedAt, rec.ReplyMessageID = at, replyID
	m.records[id] = rec
	delete(m.leases, id)
	return nil
}

// memRaw serves raw messages by messageId, or fails when err is set.
type memRaw struct {
	msgs map[string]string
	err  error
}

func (r *memRaw) Open(_ context.Context, id string) (io.ReadCloser, error) {
	if r.err != nil {
		return nil, r.err
	}
	m, ok := r.msgs[id]
	if !ok {
		return nil, errors.New("no such key")
	}
	return io.NopCloser(strings.NewReader(m)), nil
}

const (
	sender    = "privacy-desk@productionflow.example"
	messageID = "k2ocb1d9v6j3f8t0m5q7h4n1r8s6e2a9lambda01"
)

var pass = inbound.Verdicts{Spam: "PASS", Virus: "PASS", SPF: "PASS", DKIM: "PASS", DMARC: "PASS"}

type inboxFixture struct {
	inbox  *inbound.Inbox
	store  *memStore
	log    *memMailLog
	mailer *fakeMailer
	raw    *memRaw
	now    *time.Time
}

func newInbox(msg string) *inboxFixture {
	now := time.Date(2026, 11, 17, 17, 30, 0, 0, time.UTC)
	f := &inboxFixture{store: newMemStore(), log: newMemMailLog(), mailer: &fakeMailer{},
		raw: &memRaw{msgs: map[string]string{messageID: msg}}, now: &now}
	svc := newService(f.store, f.mailer, f.now)
	svc.Actor = "system:intake-email"
	f.inbox = &inbound.Inbox{Intake: svc, Records: f.log, Raw: f.raw, Ours: []string{sender, "privacy@productionflow.example"}}
	return f
}

func (f *inboxFixture) receive(t *testing.T, v inbound.Verdicts) inbound.Outcome {
	t.Helper()
	out, err := f.inbox.Receive(context.Background(), inbound.Delivery{MessageID: messageID, ReceivedAt: *f.now, Verdicts: v})
	require.NoError(t, err)
	return out
}

func (f *inboxFixture) actions(id string) []string {
	var out []string
	for _, ev := range f.store.events {
		if ev.RequestID == id {
			out = append(out, ev.Action)
		}
	}
	return out
}

func msg(headers, body string) string {
	return strings.ReplaceAll(headers, "\n", "\r\n") + "\r\n" + body
}

var deletion = msg(`From: =?UTF-8?Q?Jos=C3=A9_Ruiz?= <jose@example.com>
To: privacy@productionflow.example
Subject: Please delete my data
Message-ID: <m1@example.com>
`, "Hello, please delete all my personal data.\r\n")

func TestReceiveOpensOneRequestAndAcknowledgesOnce(t *testing.T) {
	f := newInbox(deletion)
	out := f.receive(t, pass)
	require.NotEmpty(t, out.RequestID)
	assert.Equal(t, request.NewID(request.Email, messageID), out.RequestID, "the SES messageId is the source")

	again := f.receive(t, pass)
	assert.Equal(t, out.RequestID, again.RequestID)
	require.Len(t, f.store.reqs, 1)
	require.Len(t, f.mailer.sent, 1, "one acknowledgement however often SES delivers")

	r := f.store.reqs[out.RequestID]
	assert.Equal(t, request.Email, r.Channel)
	assert.Equal(t, []request.Kind{request.Deletion}, r.Kinds)
	assert.Equal(t, "José Ruiz", r.Requester.Name, "display name decoded")
	assert.Equal(t, "jose@example.com", r.Requester.Email)
	assert.Equal(t, request.Acknowledged, r.Status)
	assert.Contains(t, r.Details, "Subject: Please delete my data")
	assert.Contains(t, r.Details, "delete all my personal data")
	assert.Equal(t, []string{"jose@example.com"}, f.mailer.sent[0].To)
	assert.Contains(t, f.mailer.sent[0].Subject, "We received your privacy request")
	assert.Equal(t, []string{"created", "acknowledged", "mail-received"}, f.actions(out.RequestID))
	for _, ev := range f.store.events {
		for _, v := range ev.Data {
			assert.NotContains(t, v, "jose@example.com", "no address in audit event data")
		}
	}
}

func TestReceiveRecordsWhatTheTeamNeeds(t *testing.T) {
	tests := []struct {
		name      string
		msg       string
		verdicts  inbound.Verdicts
		kinds     []request.Kind
		to        string
		subject   string
		actions   []string
		data      map[string]string
		agent     bool
		expedited bool
	}{
		{
			name: "unclear mail gets the choices and is shown to the team",
			msg: msg("From: Kim <kim@example.com>\nTo: privacy@productionflow.example\nSubject: Question\n",
				"Hi, I have a question about my account.\r\n"),
			verdicts: pass, kinds: []request.Kind{request.Unclear}, to: "kim@example.com",
			subject: "what would you like us to do?",
			actions: []string{"created", "acknowledged", "mail-received", "needs-triage"},
		},
		{
			name: "an authorized agent is told the consumer verifies directly",
			msg: msg("From: Sam Agent <sam@agency.example>\nTo: privacy@productionflow.example\nSubject: CCPA Request\n",
				"I am an authorized agent acting on behalf of my client. Please delete their personal data.\r\n"),
			verdicts: pass, kinds: []request.Kind{request.Deletion}, to: "sam@agency.example",
			subject: "on someone's behalf", agent: true, expedited: true,
			actions: []string{"created", "acknowledged", "mail-received", "agent-consumer-unknown"},
			data:    map[string]string{"agent": "true"},
		},
		{
			name: "a different Reply-To is recorded, the mail still goes to From",
			msg: msg("From: Ann <ann@example.com>\nReply-To: other@elsewhere.example\nTo: privacy@productionflow.example\nSubject: Delete\n",
				"Please delete my data.\r\n"),
			verdicts: pass, kinds: []request.Kind{request.Deletion}, to: "ann@example.com",
			subject: "We received your privacy request",
			actions: []string{"created", "acknowledged", "mail-received"},
			data:    map[string]string{"replyToDiffers": "true"},
		},
		{
			name: "a single authentication failure is recorded, not blocking (DMARC passed through DKIM)",
			msg: msg("From: Bo <bo@example.com>\nTo: privacy@productionflow.example\nSubject: Delete\n",
				"Please delete my data.\r\n"),
			verdicts: inbound.Verdicts{Spam: "PASS", Virus: "PASS", SPF: "FAIL", DKIM: "PASS", DMARC: "PASS"},
			kinds:    []request.Kind{request.Deletion}, to: "bo@example.com",
			subject: "We received your privacy request",
			actions: []string{"created", "acknowledged", "mail-received"},
			data:    map[string]string{"authFailures": "SPF:FAIL", "replyToDiffers": "false"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newInbox(tt.msg)
			out := f.receive(t, tt.verdicts)
			require.NotEmpty(t, out.RequestID)
			r := f.store.reqs[out.RequestID]
			assert.Equal(t, tt.kinds, r.Kinds)
			assert.Equal(t, request.Acknowledged, r.Status)
			assert.Equal(t, tt.agent, r.Agent != nil)
			if tt.agent {
				assert.Equal(t, tt.to, r.Agent.Email)
			}
			assert.Equal(t, tt.expedited, r.Priority == request.Expedited)
			require.Len(t, f.mailer.sent, 1)
			assert.Equal(t, []string{tt.to}, f.mailer.sent[0].To)
			assert.Contains(t, f.mailer.sent[0].Subject, tt.subject)
			assert.Equal(t, tt.actions, f.actions(out.RequestID))
			for _, ev := range f.store.events {
				if ev.Action == "mail-received" {
					for k, v := range tt.data {
						assert.Equal(t, v, ev.Data[k], k)
					}
					assert.Equal(t, messageID, ev.Data["messageId"])
				}
			}
		})
	}
}

func TestReceiveNeverAnswers(t *testing.T) {
	tests := []struct {
		name     string
		msg      string
		verdicts inbound.Verdicts
		outcome  string
		reason   string
		teamTold bool // mail without a usable sender: the team is told once, with the messageId
	}{
		{
			name: "spam", verdicts: inbound.Verdicts{Spam: "FAIL", Virus: "PASS"}, outcome: intake.MailQuarantined, reason: "spam verdict FAIL",
			msg: deletion,
		},
		{
			name: "virus", verdicts: inbound.Verdicts{Spam: "PASS", Virus: "FAIL"}, outcome: intake.MailQuarantined, reason: "virus verdict FAIL",
			msg: deletion,
		},
		{
			name: "DMARC fails: the From may be forged", outcome: intake.MailUnauthenticated, teamTold: true,
			verdicts: inbound.Verdicts{Spam: "PASS", Virus: "PASS", SPF: "PASS", DKIM: "PASS", DMARC: "FAIL"},
			reason:   "not authenticated by the sender's domain (DMARC:FAIL)",
			msg:      deletion,
		},
		{
			name: "SPF and DKIM both fail", outcome: intake.MailUnauthenticated, teamTold: true,
			verdicts: inbound.Verdicts{Spam: "PASS", Virus: "PASS", SPF: "FAIL", DKIM: "FAIL", DMARC: "GRAY"},
			reason:   "not authenticated by the sender's domain (SPF:FAIL, DKIM:FAIL)",
			msg:      deletion,
		},
		{
			name: "an auto-reply to our acknowledgement", verdicts: pass, outcome: intake.MailNoReply, reason: "auto-submitted message",
			msg: msg("From: Jo <jo@example.com>\nTo: privacy-desk@productionflow.example\nAuto-Submitted: auto-replied\nSubject: Automatic reply: We received your privacy request PR-AAAA-BBBB-CCCC-DDDD\n",
				"I am out of the office until Monday.\r\n"),
		},
		{
			name: "a bounce", verdicts: pass, outcome: intake.MailNoReply, reason: "bounce: null return path",
			msg: msg("Return-Path: <>\nFrom: Mail Delivery System <bounces@example.com>\nTo: privacy-desk@productionflow.example\nSubject: failure notice\n",
				"Your message could not be delivered.\r\n"),
		},
		{
			name: "our own sending address", verdicts: pass, outcome: intake.MailNoReply, reason: "sent from our own address", teamTold: true,
			msg: msg("From: privacy-desk@productionflow.example\nTo: privacy@productionflow.example\nSubject: We received your privacy request\n",
				"Please delete.\r\n"),
		},
		{
			name: "a sender the desk cannot write to", verdicts: pass, outcome: intake.MailRejected, reason: "sender address not usable", teamTold: true,
			msg: msg("From: root@localhost\nTo: privacy@productionflow.example\nSubject: delete\n", "Please delete my data.\r\n"),
		},
		{
			name: "no From at all", verdicts: pass, outcome: intake.MailNoReply, reason: "no sender address", teamTold: true,
			msg: msg("To: privacy@productionflow.example\nSubject: delete\n", "Please delete my data.\r\n"),
		},
		{
			name: "a From that is no address", verdicts: pass, outcome: intake.MailNoReply, reason: "no sender address", teamTold: true,
			msg: msg("From: Jo <jo at example dot com>\nTo: privacy@productionflow.example\nSubject: delete\n", "Please delete my data.\r\n"),
		},
		{
			name: "our own notice coming back is not told again", verdicts: pass, outcome: intake.MailNoReply, reason: "auto-submitted message",
			msg: msg("From: privacy-desk@productionflow.example\nAuto-Submitted: auto-generated\nTo: privacy@productionflow.example\nSubject: Mail to the privacy address without a usable sender (kept, not answered)\n",
				"Mail reached the privacy address without a sender the desk can write to.\r\n"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newInbox(tt.msg)
			out := f.receive(t, tt.verdicts)
			f.receive(t, tt.verdicts)
			assert.Empty(t, out.RequestID)
			assert.Equal(t, tt.outcome, out.Mail)
			assert.Empty(t, f.store.reqs, "no request")
			rec, ok := f.log.records[messageID]
			require.True(t, ok, "the mail is recorded")
			if !tt.teamTold {
				assert.Empty(t, f.mailer.sent, "no mail")
			} else {
				require.Len(t, f.mailer.sent, 1, "one notice to the team however often SES delivers")
				assert.Equal(t, []string{"privacy@productionflow.example"}, f.mailer.sent[0].To, "to the team only")
				assert.Contains(t, f.mailer.sent[0].Text, messageID)
				assert.Contains(t, f.mailer.sent[0].Text, tt.reason)
				assert.Equal(t, "msg-b", rec.TeamMessageID)
			}
			assert.Equal(t, tt.outcome, rec.Outcome)
			assert.Equal(t, tt.reason, rec.Reason)
			assert.Equal(t, tt.verdicts.Spam, rec.Verdicts["spam"])
		})
	}
}

func TestReceiveAnswersUnreadableMailOnce(t *testing.T) {
	f := newInbox(msg("From: Lee <lee@example.com>\nTo: privacy@productionflow.example\nSubject: my request\nContent-Type: text/plain\n",
		strings.Repeat("x", 5000)))
	f.inbox.Limits = inbound.Limits{MaxBytes: 1000}

	out := f.receive(t, pass)
	f.receive(t, pass)
	assert.Equal(t, intake.MailUnreadable, out.Mail)
	assert.Contains(t, out.Reason, "larger than 1000 bytes")
	assert.Empty(t, f.store.reqs)
	require.Len(t, f.mailer.sent, 1, "one note however often SES delivers")
	assert.Equal(t, []string{"lee@example.com"}, f.mailer.sent[0].To)
	assert.Contains(t, f.mailer.sent[0].Text, "We could not read your message")
	assert.Contains(t, f.mailer.sent[0].Text, "https://privacy.example/")
	assert.False(t, f.log.records[messageID].RepliedAt.IsZero())
}

// TestUnreadableMailLoopGetsFewNotes: a sender whose mail the desk cannot
// read, over and over (each message its own), gets at most the day's
// automatic mails, counted with the acknowledgements.
func TestUnreadableMailLoopGetsFewNotes(t *testing.T) {
	f := newInbox("")
	f.inbox.Limits = inbound.Limits{MaxBytes: 1000}
	f.inbox.Intake.Caps = &dayCaps{acks: map[string]map[string]bool{}}
	f.inbox.Intake.AcksPerAddressPerDay = 2
	for i := range 5 {
		id := fmt.Sprintf("loop%04dabcdefghijklmnopqrstuv", i)
		f.raw.msgs[id] = msg("From: Lee <lee@example.com>\nTo: privacy@productionflow.example\nSubject: again\nContent-Type: text/plain\n",
			strings.Repeat("x", 5000))
		out, err := f.inbox.Receive(context.Background(), inbound.Delivery{MessageID: id, ReceivedAt: *f.now, Verdicts: pass})
		require.NoError(t, err)
		assert.Equal(t, intake.MailUnreadable, out.Mail, "each is recorded")
	}
	assert.Len(t, f.mailer.sent, 2, "two notes, not five")
}

// dayCaps counts automatic mail per address and day as *dynamo.Store does.
type dayCaps struct{ acks map[string]map[string]bool }

func (c *dayCaps) CountAcknowledgement(_ context.Context, email, day, what string, max int, _ time.Time) (bool, error) {
	k := email + "|" + day
	if c.acks[k][what] {
		return true, nil
	}
	if len(c.acks[k]) >= max {
		return false, nil
	}
	if c.acks[k] == nil {
		c.acks[k] = map[string]bool{}
	}
	c.acks[k][what] = true
	return true, nil
}

func (c *dayCaps) ClaimResend(context.Context, string, time.Time, time.Duration) (bool, error) {
	return false, nil
}

func (c *dayCaps) MarkAckCapped(context.Context, string, time.Time) error { return nil }

func TestReceiveFailuresAreRetriedSafely(t *testing.T) {
	ctx := context.Background()
	f := newInbox(deletion)
	d := inbound.Delivery{MessageID: messageID, ReceivedAt: *f.now, Verdicts: pass}

	f.raw.err = errors.New("S3 unavailable")
	_, err := f.inbox.Receive(ctx, d)
	require.Error(t, err, "an S3 failure is returned so Lambda delivers again")
	assert.Empty(t, f.store.reqs)

	f.raw.err, f.mailer.err = nil, errors.New("SES throttled")
	_, err = f.inbox.Receive(ctx, d)
	require.Error(t, err, "an SES failure is returned so Lambda delivers again")
	require.Len(t, f.store.reqs, 1)

	f.mailer.err = nil
	*f.now = f.now.Add(5 * time.Minute) // Lambda's retry comes after the lease ends
	out, err := f.inbox.Receive(ctx, d)
	require.NoError(t, err)
	_, err = f.inbox.Receive(ctx, d)
	require.NoError(t, err)
	assert.Len(t, f.store.reqs, 1)
	assert.Len(t, f.mailer.sent, 1)
	assert.Equal(t, request.Acknowledged, f.store.reqs[out.RequestID].Status)
}

func TestReceiveAllReceivesEveryDelivery(t *testing.T) {
	f := newInbox(deletion)
	f.raw.msgs["second-message-id-0000000000000000000001"] = msg("From: Al <al@example.com>\nSubject: unsubscribe\n", "Please unsubscribe me from the newsletter.\r\n")
	var ds []inbound.Delivery
	for _, id := range []string{messageID, "second-message-id-0000000000000000000001", "bad id"} {
		ds = append(ds, inbound.Delivery{MessageID: id, Verdicts: inbound.Verdicts{Spam: "PASS"}})
	}
	require.NoError(t, f.inbox.ReceiveAll(context.Background(), ds), "a malformed messageId is skipped, not retried")
	assert.Len(t, f.store.reqs, 2)
	assert.Len(t, f.mailer.sent, 2)

	f.raw.err = errors.New("S3 unavailable")
	assert.Error(t, f.inbox.ReceiveAll(context.Background(), ds))
}

func TestDetailsAreBounded(t *testing.T) {
	f := newInbox(msg("From: Max <max@example.com>\nSubject: delete\n", "Please delete my data.\r\n"+strings.Repeat("word \x1b", 3000)))
	out := f.receive(t, pass)
	require.NotEmpty(t, out.RequestID)
	d := f.store.reqs[out.RequestID].Details
	assert.LessOrEqual(t, len([]rune(d)), intake.MaxDetails)
	assert.NotContains(t, d, "\x1b")
}

func TestReceiveLogsNoPersonalData(t *testing.T) {
	var logs strings.Builder
	mails := []string{
		deletion,
		msg("From: Kim Doe <kim@example.com>\nReply-To: kim.other@example.org\nSubject: Question about Kim\n", "What is this about?\r\n"),
		msg("From: Jo Doe <jo@example.com>\nAuto-Submitted: auto-replied\nSubject: Automatic reply: Jo is away\n", "Away.\r\n"),
		msg("From: root@localhost\nSubject: delete\n", "Please delete my data.\r\n"),
	}
	for i, m := range mails {
		f := newInbox(m)
		f.inbox.Intake.Log = slog.New(slog.NewJSONHandler(&logs, nil))
		v := pass
		if i == 0 {
			v.SPF = "FAIL"
		}
		f.receive(t, v)
	}
	require.Contains(t, logs.String(), "mail received")
	for _, personal := range []string{"@example", "@localhost", "José", "Kim", "Jo ", "Question", "delete my data", "Automatic reply"} {
		assert.NotContains(t, logs.String(), personal)
	}
}

// corpus reads a message of the triage corpus (shared/inbound/testdata).
func corpus(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "corpus", name))
	require.NoError(t, err)
	return string(b)
}

// TestSpanishMailIsAnsweredInSpanish runs Spanish mail from the triage
// corpus through the inbox: the request records the language, and the one
// reply is written in it, with the request ID and the dates in Spanish words.
func TestSpanishMailIsAnsweredInSpanish(t *testing.T) {
	// The fakes' clock: received Tue 17 Nov 2026 17:30 UTC, answer due
	// 45 days later, opt-out of sale 21 days later.
	const (
		received = "martes, 17 de noviembre de 2026 a las 5:30 p. m. UTC"
		answerBy = "viernes, 1 de enero de 2027"
	)
	tests := []struct {
		file    string
		subject string // how the subject starts
		to      string
		want    []string
	}{
		{
			file: "es-borrar.eml", subject: "Recibimos su solicitud de privacidad PR-", to: "lucia.fernandez@gmail.com",
			want: []string{"Hola:", "Eliminar sus datos personales", "Le responderemos a más tardar el", answerBy},
		},
		{
			file: "es-acceso-iso88591.eml", subject: "Recibimos su solicitud de privacidad PR-",
			want: []string{"Saber qué categorías de datos personales", answerBy},
		},
		{
			file: "html-only-es-portabilidad.eml", subject: "Recibimos su solicitud de privacidad PR-",
			want: []string{"formato portátil", answerBy},
		},
		{
			file: "es-agente.eml", subject: "Recibimos la solicitud de privacidad que envió en nombre de otra persona PR-",
			to:   "contacto@vegaabogados.es",
			want: []string{"Hola:", "autorización por escrito", answerBy},
		},
		{
			file: "es-no-vender.eml", subject: "Registramos su solicitud de exclusión (solicitud PR-",
			want: []string{"No permitir la venta ni el intercambio", "15 días hábiles"},
		},
		{
			file: "es-darse-de-baja.eml", subject: "Registramos su solicitud de exclusión (solicitud PR-",
			want: []string{"Dejar de recibir correos electrónicos publicitarios", "10 días hábiles"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := newInbox(corpus(t, tt.file))
			out := f.receive(t, pass)
			require.NotEmpty(t, out.RequestID)
			assert.Equal(t, "es", f.store.reqs[out.RequestID].Language, "the language is kept on the request")

			f.receive(t, pass)
			require.Len(t, f.mailer.sent, 1, "one reply however often SES delivers")
			m := f.mailer.sent[0]
			if tt.to != "" {
				assert.Equal(t, []string{tt.to}, m.To)
			}
			assert.True(t, strings.HasPrefix(m.Subject, tt.subject), "subject %q", m.Subject)
			assert.Contains(t, m.Subject, out.RequestID)
			assert.Equal(t, "es", m.Headers["Content-Language"])
			assert.Equal(t, "auto-generated", m.Headers["Auto-Submitted"])
			for _, body := range []string{m.Text, m.HTML} {
				assert.Contains(t, body, out.RequestID)
				assert.Contains(t, body, received)
				assert.Contains(t, body, "enviado automáticamente")
				for _, s := range tt.want {
					assert.Contains(t, body, s)
				}
				assert.NotContains(t, body, "Hello")
			}
		})
	}
}

func TestUnclearSpanishMailGetsTheChoicesInSpanish(t *testing.T) {
	f := newInbox(msg("From: =?UTF-8?Q?Mar=C3=ADa?= <maria@example.com>\nTo: privacy@productionflow.example\nSubject: Pregunta\n",
		"Hola, tengo una pregunta sobre mi cuenta y la factura de este mes. Gracias.\r\n"))
	out := f.receive(t, pass)
	require.NotEmpty(t, out.RequestID)
	r := f.store.reqs[out.RequestID]
	require.Equal(t, []request.Kind{request.Unclear}, r.Kinds)
	assert.Equal(t, "es", r.Language)
	require.Len(t, f.mailer.sent, 1)
	m := f.mailer.sent[0]
	assert.Contains(t, m.Subject, "¿qué desea que hagamos?")
	assert.Equal(t, "es", m.Headers["Content-Language"])
	for _, body := range []string{m.Text, m.HTML} {
		assert.Contains(t, body, "Hola:")
		assert.NotContains(t, body, "María", "no requester text to an unproven address")
		assert.Contains(t, body, out.RequestID)
		assert.Contains(t, body, "Estas son las solicitudes que puede hacer")
		assert.Contains(t, body, "viernes, 1 de enero de 2027")
		assert.Contains(t, body, "https://privacy.example/")
	}
}

// TestAcknowledgeKeepsTheRequestsLanguage: when the first acknowledgement
// failed, whoever sends it later (a retry, or the workflow through
// Acknowledge) writes it in the language stored on the request.
func TestAcknowledgeKeepsTheRequestsLanguage(t *testing.T) {
	ctx := context.Background()
	f := newInbox(corpus(t, "es-borrar.eml"))
	f.mailer.err = errors.New("SES throttled")
	_, err := f.inbox.Receive(ctx, inbound.Delivery{MessageID: messageID, ReceivedAt: *f.now, Verdicts: pass})
	require.Error(t, err)
	require.Len(t, f.store.reqs, 1)
	id := request.NewID(request.Email, messageID)
	require.Equal(t, "es", f.store.reqs[id].Language)

	f.mailer.err = nil
	*f.now = f.now.Add(5 * time.Minute) // the first sender's lease has ended
	r, err := f.inbox.Intake.Acknowledge(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, request.Acknowledged, r.Status)
	require.Len(t, f.mailer.sent, 1)
	assert.Equal(t, "Recibimos su solicitud de privacidad "+id, f.mailer.sent[0].Subject)
	assert.Equal(t, "es", f.mailer.sent[0].Headers["Content-Language"])
	assert.Contains(t, f.mailer.sent[0].Text, "viernes, 1 de enero de 2027")
}

func TestEnglishStaysEnglish(t *testing.T) {
	t.Run("English mail", func(t *testing.T) {
		f := newInbox(deletion)
		out := f.receive(t, pass)
		assert.Equal(t, "en", f.store.reqs[out.RequestID].Language)
		require.Len(t, f.mailer.sent, 1)
		assert.Equal(t, "We received your privacy request "+out.RequestID, f.mailer.sent[0].Subject)
		assert.Equal(t, "en", f.mailer.sent[0].Headers["Content-Language"])
		assert.Contains(t, f.mailer.sent[0].Text, "We will answer by Friday, January 1, 2027.")
	})
	t.Run("the web form", func(t *testing.T) {
		now := time.Date(2026, 11, 17, 17, 30, 0, 0, time.UTC)
		store, mailer := newMemStore(), &fakeMailer{}
		rc, err := newService(store, mailer, &now).Submit(context.Background(), validSubmission())
		require.NoError(t, err)
		assert.Empty(t, rc.Request.Language, "web requests carry no language: English")
		require.Len(t, mailer.sent, 1)
		assert.Equal(t, "en", mailer.sent[0].Headers["Content-Language"])
		assert.Contains(t, mailer.sent[0].Subject, "We received your privacy request")
	})
	t.Run("unreadable mail", func(t *testing.T) {
		// Mail past the bounds is never triaged, so it is answered in English.
		f := newInbox(msg("From: Lee <lee@example.com>\nSubject: my request\nContent-Type: text/plain\n", strings.Repeat("x", 5000)))
		f.inbox.Limits = inbound.Limits{MaxBytes: 1000}
		f.receive(t, pass)
		require.Len(t, f.mailer.sent, 1)
		assert.Equal(t, "en", f.mailer.sent[0].Headers["Content-Language"])
	})
}

func TestMailCarriesTheChildAndTheCorrection(t *testing.T) {
	tests := []struct {
		name        string
		msg         string
		subject     *request.Subject
		corrections []request.CorrectionItem
	}{
		{
			name: "a child named with an address",
			msg: msg("From: Karen <karen@example.com>\nTo: privacy@productionflow.example\nSubject: My daughter\n",
				"My daughter Emma Mills is 13 and uses emma.m@example.net. Please delete her data.\r\n"),
			subject: &request.Subject{Name: "Emma Mills", Email: "emma.m@example.net"},
		},
		{
			name: "a correction as described",
			msg: msg("From: Sam <sam@example.com>\nTo: privacy@productionflow.example\nSubject: Address\n",
				"My postal address is wrong; it should be 12 Oak Street.\r\n"),
			corrections: []request.CorrectionItem{{Item: inbound.CorrectionItemFromMail, Right: "My postal address is wrong; it should be 12 Oak Street."}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newInbox(tc.msg)
			out := f.receive(t, pass)
			require.NotEmpty(t, out.RequestID)
			r := f.store.reqs[out.RequestID]
			assert.Equal(t, tc.subject, r.Subject)
			assert.Equal(t, tc.corrections, r.Corrections)
		})
	}
}

// TestARedeliveredAgentMailAfterTheConsumerWasNamed: SES may deliver a mail
// again (a retry, a redrive) after the team named the agent's consumer:
// the delivery must not record the consumer unknown again, which would put
// the request back on the attention list.
func TestARedeliveredAgentMailAfterTheConsumerWasNamed(t *testing.T) {
	f := newInbox(msg("From: Sam Agent <sam@agency.example>\nTo: privacy@productionflow.example\nSubject: CCPA Request\n",
		"I am an authorized agent acting on behalf of my client. Please delete their personal data.\r\n"))
	out := f.receive(t, pass)
	require.Contains(t, f.actions(out.RequestID), request.ActionAgentConsumerUnknown)

	// The team names the consumer; the trail is read afresh.
	f.store.mu.Lock()
	r := f.store.reqs[out.RequestID]
	r.Requester = request.Identity{Name: "John Client", Email: "john@example.com"}
	f.store.reqs[out.RequestID] = r
	kept := f.store.events[:0]
	for _, ev := range f.store.events {
		if ev.Action != request.ActionAgentConsumerUnknown {
			kept = append(kept, ev)
		}
	}
	f.store.events = kept
	for k := range f.store.once {
		delete(f.store.once, k)
	}
	f.store.mu.Unlock()

	f.receive(t, pass)
	assert.NotContains(t, f.actions(out.RequestID), request.ActionAgentConsumerUnknown)
}
