package intake

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/metric"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/verify"
)

// Store is what intake needs of the request store (*dynamo.Store).
type Store interface {
	Create(ctx context.Context, r *request.Request) (*request.Request, bool, error)
	Get(ctx context.Context, id string) (*request.Request, error)
	EarlierRequests(ctx context.Context, email string) ([]string, error)
	ClaimAcknowledgement(ctx context.Context, id string, now time.Time, lease time.Duration) (bool, error)
	MarkAcknowledged(ctx context.Context, id string, at time.Time, messageID string, nextDue time.Time) error
	AppendEvent(ctx context.Context, ev request.Event) error
}

// Calendar computes the legal deadlines (*clock.Calendar).
type Calendar interface {
	Deadlines(received time.Time, kinds []request.Kind, p request.Priority) request.Due
	Location() *time.Location
}

// Service creates requests idempotently and acknowledges them.
type Service struct {
	Store    Store
	Calendar Calendar
	Mail     mail.Sender
	Now      func() time.Time
	Log      *slog.Logger
	// Actor names the intake in audit events, e.g. "system:intake-web".
	Actor string
	// Metrics, when set, counts each request created by channel and kind.
	Metrics *metric.Writer
	// TeamAddress is where requesters can write to the privacy team.
	TeamAddress string
	// NoticeTo is where the team is told at once of a new request that
	// needs them (mail.NeedsTeam): the team's address (TEAM_ADDRESS) in
	// every deployment; empty tells nobody.
	NoticeTo string
	// FormURL is the public web form, offered in mail.
	FormURL string
	// AckLease bounds how long one sender holds the right to send an
	// acknowledgement before a retry may send it; 0 means two minutes.
	AckLease time.Duration
	// StartWorkflow, when set, starts the request workflow of a stored
	// request (verification, then fulfilment; named by the request ID).
	// StartWorkflows calls it only for a request whose kinds are known.
	StartWorkflow func(ctx context.Context, r *request.Request) error
	// Caps, when set, bounds the automatic mail one address can draw:
	// AcksPerAddressPerDay acknowledgements a day (default 3), and while
	// an unverified request of the same kinds for the address is open, a
	// new submission opens nothing and re-sends its acknowledgement at
	// most once per ResendEvery (default an hour).
	Caps                 Caps
	AcksPerAddressPerDay int
	ResendEvery          time.Duration
	// StatusLinks, when set, issues the link to the request's status page
	// that the acknowledgement and the opt-out confirmation carry.
	StatusLinks StatusLinks
	// VerifyLinks, when set with StartWorkflow, issues the verification
	// link the acknowledgement of a request to be verified carries, so
	// the requester gets one mail, not an acknowledgement and then the
	// link; the request records it (request.Request.VerifyLinkUntil) and
	// the workflow's verification step mails nothing.
	VerifyLinks VerifyLinks
}

// VerifyLinks issues a verification link for a request that works until
// a given time (*verify.Links).
type VerifyLinks interface {
	Issue(ctx context.Context, requestID string, until time.Time) (string, error)
}

// linksVerification reports whether r's acknowledgement will carry its
// verification link: it is verified (not only opt-outs, kinds known), its
// acknowledgement goes to the requester's own address (not an agent's
// reply, not the unclear-mail question), and a workflow will wait for the
// link.
func (s *Service) linksVerification(r *request.Request) bool {
	if s.VerifyLinks == nil || s.StartWorkflow == nil || r.OnlyOptOuts() || slices.Contains(r.Kinds, request.Unclear) {
		return false
	}
	return r.Channel != request.Email || r.Agent == nil
}

// Caps counts automatic mail per address with conditional writes
// (*dynamo.Store).
type Caps interface {
	// CountAcknowledgement counts the automatic mail what (a request's
	// ID, a message's) to email on day, once however often it is called
	// for the same what, and reports whether it is within max.
	CountAcknowledgement(ctx context.Context, email, day, what string, max int, now time.Time) (bool, error)
	ClaimResend(ctx context.Context, id string, now time.Time, every time.Duration) (bool, error)
	// MarkAckCapped records on the request that its acknowledgement was
	// not sent because of the cap (request.Request.AckCappedAt).
	MarkAckCapped(ctx context.Context, id string, at time.Time) error
}

// errAckCapped is acknowledge's answer for a request whose address had its
// automatic mails for the day.
var errAckCapped = errors.New("acknowledgement capped for the address today")

// errAckInProgress is acknowledge's answer while another delivery of the
// same submission holds the claim on the acknowledgement and is sending it.
var errAckInProgress = errors.New("acknowledgement being sent by another delivery")

// Defaults of the caps.
const (
	DefaultAcksPerAddressPerDay = 3
	DefaultResendEvery          = time.Hour
	// earlierChecked bounds how many of an address's latest requests a
	// submission is compared with.
	earlierChecked = 10
)

// ErrSubmissionReused means a submission came with the source ID of an
// earlier one but asks something else (another address, other kinds,
// another person): it is not stored, and the earlier request is neither
// changed nor shown. Send it again with a new submission ID.
var ErrSubmissionReused = errors.New("submission ID already used for a different request")

// Receipt is what the requester is told after submitting.
type Receipt struct {
	Request *request.Request
	// Created is false when the same submission arrived before.
	Created bool
	// AlreadyOpen: an unverified request of the same kinds for the same
	// address was open, so nothing new was opened; Request is that one
	// (not to be shown: the submitter has proven nothing, so neither is
	// why no mail went out). Resent says whether its acknowledgement went
	// out again (or, never sent before, now).
	AlreadyOpen, Resent bool
	// Capped: the request was stored, but the address had its automatic
	// mails for the day, so no acknowledgement went out and its request
	// workflow waits for the team, who were told at once (the team
	// notice, mail.TeamNotice.HeldBack) and send the acknowledgement
	// (SendHeldBack) or deny the request.
	Capped bool
}

// Submit validates a submission (a FieldErrors error when it is invalid), stores it as a request once (the same
// source ID always yields the same request), records it on the audit
// trail, and acknowledges it once. Calling it again with the same
// submission — a double click, a Lambda retry, a redelivered email — finishes
// whatever an earlier call left undone and sends nothing twice.
func (s *Service) Submit(ctx context.Context, sub Submission) (*Receipt, error) {
	sub.normalize()
	if fe := sub.Validate(); fe != nil {
		return nil, fe
	}
	now := s.Now()
	id := request.NewID(sub.Channel, sub.SourceID)
	if sub.Channel == request.Web {
		id = request.WebID(sub.SourceID, sub.Requester.Email)
	}

	earlier, err := s.Store.EarlierRequests(ctx, sub.Requester.Email)
	if err != nil {
		return nil, fmt.Errorf("submit %s: %w", id, err)
	}
	if s.Caps != nil && !slices.Contains(earlier, id) {
		rc, err := s.alreadyOpen(ctx, earlier, sub)
		if err != nil || rc != nil {
			return rc, err
		}
	}
	r := &request.Request{
		ID:          id,
		SourceID:    sub.SourceID,
		Kinds:       sub.Kinds,
		Status:      request.Received,
		Channel:     sub.Channel,
		Priority:    sub.Priority,
		Regulation:  sub.Regulation,
		Requester:   sub.Requester,
		Agent:       sub.Agent,
		Details:     sub.Details,
		Subject:     sub.Subject,
		Corrections: sub.corrections(),
		GPC:         sub.GPC,
		ReceivedAt:  now,
		Due:         s.Calendar.Deadlines(now, sub.Kinds, sub.Priority),
		Language:    sub.Language,
		DuplicateOf: earlier,
		UpdatedAt:   now,
	}
	if s.linksVerification(r) {
		r.VerifyLinkUntil = now.Add(verify.DefaultTTL)
	}
	r.Fingerprint = r.ContentFingerprint()
	var stored *request.Request
	var created, claimed bool
	if cc, ok := s.Store.(claimingCreator); ok {
		// The claim on the acknowledgement in the same write: one fewer.
		stored, created, err = cc.CreateClaimed(ctx, r, now.Add(s.ackLease()))
		claimed = created
	} else {
		stored, created, err = s.Store.Create(ctx, r)
	}
	if err != nil {
		return nil, fmt.Errorf("submit %s: %w", id, err)
	}
	if !created && sub.Channel == request.Web && !stored.SameContent(r) {
		// Another request under a submission ID already used: neither
		// stored over the first nor answered with it. (An email's source ID
		// names one stored message, so it is always the same request.)
		s.Logger().InfoContext(ctx, "submission ID reused with different content; refused", "requestId", id)
		return nil, ErrSubmissionReused
	}
	createdEv := request.Event{
		RequestID: id, At: stored.ReceivedAt, Actor: s.AuditActor(), Action: request.ActionCreated, Once: request.ActionCreated,
		Data: map[string]string{
			"channel":    string(stored.Channel),
			"kinds":      joinKinds(stored.Kinds),
			"priority":   string(stored.Priority),
			"gpc":        strconv.FormatBool(stored.GPC),
			"duplicates": strconv.Itoa(len(stored.DuplicateOf)),
		},
	}
	if sub.Declaration {
		// The signed declaration a copy of the data needs, made on the
		// form: the confirmation page does not ask it again.
		createdEv.Data["declaration"] = "signed"
	}
	// The created event needs no read of whether the request closed when
	// this call goes on to mark the acknowledgement (which finds the
	// request open, after the event); otherwise settle reads it. A store
	// that writes unconditional records together takes it with the first
	// write acknowledging makes (the links' tokens), or alone should
	// acknowledging write nothing.
	oa, early := s.Store.(openAppender)
	wasAcknowledged := !stored.AcknowledgedAt.IsZero()
	var first []request.Event
	switch _, batching := s.Store.(batchWriter); {
	case early && batching && created:
		// Only the call that created the request: the event is made of
		// the stored request, which triage may change later, and a call
		// that finds it stored must not write the event again.
		first = []request.Event{createdEv}
	case early:
		err = oa.AppendEventOpen(ctx, createdEv)
	default:
		err = s.Store.AppendEvent(ctx, createdEv)
	}
	if err != nil {
		return nil, fmt.Errorf("submit %s: %w", id, err)
	}
	settle := func() error {
		if !early || (!wasAcknowledged && !stored.AcknowledgedAt.IsZero()) {
			return nil // marked by this call, after the event
		}
		if err := oa.ExpireIfClosed(ctx, id); err != nil {
			return fmt.Errorf("submit %s: %w", id, err)
		}
		return nil
	}
	if created {
		for _, k := range stored.Kinds {
			s.Metrics.Count(metric.Requests, "Channel", string(stored.Channel), "Kind", string(k))
		}
	}
	s.Logger().LogAttrs(ctx, slog.LevelInfo, "request received", slog.String("requestId", id), slog.Bool("new", created),
		slog.String("channel", string(stored.Channel)), slog.String("kinds", joinKinds(stored.Kinds)), slog.Int("duplicates", len(stored.DuplicateOf)))

	err = s.acknowledge(ctx, stored, claimed, first, "")
	if serr := settle(); serr != nil {
		return nil, errors.Join(err, serr)
	}
	if errors.Is(err, errAckCapped) {
		// No more mail goes to the address today: the team was told at
		// once, and sends the acknowledgement (SendHeldBack) or denies the
		// request from the console.
		return &Receipt{Request: stored, Created: created, Capped: true}, nil
	}
	if errors.Is(err, errAckInProgress) {
		// Another delivery of the same submission is sending the
		// acknowledgement and starts the workflows once it is recorded; a
		// workflow started now could move the request on before the
		// acknowledgement is marked, which then could not be. The hourly
		// deadline sweep tells the team should that delivery fail.
		return &Receipt{Request: stored, Created: created}, nil
	}
	if err != nil {
		return nil, err
	}
	// Started on every call, after the acknowledgement: a start for the same
	// request is harmless, and a retry after a crash still starts it.
	if err := s.StartWorkflows(ctx, stored); err != nil {
		return nil, fmt.Errorf("submit %s: %w", id, err)
	}
	return &Receipt{Request: stored, Created: created}, nil
}

// alreadyOpen finds an open, unverified request of the same kinds among the
// address's latest; when there is one, nothing new is opened and its
// acknowledgement is sent again, at most once per ResendEvery.
func (s *Service) alreadyOpen(ctx context.Context, earlier []string, sub Submission) (*Receipt, error) {
	latest, err := s.latest(ctx, earlier)
	if err != nil {
		return nil, err
	}
	for _, r := range latest {
		if r == nil || !awaitingVerification(r.Status) || !sameKinds(r.Kinds, sub.Kinds) ||
			!strings.EqualFold(r.Requester.Email, sub.Requester.Email) || !sameParty(r, sub) {
			continue
		}
		if r.AcknowledgedAt.IsZero() && r.AckCappedAt.IsZero() {
			// Its acknowledgement never went out (the call that stored it
			// failed after): send it now, as a retry of that call would,
			// and start what follows it.
			return s.acknowledgeOpen(ctx, r, sub)
		}
		now := s.Now()
		every := cmp.Or(s.ResendEvery, DefaultResendEvery)
		// Re-sent at most once per every, counting the acknowledgement
		// itself; never when it was held back by the daily cap.
		// Nor once the link it carried has expired: the request is about
		// to be closed unverified, with a notice.
		resend := false
		linkExpired := !r.VerifyLinkUntil.IsZero() && !now.Before(r.VerifyLinkUntil)
		if !r.AcknowledgedAt.IsZero() && !now.Before(r.AcknowledgedAt.Add(every)) && !linkExpired {
			if resend, err = s.Caps.ClaimResend(ctx, r.ID, now, every); err != nil {
				return nil, fmt.Errorf("submit: %w", err)
			}
		}
		if resend {
			msg, err := s.Acknowledgement(ctx, r)
			if err != nil {
				return nil, fmt.Errorf("resend %s: %w", r.ID, err)
			}
			if _, err := s.Mail.Send(ctx, msg); err != nil {
				return nil, fmt.Errorf("resend %s: send: %w", r.ID, err)
			}
		}
		return s.joined(ctx, r, sub, resend)
	}
	return nil, nil
}

// joined records that submission sub joined open request r (resent: its
// acknowledgement went out now) and is the submitter's receipt.
func (s *Service) joined(ctx context.Context, r *request.Request, sub Submission, resent bool) (*Receipt, error) {
	if err := s.Store.AppendEvent(ctx, request.Event{
		RequestID: r.ID, At: s.Now(), Actor: s.AuditActor(), Action: request.ActionDuplicateSubmission,
		Reason: "the same address asked for the same again while this request waits for its confirmation",
		Data:   map[string]string{"channel": string(sub.Channel), "resent": strconv.FormatBool(resent)},
	}); err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	s.Logger().InfoContext(ctx, "submission joins an open request", "requestId", r.ID, "resent", resent)
	return &Receipt{Request: r, AlreadyOpen: true, Resent: resent}, nil
}

// acknowledgeOpen joins a submission to open request r whose
// acknowledgement never went out, and sends it (unless the address had
// its mail for the day, or another call is sending it).
func (s *Service) acknowledgeOpen(ctx context.Context, r *request.Request, sub Submission) (*Receipt, error) {
	err := s.acknowledge(ctx, r, false, nil, "")
	sent := err == nil
	if err != nil && !errors.Is(err, errAckCapped) && !errors.Is(err, errAckInProgress) {
		return nil, err
	}
	if sent {
		if err := s.StartWorkflows(ctx, r); err != nil {
			return nil, fmt.Errorf("submit: %w", err)
		}
	}
	return s.joined(ctx, r, sub, sent)
}

// manyGetter reads several requests in one call (*dynamo.Store).
type manyGetter interface {
	GetMany(ctx context.Context, ids []string) ([]*request.Request, error)
}

// latest reads the address's latest requests (at most earlierChecked of
// earlier, oldest first), newest first: in one call when the store can.
func (s *Service) latest(ctx context.Context, earlier []string) ([]*request.Request, error) {
	ids := earlier[max(0, len(earlier)-earlierChecked):]
	var rs []*request.Request
	if mg, ok := s.Store.(manyGetter); ok {
		got, err := mg.GetMany(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("submit: read earlier requests: %w", err)
		}
		rs = got
	} else {
		for _, id := range ids {
			r, err := s.Store.Get(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("submit: read earlier request: %w", err)
			}
			rs = append(rs, r)
		}
	}
	slices.Reverse(rs)
	return rs, nil
}

// countAcknowledgement counts r's acknowledgement against its address's
// daily cap; past the cap it tells the team at once, records that on the
// request and its trail, and returns errAckCapped.
func (s *Service) countAcknowledgement(ctx context.Context, r *request.Request) error {
	if s.Caps == nil {
		return nil
	}
	now := s.Now()
	day := now.In(s.Calendar.Location()).Format(time.DateOnly)
	ok, err := s.Caps.CountAcknowledgement(ctx, r.Requester.Email, day, r.ID, cmp.Or(s.AcksPerAddressPerDay, DefaultAcksPerAddressPerDay), now)
	if err != nil {
		return fmt.Errorf("acknowledge %s: %w", r.ID, err)
	}
	if ok {
		return nil
	}
	// Before the request is marked capped, under the same claim as the
	// acknowledgement would have been sent: told once, as the notice of
	// a sent one is (a retry after the mark finds it capped and sends
	// nothing; a crash before the mark may tell the team twice, never
	// not at all).
	s.tellTeam(ctx, r, true)
	if err := s.Caps.MarkAckCapped(ctx, r.ID, now); err != nil {
		return fmt.Errorf("acknowledge %s: %w", r.ID, err)
	}
	r.AckCappedAt = now
	if err := s.Store.AppendEvent(ctx, request.Event{
		RequestID: r.ID, At: now, Actor: s.AuditActor(), Action: request.ActionAcknowledgementCapped, Once: request.ActionAcknowledgementCapped,
		Reason: "the address has had its automatic mails for the day: the acknowledgement is held back, and the team was told to send it or deny the request",
	}); err != nil {
		return fmt.Errorf("acknowledge %s: %w", r.ID, err)
	}
	s.Logger().InfoContext(ctx, "acknowledgement capped", "requestId", r.ID)
	return errAckCapped
}

// sameParty reports whether sub is about the same person as r, besides its
// address: the same child (or none), and the same agent (or none). Where
// the desk cannot tell who it is about from what it stored — a child known
// by name alone or not at all, an agent's mail that names no consumer, an
// unclear mail — only the same words join (one address writes about one
// child, or consumer, or thing after another).
func sameParty(r *request.Request, sub Submission) bool {
	if (r.Subject == nil) != (sub.Subject == nil) || (r.Agent == nil) != (sub.Agent == nil) {
		return false
	}
	sameWords := strings.TrimSpace(r.Details) == strings.TrimSpace(sub.Details)
	if slices.Contains(r.Kinds, request.Unclear) && !sameWords {
		return false
	}
	if r.Subject != nil {
		if request.NormalizeEmail(r.Subject.Email) != request.NormalizeEmail(sub.Subject.Email) ||
			!strings.EqualFold(strings.TrimSpace(r.Subject.Account), strings.TrimSpace(sub.Subject.Account)) {
			return false
		}
		if r.Subject.Email == "" && r.Subject.Account == "" &&
			(!strings.EqualFold(strings.TrimSpace(r.Subject.Name), strings.TrimSpace(sub.Subject.Name)) || !sameWords) {
			return false
		}
	}
	if slices.Contains(r.Kinds, request.ChildData) && r.Subject == nil && !sameWords {
		return false // a child not identified at all
	}
	if r.Agent == nil {
		return true
	}
	if request.NormalizeEmail(r.Agent.Email) != request.NormalizeEmail(sub.Agent.Email) {
		return false
	}
	return !r.ConsumerUnknown() || sameWords
}

// awaitingVerification reports whether a request in status st is open and
// not yet verified.
func awaitingVerification(st request.Status) bool {
	return st == request.Received || st == request.Acknowledged || st == request.Verifying
}

func sameKinds(a, b []request.Kind) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// StartWorkflows starts what follows a stored, acknowledged request: its
// request workflow, unless the request is unclear or an authorized agent's
// whose consumer is not named. An unclear request waits for triage: the
// team, or the person's reply to the question what they would like us to
// do, names its kinds before anyone is asked to verify anything. An
// agent's waits for the team to name the consumer, who then confirms
// directly: the agent is never verified in the consumer's place, nor is
// anything done to the agent's own data. Starting the same request again
// is harmless (the execution is named by the request ID). Its deadlines
// need nothing started: the hourly deadline sweep reads every open
// request.
func (s *Service) StartWorkflows(ctx context.Context, r *request.Request) error {
	if s.StartWorkflow != nil && !slices.Contains(r.Kinds, request.Unclear) && !r.ConsumerUnknown() {
		if err := s.StartWorkflow(ctx, r); err != nil {
			return fmt.Errorf("start request workflow: %w", err)
		}
	}
	return nil
}

// Acknowledge sends the acknowledgement of a stored request unless it went
// out before. It is the one place the acknowledgement is sent from.
func (s *Service) Acknowledge(ctx context.Context, id string) (*request.Request, error) {
	r, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("acknowledge %s: %w", id, err)
	}
	if err := s.acknowledge(ctx, r, false, nil, ""); err != nil && !errors.Is(err, errAckInProgress) {
		return r, err
	}
	return r, nil
}

// Errors of SendHeldBack.
var (
	// ErrNotHeldBack: the request has no acknowledgement held back to
	// send: the daily cap never held it back, it went out since, or the
	// request moved on from received (closed, or triaged and acknowledged
	// in the words of its kinds).
	ErrNotHeldBack = errors.New("no acknowledgement held back by the daily cap")
	// ErrNotStarted: the acknowledgement went out and is recorded, but the
	// request's workflow could not be started.
	ErrNotStarted = errors.New("the request's workflow did not start")
)

// SendHeldBack sends, at the team's word, the acknowledgement of request id
// that its address's daily cap held back (request.Request.AckCappedAt), as
// intake would have sent it: in the words of its channel and kinds, with
// the verification link while the request's link works (until
// VerifyLinkUntil, as for any request; after that the request workflow
// mails one). It is not counted against the cap (the team decided) and is
// recorded on the trail under by, the member ("team:<username>"), with the
// mail's ID; then the request's workflows start (StartWorkflows: none for
// unclear mail, which waits for its kinds). It returns the request as
// acknowledged. ErrNotHeldBack when there is nothing held back to send;
// request.ErrConflict while another call holds the claim on sending it;
// ErrNotStarted when the mail went out but the workflow did not start.
func (s *Service) SendHeldBack(ctx context.Context, id, by string) (*request.Request, error) {
	if by == "" {
		return nil, fmt.Errorf("send held-back acknowledgement of %s: no sender named", id)
	}
	r, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("send held-back acknowledgement of %s: %w", id, err)
	}
	if r.AckCappedAt.IsZero() || !r.AcknowledgedAt.IsZero() || r.Status != request.Received {
		return nil, fmt.Errorf("send held-back acknowledgement of %s: %w", id, ErrNotHeldBack)
	}
	if !r.VerifyLinkUntil.IsZero() && s.Now().Before(r.VerifyLinkUntil) && (s.VerifyLinks == nil || s.StartWorkflow == nil) {
		// Without its link the request workflow, seeing an acknowledgement
		// sent while the link works, would mail none.
		return nil, fmt.Errorf("send held-back acknowledgement of %s: its verification link cannot be issued or awaited here", id)
	}
	switch err := s.acknowledge(ctx, r, false, nil, by); {
	case errors.Is(err, errAckInProgress):
		return nil, fmt.Errorf("send held-back acknowledgement of %s: being sent: %w", id, request.ErrConflict)
	case err != nil:
		return nil, err
	}
	if err := s.StartWorkflows(ctx, r); err != nil {
		return r, fmt.Errorf("send held-back acknowledgement of %s: %w: %w", id, ErrNotStarted, err)
	}
	return r, nil
}

// claimingCreator is a Store that creates a request with the claim on its
// acknowledgement already taken, in the same conditional write
// (*dynamo.Store).
type claimingCreator interface {
	CreateClaimed(ctx context.Context, r *request.Request, leaseUntil time.Time) (*request.Request, bool, error)
}

// ackLease is AckLease, or two minutes.
func (s *Service) ackLease() time.Duration {
	return cmp.Or(s.AckLease, 2*time.Minute)
}

// acknowledge sends r's acknowledgement unless it went out before;
// claimed says this call holds the claim on it already (it created the
// request with the claim). first are events to write before anything
// else, unconditionally (batchWriter): with the links' tokens before the
// mail goes out, or alone when no mail goes. by is "" for the intake's
// own acknowledgement (counted against the address's daily cap, the team
// told of a request that needs them); otherwise the team member
// ("team:<username>") sending one the cap held back: not counted (the
// team decided), nobody told (the team knows), and recorded under them.
func (s *Service) acknowledge(ctx context.Context, r *request.Request, claimed bool, first []request.Event, by string) (err error) {
	bw, batching := s.Store.(batchWriter)
	oa, early := s.Store.(openAppender)
	batching = batching && early
	defer func() {
		if len(first) == 0 {
			return
		}
		// Not written with the tokens: alone. A failure fails the call
		// whatever it answered (a caller retries; capped or in progress
		// would not).
		if werr := bw.WriteAll(ctx, first, nil, nil); werr != nil {
			werr = fmt.Errorf("acknowledge %s: %w", r.ID, werr)
			if err != nil && !errors.Is(err, errAckCapped) && !errors.Is(err, errAckInProgress) {
				werr = errors.Join(err, werr)
			}
			err = werr
		}
	}()
	if r.AcknowledgedAt.IsZero() && !r.AckCappedAt.IsZero() && by == "" {
		return errAckCapped
	}
	if r.AcknowledgedAt.IsZero() {
		won := claimed
		if !won {
			var err error
			if won, err = s.Store.ClaimAcknowledgement(ctx, r.ID, s.Now(), s.ackLease()); err != nil {
				return fmt.Errorf("acknowledge %s: %w", r.ID, err)
			}
		}
		if !won {
			// Another delivery of the same submission is sending it now.
			s.Logger().InfoContext(ctx, "acknowledgement already in progress", "requestId", r.ID)
			return errAckInProgress
		}
		// Rendered before the count, so that the created event goes in
		// the first write after the request's with the links' tokens (which
		// a capped acknowledgement leaves unused, to expire).
		var links *drawnLinks
		if batching {
			links = &drawnLinks{}
		}
		msg, err := s.acknowledgement(ctx, r, links)
		if err != nil {
			return fmt.Errorf("acknowledge %s: %w", r.ID, err)
		}
		if batching {
			// The links work before the mail that carries them goes out.
			if err := bw.WriteAll(ctx, first, links.records, nil); err != nil {
				return fmt.Errorf("acknowledge %s: %w", r.ID, err)
			}
			first = nil
		}
		if by == "" {
			if err := s.countAcknowledgement(ctx, r); err != nil {
				return err
			}
		}
		messageID, sent, err := s.send(ctx, msg, batching)
		if err != nil {
			return fmt.Errorf("acknowledge %s: send: %w", r.ID, err)
		}
		// Under the same claim as the acknowledgement, so it goes out once
		// as the acknowledgement does.
		if by == "" {
			s.tellTeam(ctx, r, false)
		}
		at := s.Now()
		next := r.Due.Response
		if r.OnlyOptOuts() {
			next = r.Due.OptOut
		}
		if next.IsZero() {
			next = r.Due.Next()
		}
		if early {
			// Recorded before the acknowledgement is marked: marking it
			// finds the request open (received), so a close can only come
			// after, and its sweep of the trail finds the event. No read
			// after the put. With the record of the mail sent, when the
			// store writes the two together (keyed by the mail's ID: a
			// mail without one is recorded with a condition).
			ev := s.ackEvent(r, at, messageID, by)
			if batching && messageID != "" {
				err = bw.WriteAll(ctx, []request.Event{ev}, nil, sent)
			} else {
				err = oa.AppendEventOpen(ctx, ev)
			}
			if err != nil {
				return fmt.Errorf("acknowledge %s: %w", r.ID, err)
			}
		}
		if err := s.Store.MarkAcknowledged(ctx, r.ID, at, messageID, next); err != nil {
			if early {
				if xerr := oa.ExpireIfClosed(ctx, r.ID); xerr != nil {
					err = errors.Join(err, xerr)
				}
			}
			return fmt.Errorf("acknowledge %s: %w", r.ID, err)
		}
		r.AcknowledgedAt, r.AckMessageID, r.Status = at, messageID, request.Acknowledged
		s.Logger().LogAttrs(ctx, slog.LevelInfo, "acknowledgement sent", slog.String("requestId", r.ID), slog.String("messageId", messageID))
		if early {
			return nil // its event was written before the mark
		}
	} else if early {
		// Acknowledged before: the call that marked it wrote its event
		// first.
		return nil
	}
	if err := s.Store.AppendEvent(ctx, s.ackEvent(r, r.AcknowledgedAt, r.AckMessageID, by)); err != nil {
		return fmt.Errorf("acknowledge %s: %w", r.ID, err)
	}
	return nil
}

// send sends msg. With deferRecord, a sender that records sent mail
// (*mail.Threading) leaves the record to the caller, returned in sent, to
// be written with the caller's own.
func (s *Service) send(ctx context.Context, msg mail.Message, deferRecord bool) (messageID string, sent []mail.Sent, err error) {
	if us, ok := s.Mail.(unrecordedSender); ok && deferRecord {
		id, rec, ok, err := us.SendUnrecorded(ctx, msg)
		if ok {
			sent = []mail.Sent{rec}
		}
		return id, sent, err
	}
	messageID, err = s.Mail.Send(ctx, msg)
	return messageID, nil, err
}

// batchWriter writes records that need no condition in one call
// (*dynamo.Store's WriteAll): the created and acknowledged events, the
// links' tokens, the record of the mail sent.
type batchWriter interface {
	WriteAll(ctx context.Context, events []request.Event, tokens []token.Record, sent []mail.Sent) error
}

// unrecordedSender sends a mail and hands back the record of it a reply
// finds its request by, for the caller to write (*mail.Threading).
type unrecordedSender interface {
	SendUnrecorded(ctx context.Context, m mail.Message) (string, mail.Sent, bool, error)
}

// openAppender appends an event without reading, after the put, whether
// its request has closed, for an event written before a conditional write
// that finds the request open; ExpireIfClosed does the read when that
// write fails (*dynamo.Store).
type openAppender interface {
	AppendEventOpen(ctx context.Context, ev request.Event) error
	ExpireIfClosed(ctx context.Context, id string) error
}

// ackEvent is the acknowledged event of r's acknowledgement sent at at as
// messageID: the mail's ID and, when it carried the verification link,
// until when the link works. It is keyed by the mail's ID: written without
// a condition (batchWriter), it is the same record each time it is
// written, and a second acknowledgement (sent by a retry after the first
// could not be marked) is a second event, not the first one overwritten.
// by, when set, is the team member who sent it after the daily cap held
// it back: the event is theirs.
func (s *Service) ackEvent(r *request.Request, at time.Time, messageID, by string) request.Event {
	d := map[string]string{"messageId": messageID}
	if !r.VerifyLinkUntil.IsZero() && at.Before(r.VerifyLinkUntil) {
		d["verifyLinkUntil"] = r.VerifyLinkUntil.UTC().Format(time.RFC3339)
	}
	once := request.ActionAcknowledged
	if messageID != "" {
		once += ":" + messageID
	}
	ev := request.Event{RequestID: r.ID, At: at, Actor: s.AuditActor(), Action: request.ActionAcknowledged,
		Once: once, Data: d}
	if by != "" {
		ev.Actor, ev.Reason = by, "the team sent the acknowledgement the address's daily cap held back"
	}
	return ev
}

// tellTeam writes to the team of a new request that needs them at once
// (mail.NeedsTeam), or of any whose acknowledgement the daily cap held
// back (heldBack: the notice says so, and what the team can do), and
// records it. A notice that fails is recorded and logged; it never fails
// the submission: the request is stored and the team's digest and
// deadline reminders list it.
func (s *Service) tellTeam(ctx context.Context, r *request.Request, heldBack bool) {
	if s.NoticeTo == "" || (!heldBack && !mail.NeedsTeam(r)) {
		return
	}
	msg, err := mail.RenderTeamNotice(s.NoticeTo, mail.TeamNotice{
		RequestID: r.ID, Kinds: r.Kinds, Channel: r.Channel, Priority: r.Priority, Regulation: r.Regulation,
		ReceivedAt: r.ReceivedAt, Due: r.Due, Location: s.Calendar.Location(), HeldBack: heldBack, AwaitsConsumer: r.ConsumerUnknown(),
	})
	messageID := ""
	if err == nil {
		messageID, err = s.Mail.Send(ctx, msg)
	}
	ev := request.Event{RequestID: r.ID, At: s.Now(), Actor: s.AuditActor(), Action: request.ActionTeamNotified, Once: request.ActionTeamNotified,
		Data: map[string]string{"messageId": messageID}}
	if heldBack {
		ev.Reason = "the acknowledgement was held back by the address's daily cap"
	}
	if err != nil {
		s.Logger().ErrorContext(ctx, "team notice not sent", "requestId", r.ID, "error", err)
		ev.Action, ev.Once, ev.Reason, ev.Data = request.ActionTeamNoticeFailed, request.ActionTeamNoticeFailed, "the mail to the team could not be sent", nil
		if heldBack {
			ev.Reason += " (of an acknowledgement the address's daily cap held back)"
		}
	} else {
		s.Logger().InfoContext(ctx, "team notified", "requestId", r.ID, "messageId", messageID)
	}
	if err := s.Store.AppendEvent(ctx, ev); err != nil {
		s.Logger().ErrorContext(ctx, "team notice not recorded", "requestId", r.ID, "error", err)
	}
}

// Acknowledgement is the acknowledgement of r in the wording its channel
// and kinds call for, its links stored.
func (s *Service) Acknowledgement(ctx context.Context, r *request.Request) (mail.Message, error) {
	return s.acknowledgement(ctx, r, nil)
}

// acknowledgement is Acknowledgement; with links set, the tokens of its
// links are drawn into links and not stored (the caller stores them before
// sending it).
func (s *Service) acknowledgement(ctx context.Context, r *request.Request, links *drawnLinks) (mail.Message, error) {
	if m, ok, err := s.renderEmail(r); ok {
		return m, err // unclear mail and agents' mail get their own reply (email.go)
	}
	loc := s.Calendar.Location()
	if r.OnlyOptOuts() {
		return mail.RenderOptOutConfirmation(r.Requester.Email, mail.OptOutConfirmation{
			RequestID: r.ID, Kinds: r.Kinds, ReceivedAt: r.ReceivedAt, GPC: r.GPC,
			TeamAddress: s.TeamAddress, Location: loc, Language: r.Language, StatusLink: s.statusLink(ctx, r.ID, links),
		})
	}
	now := s.Now()
	a := mail.Acknowledgement{
		RequestID: r.ID, Name: r.Requester.Name, Kinds: r.Kinds, GPC: r.GPC, ReceivedAt: r.ReceivedAt, Due: r.Due,
		Expedited: r.Priority == request.Expedited, TeamAddress: s.TeamAddress, FormURL: s.FormURL, Location: loc,
		Language: r.Language, StatusLink: s.statusLink(ctx, r.ID, links),
		Late: now.After(r.Due.Response),
	}
	// An agent made it for the requester, who did not: the mail says so.
	a.ByAgent = r.Agent != nil && !r.ConsumerUnknown()
	if len(r.OptOutKinds()) > 0 && now.After(r.Due.OptOut) {
		// Sent after the opt-out date (a late triage, a resend): done by
		// then, or late.
		a.OptOutsDone = s.optOutsDone(ctx, r.ID)
		a.OptOutLate = !a.OptOutsDone
	}
	if !r.VerifyLinkUntil.IsZero() && s.VerifyLinks != nil && now.Before(r.VerifyLinkUntil) {
		// A new link each time the acknowledgement is rendered (a resend
		// carries its own); each works until the same time. Without it
		// the acknowledgement is not sent: the workflow would mail none.
		var link string
		var err error
		if d, ok := s.VerifyLinks.(verifyDrawer); ok && links != nil {
			var rec token.Record
			if link, rec, err = d.Draw(r.ID, r.VerifyLinkUntil); err == nil {
				links.records = append(links.records, rec)
			}
		} else {
			link, err = s.VerifyLinks.Issue(ctx, r.ID, r.VerifyLinkUntil)
		}
		if err != nil {
			return mail.Message{}, err
		}
		a.VerifyLink, a.VerifyLinkUntil = link, r.VerifyLinkUntil
	}
	return mail.RenderAcknowledgement(r.Requester.Email, a)
}

// trailReader reads a request's audit trail (*dynamo.Store).
type trailReader interface {
	Events(ctx context.Context, id string) ([]request.Event, error)
}

// optOutsDone reports whether request id's opt-outs were carried out
// (opt-out:done on its trail), for a mail sent after their date: it then
// does not say they are late. A store that cannot tell, or a trail that
// cannot be read, counts as not done (the mail says they are acted on now).
func (s *Service) optOutsDone(ctx context.Context, id string) bool {
	tr, ok := s.Store.(trailReader)
	if !ok {
		return false
	}
	events, err := tr.Events(ctx, id)
	if err != nil {
		s.Logger().WarnContext(ctx, "trail not read for the opt-outs' state", "requestId", id, "error", err)
		return false
	}
	return slices.ContainsFunc(events, func(e request.Event) bool { return e.Action == request.ActionOptOutDone })
}

// AuditActor names the intake in audit events (Actor, or "system:intake").
func (s *Service) AuditActor() string {
	if s.Actor == "" {
		return "system:intake"
	}
	return s.Actor
}

// Logger is the service's logger, or one that discards when none is set.
func (s *Service) Logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func joinKinds(kinds []request.Kind) string {
	if len(kinds) == 1 {
		return string(kinds[0])
	}
	var b strings.Builder
	for i, k := range kinds {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(k))
	}
	return b.String()
}
