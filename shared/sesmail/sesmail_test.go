package sesmail_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/sesmail"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
)

// fakeSES records what it is asked to send and answers with out or err.
type fakeSES struct {
	calls []*sesv2.SendEmailInput
	out   *sesv2.SendEmailOutput
	err   error
}

var _ sesmail.API = (*fakeSES)(nil)

func (f *fakeSES) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	f.calls = append(f.calls, in)
	if f.err != nil {
		return nil, f.err
	}
	return f.out, nil
}

func message() mail.Message {
	return mail.Message{
		To:      []string{"dana@example.com"},
		ReplyTo: []string{"privacy@productionflow.example"},
		Subject: "We received your privacy request REQ-1",
		Text:    "text part REQ-1",
		HTML:    "<p>html part REQ-1</p>",
		Headers: map[string]string{"X-Auto-Response-Suppress": "All", "Auto-Submitted": "auto-generated"},
	}
}

// TestReplyToIsTheDesksInbox: with ReplyTo set, mail to requesters gets
// the address the desk reads as its Reply-To, whatever it named; internal
// mail (to the team and to system owners, whose replies must reach the
// team, not the intake) keeps its own.
func TestReplyToIsTheDesksInbox(t *testing.T) {
	f := &fakeSES{out: &sesv2.SendEmailOutput{MessageId: aws.String("ses-124")}}
	s := &sesmail.Sender{API: f, From: "privacy-desk@productionflow.example", ReplyTo: "requests@productionflow.example"}
	_, err := s.Send(context.Background(), message())
	require.NoError(t, err)
	internal := message()
	internal.Internal = true
	_, err = s.Send(context.Background(), internal)
	require.NoError(t, err)
	require.Len(t, f.calls, 2)
	assert.Equal(t, []string{"requests@productionflow.example"}, f.calls[0].ReplyToAddresses)
	assert.Equal(t, []string{"privacy@productionflow.example"}, f.calls[1].ReplyToAddresses, "its own")
}

func TestSendBuildsSimpleContentWithHeaders(t *testing.T) {
	f := &fakeSES{out: &sesv2.SendEmailOutput{MessageId: aws.String("ses-123")}}
	s := &sesmail.Sender{API: f, From: "privacy@productionflow.example", ConfigurationSet: "privacy-desk"}

	id, err := s.Send(context.Background(), message())
	require.NoError(t, err)
	assert.Equal(t, "ses-123", id)

	require.Len(t, f.calls, 1)
	in := f.calls[0]
	assert.Equal(t, "privacy@productionflow.example", aws.ToString(in.FromEmailAddress))
	assert.Equal(t, []string{"dana@example.com"}, in.Destination.ToAddresses)
	assert.Empty(t, in.Destination.CcAddresses)
	assert.Empty(t, in.Destination.BccAddresses)
	assert.Equal(t, []string{"privacy@productionflow.example"}, in.ReplyToAddresses)
	assert.Equal(t, "privacy-desk", aws.ToString(in.ConfigurationSetName))
	require.NotNil(t, in.Content.Simple)
	assert.Nil(t, in.Content.Raw)
	simple := in.Content.Simple
	assert.Equal(t, "We received your privacy request REQ-1", aws.ToString(simple.Subject.Data))
	assert.Equal(t, "UTF-8", aws.ToString(simple.Subject.Charset))
	assert.Equal(t, "text part REQ-1", aws.ToString(simple.Body.Text.Data))
	assert.Equal(t, "<p>html part REQ-1</p>", aws.ToString(simple.Body.Html.Data))
	require.Len(t, simple.Headers, 2)
	assert.Equal(t, "Auto-Submitted", aws.ToString(simple.Headers[0].Name), "headers sorted by name")
	assert.Equal(t, "auto-generated", aws.ToString(simple.Headers[0].Value))
	assert.Equal(t, "X-Auto-Response-Suppress", aws.ToString(simple.Headers[1].Name))
	assert.Equal(t, "All", aws.ToString(simple.Headers[1].Value))
}

func TestSendRefuses(t *testing.T) {
	tests := []struct {
		name    string
		sender  sesmail.Sender
		edit    func(*mail.Message)
		wantErr error
	}{
		{name: "recipient with CR/LF", edit: func(m *mail.Message) { m.To = []string{"dana@example.com\r\nBcc: eve@example.com"} }, wantErr: sesmail.ErrRecipient},
		{name: "recipient with LF only", edit: func(m *mail.Message) { m.To = []string{"dana@example.com\n"} }, wantErr: sesmail.ErrRecipient},
		{name: "not an address", edit: func(m *mail.Message) { m.To = []string{"dana at example"} }, wantErr: sesmail.ErrRecipient},
		{name: "two addresses in one", edit: func(m *mail.Message) { m.To = []string{"dana@example.com, eve@example.com"} }, wantErr: sesmail.ErrRecipient},
		{name: "no recipient", edit: func(m *mail.Message) { m.To = nil }, wantErr: sesmail.ErrRecipient},
		{name: "bad reply-to", edit: func(m *mail.Message) { m.ReplyTo = []string{"dana@\r\nexample.com"} }, wantErr: sesmail.ErrRecipient},
		{name: "header value with a line break", edit: func(m *mail.Message) { m.Headers["X-Note"] = "a\r\nBcc: dana@example.com" }, wantErr: sesmail.ErrHeader},
		{name: "header value not ASCII", edit: func(m *mail.Message) { m.Headers["X-Note"] = "Zoë" }, wantErr: sesmail.ErrHeader},
		{name: "header name with a colon", edit: func(m *mail.Message) { m.Headers["Bcc: dana@example.com\r\nX"] = "1" }, wantErr: sesmail.ErrHeader},
		{name: "no sender address", sender: sesmail.Sender{From: " "}, wantErr: sesmail.ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSES{out: &sesv2.SendEmailOutput{MessageId: aws.String("x")}}
			s := tt.sender
			s.API = f
			if s.From == "" {
				s.From = "privacy@productionflow.example"
			}
			m := message()
			if tt.edit != nil {
				tt.edit(&m)
			}
			_, err := s.Send(context.Background(), m)
			require.ErrorIs(t, err, tt.wantErr)
			if tt.wantErr == sesmail.ErrRecipient {
				assert.ErrorIs(t, err, mail.ErrRecipient, "callers holding a mail.Sender classify it")
			}
			assert.Empty(t, f.calls, "nothing is sent")
			assert.NotContains(t, err.Error(), "dana", "errors may be logged: no address in them")
			assert.NotContains(t, err.Error(), "eve")
		})
	}
}

func TestSendDisplayNameDropped(t *testing.T) {
	f := &fakeSES{out: &sesv2.SendEmailOutput{MessageId: aws.String("x")}}
	s := &sesmail.Sender{API: f, From: "privacy@productionflow.example"}
	m := message()
	m.To = []string{`"Eve, the CEO" <dana@example.com>`}
	_, err := s.Send(context.Background(), m)
	require.NoError(t, err)
	assert.Equal(t, []string{"dana@example.com"}, f.calls[0].Destination.ToAddresses)
}

func TestSendErrorHidesProviderMessage(t *testing.T) {
	sdkErr := &smithy.GenericAPIError{
		Code:    "MessageRejected",
		Message: "Email address is not verified. The following identities failed the check in region US-EAST-1: dana@example.com",
	}
	f := &fakeSES{err: &smithy.OperationError{ServiceID: "SESv2", OperationName: "SendEmail", Err: sdkErr}}
	s := &sesmail.Sender{API: f, From: "privacy@productionflow.example"}

	_, err := s.Send(context.Background(), message())
	require.Error(t, err)
	assert.Equal(t, "sesmail: send email: MessageRejected", err.Error())
	var se *sesmail.SendError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "MessageRejected", se.Code)
	var apiErr smithy.APIError
	require.ErrorAs(t, err, &apiErr, "the SDK error stays reachable for classification")

	f.err = context.DeadlineExceeded
	_, err = s.Send(context.Background(), message())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, "sesmail: send email: no answer from SES", err.Error())
}

// TestSendToLocalSES sends a real acknowledgement through the SDK client to
// aws-ses-v2-local and reads it back from the stand-in's store.
func TestSendToLocalSES(t *testing.T) {
	srv := standin.SES(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	client := sesv2.NewFromConfig(standin.Config(), func(o *sesv2.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	s := &sesmail.Sender{API: client, From: "privacy@productionflow.example"}

	cal, err := clock.New("")
	require.NoError(t, err)
	received := time.Date(2026, 12, 24, 14, 5, 0, 0, time.UTC)
	kinds := []request.Kind{request.Deletion}
	m, err := mail.RenderAcknowledgement("dana@example.com", mail.Acknowledgement{
		RequestID:   "REQ-LOCAL-1",
		Name:        "Dana <b>Smith</b> & Co",
		Kinds:       kinds,
		ReceivedAt:  received,
		Due:         cal.Deadlines(received, kinds, request.Normal),
		TeamAddress: "privacy@productionflow.example",
		Location:    cal.Location(),
	})
	require.NoError(t, err)

	id, err := s.Send(ctx, m)
	require.NoError(t, err)
	assert.NotEmpty(t, id)

	emails, err := outbox.Read(ctx, srv.URL)
	require.NoError(t, err)
	require.Len(t, emails, 1)
	got := emails[0]
	assert.Equal(t, id, got.MessageID)
	assert.Equal(t, "privacy@productionflow.example", got.From)
	assert.Equal(t, []string{"dana@example.com"}, got.To)
	assert.Equal(t, []string{"privacy@productionflow.example"}, got.ReplyTo)
	assert.Empty(t, got.Cc)
	assert.Empty(t, got.Bcc)
	assert.Equal(t, "We received your privacy request REQ-LOCAL-1", got.Subject)
	assert.Contains(t, got.Text, "REQ-LOCAL-1")
	assert.Contains(t, got.HTML, "REQ-LOCAL-1")
	assert.Contains(t, got.Text, "Sunday, February 7, 2027")
	assert.NotContains(t, got.HTML, "Smith", "the acknowledgement carries no requester text")
	assert.Equal(t, "auto-generated", got.Header("Auto-Submitted"))
	assert.Equal(t, "All", got.Header("x-auto-response-suppress"))
	assert.WithinDuration(t, time.Now(), got.At, time.Minute)
}
