package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
)

// sesEvent is events/ses-bounce.json made about the mail messageID to
// recipient, with subject: a bounce of bounceType, or a complaint.
func sesEvent(t *testing.T, eventType, messageID, recipient, subject, bounceType string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "events", "ses-bounce.json"))
	require.NoError(t, err)
	var ev map[string]any
	require.NoError(t, json.Unmarshal(raw, &ev))
	m := ev["mail"].(map[string]any)
	m["messageId"], m["destination"] = messageID, []string{recipient}
	m["commonHeaders"].(map[string]any)["subject"] = subject
	m["commonHeaders"].(map[string]any)["to"] = []string{recipient}
	delete(m, "headers")
	b := ev["bounce"].(map[string]any)
	b["feedbackId"] = "feedback-" + messageID
	b["bounceType"] = bounceType
	b["bouncedRecipients"].([]any)[0].(map[string]any)["emailAddress"] = recipient
	if eventType == "Complaint" {
		delete(ev, "bounce")
		ev["complaint"] = map[string]any{"feedbackId": "complaint-" + messageID, "complaintFeedbackType": "abuse",
			"complainedRecipients": []map[string]string{{"emailAddress": recipient}}, "timestamp": "2026-03-02T15:00:00Z"}
	}
	ev["eventType"] = eventType
	out, err := json.Marshal(ev)
	require.NoError(t, err)
	return out
}

// postSESEvent hands an SES event to the local stack's mail-events
// function and returns the status it answered.
func postSESEvent(t *testing.T, addrs addresses, body []byte) int {
	t.Helper()
	res, err := http.Post(addrs.Form+"_local/ses-event", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	res.Body.Close()
	return res.StatusCode
}

// TestBounceOfTheAcknowledgement on the whole local stack: a request sent
// on the form is acknowledged; SES's permanent bounce of that
// acknowledgement (its message ID taken from the outbox), delivered
// twice, is on the request's trail once, without the address; the request
// needs the team's attention, and the console's work list and the
// request's page say that mail to the requester bounced. A complaint is
// on the trail too; an event about mail the desk does not know is
// acknowledged and recorded nowhere; a body that is not an SES event is
// refused.
func TestBounceOfTheAcknowledgement(t *testing.T) {
	addrs := startStack(t)
	ctx := context.Background()
	outboxURL := strings.TrimSuffix(addrs.Outbox, "/")
	form := strings.TrimSuffix(addrs.Form, "/")
	const email = "nora.nowhere@example.com"
	submission := formSubmissionID(t, form)
	res, err := http.PostForm(form+"/requests", url.Values{
		"submissionId": {submission}, "kinds": {"deletion"}, "name": {"Nora Nowhere"}, "email": {email},
	})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	id := request.WebID(submission, email)

	var ack outbox.Email
	require.True(t, eventually(func() bool {
		for _, m := range outboxFor(t, outboxURL, email) {
			if strings.Contains(m.Subject, "We received your privacy request "+id) {
				ack = m
				return true
			}
		}
		return false
	}), "the acknowledgement reaches the outbox")
	require.NotEmpty(t, ack.MessageID)

	store := &dynamo.Store{Table: deskEnv["TABLE_NAME"], API: dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(addrs.DynamoDB)
	})}
	sentFor, err := store.SentRequest(ctx, ack.MessageID)
	require.NoError(t, err, "the desk recorded the acknowledgement's SES message ID")
	require.Equal(t, id, sentFor)

	bounce := sesEvent(t, "Bounce", ack.MessageID, email, ack.Subject, "Permanent")
	for range 2 {
		require.Equal(t, http.StatusNoContent, postSESEvent(t, addrs, bounce), "recorded; a redelivery too")
	}
	complaint := sesEvent(t, "Complaint", ack.MessageID, email, ack.Subject, "")
	require.Equal(t, http.StatusNoContent, postSESEvent(t, addrs, complaint))

	trail, err := store.Events(ctx, id)
	require.NoError(t, err)
	byAction := map[string][]request.Event{}
	for _, ev := range trail {
		byAction[ev.Action] = append(byAction[ev.Action], ev)
	}
	require.Len(t, byAction[request.ActionRequesterUnreachable], 1, "recorded once")
	unreachable := byAction[request.ActionRequesterUnreachable][0]
	assert.Equal(t, "system:mail-events", unreachable.Actor)
	assert.Equal(t, request.ActionAcknowledged, unreachable.Data["mail"])
	assert.Equal(t, "requester", unreachable.Data["to"])
	assert.Equal(t, "Permanent", unreachable.Data["bounceType"])
	require.Len(t, byAction[request.ActionMailComplaint], 1)
	raw, err := json.Marshal(trail)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), email, "no address on the trail")
	assert.NotContains(t, string(raw), "diagnostic", "nor SES's diagnostic")
	r, err := store.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, request.ActionRequesterUnreachable, r.Attention)

	// Mail about no request the desk knows: acknowledged, recorded nowhere.
	stray := sesEvent(t, "Bounce", "0100018c-unknown-message-000000", "someone@example.com", "Privacy desk, Monday: 0 overdue", "Permanent")
	assert.Equal(t, http.StatusNoContent, postSESEvent(t, addrs, stray))
	assert.Equal(t, http.StatusBadRequest, postSESEvent(t, addrs, []byte(`{"hello":"world"}`)))
	after, err := store.Events(ctx, id)
	require.NoError(t, err)
	assert.Len(t, after, len(trail))

	// The team sees it.
	b := newTeamBrowser(t)
	list := b.signIn(addrs.Console, addrs.Team.Member.Username, addrs.Team.Member.Password)
	require.Equal(t, http.StatusOK, list.Status, list.Body)
	assert.Regexp(t, id+`</a> <strong class="overdue">needs attention: mail to the requester bounced</strong>`, list.Body)
	assert.NotContains(t, list.Body, email)
	page := b.do("GET", addrs.Console+"requests/"+id, nil)
	require.Equal(t, http.StatusOK, page.Status, page.Body)
	assert.Contains(t, page.Body, "The acknowledgement to the requester bounced permanently (General): the desk cannot reach the requester by mail.")
	assert.Contains(t, page.Body, "The recipient of the acknowledgement to the requester marked it as spam (abuse).")
	assert.Contains(t, page.Body, `<td>`+ack.MessageID+`</td><td><strong class="overdue">bounced permanently; marked as spam</strong></td>`)
}
