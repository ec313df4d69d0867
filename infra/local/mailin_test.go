package main

import (
	"context"
	"log/slog"
	"net/smtp"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
)

// TestLocalStackMail sends mail to the privacy address over SMTP, as a mail
// client would, and follows it into DynamoDB and the local outbox; an
// auto-reply and a bounce get no answer.
func TestLocalStackMail(t *testing.T) {
	if _, err := os.Stat("node_modules/.bin/dynalite"); err != nil && !standin.Required() {
		t.Skip("skipping: the stand-ins are not installed (make test installs them)")
	}
	standin.KeepEnv(t) // run sets the desk's environment
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan addresses, 1)
	data := t.TempDir()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, options{Addr: "127.0.0.1:0", DataDir: data, InMemory: true, ready: ready, calls: recorded}, out, slog.New(slog.DiscardHandler))
	}()
	var addrs addresses
	select {
	case addrs = <-ready:
	case err := <-done:
		t.Fatalf("stack stopped early: %v\n%s", err, out.String())
	case <-time.After(hangGuard):
		t.Fatal("stack did not start")
	}
	_, port, _ := strings.Cut(addrs.SMTP, ":")
	assert.Contains(t, out.String(), "  SMTP:       localhost:"+port)
	envFile, err := os.ReadFile(filepath.Join(data, "env"))
	require.NoError(t, err)
	assert.Contains(t, string(envFile), "AWS_ENDPOINT_URL_S3="+addrs.S3)
	assert.Contains(t, string(envFile), "INBOUND_BUCKET="+deskEnv["INBOUND_BUCKET"])

	send := func(from, msg string) {
		t.Helper()
		require.NoError(t, smtp.SendMail(addrs.SMTP, nil, from, []string{"privacy@productionflow.local"},
			[]byte(strings.ReplaceAll(msg, "\n", "\r\n"))))
	}
	send("maria@example.com", `From: =?UTF-8?Q?Mar=C3=ADa_L=C3=B3pez?= <maria@example.com>
To: privacy@productionflow.local
Subject: Solicitud CCPA
Message-ID: <local-e2e-1@example.com>
Content-Type: text/plain; charset=UTF-8

Hola, por favor borren todos mis datos personales.
`)

	client := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(addrs.DynamoDB) })
	store := &dynamo.Store{API: client, Table: deskEnv["TABLE_NAME"]}
	ids, err := store.EarlierRequests(ctx, "maria@example.com")
	require.NoError(t, err)
	require.Len(t, ids, 1, "the mail is a request in DynamoDB")
	got, err := store.Get(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, request.Email, got.Channel)
	assert.Equal(t, []request.Kind{request.Deletion}, got.Kinds)
	assert.Equal(t, request.Expedited, got.Priority)
	assert.Equal(t, "María López", got.Requester.Name)
	assert.Contains(t, []request.Status{request.Acknowledged, request.Verifying}, got.Status,
		"acknowledged, and the request workflow may already have sent the verification link")

	mails := outboxFor(t, strings.TrimSuffix(addrs.Outbox, "/"), "maria@example.com")
	mails = slices.DeleteFunc(mails, func(m outbox.Email) bool { return !strings.HasPrefix(m.Subject, "Recibimos su solicitud") })
	require.Len(t, mails, 1, "the acknowledgement, in Spanish, is in the local outbox")
	assert.Equal(t, []string{"maria@example.com"}, mails[0].To)
	assert.Contains(t, mails[0].Text, ids[0])

	// The requester's vacation reply, and a bounce from an empty sender: stored, never answered.
	send("maria@example.com", `From: <maria@example.com>
To: privacy@productionflow.local
Subject: Automatic reply: `+mails[0].Subject+`
Auto-Submitted: auto-replied

I am out of the office.
`)
	send("", `From: Mail Delivery Subsystem <mailer-daemon@example.com>
To: privacy@productionflow.local
Subject: Undeliverable: your message

Delivery failed.
`)
	for _, m := range outboxFor(t, strings.TrimSuffix(addrs.Outbox, "/"), "maria@example.com") {
		assert.NotContains(t, m.Subject, "Automatic reply", "no answer to an auto-reply")
	}
	assert.Empty(t, outboxFor(t, strings.TrimSuffix(addrs.Outbox, "/"), "mailer-daemon@example.com"), "no answer to a bounce")
	ids, err = store.EarlierRequests(ctx, "maria@example.com")
	require.NoError(t, err)
	assert.Len(t, ids, 1)

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(hangGuard):
		t.Fatal("stack did not stop")
	}
	assert.Error(t, smtp.SendMail(addrs.SMTP, nil, "a@example.com", []string{"privacy@productionflow.local"}, []byte("x")),
		"the SMTP listener stops with the stack")
}
