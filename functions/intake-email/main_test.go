package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
)

const bucket = "privacy-desk-inbound"

type stack struct {
	store  *dynamo.Store
	s3     *s3.Client
	sesURL string
	env    map[string]string
}

// startStack starts dynalite, aws-ses-v2-local and gofakes3, creates the
// table and the bucket, and points the standard AWS environment at them.
func startStack(t *testing.T) *stack {
	t.Helper()
	db, ses := standin.Dynalite(t), standin.SES(t)
	s3srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(s3srv.Close)

	client := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(db.URL) })
	require.NoError(t, dynamo.EnsureTable(context.Background(), client, "privacy-desk"))
	s3c := s3.NewFromConfig(standin.Config(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(s3srv.URL)
		o.UsePathStyle = true
	})
	_, err := s3c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	require.NoError(t, err)

	env := map[string]string{
		"TABLE_NAME": "privacy-desk", "SENDER_ADDRESS": "privacy-desk@productionflow.com",
		"TEAM_ADDRESS": "privacy-team@productionflow.com", "BUSINESS_TIME_ZONE": "America/New_York",
		"FORM_URL": "https://privacy.productionflow.com/", "INBOUND_BUCKET": bucket, "INBOUND_PREFIX": "inbound/",
		"OUR_ADDRESSES": "privacy@productionflow.com",
	}
	for k, v := range map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": db.URL, "AWS_ENDPOINT_URL_SESV2": ses.URL, "AWS_ENDPOINT_URL_S3": s3srv.URL,
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
	} {
		t.Setenv(k, v)
	}
	return &stack{store: &dynamo.Store{API: client, Table: "privacy-desk"}, s3: s3c, sesURL: ses.URL, env: env}
}

func (s *stack) getenv(k string) string { return s.env[k] }

// deliver stores raw as SES's S3 action would.
func (s *stack) deliver(t *testing.T, messageID string, raw []byte) {
	t.Helper()
	_, err := s.s3.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("inbound/" + messageID),
		Body: bytes.NewReader(raw), ContentLength: aws.Int64(int64(len(raw))),
	})
	require.NoError(t, err)
}

func (s *stack) outbox(t *testing.T) []outbox.Email {
	t.Helper()
	mails, err := outbox.Read(context.Background(), s.sesURL)
	require.NoError(t, err)
	return mails
}

// outboxTo is the mail sent to addr.
func (s *stack) outboxTo(t *testing.T, addr string) []outbox.Email {
	t.Helper()
	var out []outbox.Email
	for _, m := range s.outbox(t) {
		if slices.Contains(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

func readSample(t *testing.T) (events.SimpleEmailEvent, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "intake-email-receipt.json"))
	require.NoError(t, err)
	var ev events.SimpleEmailEvent
	require.NoError(t, json.Unmarshal(b, &ev))
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", "intake-email-receipt.eml"))
	require.NoError(t, err)
	return ev, raw
}

// receipt is a receipt event for one message, as SES sends it.
func receipt(messageID, spam string) events.SimpleEmailEvent {
	var rec events.SimpleEmailRecord
	rec.EventSource, rec.EventVersion = "aws:ses", "1.0"
	rec.SES.Mail.MessageID = messageID
	rec.SES.Receipt.SpamVerdict.Status = spam
	rec.SES.Receipt.VirusVerdict.Status = "PASS"
	rec.SES.Receipt.SPFVerdict.Status = "PASS"
	rec.SES.Receipt.DKIMVerdict.Status = "PASS"
	rec.SES.Receipt.DMARCVerdict.Status = "PASS"
	return events.SimpleEmailEvent{Records: []events.SimpleEmailRecord{rec}}
}

func TestSampleEventThroughTheLambdaEntryPoint(t *testing.T) {
	ctx := context.Background()
	s := startStack(t)
	ev, raw := readSample(t)
	messageID := ev.Records[0].SES.Mail.MessageID
	s.deliver(t, messageID, raw)
	handle, err := newEntry(ctx, s.getenv, slog.New(slog.DiscardHandler))
	require.NoError(t, err)

	require.NoError(t, handle(ctx, ev))

	id := request.NewID(request.Email, messageID)
	got, err := s.store.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, []request.Kind{request.Deletion, request.OptOutSale}, got.Kinds)
	assert.Equal(t, request.Expedited, got.Priority, `"CCPA Request" in the subject`)
	assert.Equal(t, "CCPA", got.Regulation)
	assert.Equal(t, "Jane Roe", got.Requester.Name)
	assert.Equal(t, request.Acknowledged, got.Status)
	mails := s.outboxTo(t, "jane.roe@example.com")
	require.Len(t, mails, 1)
	assert.Contains(t, mails[0].Text, id)
	assert.Equal(t, "auto-generated", mails[0].Header("Auto-Submitted"))
}

// TestOnceOnly delivers the same receipt event five times at once, as SES
// and Lambda's async retries may: one request, one acknowledgement.
func TestOnceOnly(t *testing.T) {
	ctx := context.Background()
	s := startStack(t)
	ev, raw := readSample(t)
	messageID := ev.Records[0].SES.Mail.MessageID
	s.deliver(t, messageID, raw)
	handle, err := newEntry(ctx, s.getenv, slog.New(slog.DiscardHandler))
	require.NoError(t, err)

	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = handle(ctx, ev)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}

	ids, err := s.store.EarlierRequests(ctx, "jane.roe@example.com")
	require.NoError(t, err)
	assert.Equal(t, []string{request.NewID(request.Email, messageID)}, ids, "one request")
	assert.Len(t, s.outboxTo(t, "jane.roe@example.com"), 1, "one acknowledgement")
	assert.Len(t, s.outboxTo(t, "privacy-team@productionflow.com"), 1, "one notice to the team (expedited)")
	evs, err := s.store.Events(ctx, ids[0])
	require.NoError(t, err)
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	assert.ElementsMatch(t, []string{"created", "acknowledged", "mail-received", "team-notified"}, actions)
}

// TestAutoReplyToOurAcknowledgement: the requester's vacation reply to the
// acknowledgement comes back to the desk and gets no answer.
func TestAutoReplyToOurAcknowledgement(t *testing.T) {
	ctx := context.Background()
	s := startStack(t)
	ev, raw := readSample(t)
	s.deliver(t, ev.Records[0].SES.Mail.MessageID, raw)
	handle, err := newEntry(ctx, s.getenv, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NoError(t, handle(ctx, ev))
	mails := s.outboxTo(t, "jane.roe@example.com")
	require.Len(t, mails, 1)
	ack := mails[0]
	before := len(s.outbox(t))

	tests := []struct {
		name, headers string
	}{
		{"RFC 3834 auto-reply", "Auto-Submitted: auto-replied\r\n"},
		{"Exchange out of office, subject only", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			messageID := fmt.Sprintf("autoreply%031d", i)
			reply := "From: Jane Roe <jane.roe@example.com>\r\n" +
				"To: " + ack.From + "\r\n" +
				"Subject: Automatic reply: " + ack.Subject + "\r\n" +
				"In-Reply-To: <" + ack.MessageID + ">\r\n" + tt.headers +
				"Content-Type: text/plain; charset=UTF-8\r\n\r\n" +
				"I am away until Monday and will answer then. Please delete nothing until I am back.\r\n\r\n" +
				"> " + strings.ReplaceAll(ack.Text, "\n", "\n> ")
			s.deliver(t, messageID, []byte(reply))
			require.NoError(t, handle(ctx, receipt(messageID, "PASS")))
			require.NoError(t, handle(ctx, receipt(messageID, "PASS")))

			assert.Len(t, s.outbox(t), before, "no mail answers an auto-reply")
			rec, err := s.store.MailRecord(ctx, messageID)
			require.NoError(t, err)
			assert.Equal(t, intake.MailNoReply, rec.Outcome)
			_, err = s.store.Get(ctx, request.NewID(request.Email, messageID))
			assert.ErrorIs(t, err, request.ErrNotFound, "no request")
		})
	}
}

func TestSpamIsQuarantinedSilently(t *testing.T) {
	ctx := context.Background()
	s := startStack(t)
	_, raw := readSample(t)
	messageID := "spam0000000000000000000000000000000000001"
	s.deliver(t, messageID, raw)
	handle, err := newEntry(ctx, s.getenv, slog.New(slog.DiscardHandler))
	require.NoError(t, err)

	require.NoError(t, handle(ctx, receipt(messageID, "FAIL")))
	assert.Empty(t, s.outbox(t))
	rec, err := s.store.MailRecord(ctx, messageID)
	require.NoError(t, err)
	assert.Equal(t, intake.MailQuarantined, rec.Outcome)
	assert.Equal(t, "FAIL", rec.Verdicts["spam"])
}

func TestMissingRawMailIsRetried(t *testing.T) {
	ctx := context.Background()
	s := startStack(t)
	handle, err := newEntry(ctx, s.getenv, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	err = handle(ctx, receipt("notstored00000000000000000000000000000001", "PASS"))
	assert.Error(t, err, "Lambda retries, then the event goes to the failure queue")
	assert.Empty(t, s.outbox(t))
}

func TestMisconfiguredColdStartFailsClearly(t *testing.T) {
	_, err := newEntry(context.Background(), func(string) string { return "" }, slog.New(slog.DiscardHandler))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TABLE_NAME is required")
	assert.Contains(t, err.Error(), "INBOUND_BUCKET is required")
}

// TestReplyToTheAcknowledgement: the requester answers the acknowledgement
// (In-Reply-To names the Message-ID SES gave it). The reply joins the
// request; the requester gets no new mail, the team one notice.
func TestReplyToTheAcknowledgement(t *testing.T) {
	ctx := context.Background()
	s := startStack(t)
	ev, raw := readSample(t)
	s.deliver(t, ev.Records[0].SES.Mail.MessageID, raw)
	handle, err := newEntry(ctx, s.getenv, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NoError(t, handle(ctx, ev))
	id := request.NewID(request.Email, ev.Records[0].SES.Mail.MessageID)
	acks := s.outboxTo(t, "jane.roe@example.com")
	require.Len(t, acks, 1)
	teamBefore := len(s.outboxTo(t, "privacy-team@productionflow.com"))

	const replyID = "reply0to0the0acknowledgement00000000001"
	reply := "From: Jane Roe <jane.roe@example.com>\r\nTo: privacy@productionflow.com\r\n" +
		"Subject: Re: " + acks[0].Subject + "\r\n" +
		"In-Reply-To: <" + acks[0].MessageID + "@email.amazonses.com>\r\n" +
		"Content-Type: text/plain; charset=UTF-8\r\n\r\n" +
		"Does this cover my old account too?\r\n\r\n> " + strings.ReplaceAll(acks[0].Text, "\n", "\n> ")
	s.deliver(t, replyID, []byte(reply))
	require.NoError(t, handle(ctx, receipt(replyID, "PASS")))
	require.NoError(t, handle(ctx, receipt(replyID, "PASS")))

	assert.Len(t, s.outboxTo(t, "jane.roe@example.com"), 1, "no new mail to the requester")
	team := s.outboxTo(t, "privacy-team@productionflow.com")
	require.Len(t, team, teamBefore+1, "one notice to the team")
	assert.Contains(t, team[len(team)-1].Subject, id)
	assert.Contains(t, team[len(team)-1].Text, replyID)

	_, err = s.store.Get(ctx, request.NewID(request.Email, replyID))
	assert.ErrorIs(t, err, request.ErrNotFound, "no new request")
	rec, err := s.store.MailRecord(ctx, replyID)
	require.NoError(t, err)
	assert.Equal(t, intake.MailReply, rec.Outcome)
	assert.Equal(t, id, rec.RequestID)
	evs, err := s.store.Events(ctx, id)
	require.NoError(t, err)
	var joined bool
	for _, e := range evs {
		if e.Action == "reply-received" {
			joined = true
			assert.Equal(t, replyID, e.Data["messageId"])
			assert.Equal(t, "in-reply-to", e.Data["matchedBy"], "found by the recorded SES message ID")
		}
	}
	assert.True(t, joined, "the reply is on the request's trail")
}
