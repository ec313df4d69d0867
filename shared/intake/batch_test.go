package intake_test

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/status"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
)

// batchStore is an openStore that also writes unconditional records
// together, as *dynamo.Store's WriteAll does: each call is one line of
// the log, and its tokens and sent-mail records are kept.
type batchStore struct {
	*openStore
	tokens   []token.Record
	sent     []mail.Sent
	failNext error
	// written holds each event written by WriteAll under its key
	// (request and Once), as the table would; changed counts those
	// written again with other content, which the table would overwrite.
	written map[string]request.Event
	changed []string
}

func (b *batchStore) WriteAll(ctx context.Context, events []request.Event, tokens []token.Record, sent []mail.Sent) error {
	if b.failNext != nil {
		err := b.failNext
		b.failNext = nil
		b.log = append(b.log, "batch failed")
		return err
	}
	if b.written == nil {
		b.written = map[string]request.Event{}
	}
	var parts []string
	for _, ev := range events {
		key := ev.RequestID + "|" + ev.Once
		if old, ok := b.written[key]; ok && !reflect.DeepEqual(old, ev) {
			b.changed = append(b.changed, key)
		}
		b.written[key] = ev
		if err := b.memStore.AppendEvent(ctx, ev); err != nil {
			return err
		}
		parts = append(parts, ev.Action)
	}
	for _, r := range tokens {
		parts = append(parts, "token:"+string(r.Purpose))
	}
	for range sent {
		parts = append(parts, "sent-record")
	}
	b.tokens = append(b.tokens, tokens...)
	b.sent = append(b.sent, sent...)
	b.log = append(b.log, "batch:"+strings.Join(parts, "+"))
	return nil
}

// newBatchService is newService on a batchStore.
func newBatchService(now *time.Time) (*intake.Service, *batchStore, *fakeMailer) {
	store := &batchStore{openStore: &openStore{memStore: newMemStore()}}
	mailer := &fakeMailer{}
	svc := newService(store.memStore, mailer, now)
	svc.Store = store
	return svc, store, mailer
}

// logSender logs each mail in the store's log, as it goes out.
type logSender struct {
	store *batchStore
	next  *fakeMailer
}

func (l logSender) Send(ctx context.Context, m mail.Message) (string, error) {
	l.store.log = append(l.store.log, "send")
	return l.next.Send(ctx, m)
}

// unusedSentLog fails the test if the sender records a mail itself.
type unusedSentLog struct{ t *testing.T }

func (u unusedSentLog) RecordSent(context.Context, string, string, time.Time) error {
	u.t.Error("the mail was recorded on its own, not with the acknowledged event")
	return nil
}

var statusLinkRE = regexp.MustCompile(`https://privacy\.example/status\?t=[A-Za-z0-9_-]+`)

// TestAcknowledgingWritesTwiceBesideTheRequest: with a store that writes
// unconditional records together, a new request's created event goes with
// its links' tokens in one write before the mail (so the links work when
// it arrives), and the acknowledged event with the record of the mail in
// one write after it, before the mark; the tokens written are those of
// the links in the mail.
func TestAcknowledgingWritesTwiceBesideTheRequest(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	svc, store, mailer := newBatchService(&now)
	svc.Mail = &mail.Threading{Next: logSender{store, mailer}, Log: unusedSentLog{t}, Now: clock}
	never := token.NewMemStore() // the links must not store their tokens themselves
	svc.StatusLinks = &status.Links{Tokens: failingTokens{never}, Issuer: token.Issuer{Now: clock}, Base: "https://privacy.example/status"}
	svc.VerifyLinks = &verify.Links{Tokens: failingTokens{never}, Issuer: token.Issuer{Now: clock}, Base: "https://privacy.example/verify"}
	svc.StartWorkflow = func(context.Context, *request.Request) error { return nil }

	rc, err := svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	assert.Equal(t, []string{
		"batch:created+token:status+token:verify", "send", "batch:acknowledged+sent-record", "mark",
	}, store.log)

	require.Len(t, mailer.sent, 1)
	var hashes []string
	for _, re := range []*regexp.Regexp{statusLinkRE, verifyLinkRE} {
		link := re.FindString(mailer.sent[0].Text)
		require.NotEmpty(t, link)
		u, err := url.Parse(link)
		require.NoError(t, err)
		h, err := token.Hash(u.Query().Get("t"))
		require.NoError(t, err)
		hashes = append(hashes, h)
	}
	var written []string
	for _, r := range store.tokens {
		assert.Equal(t, rc.Request.ID, r.RequestID)
		written = append(written, r.Hash)
	}
	assert.ElementsMatch(t, hashes, written, "the tokens written are the mail's links'")
	require.Len(t, store.sent, 1)
	assert.Equal(t, mail.Sent{MessageID: rc.Request.AckMessageID, RequestID: rc.Request.ID, At: now}, store.sent[0])
}

// TestTheCreatedEventIsWrittenWhenNoMailGoes: a submission that sends
// nothing (capped, or another delivery holds the claim) still writes its
// created event, alone; a failed first write sends no mail and fails the
// submission, so the caller's retry finishes it.
func TestTheCreatedEventIsWrittenWhenNoMailGoes(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	svc, store, mailer := newBatchService(&now)
	svc.Caps, svc.AcksPerAddressPerDay = newMemCaps(store.memStore), 1

	first := validSubmission()
	_, err := svc.Submit(ctx, first)
	require.NoError(t, err)
	store.log = nil
	capped := validSubmission()
	capped.SourceID, capped.Kinds = "sub-capped-0000000000", []request.Kind{request.AccessCategories}
	rc, err := svc.Submit(ctx, capped)
	require.NoError(t, err)
	require.True(t, rc.Capped)
	assert.Equal(t, []string{"batch:created", "checked:acknowledgement-capped", "expire-if-closed"}, store.log,
		"no mail: the created event alone, first")
	assert.True(t, slices.ContainsFunc(store.memStore.events, func(ev request.Event) bool {
		return ev.RequestID == rc.Request.ID && ev.Action == request.ActionCreated
	}))

	store.log = nil
	svc.AcksPerAddressPerDay = 3 // a retry counts its acknowledgement again
	store.failNext = errors.New("table unavailable")
	failing := validSubmission()
	failing.SourceID, failing.Requester.Email = "sub-failing-000000000", "grace@example.com"
	_, err = svc.Submit(ctx, failing)
	require.Error(t, err)
	assert.NotContains(t, store.log, "send", "no mail without its links stored")
	assert.Len(t, mailer.sent, 1, "only the first submission's")
	store.log = nil
	_, err = svc.Submit(ctx, failing)
	require.NoError(t, err)
	assert.NotContains(t, store.log, "send", "the failed call's claim holds for its lease")
	assert.Equal(t, []string{"open:created", "expire-if-closed"}, store.log,
		"a call that finds the request stored writes its created event with a condition")
	now = now.Add(3 * time.Minute)
	_, err = svc.Submit(ctx, failing)
	require.NoError(t, err, "after the lease a retry finishes it")
	assert.Len(t, mailer.sent, 2)
}

// TestASecondAcknowledgementIsASecondEvent: when the mark fails after the
// acknowledgement went out, the retry after the claim's lease sends
// another; the trail then holds one acknowledged event per mail sent, each
// keyed by its mail, rather than the first written over (events written
// without a condition are never changed).
func TestASecondAcknowledgementIsASecondEvent(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	svc, store, mailer := newBatchService(&now)

	store.failMark = errors.New("table unavailable")
	_, err := svc.Submit(ctx, validSubmission())
	require.Error(t, err)
	store.failMark = nil
	now = now.Add(3 * time.Minute)
	rc, err := svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	require.Len(t, mailer.sent, 2)

	var onces, ids []string
	for _, ev := range store.memStore.events {
		if ev.RequestID == rc.Request.ID && ev.Action == request.ActionAcknowledged {
			onces, ids = append(onces, ev.Once), append(ids, ev.Data["messageId"])
		}
	}
	assert.Equal(t, []string{"msg-b", "msg-c"}, ids, "one event per mail sent")
	assert.Equal(t, []string{"acknowledged:msg-b", "acknowledged:msg-c"}, onces, "each keyed by its mail")
	assert.Equal(t, "msg-c", rc.Request.AckMessageID, "the request names the mail that was marked")
	assert.Empty(t, store.changed, "no event written over")
}

// TestARepeatDoesNotWriteTheCreatedEventAgain: the created event is made
// of the stored request, which triage may change (its kinds, its
// priority); a later delivery of the same submission writes it only with
// a condition, so the trail keeps what was created.
func TestARepeatDoesNotWriteTheCreatedEventAgain(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	svc, store, _ := newBatchService(&now)
	rc, err := svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	require.Equal(t, "batch:created", store.log[0])

	store.mu.Lock()
	r := store.reqs[rc.Request.ID]
	r.Priority = request.Expedited // as the team's triage would
	store.reqs[rc.Request.ID] = r
	store.mu.Unlock()
	store.log = nil
	now = now.Add(time.Minute)
	_, err = svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	assert.Equal(t, []string{"open:created", "expire-if-closed"}, store.log, "written with a condition only")
	assert.Empty(t, store.changed, "no event written over")
}
