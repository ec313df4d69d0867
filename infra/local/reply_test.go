package main

import (
	"context"
	"net/smtp"
	"strings"
	"testing"

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
	addrs := startStack(t)
	ctx := context.Background()
	send := func(from, msg string) {
		t.Helper()
		require.NoError(t, smtp.SendMail(addrs.SMTP, nil, from, []string{standin.PrivacyAddress},
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

	// A reply to the verification mail, which another function (the
	// request workflow's verify-start) sent, joins the same request.
	verifyMail := waitForMail(t, outbox, who, "/verify?t=")
	send(who, `From: Ren Ito <ren.ito@example.com>
To: privacy@productionflow.local
Subject: Re: `+verifyMail.Subject+`
Message-ID: <local-reply-3@example.com>
In-Reply-To: <`+verifyMail.MessageID+`@email.amazonses.com>
Content-Type: text/plain; charset=UTF-8

Is this link really from you?
`)

	ids, err = store.EarlierRequests(ctx, who)
	require.NoError(t, err)
	assert.Equal(t, []string{id}, ids, "the replies open no request")
	evs, err := store.Events(ctx, id)
	require.NoError(t, err)
	var replies int
	for _, e := range evs {
		if e.Action == "reply-received" {
			replies++
			assert.Equal(t, "in-reply-to", e.Data["matchedBy"], "found by the desk's Message-ID, whichever function sent it")
		}
	}
	assert.Equal(t, 2, replies, "both replies are on the request's trail")

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
	assert.Equal(t, 1, acks, "one acknowledgement, none for the replies")
	var told []string
	for _, m := range outboxFor(t, outbox, deskEnv["TEAM_ADDRESS"]) {
		if strings.HasPrefix(m.Subject, "Reply received for privacy request "+id) {
			told = append(told, m.Text)
		}
	}
	require.Len(t, told, 2, "the team is told of each reply")
	assert.Contains(t, strings.Join(told, "\n"), "old newsletter account", "the team, and only the team, sees the start of the reply")
	assert.Contains(t, strings.Join(told, "\n"), "Is this link really from you?")
}
