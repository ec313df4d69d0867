package console_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
)

// SendHeldBack, on the fake intake, records the call and acknowledges the
// request as the intake would, without mail (the desk over the real
// intake, newFloodedDesk, mails it).
func (f *fakeIntake) SendHeldBack(_ context.Context, id, by string) (*request.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, "held-back "+id+" by "+by)
	return nil, errors.New("the fake intake sends no held-back acknowledgement: use newFloodedDesk")
}

// intakeStore is the desk's memStore as the intake writes it, with the
// caps' conditional writes as *dynamo.Store makes them.
type intakeStore struct {
	*memStore
	mu     sync.Mutex
	leases map[string]time.Time
	acks   map[string]map[string]bool
}

var (
	_ intake.Store = (*intakeStore)(nil)
	_ intake.Caps  = (*intakeStore)(nil)
)

func (s *intakeStore) Create(_ context.Context, r *request.Request) (*request.Request, bool, error) {
	s.memStore.mu.Lock()
	if got, ok := s.requests[r.ID]; ok {
		c := *got
		s.memStore.mu.Unlock()
		return &c, false, nil
	}
	s.memStore.mu.Unlock()
	s.put(r)
	c := *r
	return &c, true, nil
}

func (s *intakeStore) ClaimAcknowledgement(_ context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.memStore.mu.Lock()
	acknowledged := !s.requests[id].AcknowledgedAt.IsZero()
	s.memStore.mu.Unlock()
	if acknowledged {
		return false, nil
	}
	if until, ok := s.leases[id]; ok && !until.Before(now) {
		return false, nil
	}
	s.leases[id] = now.Add(lease)
	return true, nil
}

func (s *intakeStore) MarkAcknowledged(_ context.Context, id string, at time.Time, messageID string, next time.Time) error {
	s.memStore.mu.Lock()
	defer s.memStore.mu.Unlock()
	r := s.requests[id]
	if r == nil || r.Status != request.Received {
		return request.ErrConflict
	}
	r.AcknowledgedAt, r.AckMessageID, r.Status, r.NextDue = at, messageID, request.Acknowledged, next
	return nil
}

func (s *intakeStore) CountAcknowledgement(_ context.Context, email, day, what string, max int, _ time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := request.NormalizeEmail(email) + "|" + day
	if s.acks[k][what] {
		return true, nil
	}
	if len(s.acks[k]) >= max {
		return false, nil
	}
	if s.acks[k] == nil {
		s.acks[k] = map[string]bool{}
	}
	s.acks[k][what] = true
	return true, nil
}

func (s *intakeStore) ClaimResend(context.Context, string, time.Time, time.Duration) (bool, error) {
	return false, nil
}

func (s *intakeStore) MarkAckCapped(_ context.Context, id string, at time.Time) error {
	s.mu.Lock()
	delete(s.leases, id)
	s.mu.Unlock()
	s.memStore.mu.Lock()
	defer s.memStore.mu.Unlock()
	s.requests[id].AckCappedAt = at
	return nil
}

const teamInbox = "team@productionflow.example"

// floodedDesk is a desk whose requests come through the real intake, with
// the daily cap (3), the team told at once, verification links in the
// acknowledgement and a request workflow whose starts it records; the
// console's intake is the same service, as shared/setup/console wires it.
type floodedDesk struct {
	*desk
	in      *intake.Service
	caps    *intakeStore
	started []string
	failing error
}

func newFloodedDesk(t *testing.T) *floodedDesk {
	t.Helper()
	d := &floodedDesk{desk: newDesk(t)}
	d.caps = &intakeStore{memStore: d.store, leases: map[string]time.Time{}, acks: map[string]map[string]bool{}}
	now := func() time.Time { return d.now }
	d.in = &intake.Service{Store: d.caps, Calendar: d.cal, Mail: d.mail, Now: now, Actor: "system:intake-web",
		TeamAddress: "privacy@productionflow.example", NoticeTo: teamInbox, FormURL: "https://privacy.example/", Caps: d.caps,
		StartWorkflow: func(_ context.Context, r *request.Request) error {
			if d.failing != nil {
				return d.failing
			}
			d.started = append(d.started, r.ID)
			return nil
		},
		VerifyLinks: &verify.Links{Tokens: token.NewMemStore(), Issuer: token.Issuer{Now: now}, Base: "https://privacy.example/verify"}}
	d.Service.Intake = d.in
	return d
}

// flood submits three requests of other kinds from ada@example.com, then
// the one the cap holds back: a child's data (expedited); it returns that
// one's ID.
func (d *floodedDesk) flood(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	for i, k := range []request.Kind{request.Deletion, request.AccessCategories, request.Portability} {
		rc, err := d.in.Submit(ctx, intake.Submission{SourceID: fmt.Sprintf("web-flood-%04d-abcdefgh", i), Channel: request.Web, Declaration: true,
			Kinds: []request.Kind{k}, Requester: request.Identity{Name: "Ada Lovelace", Email: "ada@example.com", State: "CA"}})
		require.NoError(t, err)
		require.False(t, rc.Capped)
	}
	rc, err := d.in.Submit(ctx, intake.Submission{SourceID: "web-the-real-one-abcdefgh", Channel: request.Web,
		Kinds: []request.Kind{request.ChildData}, Subject: &request.Subject{Email: "sam@example.com"},
		Requester: request.Identity{Name: "Ada Lovelace", Email: "ada@example.com", State: "CA"}})
	require.NoError(t, err)
	require.True(t, rc.Capped)
	return rc.Request.ID
}

var verifyLink = regexp.MustCompile(`https://privacy\.example/verify\?t=[A-Za-z0-9_-]+`)

// TestSendTheHeldBackAcknowledgement replays the report on the console:
// three requests from one address, then a child's-data request the daily
// cap holds back. The team is told at once; the request's page says the
// acknowledgement was held back and offers to send it; its page says what
// sending does; sending it mails the requester the acknowledgement with
// the verification link, under the member's name, not counted against the
// cap, and starts the request's workflow; then it is no longer offered.
func TestSendTheHeldBackAcknowledgement(t *testing.T) {
	d := newFloodedDesk(t)
	id := d.flood(t)
	require.Len(t, d.mail.to(teamInbox), 1, "the team was told at once")
	require.Len(t, d.mail.to("ada@example.com"), 3)
	received := d.store.requests[id].ReceivedAt

	h, auth, _ := newConsole(t, d.desk)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	page := b.do("GET", "/console/requests/"+id, nil)
	require.Equal(t, http.StatusOK, page.Code)
	body := page.Body.String()
	assert.Contains(t, body, `<dt>Acknowledgement</dt><dd><strong class="overdue">held back</strong> by the per-address daily cap on automatic acknowledgements (<time datetime="`+d.now.UTC().Format(time.RFC3339)+`">`)
	assert.Contains(t, body, "the desk has not sent the requester its acknowledgement. Send it, or deny the request as excessive.</dd>")
	assert.Contains(t, body, `href="../requests/`+id+`/send-acknowledgement">Send the acknowledgement</a>`)
	assert.Contains(t, body, `href="../requests/`+id+`/deny">`)

	target := "/console/requests/" + id + "/" + console.ActionSendHeldBack
	confirm := b.do("GET", target, nil)
	require.Equal(t, http.StatusOK, confirm.Code, confirm.Body.String())
	body = confirm.Body.String()
	assert.Contains(t, body, "the requester has not been mailed, and nothing has started.")
	assert.Contains(t, body, `with the link to confirm the request, which works until <time datetime="`+received.Add(verify.DefaultTTL).UTC().Format(time.RFC3339)+`">`)
	assert.Contains(t, body, "(7 days from its receipt, as for any request)")
	assert.Contains(t, body, "It is not counted against the address's daily cap, and goes on the audit trail under your name.")
	assert.Contains(t, body, "Then the request's workflow starts: verification, then fulfilment.")
	assert.Contains(t, body, `/deny">deny the request</a> as excessive instead: the requester is mailed the reason.`)

	for name, form := range map[string]url.Values{"no token": {}, "a wrong token": {"csrf": {"forged"}}} {
		assert.Equal(t, http.StatusForbidden, b.do("POST", target, form).Code, name)
	}
	require.Len(t, d.mail.to("ada@example.com"), 3, "nothing sent without the session's token")

	d.now = d.now.Add(time.Hour)
	w := b.do("POST", target, url.Values{"csrf": {csrf(t, body)}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	done := w.Body.String()
	assert.Contains(t, done, "The acknowledgement is sent")
	assert.Contains(t, done, "the acknowledgement went out to the requester, with the link to confirm the request, which works until "+
		received.Add(verify.DefaultTTL).In(d.cal.Location()).Format("Monday, January 2, 2006 at 3:04 PM MST"))
	assert.Contains(t, done, "The request&#39;s workflow has started: verification, then fulfilment.")

	acks := d.mail.to("ada@example.com")
	require.Len(t, acks, 4, "the requester is sent the acknowledgement")
	assert.Contains(t, acks[3].Subject, id)
	assert.NotEmpty(t, verifyLink.FindString(acks[3].Text), "with the verification link")
	assert.Contains(t, acks[3].Text, received.Add(verify.DefaultTTL).In(d.cal.Location()).Format("Monday, January 2, 2006"))
	ev := eventsOf(d.desk, id, request.ActionAcknowledged)
	require.Len(t, ev, 1)
	assert.Equal(t, "team:alice", ev[0].Actor, "under the member's name")
	assert.Equal(t, []string{id}, d.started[len(d.started)-1:], "its workflow starts")
	assert.Equal(t, request.Acknowledged, d.store.requests[id].Status)
	assert.Len(t, d.caps.acks["ada@example.com|"+received.In(d.cal.Location()).Format(time.DateOnly)], 3, "not counted against the cap")
	assert.Len(t, d.mail.to(teamInbox), 1, "the team is not told again")

	page = b.do("GET", "/console/requests/"+id, nil)
	body = page.Body.String()
	assert.Contains(t, body, `held back by the per-address daily cap (<time datetime="`+received.UTC().Format(time.RFC3339)+`">`)
	assert.Contains(t, body, `; sent since, <time datetime="`+d.now.UTC().Format(time.RFC3339)+`">`)
	assert.Contains(t, body, ", by team:alice.</dd>")
	assert.NotContains(t, body, "/send-acknowledgement\"", "no longer offered")
	again := b.do("POST", target, url.Values{"csrf": {csrf(t, body)}})
	assert.Equal(t, http.StatusConflict, again.Code)
	assert.Contains(t, again.Body.String(), "its acknowledgement went out already")
	assert.Len(t, d.mail.to("ada@example.com"), 4)
}

// TestSendTheHeldBackAcknowledgementIsOfferedOnlyWhenHeldBack: the action
// is open to a received request whose acknowledgement the cap held back
// and nothing sent since; refused (409, nothing done) for any other.
func TestSendTheHeldBackAcknowledgementIsOfferedOnlyWhenHeldBack(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	capped := func(id string, status request.Status, kinds ...request.Kind) *request.Request {
		r := d.add(id, 1, status, kinds...)
		r.AckCappedAt = r.ReceivedAt
		if status == request.Received {
			r.AcknowledgedAt = time.Time{}
		}
		d.store.put(r)
		return r
	}
	open := capped("PR-HELD-AAAA-AAAA-AAAA", request.Received, request.Deletion)
	clarified := capped("PR-CLAR-AAAA-AAAA-AAAA", request.Received, request.Deletion)
	require.NoError(t, d.store.AppendEvent(ctx, request.Event{RequestID: clarified.ID, At: d.now, Actor: "team:alice",
		Action: request.ActionAcknowledgedClarified, Once: request.ActionAcknowledgedClarified}))
	tests := map[string]struct {
		r   *request.Request
		why string
	}{
		"never held back":               {d.add("PR-NORM-AAAA-AAAA-AAAA", 1, request.Acknowledged, request.Deletion), "the daily cap did not hold its acknowledgement back"},
		"sent since":                    {capped("PR-SENT-AAAA-AAAA-AAAA", request.Acknowledged, request.Deletion), "its acknowledgement went out already"},
		"closed":                        {capped("PR-DENY-AAAA-AAAA-AAAA", request.Denied, request.Deletion), "the request is closed"},
		"triaged":                       {clarified, "it was acknowledged when the team said what the mail asks for"},
		"moved on":                      {capped("PR-VRFY-AAAA-AAAA-AAAA", request.Verifying, request.Deletion), "its workflow has moved it on (it is verifying)"},
		"held back, nothing sent since": {open, ""},
	}
	// The desk's add acknowledges what is past received: clear it where
	// the case is a request the workflow moved on without it.
	for _, id := range []string{"PR-DENY-AAAA-AAAA-AAAA", "PR-VRFY-AAAA-AAAA-AAAA"} {
		r := d.store.requests[id]
		r.AcknowledgedAt = time.Time{}
	}
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			view, err := d.Request(ctx, tt.r.ID)
			require.NoError(t, err)
			assert.Equal(t, tt.why == "", view.Can(console.ActionSendHeldBack))
			w := b.do("GET", "/console/requests/"+tt.r.ID+"/"+console.ActionSendHeldBack, nil)
			if tt.why == "" {
				assert.Equal(t, http.StatusOK, w.Code)
				return
			}
			assert.Equal(t, http.StatusConflict, w.Code)
			assert.Contains(t, w.Body.String(), html(tt.why))
			_, err = d.SendHeldBack(ctx, alice, tt.r.ID)
			assert.ErrorIs(t, err, console.ErrNotAllowed)
		})
	}
	assert.Empty(t, d.intake.started, "the intake was never asked")
	assert.Empty(t, d.mail.sent)
}

// html is s as a page writes it.
func html(s string) string { return strings.ReplaceAll(s, "'", "&#39;") }

// TestAHeldBackRequestCanBeDeniedAsExcessive: the other way the team
// notice and the page offer: a request the cap held back (received) is
// denied as excessive, and the requester is mailed the reason.
func TestAHeldBackRequestCanBeDeniedAsExcessive(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-XCSS-AAAA-AAAA-AAAA", 0, request.Received, request.ChildData)
	r.AckCappedAt = r.ReceivedAt
	d.store.put(r)
	view, err := d.Request(ctx, r.ID)
	require.NoError(t, err)
	require.True(t, view.Can(console.ActionDeny))
	require.NoError(t, d.Deny(ctx, alice, r.ID, []mail.DenialItem{{Kind: request.ChildData, Reason: mail.DenyExcessive}}))
	assert.Equal(t, request.Denied, d.store.requests[r.ID].Status)
	n := d.mail.to(r.Requester.Email)
	require.Len(t, n, 1, "the requester is mailed the reason")
	assert.Contains(t, n[0].Text, mail.DenialReasonWords(mail.DenyExcessive, ""))
}

// TestTheHeldBackActionSaysWhatItSends: the action's page for other
// requests the cap held back: a link no longer working comes in its own
// mail; opt-outs alone are carried out without verification; unclear mail
// is asked what the person wants and cannot be denied yet; an agent's mail
// is answered to the agent, and one that named no consumer waits for them.
// (The mail behind each: shared/intake TestAHeldBackAcknowledgement….)
func TestTheHeldBackActionSaysWhatItSends(t *testing.T) {
	d := newDesk(t)
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	tests := []struct {
		name string
		edit func(r *request.Request)
		want []string
		not  []string
	}{
		{"its link expired", func(r *request.Request) { r.VerifyLinkUntil = d.now.Add(-time.Hour) },
			[]string{"Then the request's workflow starts: verification (the link to confirm comes in its own mail), then fulfilment."},
			[]string{"works until"}},
		{"opt-outs alone", func(r *request.Request) { r.Kinds = []request.Kind{request.OptOutSale} },
			[]string{"Then the request's workflow starts: its opt-outs are carried out without verification."}, nil},
		{"unclear mail", func(r *request.Request) { r.Channel, r.Kinds = request.Email, []request.Kind{request.Unclear} },
			[]string{"It asks the person what they would like us to do; say what the mail asks for once you know."},
			[]string{"/deny\"", "workflow starts"}},
		{"an agent's mail", func(r *request.Request) {
			r.Channel, r.Agent = request.Email, &request.Agent{Name: "Alex Agent", Email: "alex@agency.example"}
			r.Requester = request.Identity{Name: "Alex Agent", Email: "alex@agency.example"}
		}, []string{"the authorized agent has not been mailed", "Sending it mails the agent the acknowledgement intake would have sent.",
			"Nothing more starts until you name the consumer."}, []string{"workflow starts"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := d.add(fmt.Sprintf("PR-HELD-AAAA-AAAA-AAA%d", i), 0, request.Received, request.Deletion)
			r.AckCappedAt = r.ReceivedAt
			tt.edit(r)
			d.store.put(r)
			w := b.do("GET", "/console/requests/"+r.ID+"/"+console.ActionSendHeldBack, nil)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			for _, s := range tt.want {
				assert.Contains(t, w.Body.String(), s)
			}
			for _, s := range tt.not {
				assert.NotContains(t, w.Body.String(), s)
			}
		})
	}
}

// TestAHeldBackAcknowledgementWhoseWorkflowDoesNotStart: the page says the
// mail went out, and that the workflow did not start.
func TestAHeldBackAcknowledgementWhoseWorkflowDoesNotStart(t *testing.T) {
	d := newFloodedDesk(t)
	id := d.flood(t)
	d.failing = errors.New("states unavailable")
	h, auth, _ := newConsole(t, d.desk)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	confirm := b.do("GET", "/console/requests/"+id+"/"+console.ActionSendHeldBack, nil)
	require.Equal(t, http.StatusOK, confirm.Code)
	w := b.do("POST", "/console/requests/"+id+"/"+console.ActionSendHeldBack, url.Values{"csrf": {csrf(t, confirm.Body.String())}})
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Contains(t, w.Body.String(), "The acknowledgement went out; the workflow did not start")
	assert.Len(t, d.mail.to("ada@example.com"), 4, "the mail did go out")
	assert.Len(t, eventsOf(d.desk, id, request.ActionAcknowledged), 1, "and is on the trail")
	assert.NotContains(t, d.started, id)
}
