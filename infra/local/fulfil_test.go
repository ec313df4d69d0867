package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
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

var (
	verifyLink = regexp.MustCompile(`https?://\S+/verify\?t=[A-Za-z0-9_-]+`)
	taskLink   = regexp.MustCompile(`https?://\S+/tasks/confirm\?t=[A-Za-z0-9_-]+`)
)

// TestLocalStackFulfilment follows a deletion request through the whole
// local desk: the form, the emailed verification link, the erasure in the
// downstream stand-ins through the production registry, proven by asking
// again, and the answer. Grace is in customer accounts and support only.
func TestLocalStackFulfilment(t *testing.T) {
	addrs := startStack(t)
	ctx := context.Background()
	outbox := strings.TrimSuffix(addrs.Outbox, "/")
	const email = "grace@example.com"
	form := strings.TrimSuffix(addrs.Form, "/")
	require.True(t, addrs.Downstream.Holds("customer-accounts", email))
	require.True(t, addrs.Downstream.Holds("support-desk", email))

	formID := formSubmissionID(t, form)
	res, err := http.PostForm(form+"/requests", url.Values{
		"submissionId": {formID}, "kinds": {"deletion"}, "name": {"Grace Example"}, "email": {email},
	})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	id := request.WebID(formID, email)

	// The requester confirms the emailed link (the page's button posts t).
	link := waitForLink(t, outbox, email, verifyLink)
	u, err := url.Parse(link)
	require.NoError(t, err)
	res, err = http.PostForm(form+"/verify", url.Values{"t": {u.Query().Get("t")}})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)

	answer, confirmed := answerFor(t, addrs, id)
	assert.Empty(t, confirmed, "every system erases through its API: no owner is asked to do it by hand")
	assert.Contains(t, answer.To, email)
	assert.Contains(t, answer.Text, "Payment", "the answer names each system, with what was withheld under a legal hold")

	// The data is really gone, and the desk proved it by asking again.
	assert.False(t, addrs.Downstream.Holds("customer-accounts", email), "the account is deleted")
	assert.False(t, addrs.Downstream.Holds("support-desk", email), "the support profile is deleted")
	assert.True(t, addrs.Downstream.Holds("customer-accounts", "ada@example.com"), "nobody else is touched")
	store := &dynamo.Store{Table: deskEnv["TABLE_NAME"], API: dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(addrs.DynamoDB)
	})}
	var got *request.Request
	require.Eventually(t, func() bool {
		got, err = store.Get(ctx, id)
		return err == nil && got.Status == request.Completed
	}, 10*time.Second, 50*time.Millisecond, "the request is completed")
	events, err := store.Events(ctx, id)
	require.NoError(t, err)
	actions := map[string]bool{}
	proven := map[string]string{}
	for _, ev := range events {
		actions[ev.Action] = true
		if ev.Action == "erasure-proof" {
			proven[ev.Data["system"]] = ev.Data["found"]
		}
	}
	for _, want := range []string{"created", "acknowledged", "verified", "erasure-proof", "answered"} {
		assert.True(t, actions[want], "audit trail has %q: %v", want, actions)
	}
	assert.Equal(t, "false", proven["customer-accounts"], "asked again, the accounts API no longer finds Grace")
	assert.Equal(t, "false", proven["support-desk"], "asked again, Zendesk no longer finds Grace")
}

// answerFor confirms every owner task of request id as its owner would and
// waits for the requester's answer. It returns the answer and the task
// links confirmed.
func answerFor(t *testing.T, addrs addresses, id string) (*outbox.Email, map[string]bool) {
	t.Helper()
	ctx := context.Background()
	outboxURL := strings.TrimSuffix(addrs.Outbox, "/")
	form := strings.TrimSuffix(addrs.Form, "/")
	confirmed := map[string]bool{}
	var answer *outbox.Email
	eventually(func() bool {
		mails, err := outbox.Read(ctx, outboxURL)
		require.NoError(t, err)
		for i, m := range mails {
			if strings.Contains(m.Subject, id) && strings.Contains(m.Subject, "is done") {
				answer = &mails[i]
			}
			l := taskLink.FindString(m.Text)
			if l == "" || !strings.Contains(m.Subject, id) || confirmed[l] {
				continue
			}
			tu, err := url.Parse(l)
			require.NoError(t, err)
			res, err := http.PostForm(form+"/tasks/confirm", url.Values{"t": {tu.Query().Get("t")}, "outcome": {"done"}, "note": {"done in test"}})
			require.NoError(t, err)
			res.Body.Close()
			require.Equal(t, http.StatusOK, res.StatusCode, "confirming %s", m.Subject)
			confirmed[l] = true
		}
		return answer != nil
	})
	if answer == nil {
		mails, _ := outbox.Read(ctx, outboxURL)
		for _, m := range mails {
			t.Logf("mail to %v: %s", m.To, m.Subject)
		}
		res, err := http.Get(addrs.StepFunctions + "/_local/executions")
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			t.Logf("executions: %s", b)
		}
	}
	require.NotNil(t, answer, "the answer reaches the requester (%d owner tasks confirmed)", len(confirmed))
	return answer, confirmed
}

func waitForLink(t *testing.T, outbox, to string, re *regexp.Regexp) string {
	t.Helper()
	var link string
	if !eventually(func() bool {
		for _, m := range outboxFor(t, outbox, to) {
			if link = re.FindString(m.Text); link != "" {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no link matching %s in mail to %s", re, to)
	}
	return link
}
