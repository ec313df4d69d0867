package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/standin"
)

// TestConsoleRerunsAFailedFulfilment: a correction the accounts system
// refuses leaves its fulfilment needing the team; the demo member runs the
// fulfilment again from the console, and a new execution of the fulfil
// workflow, <ID>-rerun-1 (the first run's name is taken), runs to its end
// on the local Step Functions, linked on the trail under team:alice.
func TestConsoleRerunsAFailedFulfilment(t *testing.T) {
	addrs := startStack(t)
	ctx := context.Background()
	outboxURL := strings.TrimSuffix(addrs.Outbox, "/")
	form := strings.TrimSuffix(addrs.Form, "/")
	const email = "grace@example.com"
	formID := formSubmissionID(t, form)
	res, err := http.PostForm(form+"/requests", url.Values{
		"submissionId": {formID}, "kinds": {"correction"}, "name": {"Grace Example"}, "email": {email},
		"correction-1-item": {"favourite colour"}, "correction-1-wrong": {"blue"}, "correction-1-right": {"green"},
	})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	id := request.WebID(formID, email)
	link, err := url.Parse(waitForLink(t, outboxURL, email, verifyLink))
	require.NoError(t, err)
	res, err = http.PostForm(form+"/verify", url.Values{"t": {link.Query().Get("t")}})
	require.NoError(t, err)
	res.Body.Close()

	store := &dynamo.Store{Table: deskEnv["TABLE_NAME"], API: dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(addrs.DynamoDB)
	})}
	var r *request.Request
	require.True(t, eventually(func() bool {
		r, err = store.Get(ctx, id)
		return err == nil && r.Attention != ""
	}), "the refused correction needs the team's attention (%v)", r)

	b := newTeamBrowser(t)
	list := b.signIn(addrs.Console, addrs.Team.Member.Username, addrs.Team.Member.Password)
	require.Equal(t, http.StatusOK, list.Status, list.Body)
	page := b.do("GET", addrs.Console+"requests/"+id, nil)
	require.Equal(t, http.StatusOK, page.Status, page.Body)
	assert.Contains(t, page.Body, `href="../requests/`+id+`/rerun-fulfilment"`)
	confirm := b.do("GET", addrs.Console+"requests/"+id+"/rerun-fulfilment", nil)
	require.Equal(t, http.StatusOK, confirm.Status, confirm.Body)
	assert.Contains(t, confirm.Body, id+"-rerun-1")
	done := b.do("POST", addrs.Console+"requests/"+id+"/rerun-fulfilment", url.Values{"csrf": {csrfIn(t, confirm.Body)}, "run": {"1"}, "note": {"accounts API fixed"}})
	require.Equal(t, http.StatusOK, done.Status, done.Body)
	assert.Contains(t, done.Body, "execution "+id+"-rerun-1")

	events, err := store.Events(ctx, id)
	require.NoError(t, err)
	var rerun request.Event
	for _, ev := range events {
		if ev.Action == request.ActionFulfilmentRerun {
			rerun = ev
		}
	}
	require.Equal(t, "team:alice", rerun.Actor)
	assert.Equal(t, id+"-rerun-1", rerun.Data["execution"])
	assert.Equal(t, id, rerun.Data["first"])

	sfnClient := sfn.NewFromConfig(standin.Config(), func(o *sfn.Options) { o.BaseEndpoint = aws.String(addrs.StepFunctions) })
	var status types.ExecutionStatus
	require.True(t, eventually(func() bool {
		out, err := sfnClient.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(rerun.Data["executionArn"])})
		if err != nil {
			return false
		}
		status = out.Status
		return status != types.ExecutionStatusRunning
	}), "the re-run's execution ends")
	assert.Equal(t, types.ExecutionStatusSucceeded, status, "it ran the plan, the steps and the answer again")
	again := b.do("GET", addrs.Console+"requests/"+id+"/rerun-fulfilment", nil)
	require.Equal(t, http.StatusOK, again.Status, "the accounts system still refuses: the team may run it again")
	assert.Contains(t, again.Body, id+"-rerun-2", "under a name of its own")
}
