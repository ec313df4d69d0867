package smtpin

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/smtp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/inbound"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/standin"
)

const bucket = "privacy-inbound"

var _ PutObjectAPI = (*s3.Client)(nil)

// fakeS3 starts gofakes3 in process and returns a real SDK client for it.
func fakeS3(t *testing.T) *s3.Client {
	t.Helper()
	ts := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(ts.Close)
	client := s3.NewFromConfig(standin.Config(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(ts.URL)
		o.UsePathStyle = true
	})
	_, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	require.NoError(t, err)
	return client
}

// recorder collects the events the handler receives.
type recorder struct {
	mu     sync.Mutex
	events []events.SimpleEmailEvent
}

func (r *recorder) handle(_ context.Context, e events.SimpleEmailEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

func (r *recorder) all() []events.SimpleEmailEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.SimpleEmailEvent(nil), r.events...)
}

var fixedNow = time.Date(2026, 11, 17, 17, 30, 0, 0, time.UTC)

// start runs a server on a free port and returns its address.
func start(t *testing.T, cfg Config, store PutObjectAPI, h Handler) string {
	t.Helper()
	if cfg.Recipients == nil {
		cfg.Recipients = []string{"privacy@productionflow.local", "@help.productionflow.local"}
	}
	cfg.Bucket = bucket
	cfg.Now = func() time.Time { return fixedNow }
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	require.NoError(t, cfg.Validate())
	srv := New(cfg, store, h)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		require.NoError(t, srv.Close())
		require.NoError(t, <-done)
	})
	return l.Addr().String()
}

const message = "From: Jane Roe <jane.roe@example.com>\r\n" +
	"To: ProductionFlow Privacy <privacy@productionflow.local>\r\n" +
	"Cc: legal@help.productionflow.local\r\n" +
	"Subject: =?UTF-8?Q?CCPA_Request_=E2=80=93_delete?=\r\n" +
	"Date: Tue, 17 Nov 2026 09:29:58 -0800\r\n" +
	"Message-ID: <jr-0001@example.com>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Please delete all my personal data.\r\n"

func TestSendStoresAndHandsOnEvent(t *testing.T) {
	client := fakeS3(t)
	rec := &recorder{}
	// 40 bytes of 'a'..: the message ID is predictable.
	addr := start(t, Config{Rand: bytes.NewReader(bytes.Repeat([]byte{1}, 40))}, client, rec.handle)

	err := smtp.SendMail(addr, nil, "jane.roe@example.com",
		[]string{"privacy@productionflow.local", "legal@help.productionflow.local"}, []byte(message))
	require.NoError(t, err)

	got := rec.all()
	require.Len(t, got, 1, "the handler runs before the 250 reply, as a stored-then-invoked SES rule")
	require.Len(t, got[0].Records, 1)
	r := got[0].Records[0]
	id := strings.Repeat("b", 40)
	assert.Equal(t, id, r.SES.Mail.MessageID)
	assert.Equal(t, "aws:ses", r.EventSource)
	assert.Equal(t, "jane.roe@example.com", r.SES.Mail.Source)
	assert.Equal(t, []string{"privacy@productionflow.local", "legal@help.productionflow.local"}, r.SES.Receipt.Recipients)
	assert.Equal(t, []string{"privacy@productionflow.local", "legal@help.productionflow.local"}, r.SES.Mail.Destination)
	assert.Equal(t, fixedNow, r.SES.Mail.Timestamp)
	assert.Equal(t, "CCPA Request – delete", r.SES.Mail.CommonHeaders.Subject)
	assert.Equal(t, []string{"Jane Roe <jane.roe@example.com>"}, r.SES.Mail.CommonHeaders.From)
	assert.Equal(t, "<jr-0001@example.com>", r.SES.Mail.CommonHeaders.MessageID)
	assert.Equal(t, "Return-Path", r.SES.Mail.Headers[0].Name)
	assert.Equal(t, "Received", r.SES.Mail.Headers[1].Name)
	assert.Contains(t, r.SES.Mail.Headers[1].Value, "with SMTP id "+id)
	assert.Equal(t, "Lambda", r.SES.Receipt.Action.Type)
	assert.Equal(t, "Event", r.SES.Receipt.Action.InvocationType)
	for _, v := range []events.SimpleEmailVerdict{r.SES.Receipt.SpamVerdict, r.SES.Receipt.VirusVerdict,
		r.SES.Receipt.SPFVerdict, r.SES.Receipt.DKIMVerdict, r.SES.Receipt.DMARCVerdict} {
		assert.Equal(t, "PASS", v.Status)
	}

	// The raw message is in S3 under inbound/<messageId>, readable by intake.
	obj, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("inbound/" + id)})
	require.NoError(t, err)
	defer obj.Body.Close()
	raw, err := io.ReadAll(obj.Body)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(raw, []byte("Return-Path: <jane.roe@example.com>\r\n")))
	assert.True(t, bytes.HasSuffix(raw, []byte(message)), "the message is stored byte for byte after the trace headers")

	res, err := inbound.Read(context.Background(), bytes.NewReader(raw), inbound.Verdicts{Spam: "PASS", Virus: "PASS"}, nil, inbound.DefaultLimits())
	require.NoError(t, err)
	assert.Equal(t, []request.Kind{request.Deletion}, res.Kinds)
	assert.Equal(t, request.Expedited, res.Priority)
	assert.True(t, res.Reply)
}

func TestBounceKeepsNullReturnPath(t *testing.T) {
	client := fakeS3(t)
	rec := &recorder{}
	addr := start(t, Config{}, client, rec.handle)

	// net/smtp sends MAIL FROM:<> for an empty sender, as a bounce does.
	require.NoError(t, smtp.SendMail(addr, nil, "", []string{"privacy@productionflow.local"}, []byte(message)))
	got := rec.all()
	require.Len(t, got, 1)
	r := got[0].Records[0]
	assert.Equal(t, "", r.SES.Mail.Source)
	assert.Len(t, r.SES.Mail.MessageID, 40)

	obj, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("inbound/" + r.SES.Mail.MessageID)})
	require.NoError(t, err)
	defer obj.Body.Close()
	res, err := inbound.Read(context.Background(), obj.Body, inbound.Verdicts{}, nil, inbound.DefaultLimits())
	require.NoError(t, err)
	assert.False(t, res.Reply, "a message with a null return path is never answered")
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		rcpts   []string
		msg     string
		wantErr string
	}{
		{
			name:    "too large",
			cfg:     Config{MaxMessageBytes: 4096},
			rcpts:   []string{"privacy@productionflow.local"},
			msg:     message + strings.Repeat("padding line of the message body\r\n", 200),
			wantErr: "552",
		},
		{
			name:    "unknown recipient",
			rcpts:   []string{"someone@elsewhere.example"},
			msg:     message,
			wantErr: "550",
		},
		{
			name:    "too many recipients",
			cfg:     Config{MaxRecipients: 2},
			rcpts:   []string{"a@help.productionflow.local", "b@help.productionflow.local", "c@help.productionflow.local"},
			msg:     message,
			wantErr: "452",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client := fakeS3(t)
			rec := &recorder{}
			addr := start(t, tc.cfg, client, rec.handle)
			err := smtp.SendMail(addr, nil, "jane.roe@example.com", tc.rcpts, []byte(tc.msg))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.Empty(t, rec.all(), "no event for refused mail")
			list, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
			require.NoError(t, err)
			assert.Empty(t, list.Contents, "nothing stored for refused mail")
		})
	}
}

// failingStore is a hand-written fake that refuses every write.
type failingStore struct{}

func (failingStore) PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return nil, io.ErrUnexpectedEOF
}

func TestStoreFailureIsTemporary(t *testing.T) {
	rec := &recorder{}
	addr := start(t, Config{}, failingStore{}, rec.handle)
	err := smtp.SendMail(addr, nil, "jane.roe@example.com", []string{"privacy@productionflow.local"}, []byte(message))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "451", "the sender retries later")
	assert.Empty(t, rec.all())
}

func TestConfigValidate(t *testing.T) {
	assert.Error(t, Config{}.Validate())
	assert.Error(t, Config{Recipients: []string{"x@y"}, Bucket: "b", Verdict: "FAIL"}.Validate())
	assert.NoError(t, Config{Recipients: []string{"x@y"}, Bucket: "b", Verdict: "GRAY"}.Validate())
}

func TestMessageIDsDiffer(t *testing.T) {
	s := New(Config{Recipients: []string{"a@b"}, Bucket: "b"}, failingStore{}, nil)
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id, err := s.newMessageID()
		require.NoError(t, err)
		require.Len(t, id, 40)
		assert.False(t, seen[id])
		seen[id] = true
	}
}
