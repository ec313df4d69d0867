package intake_test

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
)

var verifyLinkRE = regexp.MustCompile(`https://privacy\.example/verify\?t=[A-Za-z0-9_-]+`)

// failingTokens is a token store that does not answer.
type failingTokens struct{ token.Store }

func (failingTokens) Put(context.Context, token.Record) error { return errors.New("table unavailable") }

// TestAcknowledgementCarriesTheVerificationLink: a request to be verified
// gets one mail, its acknowledgement with the link; the link's token is
// stored only hashed, for this request, unused, with no task token yet,
// expiring 7 days after receipt, which the request records.
func TestAcknowledgementCarriesTheVerificationLink(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer, tokens := newMemStore(), &fakeMailer{}, token.NewMemStore()
	svc := newService(store, mailer, &now)
	svc.StartWorkflow = func(context.Context, *request.Request) error { return nil }
	svc.VerifyLinks = &verify.Links{Tokens: tokens, Issuer: token.Issuer{Now: func() time.Time { return now }}, Base: "https://privacy.example/verify"}

	rc, err := svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	until := now.Add(verify.DefaultTTL)
	assert.Equal(t, until, rc.Request.VerifyLinkUntil)
	assert.Equal(t, until, store.reqs[rc.Request.ID].VerifyLinkUntil, "stored with the request")

	require.Len(t, mailer.sent, 1, "one mail")
	link := verifyLinkRE.FindString(mailer.sent[0].Text)
	require.NotEmpty(t, link, "the acknowledgement carries the link")
	assert.Contains(t, mailer.sent[0].HTML, `href="`+link+`"`)
	assert.Contains(t, mailer.sent[0].Text, "until Friday, December 4, 2026 at 3:00 PM UTC")

	u, err := url.Parse(link)
	require.NoError(t, err)
	hash, err := token.Hash(u.Query().Get("t"))
	require.NoError(t, err)
	rec, err := tokens.Get(ctx, hash)
	require.NoError(t, err, "only the hash of the raw token is the key")
	assert.Equal(t, token.Verify, rec.Purpose)
	assert.Equal(t, rc.Request.ID, rec.RequestID)
	assert.Empty(t, rec.TaskToken, "no workflow waits yet")
	assert.False(t, rec.Used)
	assert.Equal(t, until, rec.ExpiresAt)
	_, err = tokens.Get(ctx, u.Query().Get("t"))
	assert.ErrorIs(t, err, token.ErrNotFound, "the raw token is stored nowhere")

	var ack request.Event
	for _, ev := range store.events {
		if ev.Action == request.ActionAcknowledged {
			ack = ev
		}
	}
	assert.Equal(t, until.Format(time.RFC3339), ack.Data["verifyLinkUntil"], "the trail says the link went with it")

	now = now.Add(time.Minute)
	_, err = svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	assert.Len(t, mailer.sent, 1, "the same submission again mails nothing")
}

// TestNoVerificationLinkWhen: the acknowledgement carries no link, and the
// request says so (the workflow's verification step mails it), for what is
// not verified, what is not answered to the requester's address, and when
// no workflow will wait for it.
func TestNoVerificationLinkWhen(t *testing.T) {
	tests := []struct {
		name     string
		sub      func(*intake.Submission)
		workflow bool
		mails    int
	}{
		{"only opt-outs", func(s *intake.Submission) { s.Kinds = []request.Kind{request.OptOutSale} }, true, 1},
		{"no request workflow", func(*intake.Submission) {}, false, 1},
		{"an agent's mail", func(s *intake.Submission) {
			s.Channel, s.SourceID = request.Email, "mail-0123456789abcdef"
			s.Agent = &request.Agent{Name: "Agent", Email: "agent@example.net"}
		}, true, 1},
		{"unclear mail", func(s *intake.Submission) {
			s.Channel, s.SourceID, s.Kinds = request.Email, "mail-0123456789abcdef", []request.Kind{request.Unclear}
		}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
			store, mailer, tokens := newMemStore(), &fakeMailer{}, token.NewMemStore()
			svc := newService(store, mailer, &now)
			if tt.workflow {
				svc.StartWorkflow = func(context.Context, *request.Request) error { return nil }
			}
			svc.VerifyLinks = &verify.Links{Tokens: tokens, Issuer: token.Issuer{Now: func() time.Time { return now }}, Base: "https://privacy.example/verify"}
			sub := validSubmission()
			tt.sub(&sub)
			rc, err := svc.Submit(ctx, sub)
			require.NoError(t, err)
			assert.True(t, rc.Request.VerifyLinkUntil.IsZero())
			require.Len(t, mailer.sent, tt.mails)
			assert.NotContains(t, mailer.sent[0].Text, "/verify?t=")
			assert.NotContains(t, mailer.sent[0].HTML, "/verify?t=")
		})
	}
}

// TestNoAcknowledgementWithoutItsLink: when the link cannot be stored, the
// acknowledgement is not sent without it (the workflow would mail no
// other); the submission fails and its retry sends both.
func TestNoAcknowledgementWithoutItsLink(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer, tokens := newMemStore(), &fakeMailer{}, token.NewMemStore()
	svc := newService(store, mailer, &now)
	svc.AckLease = time.Minute
	svc.StartWorkflow = func(context.Context, *request.Request) error { return nil }
	links := &verify.Links{Tokens: failingTokens{tokens}, Issuer: token.Issuer{Now: func() time.Time { return now }}, Base: "https://privacy.example/verify"}
	svc.VerifyLinks = links

	_, err := svc.Submit(ctx, validSubmission())
	require.Error(t, err)
	assert.Empty(t, mailer.sent)

	links.Tokens = tokens
	now = now.Add(2 * time.Minute) // past the lease of the failed attempt
	_, err = svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	require.Len(t, mailer.sent, 1)
	assert.Regexp(t, verifyLinkRE, mailer.sent[0].Text)
}

// claimingStore creates requests with the claim on their acknowledgement
// taken, as *dynamo.Store's CreateClaimed does, and counts the claims
// asked for apart.
type claimingStore struct {
	*memStore
	claims int
}

func (c *claimingStore) CreateClaimed(ctx context.Context, r *request.Request, leaseUntil time.Time) (*request.Request, bool, error) {
	stored, created, err := c.Create(ctx, r)
	if created {
		c.mu.Lock()
		c.leases[r.ID] = leaseUntil
		c.mu.Unlock()
	}
	return stored, created, err
}

func (c *claimingStore) ClaimAcknowledgement(ctx context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	c.claims++
	return c.memStore.ClaimAcknowledgement(ctx, id, now, lease)
}

// TestCreateTakesTheAcknowledgementClaim: a store that creates with the
// claim saves the claim's own write; a second delivery during the lease
// still sends nothing, and after a crash a retry past the lease sends the
// one acknowledgement.
func TestCreateTakesTheAcknowledgementClaim(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := &claimingStore{memStore: newMemStore()}, &fakeMailer{}
	svc := newService(store.memStore, mailer, &now)
	svc.Store = store

	_, err := svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	assert.Zero(t, store.claims, "no separate claim")
	require.Len(t, mailer.sent, 1)

	crashed := validSubmission()
	crashed.SourceID = "sub-crashed-0123456789"
	crashed.Kinds = []request.Kind{request.AccessCategories}
	mailer.err = errors.New("SES throttled")
	_, err = svc.Submit(ctx, crashed)
	require.Error(t, err)
	mailer.err = nil
	now = now.Add(time.Minute)
	_, err = svc.Submit(ctx, crashed)
	require.NoError(t, err, "another delivery within the lease")
	assert.Len(t, mailer.sent, 1, "sends nothing while the creator holds the claim")
	now = now.Add(2 * time.Minute)
	_, err = svc.Submit(ctx, crashed)
	require.NoError(t, err)
	assert.Len(t, mailer.sent, 2, "past the lease the retry sends it, once")
	assert.Equal(t, 2, store.claims)
}

// manyStore reads several requests at once, as *dynamo.Store's GetMany
// does, and counts its reads.
type manyStore struct {
	*memStore
	batches, gets int
}

func (m *manyStore) GetMany(ctx context.Context, ids []string) ([]*request.Request, error) {
	m.batches++
	var rs []*request.Request
	for _, id := range ids {
		if r, err := m.memStore.Get(ctx, id); err == nil {
			rs = append(rs, r)
		}
	}
	return rs, nil
}

func (m *manyStore) Get(ctx context.Context, id string) (*request.Request, error) {
	m.gets++
	return m.memStore.Get(ctx, id)
}

// TestEarlierRequestsReadInOneCall: a submission for an address with
// earlier requests reads the latest of them in one call, not one each,
// and still joins the one that waits for its confirmation.
func TestEarlierRequestsReadInOneCall(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := &manyStore{memStore: newMemStore()}, &fakeMailer{}
	svc := newService(store.memStore, mailer, &now)
	svc.Store, svc.Caps = store, newMemCaps(store.memStore)
	for i, kinds := range [][]request.Kind{{request.AccessCategories}, {request.Portability}, {request.Deletion}} {
		sub := validSubmission()
		sub.SourceID, sub.Kinds = "sub-earlier-000000"+string(rune('a'+i)), kinds
		_, err := svc.Submit(ctx, sub)
		require.NoError(t, err)
		now = now.Add(time.Minute)
	}
	store.batches, store.gets = 0, 0
	again := validSubmission()
	again.SourceID = "sub-earlier-again0000"
	rc, err := svc.Submit(ctx, again)
	require.NoError(t, err)
	assert.True(t, rc.AlreadyOpen, "joins the deletion that waits for its confirmation")
	assert.Equal(t, 1, store.batches)
	assert.Zero(t, store.gets)
}

// openStore records which events were appended without the read of
// whether the request closed, when the acknowledgement was marked, and
// each ExpireIfClosed, as *dynamo.Store's AppendEventOpen does.
type openStore struct {
	*memStore
	log []string
}

func (o *openStore) AppendEventOpen(ctx context.Context, ev request.Event) error {
	o.log = append(o.log, "open:"+ev.Action)
	return o.memStore.AppendEvent(ctx, ev)
}

func (o *openStore) AppendEvent(ctx context.Context, ev request.Event) error {
	o.log = append(o.log, "checked:"+ev.Action)
	return o.memStore.AppendEvent(ctx, ev)
}

func (o *openStore) MarkAcknowledged(ctx context.Context, id string, at time.Time, messageID string, next time.Time) error {
	o.log = append(o.log, "mark")
	return o.memStore.MarkAcknowledged(ctx, id, at, messageID, next)
}

func (o *openStore) ExpireIfClosed(context.Context, string) error {
	o.log = append(o.log, "expire-if-closed")
	return nil
}

// TestAcknowledgedEventBeforeTheMark: the created and acknowledged events
// are written before the acknowledgement is marked (which finds the
// request open), so they need no read of whether the request closed; when
// marking fails, or a call marks nothing, the trail is given the request's
// expiry if it closed.
func TestAcknowledgedEventBeforeTheMark(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := &openStore{memStore: newMemStore()}, &fakeMailer{}
	svc := newService(store.memStore, mailer, &now)
	svc.Store = store

	_, err := svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	assert.Equal(t, []string{"open:created", "open:acknowledged", "mark"}, store.log, "both written before the mark, no read")

	store.log = nil
	store.failMark = request.ErrConflict
	sub := validSubmission()
	sub.SourceID, sub.Kinds = "sub-mark-fails-000000", []request.Kind{request.AccessCategories}
	_, err = svc.Submit(ctx, sub)
	require.Error(t, err)
	assert.Equal(t, []string{"open:created", "open:acknowledged", "mark", "expire-if-closed", "expire-if-closed"}, store.log,
		"the mark failed: the trail is read for the request's expiry (by the acknowledgement and by the submission)")

	store.log, store.failMark = nil, nil
	now = now.Add(time.Minute)
	_, err = svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	assert.Equal(t, []string{"open:created", "expire-if-closed"}, store.log,
		"a repeat of an acknowledged submission writes nothing of the acknowledgement (its event came before the mark)")
}
