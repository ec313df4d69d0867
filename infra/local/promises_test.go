package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
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
	"github.com/productionflow/privacy-desk/shared/standin/downstream"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
)

// waitForMail waits for a mail to `to` whose text holds want.
func waitForMail(t *testing.T, outboxURL, to, want string) outbox.Email {
	t.Helper()
	var found outbox.Email
	if !eventually(func() bool {
		for _, m := range outboxFor(t, outboxURL, to) {
			if strings.Contains(m.Text, want) {
				found = m
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no mail to %s saying %q", to, want)
	}
	return found
}

// TestPromiseGPCOptOutStandsWithoutVerification: an access request sent
// with Sec-GPC: 1 and never verified still has its opt-out of sale carried
// out in every selling system that can be told to stop, the requester
// told, and it stands after the rest closes unverified. Nothing is
// deleted: analytics (no per-user opt-out, only a deletion) is left alone.
func TestPromiseGPCOptOutStandsWithoutVerification(t *testing.T) {
	addrs := startStack(t)
	outbox := strings.TrimSuffix(addrs.Outbox, "/")
	form := strings.TrimSuffix(addrs.Form, "/")
	const email = "ada@example.com"
	formID := formSubmissionID(t, form)
	req, err := http.NewRequest(http.MethodPost, form+"/requests", strings.NewReader(url.Values{
		"submissionId": {formID}, "kinds": {"access-categories"}, "name": {"Ada Example"}, "email": {email},
	}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-GPC", "1")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	id := request.WebID(formID, email)

	waitForMail(t, outbox, email, "no longer sells or shares your data")
	assert.True(t, addrs.Downstream.OptedOut(downstream.CreditFactoring, email), "the factoring partner opted out")
	assert.Empty(t, addrs.Downstream.AnalyticsDeletions(email), "an unverified opt-out deletes nothing at Google")
	assert.True(t, addrs.Downstream.Holds(downstream.Analytics, email), "analytics keeps what it holds")
	assert.True(t, addrs.Downstream.Holds(downstream.CustomerAccounts, email), "nothing else was done: the access part is not verified")

	// Nobody presses the verification link: a week later the rest closes.
	res, err = http.Post(addrs.StepFunctions+"/_local/clock/advance?by=200h", "", nil)
	require.NoError(t, err)
	res.Body.Close()
	store := &dynamo.Store{Table: deskEnv["TABLE_NAME"], API: dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(addrs.DynamoDB) })}
	eventually(func() bool {
		r, err := store.Get(context.Background(), id)
		return err == nil && r.Status == request.Unverified
	})
	r, err := store.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, request.Unverified, r.Status)
	assert.True(t, addrs.Downstream.OptedOut(downstream.CreditFactoring, email), "the opt-out stands")
	assert.Empty(t, addrs.Downstream.AnalyticsDeletions(email), "and still nothing was deleted")
	events, err := store.Events(context.Background(), id)
	require.NoError(t, err)
	var done bool
	for _, ev := range events {
		done = done || ev.Action == "opt-out:done"
	}
	assert.True(t, done, "the opt-out clock is met on the trail")
}

// TestPromiseChildsDataErasesTheChildNotTheReporter: a parent reports
// their child's data; after the parent verifies, the child's records are
// gone from the systems and the parent's are untouched.
func TestPromiseChildsDataErasesTheChildNotTheReporter(t *testing.T) {
	addrs := startStack(t)
	outbox := strings.TrimSuffix(addrs.Outbox, "/")
	form := strings.TrimSuffix(addrs.Form, "/")
	const parent, child = "sam.parent@example.com", "leo.child@example.com"
	require.True(t, addrs.Downstream.Holds(downstream.CustomerAccounts, child))
	formID := formSubmissionID(t, form)
	res, err := http.PostForm(form+"/requests", url.Values{
		"submissionId": {formID}, "kinds": {"child-data"}, "name": {"Sam Parent"}, "email": {parent},
		"childName": {"Leo"}, "childEmail": {child},
	})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	id := request.WebID(formID, parent)
	link := waitForLink(t, outbox, parent, verifyLink)
	u, _ := url.Parse(link)
	res, err = http.PostForm(form+"/verify", url.Values{"t": {u.Query().Get("t")}})
	require.NoError(t, err)
	res.Body.Close()
	answer, _ := answerFor(t, addrs, id)
	assert.Equal(t, []string{parent}, answer.To, "the reporter is told")
	assert.False(t, addrs.Downstream.Holds(downstream.CustomerAccounts, child), "the child's account is erased")
	assert.False(t, addrs.Downstream.Holds(downstream.Newsletter, child), "the child is off the newsletter")
	assert.True(t, addrs.Downstream.Holds(downstream.CustomerAccounts, parent), "the parent's account is untouched")
	for _, m := range outboxFor(t, outbox, child) {
		t.Errorf("nothing is mailed to the child: %s", m.Subject)
	}
}

// TestPromiseCorrectionChangesTheRecord: Ada asks on the form to correct
// her postal address; once she confirms her address, the accounts system's
// record holds the new one and the answer says what was corrected there.
func TestPromiseCorrectionChangesTheRecord(t *testing.T) {
	addrs := startStack(t)
	outbox := strings.TrimSuffix(addrs.Outbox, "/")
	form := strings.TrimSuffix(addrs.Form, "/")
	const ada = "ada@example.com"
	before, ok := addrs.Downstream.Account(ada)
	require.True(t, ok)
	formID := formSubmissionID(t, form)
	res, err := http.PostForm(form+"/requests", url.Values{
		"submissionId": {formID}, "kinds": {"correction"}, "name": {"Ada Lovelace"}, "email": {ada},
		"correction-1-item": {"Postal address"}, "correction-1-wrong": {before.Address}, "correction-1-right": {"12 Analytical Row, London"},
	})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	id := request.WebID(formID, ada)
	link := waitForLink(t, outbox, ada, verifyLink)
	u, _ := url.Parse(link)
	res, err = http.PostForm(form+"/verify", url.Values{"t": {u.Query().Get("t")}})
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	client := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(addrs.DynamoDB) })
	stored, err := (&dynamo.Store{API: client, Table: deskEnv["TABLE_NAME"]}).Get(context.Background(), id)
	require.NoError(t, err)
	zone, _ := time.LoadLocation(deskEnv["BUSINESS_TIME_ZONE"])
	assert.Contains(t, string(page), "will answer by <strong>"+stored.Due.Response.In(zone).Format("Monday, January 2, 2006"),
		"the confirm page shows the response date, not the extended one")

	answer, _ := answerFor(t, addrs, id)
	after, _ := addrs.Downstream.Account(ada)
	assert.Equal(t, "12 Analytical Row, London", after.Address, "the record is corrected")
	assert.Equal(t, before.Phone, after.Phone, "nothing else changed")
	assert.Contains(t, answer.Text, "Customer accounts: corrected as you asked")
	assert.Contains(t, answer.Text, `Postal address: "`+before.Address+`", now "12 Analytical Row, London"`)
}

// TestPromiseACopyBeforeTheDeletion: a request for a copy of the data and
// its deletion reads every system before erasing it, so the answer gives
// the copy of what each held (never "held no data" for a system that held
// the person), and the systems no longer hold the person.
func TestPromiseACopyBeforeTheDeletion(t *testing.T) {
	addrs := startStack(t)
	outbox := strings.TrimSuffix(addrs.Outbox, "/")
	form := strings.TrimSuffix(addrs.Form, "/")
	const ada = "ada@example.com"
	formID := formSubmissionID(t, form)
	res, err := http.PostForm(form+"/requests", url.Values{
		"submissionId": {formID}, "kinds": {"deletion", "access-specific"}, "name": {"Ada Lovelace"}, "email": {ada}, "declaration": {"yes"},
	})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	link := waitForLink(t, outbox, ada, verifyLink)
	u, _ := url.Parse(link)
	res, err = http.PostForm(form+"/verify", url.Values{"t": {u.Query().Get("t")}})
	require.NoError(t, err)
	res.Body.Close()

	answer, _ := answerFor(t, addrs, request.WebID(formID, ada))
	assert.NotContains(t, answer.Text, "held no data about you", "Ada is in every system")
	assert.Contains(t, answer.Text, "a copy of your data is in the download below")
	assert.False(t, addrs.Downstream.Holds("support-desk", ada), "and erased afterwards")
}
