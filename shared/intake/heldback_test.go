package intake_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
)

const teamAddress = "team@productionflow.example"

// mailTo is what mailer sent to addr.
func mailTo(mailer *fakeMailer, addr string) []mail.Message {
	mailer.mu.Lock()
	defer mailer.mu.Unlock()
	var out []mail.Message
	for _, m := range mailer.sent {
		if m.To[0] == addr {
			out = append(out, m)
		}
	}
	return out
}

// eventsOf is request id's trail of action in store.
func eventsOf(store *memStore, id, action string) []request.Event {
	store.mu.Lock()
	defer store.mu.Unlock()
	var out []request.Event
	for _, ev := range store.events {
		if ev.RequestID == id && ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

// floodedService is an intake with the daily cap (the default, 3), the
// team's address, verification links and a request workflow, whose
// starts it records.
func floodedService(store *memStore, mailer *fakeMailer, now *time.Time, started *[]string) (*intake.Service, *memCaps) {
	svc := newService(store, mailer, now)
	caps := newMemCaps(store)
	svc.Caps, svc.NoticeTo = caps, teamAddress
	svc.StartWorkflow = func(_ context.Context, r *request.Request) error { *started = append(*started, r.ID); return nil }
	svc.VerifyLinks = &verify.Links{Tokens: token.NewMemStore(), Issuer: token.Issuer{Now: func() time.Time { return *now }}, Base: "https://privacy.example/verify"}
	return svc, caps
}

// flood submits three requests of other kinds from ada@example.com, which
// take the address's acknowledgements for the day.
func flood(t *testing.T, svc *intake.Service) {
	t.Helper()
	for i, k := range []request.Kind{request.Deletion, request.AccessCategories, request.Portability} {
		sub := validSubmission()
		sub.SourceID = fmt.Sprintf("web-flood-%04d-abcdefgh", i)
		sub.Kinds = []request.Kind{k}
		rc, err := svc.Submit(context.Background(), sub)
		require.NoError(t, err)
		require.False(t, rc.Capped)
	}
}

// childData is the victim's own request: a child's data, expedited.
func childData() intake.Submission {
	sub := validSubmission()
	sub.SourceID = "web-the-real-one-abcdefgh"
	sub.Kinds = []request.Kind{request.ChildData}
	sub.Subject = &request.Subject{Email: "sam@example.com"}
	return sub
}

// TestACappedRequestTellsTheTeamAtOnce replays the report: three requests
// from one address, then a fourth, a child's data (expedited). The fourth
// is held back by the daily cap, and the team is told at once, by one mail
// that says so, that the requester has not been mailed, and that it is a
// child's data; a retry of the same submission tells them nothing again;
// another capped request is a notice of its own. Nothing goes to the
// requester, no workflow starts.
func TestACappedRequestTellsTheTeamAtOnce(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	var started []string
	svc, _ := floodedService(store, mailer, &now, &started)
	flood(t, svc)
	require.Empty(t, mailTo(mailer, teamAddress), "three normal requests need no notice")

	now = now.Add(time.Minute)
	rc, err := svc.Submit(ctx, childData())
	require.NoError(t, err)
	require.True(t, rc.Capped)
	id := rc.Request.ID
	assert.Len(t, mailTo(mailer, "ada@example.com"), 3, "the requester is not mailed")
	assert.NotContains(t, started, id, "no workflow starts")
	assert.Equal(t, request.Received, store.reqs[id].Status)

	notices := mailTo(mailer, teamAddress)
	require.Len(t, notices, 1, "the team is told at once")
	n := notices[0]
	assert.Equal(t, "[expedited] Not acknowledged (daily cap): new privacy request "+id, n.Subject)
	assert.Contains(t, n.Text, "held back by the per-address daily cap, so the requester has not been mailed; a child's data: delete it promptly")
	assert.Contains(t, n.Text, "- Send the acknowledgement")
	assert.NotContains(t, n.Text, "ada@example.com", "no personal data")
	assert.NotContains(t, n.Text, "sam@example.com", "no personal data")
	told := eventsOf(store, id, request.ActionTeamNotified)
	require.Len(t, told, 1)
	assert.Equal(t, "system:intake-web", told[0].Actor)
	assert.Contains(t, told[0].Reason, "held back by the address's daily cap")
	assert.NotEmpty(t, told[0].Data["messageId"])
	capped := eventsOf(store, id, request.ActionAcknowledgementCapped)
	require.Len(t, capped, 1)
	assert.Contains(t, capped[0].Reason, "the team was told to send it or deny the request")

	now = now.Add(time.Minute)
	again, err := svc.Submit(ctx, childData())
	require.NoError(t, err, "the same submission again (a double click, a retry)")
	assert.True(t, again.Capped)
	assert.Len(t, mailTo(mailer, teamAddress), 1, "the team is told once")

	sub := validSubmission()
	sub.SourceID, sub.Kinds = "web-another-one-abcdefgh", []request.Kind{request.OptOutSale}
	other, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	require.True(t, other.Capped)
	notices = mailTo(mailer, teamAddress)
	require.Len(t, notices, 2, "one notice per capped request")
	assert.Equal(t, "Not acknowledged (daily cap): new privacy request "+other.Request.ID, notices[1].Subject, "a normal request: not expedited")
	assert.Len(t, mailTo(mailer, "ada@example.com"), 3)
}

// TestACappedRequestWhoseNoticeFailsStandsStored: the notice of a capped
// request that cannot be sent is recorded as failed and fails nothing, as
// the notice of a sent acknowledgement.
func TestACappedRequestWhoseNoticeFailsStandsStored(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{failTo: teamAddress}
	var started []string
	svc, _ := floodedService(store, mailer, &now, &started)
	flood(t, svc)
	rc, err := svc.Submit(ctx, childData())
	require.NoError(t, err)
	assert.True(t, rc.Capped)
	failed := eventsOf(store, rc.Request.ID, request.ActionTeamNoticeFailed)
	require.Len(t, failed, 1)
	assert.Contains(t, failed[0].Reason, "held back")
	assert.Len(t, eventsOf(store, rc.Request.ID, request.ActionAcknowledgementCapped), 1)
}

// TestTheTeamSendsAHeldBackAcknowledgement: the team sends the
// acknowledgement the cap held back, as intake would have sent it (with
// the verification link, until 7 days from receipt), not counted against
// the cap, under the member's name, and the request's workflow starts;
// once only, and only for a request the cap held back. Over the plain
// store and over one that writes as *dynamo.Store does.
func TestTheTeamSendsAHeldBackAcknowledgement(t *testing.T) {
	for _, batched := range []bool{false, true} {
		t.Run(fmt.Sprintf("batched=%v", batched), func(t *testing.T) {
			ctx := context.Background()
			received := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
			now := received
			store, mailer := newMemStore(), &fakeMailer{}
			var started []string
			svc, caps := floodedService(store, mailer, &now, &started)
			var batch *batchStore
			if batched {
				batch = &batchStore{openStore: &openStore{memStore: store}}
				svc.Store = batch
			}
			flood(t, svc)
			rc, err := svc.Submit(ctx, childData())
			require.NoError(t, err)
			require.True(t, rc.Capped)
			id := rc.Request.ID
			teamMail := len(mailTo(mailer, teamAddress))

			now = received.Add(2 * time.Hour)
			got, err := svc.SendHeldBack(ctx, id, "team:alice")
			require.NoError(t, err)
			assert.Equal(t, request.Acknowledged, got.Status)
			stored := store.reqs[id]
			assert.Equal(t, request.Acknowledged, stored.Status)
			assert.Equal(t, now, stored.AcknowledgedAt)

			acks := mailTo(mailer, "ada@example.com")
			require.Len(t, acks, 4, "the requester is sent the acknowledgement")
			ack := acks[3]
			assert.Contains(t, ack.Subject, id)
			link := verifyLinkRE.FindString(ack.Text)
			require.NotEmpty(t, link, "with the verification link, as intake would have sent it")
			assert.Contains(t, ack.Text, "until Friday, December 4, 2026 at 3:00 PM UTC", "7 days from receipt")
			assert.Contains(t, ack.Text, request.ChildData.Title())
			if batched {
				var mine []token.Record
				for _, rec := range batch.tokens {
					if rec.RequestID == id {
						mine = append(mine, rec)
					}
				}
				// One drawn for the acknowledgement the cap held back (unused,
				// it expires), one for the acknowledgement sent now.
				require.Len(t, mine, 2, "the link's token stored before the mail went out")
				assert.Equal(t, token.Verify, mine[1].Purpose)
			}

			evs := eventsOf(store, id, request.ActionAcknowledged)
			require.Len(t, evs, 1)
			assert.Equal(t, "team:alice", evs[0].Actor, "recorded under the member's name")
			assert.Contains(t, evs[0].Reason, "the team sent the acknowledgement the address's daily cap held back")
			assert.NotEmpty(t, evs[0].Data["messageId"])
			assert.Equal(t, received.Add(verify.DefaultTTL).Format(time.RFC3339), evs[0].Data["verifyLinkUntil"])
			assert.Equal(t, []string{id}, started[len(started)-1:], "the request's workflow starts")
			assert.Len(t, mailTo(mailer, teamAddress), teamMail, "the team is not told again")

			day := received.Format(time.DateOnly)
			assert.Len(t, caps.acks["ada@example.com|"+day], 3, "not counted against the cap")
			assert.False(t, caps.acks["ada@example.com|"+day][id])

			_, err = svc.SendHeldBack(ctx, id, "team:bob")
			assert.ErrorIs(t, err, intake.ErrNotHeldBack, "once")
			assert.Len(t, mailTo(mailer, "ada@example.com"), 4)

			var normal string
			for rid, r := range store.reqs {
				if r.AckCappedAt.IsZero() {
					normal = rid
				}
			}
			_, err = svc.SendHeldBack(ctx, normal, "team:alice")
			assert.ErrorIs(t, err, intake.ErrNotHeldBack, "a request the cap did not hold back")
			_, err = svc.SendHeldBack(ctx, "PR-NONE-NONE-NONE-NONE", "team:alice")
			assert.ErrorIs(t, err, request.ErrNotFound)
		})
	}
}

// TestAHeldBackAcknowledgementAfterItsLinkExpired: sent by the team after
// the request's link stopped working, the acknowledgement carries none and
// says a link comes by email (the request workflow mails it).
func TestAHeldBackAcknowledgementAfterItsLinkExpired(t *testing.T) {
	ctx := context.Background()
	received := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	now := received
	store, mailer := newMemStore(), &fakeMailer{}
	var started []string
	svc, _ := floodedService(store, mailer, &now, &started)
	flood(t, svc)
	rc, err := svc.Submit(ctx, childData())
	require.NoError(t, err)
	require.True(t, rc.Capped)

	now = received.Add(verify.DefaultTTL + time.Hour)
	_, err = svc.SendHeldBack(ctx, rc.Request.ID, "team:alice")
	require.NoError(t, err)
	acks := mailTo(mailer, "ada@example.com")
	require.Len(t, acks, 4)
	assert.Empty(t, verifyLinkRE.FindString(acks[3].Text), "no link that no longer works")
	assert.Empty(t, eventsOf(store, rc.Request.ID, request.ActionAcknowledged)[0].Data["verifyLinkUntil"],
		"the trail says the link did not go with it: the workflow mails one")
	assert.Contains(t, started, rc.Request.ID)
}

// TestAHeldBackAcknowledgementOfUnclearMail: unclear mail held back by the
// cap is sent the question what the person would like us to do, and no
// workflow starts: it waits for its kinds.
func TestAHeldBackAcknowledgementOfUnclearMail(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	var started []string
	svc, _ := floodedService(store, mailer, &now, &started)
	flood(t, svc)
	sub := validSubmission()
	sub.SourceID, sub.Channel, sub.Kinds = "mail-unclear-0001-abcdefgh", request.Email, []request.Kind{request.Unclear}
	rc, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	require.True(t, rc.Capped)
	notices := mailTo(mailer, teamAddress)
	require.Len(t, notices, 1)
	assert.Equal(t, "Not acknowledged (daily cap): new unclear privacy request "+rc.Request.ID+": please triage", notices[0].Subject)
	before := len(started)

	_, err = svc.SendHeldBack(ctx, rc.Request.ID, "team:alice")
	require.NoError(t, err)
	acks := mailTo(mailer, "ada@example.com")
	require.Len(t, acks, 4)
	assert.True(t, strings.HasPrefix(acks[3].Subject, "Your message to our privacy team: what would you like us to do?"), acks[3].Subject)
	assert.Len(t, started, before, "no workflow before its kinds are known")
}

// TestAHeldBackAcknowledgementWhoseWorkflowDoesNotStart: the mail went out
// and is recorded; the error says the workflow did not start.
func TestAHeldBackAcknowledgementWhoseWorkflowDoesNotStart(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	var started []string
	svc, _ := floodedService(store, mailer, &now, &started)
	flood(t, svc)
	rc, err := svc.Submit(ctx, childData())
	require.NoError(t, err)
	svc.StartWorkflow = func(context.Context, *request.Request) error { return errors.New("states unavailable") }
	_, err = svc.SendHeldBack(ctx, rc.Request.ID, "team:alice")
	require.ErrorIs(t, err, intake.ErrNotStarted)
	assert.Len(t, mailTo(mailer, "ada@example.com"), 4)
	assert.Len(t, eventsOf(store, rc.Request.ID, request.ActionAcknowledged), 1)
}

// TestAHeldBackAcknowledgementOfAnAgentsMail: an authorized agent's mail
// held back by the cap is answered to the agent, as intake would have; one
// that named no consumer starts no workflow: it waits for the team to name
// them.
func TestAHeldBackAcknowledgementOfAnAgentsMail(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	var started []string
	svc, _ := floodedService(store, mailer, &now, &started)
	agent := request.Identity{Name: "Alex Agent", Email: "alex@agency.example"}
	for i, k := range []request.Kind{request.Deletion, request.AccessCategories, request.Portability, request.ChildData} {
		sub := validSubmission()
		sub.SourceID, sub.Channel, sub.Kinds = fmt.Sprintf("mail-agent-%04d-abcdefgh", i), request.Email, []request.Kind{k}
		sub.Requester, sub.Agent = agent, &request.Agent{Name: agent.Name, Email: agent.Email}
		if k == request.ChildData {
			sub.Subject = &request.Subject{Email: "sam@example.com"}
		}
		rc, err := svc.Submit(ctx, sub)
		require.NoError(t, err)
		if i < 3 {
			require.False(t, rc.Capped)
			continue
		}
		require.True(t, rc.Capped)
		require.True(t, rc.Request.ConsumerUnknown())
		before := len(started)
		_, err = svc.SendHeldBack(ctx, rc.Request.ID, "team:alice")
		require.NoError(t, err)
		sent := mailTo(mailer, agent.Email)
		require.Len(t, sent, 4, "the agent is answered")
		assert.True(t, strings.HasPrefix(sent[3].Subject, "We received the privacy request you sent on someone's behalf"), sent[3].Subject)
		assert.Len(t, started, before, "no workflow while the consumer is unknown")
	}
}
