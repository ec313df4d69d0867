package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/request"
)

// SetConsumer names an agent's consumer as *dynamo.Store does: only while
// open and the requester of record is the agent; the unknown-consumer
// mark is lifted.
func (m *memStore) SetConsumer(_ context.Context, id string, consumer request.Identity, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.requests[id]
	if !ok || r.Status.Closed() || !r.ConsumerUnknown() {
		return request.ErrConflict
	}
	r.Requester = consumer
	if r.Attention == request.ActionAgentConsumerUnknown {
		r.Attention = ""
	}
	return nil
}

// TestNameTheConsumer: mail from an authorized agent that named no
// consumer waits on the attention list with nothing verified or done; the
// team names the consumer once it has the signed permission, the consumer
// becomes the requester and the workflow starts (it asks the consumer to
// confirm); the agent's own address is refused as the consumer's.
func TestNameTheConsumer(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-AGNT-AAAA-AAAA-AAAA", 3, request.Acknowledged, request.Deletion)
	r.Channel = request.Email
	r.Requester = request.Identity{Name: "Alex Agent", Email: "alex@agency.example"}
	r.Agent = &request.Agent{Name: "Alex Agent", Email: "alex@agency.example"}
	d.store.put(r)
	require.NoError(t, d.store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: d.now, Actor: "system:intake-email",
		Action: request.ActionAgentConsumerUnknown, Once: request.ActionAgentConsumerUnknown}))
	require.Equal(t, request.ActionAgentConsumerUnknown, d.store.requests[r.ID].Attention, "on the attention list")

	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	w := b.do("GET", "/console/requests/"+r.ID, nil)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), "/name-consumer", "offered")
	assert.Contains(t, w.Body.String(), "whom the desk does not take from the mail: nothing is verified or done until you name the consumer")
	w = b.do("GET", "/console/requests/"+r.ID+"/name-consumer", nil)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), `<label for="consumerEmail">`)

	var fe console.FormError
	require.ErrorAs(t, d.NameConsumer(ctx, alice, r.ID, request.Identity{Email: "Alex@Agency.example"}, ""), &fe)
	assert.Contains(t, fe, "consumerEmail", "the agent's own address")
	assert.Contains(t, fe, "permission")
	require.ErrorAs(t, d.NameConsumer(ctx, alice, r.ID, request.Identity{Email: "not an address"}, "signed form by mail"), &fe)
	assert.Contains(t, fe, "consumerEmail")
	assert.Empty(t, d.intake.started, "nothing starts before the consumer is named")

	w = b.do("POST", "/console/requests/"+r.ID+"/name-consumer", url.Values{"csrf": {csrf(t, b.do("GET", "/console/requests/"+r.ID+"/name-consumer", nil).Body.String())},
		"consumerName": {"John Client"}, "consumerEmail": {"John@Example.com"}, "permission": {"Signed form attached to their mail of Dec 1"}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "asked them to confirm")
	stored := d.store.requests[r.ID]
	assert.Equal(t, request.Identity{Name: "John Client", Email: "john@example.com"}, stored.Requester)
	assert.Equal(t, "alex@agency.example", stored.Agent.Email, "the agent stays the contact")
	assert.Empty(t, stored.Attention)
	assert.Equal(t, []string{r.ID + " deletion"}, d.intake.started, "the workflow starts: it asks the consumer to confirm")
	ev := eventsOf(d, r.ID, request.ActionConsumerNamed)
	require.Len(t, ev, 1)
	assert.Equal(t, "team:alice", ev[0].Actor)
	assert.NotContains(t, ev[0].Reason+ev[0].Data["email"], "john@", "the trail names no address")

	stored.Status = request.Verifying
	assert.ErrorIs(t, d.NameConsumer(ctx, alice, r.ID, request.Identity{Email: "x@example.com"}, "again"), console.ErrNotAllowed, "named, and asked")

	web := d.add("PR-AGWB-AAAA-AAAA-AAAA", 3, request.Acknowledged, request.Deletion)
	web.Agent = &request.Agent{Name: "Alex Agent", Email: "alex@agency.example"}
	d.store.put(web)
	assert.ErrorIs(t, d.NameConsumer(ctx, alice, web.ID, request.Identity{Email: "x@example.com"}, "n"), console.ErrNotAllowed, "the form names the consumer itself")
}

// TestNamingTheConsumerAgainStartsTheWorkflow: a call that named the
// consumer and failed before the workflow started is finished by sending
// the form again (the consumer's fields are not asked again).
func TestNamingTheConsumerAgainStartsTheWorkflow(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-AGNX-AAAA-AAAA-AAAA", 3, request.Acknowledged, request.Deletion)
	r.Channel = request.Email
	r.Requester = request.Identity{Name: "John Client", Email: "john@example.com"}
	r.Agent = &request.Agent{Name: "Alex Agent", Email: "alex@agency.example"}
	d.store.put(r)
	require.NoError(t, d.NameConsumer(ctx, alice, r.ID, request.Identity{}, "Signed form by mail"))
	assert.Equal(t, []string{r.ID + " deletion"}, d.intake.started)
	assert.Equal(t, "john@example.com", d.store.requests[r.ID].Requester.Email)
}

// TestNameTheConsumerAfterTheHeldBackAcknowledgement: an agent's mail whose
// acknowledgement the daily cap held back is acknowledged first: naming
// the consumer starts the workflow, which moves the request on, and the
// held-back acknowledgement could then never be sent.
func TestNameTheConsumerAfterTheHeldBackAcknowledgement(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-AGHB-AAAA-AAAA-AAAA", 0, request.Received, request.Deletion)
	r.Channel, r.AckCappedAt = request.Email, r.ReceivedAt
	r.Requester = request.Identity{Name: "Alex Agent", Email: "alex@agency.example"}
	r.Agent = &request.Agent{Name: "Alex Agent", Email: "alex@agency.example"}
	d.store.put(r)
	err := d.NameConsumer(ctx, alice, r.ID, request.Identity{Email: "john@example.com"}, "signed form")
	assert.ErrorIs(t, err, console.ErrNotAllowed)
	assert.Contains(t, err.Error(), "send the acknowledgement first")
	assert.Empty(t, d.intake.started)
}

// TestSetKindsOfAnAgentsMailSaysNothingStarts: naming what an agent's
// unclear mail asks for acknowledges the agent and starts nothing (the
// consumer is not named); the pages say so, not that the workflow started.
func TestSetKindsOfAnAgentsMailSaysNothingStarts(t *testing.T) {
	d := newDesk(t)
	r := d.add("PR-AGUN-AAAA-AAAA-AAAA", 2, request.Acknowledged, request.Unclear)
	r.Channel = request.Email
	r.Requester = request.Identity{Name: "Alex Agent", Email: "alex@agency.example"}
	r.Agent = &request.Agent{Name: "Alex Agent", Email: "alex@agency.example"}
	d.store.put(r)
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	page := b.do("GET", "/console/requests/"+r.ID+"/set-kinds", nil).Body.String()
	assert.Contains(t, page, "nothing else starts until you name the consumer")
	w := b.do("POST", "/console/requests/"+r.ID+"/set-kinds", url.Values{"csrf": {csrf(t, page)}, "kinds": {"deletion"}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "nothing else starts until you name the consumer")
	assert.NotContains(t, w.Body.String(), "workflow has started")
}
