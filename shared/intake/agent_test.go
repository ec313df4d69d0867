package intake_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
)

// TestAnAgentsMailWaitsForTheConsumer: mail from an authorized agent who
// has not named the consumer opens a request whose requester of record is
// the agent; no workflow starts for it (the agent would be asked to
// verify, and the agent's own data acted on). Once the team names the
// consumer, the workflow starts, for the consumer.
func TestAnAgentsMailWaitsForTheConsumer(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	var started []string
	svc.StartWorkflow = func(_ context.Context, r *request.Request) error {
		started = append(started, r.Requester.Email)
		return nil
	}
	sub := validSubmission()
	sub.SourceID = "mail-agent-0001-abcdefgh"
	sub.Channel = request.Email
	sub.Requester = request.Identity{Name: "Alex Agent", Email: "alex@agency.example"}
	sub.Agent = &request.Agent{Name: "Alex Agent", Email: "alex@agency.example"}
	rc, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	require.True(t, rc.Created)
	assert.True(t, rc.Request.ConsumerUnknown())
	assert.Len(t, mailer.sent, 1, "the agent is acknowledged")
	assert.Empty(t, started, "nothing is verified or done for the agent")

	r := rc.Request
	r.Requester = request.Identity{Name: "John Client", Email: "john@example.com"}
	assert.False(t, r.ConsumerUnknown())
	require.NoError(t, svc.StartWorkflows(ctx, r))
	assert.Equal(t, []string{"john@example.com"}, started)
}

// TestAnAgentsFormRequestTellsThePerson: a request an authorized agent made
// on the form is acknowledged to the person it is for, who did not make
// it: the mail says someone acting as their agent made it (never the name
// the submitter typed), asks them to confirm only if they want us to act,
// and closes it if they asked nobody; and the button it names is the
// page's.
func TestAnAgentsFormRequestTellsThePerson(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	svc.VerifyLinks = &verify.Links{Tokens: token.NewMemStore(), Issuer: token.Issuer{Now: func() time.Time { return now }}, Base: "https://privacy.example/verify"}
	svc.StartWorkflow = func(context.Context, *request.Request) error { return nil }

	sub := validSubmission()
	sub.SourceID = "web-agent-0001-abcdefgh"
	sub.Requester = request.Identity{Name: "John Client", Email: "john@example.com"}
	sub.Agent = &request.Agent{Name: "Alex Agent", Email: "alex@agency.example"}
	_, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	require.Len(t, mailer.sent, 1)
	m := mailer.sent[0]
	assert.Equal(t, []string{"john@example.com"}, m.To)
	for _, part := range []string{m.Text, m.HTML} {
		assert.Contains(t, part, "Someone acting as")
		assert.NotContains(t, part, "Alex Agent", "nothing the submitter typed goes to an address that proved nothing")
		assert.Contains(t, part, "If you did not ask anyone to make this")
		assert.NotContains(t, part, "Confirm that it is you who made this request")
	}
	assert.Contains(t, m.Text, `press the "Confirm my request" button`)
	assert.Contains(t, m.Text, "We were asked, for you, to:")
	assert.NotContains(t, m.Text, "You asked us to")

	own := validSubmission()
	own.SourceID = "web-own-00001-abcdefgh"
	own.Requester = request.Identity{Name: "Ada", Email: "ada@example.com"}
	_, err = svc.Submit(ctx, own)
	require.NoError(t, err)
	require.Len(t, mailer.sent, 2)
	assert.Contains(t, mailer.sent[1].Text, "Confirm that it is you who made this request")
	assert.NotContains(t, mailer.sent[1].Text, "authorized")
}

// TestAnAgentGivesTheirOwnAddress: on the form, an agent's address that is
// the person's own is refused (the request would be taken for an agent's
// mail that names no consumer, and never start); only mail from an agent
// can leave the consumer unknown.
func TestAnAgentGivesTheirOwnAddress(t *testing.T) {
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	svc := newService(newMemStore(), &fakeMailer{}, &now)
	sub := validSubmission()
	sub.SourceID = "web-agent-same-abcdefgh"
	sub.Requester = request.Identity{Name: "John Client", Email: "john@example.com"}
	sub.Agent = &request.Agent{Name: "Alex Agent", Email: "John@Example.com"}
	_, err := svc.Submit(context.Background(), sub)
	var fe intake.FieldErrors
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, fe["agentEmail"], "person you act for")
	sub.Agent.Email = " "
	_, err = svc.Submit(context.Background(), sub)
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, fe["agentEmail"], "your own email address, as the agent", "not \"we write to you there\": the desk writes to the person")

	web := request.Request{Channel: request.Web, Requester: request.Identity{Email: "a@example.com"}, Agent: &request.Agent{Email: "a@example.com"}}
	assert.False(t, web.ConsumerUnknown(), "only mail leaves the consumer unknown")
	web.Channel = request.Email
	assert.True(t, web.ConsumerUnknown())
}

// TestAnotherPersonsRequestIsNotJoined: a submission joins an open request
// of its address only when it is about the same person: a parent's second
// child, an agent's next consumer (mail that differs), or an agent's mail
// from an address with its own request open, each opens a request of its
// own; the same again joins.
func TestAnotherPersonsRequestIsNotJoined(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store := newMemStore()
	svc := newService(store, &fakeMailer{}, &now)
	svc.Caps = newMemCaps(store)
	svc.AcksPerAddressPerDay = 20
	n := 0
	submit := func(edit func(*intake.Submission)) *intake.Receipt {
		t.Helper()
		n++
		sub := validSubmission()
		sub.SourceID = fmt.Sprintf("web-party-%04d-abcdefgh", n)
		sub.Requester = request.Identity{Name: "Pat Parent", Email: "pat@example.com"}
		edit(&sub)
		rc, err := svc.Submit(ctx, sub)
		require.NoError(t, err)
		return rc
	}
	child := func(email string) func(*intake.Submission) {
		return func(s *intake.Submission) {
			s.Kinds, s.Subject = []request.Kind{request.ChildData}, &request.Subject{Email: email}
		}
	}
	first := submit(child("kid1@example.com"))
	assert.True(t, submit(child("kid2@example.com")).Created, "a second child is a request of its own")
	assert.True(t, submit(child("KID1@example.com")).AlreadyOpen, "the same child again joins")

	agentMail := func(body string) func(*intake.Submission) {
		return func(s *intake.Submission) {
			s.Channel, s.Details = request.Email, body
			s.Agent = &request.Agent{Name: "Pat Parent", Email: "pat@example.com"}
		}
	}
	own := submit(func(s *intake.Submission) { s.Channel, s.Details = request.Email, "Please delete my data." })
	require.True(t, own.Created, "the address's own deletion")
	a := submit(agentMail("On behalf of Marta, marta@example.com: delete her data."))
	assert.True(t, a.Created, "an agent's mail from an address with its own deletion open")
	assert.True(t, submit(agentMail("On behalf of Zoe, zoe@example.com: delete her data.")).Created, "the agent's next consumer")
	assert.True(t, submit(agentMail("On behalf of Marta, marta@example.com: delete her data.")).AlreadyOpen, "the same mail again joins")
	assert.NotEqual(t, first.Request.ID, a.Request.ID)

	// What the desk cannot tell apart by what it stored joins only the
	// same words: children by name alone, unclear mail.
	named := func(name, body string) func(*intake.Submission) {
		return func(s *intake.Submission) {
			s.Channel, s.Details = request.Email, body
			s.Kinds, s.Subject = []request.Kind{request.ChildData}, &request.Subject{Name: name}
		}
	}
	assert.True(t, submit(named("Leo", "My son Leo uses your app: delete his account.")).Created)
	assert.True(t, submit(named("Mia", "My daughter Mia uses your app: delete her account.")).Created, "another child, by name")
	unclear := func(body string) func(*intake.Submission) {
		return func(s *intake.Submission) {
			s.Channel, s.Details, s.Kinds = request.Email, body, []request.Kind{request.Unclear}
		}
	}
	assert.True(t, submit(unclear("Where is my refund?")).Created)
	assert.True(t, submit(unclear("My son Leo… delete his data and mine too.")).Created, "another unclear mail is read on its own")
	assert.True(t, submit(unclear("Where is my refund?")).AlreadyOpen, "the same mail again joins")
}

// TestAnAgentsBrowserSignalOptsTheConsumerOutOfNothing: the Global Privacy
// Control signal of the browser an authorized agent used is the agent's
// preference: it adds no opt-out to the consumer's request, and no mail
// tells the consumer "your browser sent" it.
func TestAnAgentsBrowserSignalOptsTheConsumerOutOfNothing(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	sub := validSubmission()
	sub.Agent = &request.Agent{Name: "Alex Agent", Email: "alex@agency.example"}
	sub.GPC = true
	rc, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	assert.NotContains(t, rc.Request.Kinds, request.OptOutSale)
	assert.False(t, rc.Request.GPC)
	require.Len(t, mailer.sent, 1)
	assert.NotContains(t, mailer.sent[0].Text, "Global Privacy Control")

	own := validSubmission()
	own.SourceID, own.Requester.Email, own.GPC = "sub-own-browser", "grace@example.com", true
	rc, err = svc.Submit(ctx, own)
	require.NoError(t, err)
	assert.Contains(t, rc.Request.Kinds, request.OptOutSale, "the person's own browser's signal does")
}
