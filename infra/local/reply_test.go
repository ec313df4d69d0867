package main

import (
	"context"
	"log/slog"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/standin"
)

// TestLocalStackReply writes to the privacy address over SMTP, then answers
// the acknowledgement as a mail client would (In-Reply-To naming the
// Message-ID SES gives the acknowledgement). The reply joins the same
// request: no new request, and nothing is sent to the requester because of
// it.
func TestLocalStackReply(t *testing.T) {
	if _, err := os.Stat("node_modules/.bin/dynalite"); err != nil && !standin.Required() {
		t.Skip("skipping: the stand-ins are not installed (make test installs them)")
	}
	for _, k := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SESV2",
		"AWS_ENDPOINT_URL_S3", "FORM_URL", "TABLE_NAME", "SENDER_ADDRESS", "TEAM_ADDRESS", "BUSINESS_TIME_ZONE",
		"INBOUND_BUCKET", "INBOUND_PREFIX", "OUR_ADDRESSES"} {
		t.Setenv(k, os.Getenv(k)) // restored after the test
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan addresses, 1)
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), InMemory: true, ready: ready}, out, slog.New(slog.DiscardHandler))
	}()
	var addrs addresses
	select {
	case addrs = <-ready:
	case err := <-done:
		t.Fatalf("stack stopped early: %v\n%s", err, out.String())
	case <-time.After(hangGuard):
		t.Fatal("stack did not start")
	}
	send := func(from, msg string) {
		t.Helper()
		require.NoError(t, smtp.SendMail(addrs.SMTP, nil, from, []string{privacyAddress},
			[]byte(strings.ReplaceAll(msg, "\n", "\r\n"))))
	}
	outbox := strings.TrimSuffix(addrs.Outbox, "/")
	const who = "ren.ito@example.com"

	send(who, `From: Ren Ito <ren.ito@example.com>
To: privacy@productionflow.local
Subject: My data
Message-ID: <local-reply-1@example.com>
Content-Type: text/plain; charset=UTF-8

Please delete my personal data.
`)
	client := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(addrs.DynamoDB) })
	store := &dynamo.Store{API: client, Table: "privacy-desk"}
	ids, err := store.EarlierRequests(ctx, who)
	require.NoError(t, err)
	require.Len(t, ids, 1)
	id := ids[0]
	var ack string
	var ackSubject string
	for _, m := range outboxFor(t, outbox, who) {
		if strings.HasPrefix(m.Subject, "We received your privacy request") {
			ack, ackSubject = m.MessageID, m.Subject
		}
	}
	require.NotEmpty(t, ack, "the acknowledgement is in the local outbox")

	send(who, `From: Ren Ito <ren.ito@example.com>
To: privacy@productionflow.local
Subject: Re: `+ackSubject+`
Message-ID: <local-reply-2@example.com>
In-Reply-To: <`+ack+`@email.amazonses.com>
References: <local-reply-1@example.com> <`+ack+`@email.amazonses.com>
Content-Type: text/plain; charset=UTF-8

Thanks. Does this include my old newsletter account too?

> We received your privacy request `+id+`
`)

	ids, err = store.EarlierRequests(ctx, who)
	require.NoError(t, err)
	assert.Equal(t, []string{id}, ids, "the reply opens no request")
	evs, err := store.Events(ctx, id)
	require.NoError(t, err)
	var replies int
	for _, e := range evs {
		if e.Action == "reply-received" {
			replies++
			assert.Equal(t, "in-reply-to", e.Data["matchedBy"])
		}
	}
	assert.Equal(t, 1, replies, "the reply is on the request's trail")

	// The request workflow may send the verification link at any time; the
	// reply itself is never answered.
	var acks int
	for _, m := range outboxFor(t, outbox, who) {
		switch {
		case strings.HasPrefix(m.Subject, "We received your privacy request"):
			acks++
		case strings.HasPrefix(m.Subject, "Please confirm your privacy request"):
		default:
			t.Errorf("unexpected mail to the requester: %q", m.Subject)
		}
	}
	assert.Equal(t, 1, acks, "one acknowledgement, none for the reply")
	var told bool
	for _, m := range outboxFor(t, outbox, deskEnv["TEAM_ADDRESS"]) {
		if strings.HasPrefix(m.Subject, "Reply received for privacy request "+id) {
			told = true
			assert.Contains(t, m.Text, "old newsletter account", "the team, and only the team, sees the start of the reply")
		}
	}
	assert.True(t, told, "the team is told")
}
