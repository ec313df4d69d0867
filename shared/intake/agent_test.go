package intake_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
