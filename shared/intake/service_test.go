package intake_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// memStore is an in-memory intake.Store with the same conditional rules as
// the DynamoDB store.
type memStore struct {
	mu       sync.Mutex
	reqs     map[string]request.Request
	leases   map[string]time.Time
	events   []request.Event
	once     map[string]bool
	failMark error
}

var _ intake.Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{reqs: map[string]request.Request{}, leases: map[string]time.Time{}, once: map[string]bool{}}
}

func (m *memStore) Create(_ context.Context, r *request.Request) (*request.Request, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if got, ok := m.reqs[r.ID]; ok {
		return &got, false, nil
	}
	m.reqs[r.ID] = *r
	cp := *r
	return &cp, true, nil
}

func (m *memStore) Get(_ context.Context, id string) (*request.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.reqs[id]
	if !ok {
		return nil, request.ErrNotFound
	}
	return &r, nil
}

func (m *memStore) EarlierRequests(_ context.Context, email string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for id, r := range m.reqs {
		if request.NormalizeEmail(r.Requester.Email) == request.NormalizeEmail(email) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (m *memStore) ClaimAcknowledgement(_ context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.reqs[id].AcknowledgedAt.IsZero() {
		return false, nil
	}
	if until, ok := m.leases[id]; ok && !until.Before(now) {
		return false, nil
	}
	m.leases[id] = now.Add(lease)
	return true, nil
}

func (m *memStore) MarkAcknowledged(_ context.Context, id string, at time.Time, messageID string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failMark != nil {
		return m.failMark
	}
	r := m.reqs[id]
	if !r.AcknowledgedAt.IsZero() || r.Status != request.Received {
		return request.ErrConflict
	}
	r.AcknowledgedAt, r.AckMessageID, r.Status = at, messageID, request.Acknowledged
	m.reqs[id] = r
	delete(m.leases, id)
	return nil
}

func (m *memStore) AppendEvent(_ context.Context, ev request.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ev.Once != "" {
		key := ev.RequestID + "|" + ev.Once + "|" + ev.At.String()
		if m.once[key] {
			return nil
		}
		m.once[key] = true
	}
	m.events = append(m.events, ev)
	return nil
}

type fakeCalendar struct{}

func (fakeCalendar) Deadlines(received time.Time, kinds []request.Kind, _ request.Priority) request.Due {
	d := request.Due{Acknowledge: received.AddDate(0, 0, 14), Response: received.AddDate(0, 0, 45), Extended: received.AddDate(0, 0, 90)}
	for _, k := range kinds {
		if k == request.OptOutSale {
			d.OptOut = received.AddDate(0, 0, 21)
		}
	}
	return d
}
func (fakeCalendar) Location() *time.Location { return time.UTC }

type fakeMailer struct {
	mu   sync.Mutex
	sent []mail.Message
	err  error
	// failTo fails only the mail to this address.
	failTo string
}

func (f *fakeMailer) Send(_ context.Context, m mail.Message) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return "", f.err
	}
	if f.failTo != "" && m.To[0] == f.failTo {
		return "", errors.New("SES rejected the message")
	}
	f.sent = append(f.sent, m)
	return "msg-" + string(rune('a'+len(f.sent))), nil
}

func newService(store *memStore, mailer *fakeMailer, now *time.Time) *intake.Service {
	return &intake.Service{
		Store: store, Calendar: fakeCalendar{}, Mail: mailer, Now: func() time.Time { return *now },
		Actor: "system:intake-web", TeamAddress: "privacy@productionflow.example", FormURL: "https://privacy.example/",
	}
}

func validSubmission() intake.Submission {
	return intake.Submission{
		SourceID: "sub-0123456789abcdef", Channel: request.Web,
		Kinds:     []request.Kind{request.Deletion},
		Requester: request.Identity{Name: "Ada Lovelace", Email: "ada@example.com", State: "CA"},
		// Ticked, as a form is for a copy of the data: the tests that
		// change the kinds to portability are about other things.
		Declaration: true,
	}
}

func TestSubmitCreatesOnceAndAcknowledgesOnce(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)

	first, err := svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	assert.True(t, first.Created)
	assert.Equal(t, request.Acknowledged, first.Request.Status)
	assert.Equal(t, now.AddDate(0, 0, 45), first.Request.Due.Response)

	now = now.Add(time.Minute)
	second, err := svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	assert.False(t, second.Created)
	assert.Equal(t, first.Request.ID, second.Request.ID)

	require.Len(t, mailer.sent, 1, "one acknowledgement however often it is submitted")
	assert.Equal(t, []string{"ada@example.com"}, mailer.sent[0].To)
	assert.Contains(t, mailer.sent[0].Text, first.Request.ID)

	var actions []string
	for _, ev := range store.events {
		actions = append(actions, ev.Action)
		for _, v := range ev.Data {
			assert.NotContains(t, v, "ada@example.com", "no personal data in audit event data")
		}
	}
	assert.Equal(t, []string{"created", "acknowledged"}, actions)
}

func TestSubmitFinishesAfterACrashBeforeTheMailWasRecorded(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{err: errors.New("SES throttled")}
	svc := newService(store, mailer, &now)

	_, err := svc.Submit(ctx, validSubmission())
	require.Error(t, err, "a failed send is reported so the caller retries")

	// The retry comes after the lease ran out; the mail now goes out.
	mailer.err = nil
	now = now.Add(5 * time.Minute)
	r, err := svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	assert.False(t, r.Created)
	assert.Len(t, mailer.sent, 1)
	assert.Equal(t, request.Acknowledged, r.Request.Status)
}

func TestConcurrentSubmissionsSendOneMail(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Submit(ctx, validSubmission())
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Len(t, mailer.sent, 1)
	assert.Len(t, store.reqs, 1)
}

func TestGPCAddsOptOutAndOptOutOnlyGetsConfirmation(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)

	sub := validSubmission()
	sub.Kinds = []request.Kind{request.OptOutMarketing}
	sub.GPC = true
	r, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	assert.ElementsMatch(t, []request.Kind{request.OptOutMarketing, request.OptOutSale}, r.Request.Kinds)
	assert.True(t, r.Request.GPC)
	require.Len(t, mailer.sent, 1)
	assert.NotContains(t, strings.ToLower(mailer.sent[0].Subject), "acknowledg", "opt-outs get a confirmation, not an acknowledgement")
}

func TestDuplicatesAreLinked(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	first, err := svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	sub := validSubmission()
	sub.SourceID = "sub-another-submission"
	sub.Requester.Email = "ADA@example.com"
	second, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	assert.NotEqual(t, first.Request.ID, second.Request.ID)
	assert.Equal(t, []string{first.Request.ID}, second.Request.DuplicateOf)
	assert.Len(t, mailer.sent, 2, "a duplicate still gets its own acknowledgement and verifies on its own")
}

func TestChildDataIsExpedited(t *testing.T) {
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	svc := newService(newMemStore(), &fakeMailer{}, &now)
	sub := validSubmission()
	sub.Kinds = []request.Kind{request.ChildData}
	sub.Subject = &request.Subject{Name: " Sam ", Account: "kid-2012"}
	r, err := svc.Submit(context.Background(), sub)
	require.NoError(t, err)
	assert.Equal(t, request.Expedited, r.Request.Priority)
	assert.Equal(t, &request.Subject{Name: "Sam", Account: "kid-2012"}, r.Request.Subject, "stored as the request's subject")
}

func TestLogsCarryNoPersonalData(t *testing.T) {
	var buf strings.Builder
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	svc := newService(newMemStore(), &fakeMailer{}, &now)
	svc.Log = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sub := validSubmission()
	sub.Requester.Phone = "+1 555 0100"
	sub.Requester.Address = "1 Infinite Loop"
	sub.Details = "my secret details"
	_, err := svc.Submit(context.Background(), sub)
	require.NoError(t, err)
	_, err = svc.Submit(context.Background(), sub)
	require.NoError(t, err)
	logs := buf.String()
	require.Contains(t, logs, "request received", "the service logs its work")
	for _, pd := range []string{"ada@example.com", "Ada Lovelace", "555 0100", "Infinite Loop", "secret details"} {
		assert.NotContains(t, logs, pd)
	}
}

func TestSubmitStartsTheWorkflowEveryTime(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	var started []string
	var failStart error
	svc.StartWorkflow = func(_ context.Context, r *request.Request) error {
		if failStart != nil {
			return failStart
		}
		assert.Equal(t, request.Acknowledged, r.Status, "the workflow starts after the acknowledgement")
		started = append(started, r.ID)
		return nil
	}

	failStart = errors.New("states unavailable")
	_, err := svc.Submit(ctx, validSubmission())
	require.Error(t, err, "a workflow that could not start is reported so the caller retries")
	assert.Len(t, mailer.sent, 1)

	failStart = nil
	r, err := svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	assert.Equal(t, []string{r.Request.ID}, started, "the retry starts the workflow")
	assert.Len(t, mailer.sent, 1, "and sends nothing again")
}

// TestUnclearRequestsWaitForTriage: nobody is asked to verify anything
// before the desk knows what the person wants; the legal clocks run anyway.
func TestUnclearRequestsWaitForTriage(t *testing.T) {
	tests := []struct {
		name         string
		kinds        []request.Kind
		wantWorkflow bool
	}{
		{"a clear request starts its workflow", []request.Kind{request.Deletion}, true},
		{"an opt-out starts its workflow", []request.Kind{request.OptOutSale}, true},
		{"unclear mail waits for triage", []request.Kind{request.Unclear}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
			svc := newService(newMemStore(), &fakeMailer{}, &now)
			var started []string
			svc.StartWorkflow = func(_ context.Context, r *request.Request) error { started = append(started, r.ID); return nil }
			sub := validSubmission()
			sub.Channel, sub.Kinds = request.Email, tt.kinds

			rec, err := svc.Submit(context.Background(), sub)
			require.NoError(t, err)
			if tt.wantWorkflow {
				assert.Equal(t, []string{rec.Request.ID}, started)
			} else {
				assert.Empty(t, started, "no verification mail before the kinds are known")
			}
		})
	}

	t.Run("a failed start is reported so the caller retries", func(t *testing.T) {
		now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
		svc := newService(newMemStore(), &fakeMailer{}, &now)
		svc.StartWorkflow = func(context.Context, *request.Request) error { return errors.New("states unavailable") }
		_, err := svc.Submit(context.Background(), validSubmission())
		assert.ErrorContains(t, err, "start request workflow")
	})
}

func TestSameSubmissionIDWithOtherContentIsRefused(t *testing.T) {
	changes := []struct {
		name   string
		change func(s *intake.Submission)
	}{
		{"other kinds", func(s *intake.Submission) { s.Kinds = []request.Kind{request.AccessCategories} }},
		{"another person", func(s *intake.Submission) { s.Requester.Name = "Grace Hopper" }},
		{"a child's data instead", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.ChildData}
			s.Subject = &request.Subject{Account: "kid-2012"}
		}},
	}
	for _, tt := range changes {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
			store, mailer := newMemStore(), &fakeMailer{}
			svc := newService(store, mailer, &now)
			first, err := svc.Submit(ctx, validSubmission())
			require.NoError(t, err)
			before := store.reqs[first.Request.ID]
			events := len(store.events)

			now = now.Add(time.Hour)
			sub := validSubmission()
			tt.change(&sub)
			rc, err := svc.Submit(ctx, sub)
			require.ErrorIs(t, err, intake.ErrSubmissionReused)
			assert.Nil(t, rc, "nothing of the earlier request is returned")
			assert.Equal(t, before, store.reqs[first.Request.ID], "the earlier request is unchanged")
			assert.Len(t, store.reqs, 1)
			assert.Len(t, store.events, events, "nothing recorded on the earlier request")
			assert.Len(t, mailer.sent, 1, "no mail for the refused submission")

			sub.SourceID = "sub-a-new-submission-id"
			rc, err = svc.Submit(ctx, sub)
			require.NoError(t, err, "sent again with a new submission ID it is a request of its own")
			assert.True(t, rc.Created)
			assert.NotEqual(t, first.Request.ID, rc.Request.ID)
		})
	}
}

// TestSubmissionIDsAreBoundToTheAddress: a submission ID someone else used,
// sent with another address, is a request of its own; the first is neither
// touched nor shown, and no error tells the sender it exists.
func TestSubmissionIDsAreBoundToTheAddress(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	first, err := svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	before := store.reqs[first.Request.ID]

	borrowed := validSubmission()
	borrowed.Requester = request.Identity{Name: "Mallory", Email: "mallory@example.com"}
	rc, err := svc.Submit(ctx, borrowed)
	require.NoError(t, err)
	assert.True(t, rc.Created, "another request")
	assert.NotEqual(t, first.Request.ID, rc.Request.ID)
	assert.Equal(t, "mallory@example.com", rc.Request.Requester.Email, "nothing of the first comes back")
	assert.Equal(t, before, store.reqs[first.Request.ID], "the first is unchanged")
	assert.Equal(t, request.WebID(borrowed.SourceID, "MALLORY@example.com "), rc.Request.ID, "bound to the address as normalized")
}

func TestSameSubmissionIDAndContentStaysIdempotent(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	sub := validSubmission()
	sub.Kinds = []request.Kind{request.Deletion, request.Correction}
	sub.Corrections = []request.CorrectionItem{{Item: "postal address", Right: "1 Main St"}}
	first, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	assert.NotEmpty(t, first.Request.Fingerprint)

	again := validSubmission()
	again.Kinds = []request.Kind{request.Correction, request.Deletion} // the same choices in another order
	again.Requester.Email = " ADA@example.com "
	again.Corrections = []request.CorrectionItem{{Item: " postal address", Right: "1 Main St "}, {}}
	second, err := svc.Submit(ctx, again)
	require.NoError(t, err)
	assert.False(t, second.Created)
	assert.Equal(t, first.Request.ID, second.Request.ID)
	assert.Len(t, mailer.sent, 1)
}

func TestCorrectionsAreStoredWithoutBlankRows(t *testing.T) {
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	sub := validSubmission()
	sub.Kinds = []request.Kind{request.Correction}
	sub.Corrections = []request.CorrectionItem{{}, {Item: " postal address ", Wrong: "2 Elm St", Right: " 1 Main St"}, {}}
	rc, err := svc.Submit(context.Background(), sub)
	require.NoError(t, err)
	assert.Equal(t, []request.CorrectionItem{{Item: "postal address", Wrong: "2 Elm St", Right: "1 Main St"}}, store.reqs[rc.Request.ID].Corrections)
	require.Len(t, mailer.sent, 1)
	for _, part := range []string{mailer.sent[0].Text, mailer.sent[0].HTML, mailer.sent[0].Subject} {
		assert.NotContains(t, part, "Main St", "the acknowledgement goes to an address not yet proven: no requester free text")
		assert.NotContains(t, part, "Elm St")
	}
}

func TestTeamIsToldOnceOfRequestsThatNeedThemNow(t *testing.T) {
	const team = "team@productionflow.example"
	tests := []struct {
		name   string
		change func(s *intake.Submission)
		told   bool
	}{
		{"a normal deletion", func(*intake.Submission) {}, false},
		{"a child's data", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.ChildData}
			s.Subject = &request.Subject{Name: "Sam Lovelace", Account: "kid-2012"}
		}, true},
		{"mail marked CCPA Request", func(s *intake.Submission) {
			s.Channel, s.SourceID = request.Email, "0100018c-ses-message-id"
			s.Priority, s.Regulation = request.Expedited, "CCPA"
		}, true},
		{"unclear mail", func(s *intake.Submission) {
			s.Channel, s.SourceID = request.Email, "0100018c-ses-message-id"
			s.Kinds = []request.Kind{request.Unclear}
			s.Details = "please help with my thing"
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
			store, mailer := newMemStore(), &fakeMailer{}
			svc := newService(store, mailer, &now)
			svc.NoticeTo = team
			sub := validSubmission()
			sub.Requester.Phone = "+1 555 0100"
			tt.change(&sub)
			for range 3 { // a double click, a retry
				_, err := svc.Submit(ctx, sub)
				require.NoError(t, err)
			}
			var notices []mail.Message
			for _, m := range mailer.sent {
				if m.To[0] == team {
					notices = append(notices, m)
				}
			}
			if !tt.told {
				assert.Empty(t, notices)
				return
			}
			require.Len(t, notices, 1, "told once however often it is submitted")
			id := request.NewID(sub.Channel, sub.SourceID)
			if sub.Channel == request.Web {
				id = request.WebID(sub.SourceID, sub.Requester.Email)
			}
			n := notices[0]
			assert.Contains(t, n.Subject, id)
			assert.Contains(t, n.Text, id)
			assert.Contains(t, n.Text, "Answer by:  Monday, January 11, 2027", "the response deadline as the calendar set it")
			for _, pd := range []string{"Ada", "Lovelace", "ada@example.com", "555 0100", "Sam", "kid-2012", "my thing"} {
				assert.NotContains(t, n.Text+n.HTML+n.Subject, pd, "no requester data in the team's notice")
			}
			var told int
			for _, ev := range store.events {
				if ev.Action == "team-notified" {
					told++
				}
			}
			assert.Equal(t, 1, told, "recorded on the audit trail")
		})
	}
}

func TestAFailedTeamNoticeDoesNotFailTheSubmission(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{failTo: "team@productionflow.example"}
	svc := newService(store, mailer, &now)
	svc.NoticeTo = "team@productionflow.example"
	var logs strings.Builder
	svc.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	sub := validSubmission()
	sub.Kinds = []request.Kind{request.ChildData}
	sub.Subject = &request.Subject{Email: "sam@example.com"}
	rc, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	assert.Equal(t, request.Acknowledged, rc.Request.Status, "the requester's acknowledgement went out")
	require.Len(t, mailer.sent, 1)
	assert.Equal(t, []string{"ada@example.com"}, mailer.sent[0].To)
	var actions []string
	for _, ev := range store.events {
		actions = append(actions, ev.Action)
	}
	assert.Contains(t, actions, "team-notice-failed")
	assert.Contains(t, logs.String(), "team notice not sent")
	assert.NotContains(t, logs.String(), "sam@example.com")
}

// TestAnAcknowledgementAfterTheAnswerDateSaysItIsLate: the acknowledgement
// the team sends on naming an unclear mail's kinds, after its answer date,
// says the desk is late instead of promising the passed date.
func TestAnAcknowledgementAfterTheAnswerDateSaysItIsLate(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	rc, err := svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	assert.NotContains(t, mailer.sent[0].Text, "we are late")

	now = rc.Request.Due.Response.Add(time.Hour)
	m, err := svc.Acknowledgement(ctx, rc.Request)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "we are late")
	assert.NotContains(t, m.Text, "If we need more time")
}

// trailStore is a memStore that reads its trail, as *dynamo.Store does.
type trailStore struct{ *memStore }

func (s trailStore) Events(_ context.Context, id string) ([]request.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []request.Event
	for _, e := range s.events {
		if e.RequestID == id {
			out = append(out, e)
		}
	}
	return out, nil
}

// TestALateAcknowledgementKnowsTheOptOutsWereDone: after the opt-out date,
// the acknowledgement says the opt-outs were acted on when the trail says
// so, and that they are late otherwise.
func TestALateAcknowledgementKnowsTheOptOutsWereDone(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store, mailer := newMemStore(), &fakeMailer{}
	svc := newService(store, mailer, &now)
	svc.Store = trailStore{store}
	sub := validSubmission()
	sub.Kinds = []request.Kind{request.Deletion, request.OptOutSale}
	rc, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	now = rc.Request.Due.OptOut.Add(time.Hour)
	m, err := svc.Acknowledgement(ctx, rc.Request)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "we are late, and act on it at once")
	require.NoError(t, store.AppendEvent(ctx, request.Event{RequestID: rc.Request.ID, At: now, Action: request.ActionOptOutDone, Once: request.ActionOptOutDone}))
	m, err = svc.Acknowledgement(ctx, rc.Request)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "we have acted on yours already")
	assert.NotContains(t, m.Text, "act on it at once")
}
