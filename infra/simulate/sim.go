package main

import (
	"container/heap"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/deadline"
	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/withdraw"
)

type config struct {
	N      int
	PerDay int // steps the team finishes by hand in a morning
	// TriagePerDay is how many unclear mails the team reads and names
	// the kinds of in a morning.
	TriagePerDay int
	// Floods is how many addresses flood the desk with submissions in the
	// year (each fifteen in an hour, five different asks).
	Floods int
	Seed   uint64
	Year   int
}

// The workflows' timings the simulation follows (workflows/*.asl.json).
const (
	verifyWait   = 7*24*time.Hour + time.Hour // request.asl.json: the link works 7 days, closed after 7 days and an hour
	retriesSpan  = 8 * time.Minute            // fulfil.asl.json: 5 attempts, 30 s doubling
	ownerExpDays = 2                          // TASK_EXPEDITED_BUSINESS_DAYS: the same for an expedited request or a child's data
	extendWithin = 10                         // the team extends when fewer business days than this are left
)

// system is one downstream system: down in the given spans.
type system struct {
	name   string
	manual bool
	down   [][2]time.Time
}

func (s *system) downAt(t time.Time) (bool, time.Time) {
	for _, d := range s.down {
		if !t.Before(d[0]) && t.Before(d[1]) {
			return true, d[1]
		}
	}
	return false, time.Time{}
}

// step is one action in one system for one request.
type step struct {
	sys     *system
	optOut  bool
	done    bool
	doneAt  time.Time
	failed  bool      // the workflow gave up; the team was told
	ownerBy time.Time // a manual step: when the owner answers (zero: never)
}

// sreq is the simulation's side of a request: what the workflows would do.
type sreq struct {
	id          string
	verifyAt    time.Time // zero: never
	steps       []*step
	denyAccess  bool // access asked more than twice in twelve months: the team denies it
	causes      []string
	fulfilStart time.Time
	// unclear: mail that named nothing we recognise; asks is what it
	// asks for, as the team reads it at triage.
	unclear   bool
	asks      []request.Kind
	triagedAt time.Time
	flood     bool // one of a flood of submissions for one address
	expedited bool // a child's data, or mail marked "CCPA Request"
	child     bool
	withdraw  bool // the requester withdraws it before it closes
}

type event struct {
	at  time.Time
	seq int
	fn  func()
}

type queue []event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].at.Equal(q[j].at) {
		return q[i].seq < q[j].seq
	}
	return q[i].at.Before(q[j].at)
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

type sim struct {
	ctx     context.Context
	rnd     *rand.Rand
	cal     *clock.Calendar
	now     time.Time
	q       queue
	seq     int
	store   *memStore
	mail    *countingMail
	intake  *intake.Service
	console *console.Service
	systems []*system
	reqs    map[string]*sreq
	order   []string
	errs    []string
	team    []console.Member
	perDay  int // steps the team can finish by hand in a morning
	triage  int // unclear mails the team triages in a morning
	turn    int
	// What the scenarios came to.
	floodSubmissions, floodJoined, floodCapped, floodDenied int
	withdrawals, withdrawLate                               int
	triageWait                                              int // the longest wait for triage, in business days
}

func (s *sim) at(t time.Time, fn func()) {
	if t.Before(s.now) {
		t = s.now
	}
	s.seq++
	heap.Push(&s.q, event{at: t, seq: s.seq, fn: fn})
}

func (s *sim) fail(format string, args ...any) {
	if len(s.errs) < 20 {
		s.errs = append(s.errs, fmt.Sprintf(format, args...))
	}
}

func newSim(ctx context.Context, c config, log *slog.Logger) (*sim, error) {
	cal, err := clock.New("America/New_York")
	if err != nil {
		return nil, err
	}
	s := &sim{ctx: ctx, rnd: rand.New(rand.NewPCG(c.Seed, 2026)), cal: cal, store: newMemStore(), mail: &countingMail{},
		reqs: map[string]*sreq{}, perDay: c.PerDay, triage: c.TriagePerDay, team: []console.Member{{Username: "alice"}, {Username: "bob"}}}
	now := func() time.Time { return s.now }
	// The per-address cap of the desk's configuration
	// (ACKS_PER_ADDRESS_PER_DAY, default 3) and its store.
	s.intake = &intake.Service{Store: s.store, Calendar: cal, Mail: s.mail, Now: now, Log: log, Caps: s.store,
		Actor: "system:intake", TeamAddress: "privacy@productionflow.local"}
	s.console = &console.Service{Store: s.store, Writer: s.store, Intake: s.intake, Calendar: cal, Mail: s.mail, Now: now,
		TeamAddress: "privacy@productionflow.local", Log: log}
	s.console.Withdrawals = &withdraw.Service{Store: withdrawalStore{memStore: s.store, notices: &withdrawalNotices{until: map[string]time.Time{}, sent: map[string]bool{}}},
		Mail: s.mail, Now: now, Location: cal.Location(), TeamAddress: "privacy@productionflow.local", Log: log}
	return s, nil
}

// outages gives each API system a year of outages: mostly hours, some
// days, a few weeks.
func (s *sim) outages(year int) {
	start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, sys := range []*system{{name: "accounts"}, {name: "payments"}, {name: "analytics"}, {name: "newsletter"},
		{name: "support", manual: true}, {name: "credit", manual: true}} {
		if !sys.manual {
			for range 2 + s.rnd.IntN(5) {
				from := start.Add(time.Duration(s.rnd.Int64N(int64(365 * 24 * time.Hour))))
				var d time.Duration
				switch p := s.rnd.Float64(); {
				case p < 0.65:
					d = time.Duration(1+s.rnd.IntN(12)) * time.Hour
				case p < 0.93:
					d = time.Duration(1+s.rnd.IntN(3)) * 24 * time.Hour
				default:
					d = time.Duration(5+s.rnd.IntN(21)) * 24 * time.Hour
				}
				sys.down = append(sys.down, [2]time.Time{from, from.Add(d)})
			}
		}
		s.systems = append(s.systems, sys)
	}
}

// arrivals spreads n arrivals over the year: fewer on weekends and
// holidays, fewer between Christmas and New Year, more in January.
func (s *sim) arrivals(n, year int) []time.Time {
	loc := s.cal.Location()
	var days []time.Time
	var cum []float64
	total := 0.0
	for d := time.Date(year, 1, 1, 0, 0, 0, 0, loc); d.Year() == year; d = d.AddDate(0, 0, 1) {
		w := 1.0
		switch {
		case d.Weekday() == time.Saturday || d.Weekday() == time.Sunday:
			w = 0.3
		case !s.cal.IsBusinessDay(d.Add(12 * time.Hour)):
			w = 0.4 // a federal holiday
		}
		if d.Month() == time.December && d.Day() >= 24 {
			w *= 0.5
		}
		if d.Month() == time.January {
			w *= 1.3
		}
		total += w
		days = append(days, d)
		cum = append(cum, total)
	}
	out := make([]time.Time, n)
	for i := range out {
		x := s.rnd.Float64() * total
		d := days[sort.SearchFloat64s(cum, x)]
		hour := 8 + s.rnd.IntN(13)
		if s.rnd.Float64() < 0.25 {
			hour = s.rnd.IntN(24)
		}
		out[i] = d.Add(time.Duration(hour)*time.Hour + time.Duration(s.rnd.IntN(3600))*time.Second)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

var mix = []struct {
	kinds  []request.Kind
	weight float64
}{
	{[]request.Kind{request.Deletion}, 30},
	{[]request.Kind{request.ChildData}, 2},
	{[]request.Kind{request.AccessCategories}, 18},
	{[]request.Kind{request.OptOutSale}, 14},
	{[]request.Kind{request.OptOutMarketing}, 12},
	{[]request.Kind{request.Correction}, 7},
	{[]request.Kind{request.Portability}, 5},
	{[]request.Kind{request.AccessSpecific}, 4},
	{[]request.Kind{request.Deletion, request.OptOutSale}, 8},
}

func (s *sim) kinds() []request.Kind {
	x := s.rnd.Float64() * 100
	for _, m := range mix {
		if x < m.weight {
			return m.kinds
		}
		x -= m.weight
	}
	return mix[0].kinds
}

// submit is one request arriving through intake.Service, as the form or
// the privacy mailbox would submit it.
func (s *sim) submit(i int) {
	kinds := s.kinds()
	sub := intake.Submission{
		SourceID: fmt.Sprintf("sim-%06d-%016x", i, s.rnd.Uint64()), Channel: request.Web, Kinds: kinds,
		Requester: request.Identity{Name: "Sim Person", Email: fmt.Sprintf("person%06d@sim.example", i), State: "CA"},
	}
	sr := &sreq{}
	switch {
	case kinds[0] == request.ChildData:
		// A parent on the form, about their child.
		sub.Subject = &request.Subject{Name: "Sim Child", Email: fmt.Sprintf("child%06d@sim.example", i)}
		sr.child = true
	case s.rnd.Float64() < 0.28:
		sub.Channel = request.Email
		switch p := s.rnd.Float64(); {
		case p < 0.2:
			sub.Priority = request.Expedited // "CCPA Request" in the subject
		case p < 0.35 && kinds[0] != request.Correction:
			// Mail that names nothing the desk recognises: the team
			// reads it and names what it asks for. (Never a correction:
			// naming one, the team also writes what to correct, which
			// the simulation does not model.)
			sr.unclear, sr.asks = true, kinds
			sub.Kinds = []request.Kind{request.Unclear}
		}
	}
	switch kinds[0] {
	case request.Correction:
		if !sr.unclear {
			sub.Corrections = []request.CorrectionItem{{Item: "postal address", Right: "1 New Street"}}
		}
	case request.AccessSpecific, request.Portability:
		sub.Declaration = true
	}
	sr.withdraw = s.rnd.Float64() < 0.02
	withdrawAfter := time.Duration(1+s.rnd.IntN(14*24)) * time.Hour
	rc, err := s.intake.Submit(s.ctx, sub)
	if err != nil {
		s.fail("submit %d: %v", i, err)
		return
	}
	r := rc.Request
	sr.id = r.ID
	sr.expedited = r.Priority == request.Expedited
	s.reqs[r.ID] = sr
	s.order = append(s.order, r.ID)
	if sr.withdraw {
		s.at(s.now.Add(withdrawAfter), func() { s.withdrawn(sr) })
	}
	if sr.unclear {
		return // waits for the team's triage
	}
	s.begin(sr, r)
}

// begin models the workflows of a request whose kinds are known, from now:
// opt-outs at once, verification, then fulfilment.
func (s *sim) begin(sr *sreq, r *request.Request) {
	optOnly := r.OnlyOptOuts()
	for _, sys := range s.systems {
		for _, k := range r.Kinds {
			switch {
			case k == request.OptOutMarketing && sys.name == "newsletter",
				k == request.OptOutSale && (sys.name == "analytics" || sys.name == "accounts"):
				sr.steps = append(sr.steps, &step{sys: sys, optOut: true})
			}
		}
		if !optOnly {
			sr.steps = append(sr.steps, &step{sys: sys})
		}
	}
	if optOnly {
		// Only opt-outs: no verification, straight to fulfilment.
		_ = s.store.SetStatus(s.ctx, r.ID, request.Acknowledged, request.InProgress, s.now)
	}
	// Opt-outs are carried out at once, without verification.
	for _, st := range sr.steps {
		if st.optOut {
			s.run(sr, st)
		}
	}
	if optOnly {
		return
	}
	_ = s.store.SetStatus(s.ctx, r.ID, request.Acknowledged, request.Verifying, s.now)
	switch p := s.rnd.Float64(); {
	case sr.flood:
		// Nobody confirms a flood's requests.
	case p < 0.55:
		sr.verifyAt = s.now.Add(time.Duration(5+s.rnd.IntN(24*60)) * time.Minute)
	case p < 0.80:
		sr.verifyAt = s.now.Add(time.Duration(1+s.rnd.IntN(5)) * 24 * time.Hour)
	case p < 0.85:
		sr.verifyAt = s.now.Add(verifyWait + time.Duration(s.rnd.IntN(72))*time.Hour) // too late: the link has expired
	}
	// Some access requests are the person's third in twelve months.
	sr.denyAccess = (r.Kinds[0] == request.AccessSpecific || r.Kinds[0] == request.AccessCategories) && s.rnd.Float64() < 0.05
	if !sr.verifyAt.IsZero() && sr.verifyAt.Before(s.now.Add(verifyWait)) {
		s.at(sr.verifyAt, func() { s.verified(sr) })
	} else {
		s.at(s.now.Add(verifyWait), func() {
			if err := s.store.SetStatus(s.ctx, sr.id, request.Verifying, request.Unverified, s.now); err != nil {
				if !s.isClosed(sr) {
					s.fail("close unverified %s: %v", sr.id, err)
				}
				return
			}
			_ = s.store.AppendEvent(s.ctx, request.Event{RequestID: sr.id, At: s.now, Actor: "system:verify",
				Action: request.StatusAction(request.Unverified), Once: request.StatusAction(request.Unverified)})
		})
	}
}

// isClosed reports whether sr's request is closed (withdrawn, denied…).
func (s *sim) isClosed(sr *sreq) bool {
	r, err := s.store.Get(s.ctx, sr.id)
	return err == nil && r.Status.Closed()
}

// withdrawn is the requester's word that they withdraw the request, which
// the team records in the console: it closes, and its clocks stop.
func (s *sim) withdrawn(sr *sreq) {
	if s.isClosed(sr) {
		s.withdrawLate++
		return
	}
	if err := s.console.Withdraw(s.ctx, s.member(), sr.id, "the requester wrote to withdraw it", false); err != nil {
		s.fail("withdraw %s: %v", sr.id, err)
		return
	}
	s.withdrawals++
}

// floodSize is how many submissions a flood sends, four minutes apart.
const floodSize = 15

// flood is the j-th of an address's fifteen submissions in an hour,
// cycling through five different asks: the desk opens one request per ask
// (a repeat while one is unverified joins it), acknowledges as many as the
// daily cap lets it, and leaves the rest to the team.
func (s *sim) flood(n, j int) {
	asks := [][]request.Kind{{request.Deletion}, {request.AccessCategories}, {request.Portability}, {request.AccessSpecific}, {request.Correction}}
	{
		kinds := asks[j%len(asks)]
		sub := intake.Submission{
			SourceID: fmt.Sprintf("flood-%03d-%02d-%016x", n, j, s.rnd.Uint64()), Channel: request.Web, Kinds: kinds,
			Requester: request.Identity{Name: "Sim Flood", Email: fmt.Sprintf("flood%03d@sim.example", n), State: "CA"},
		}
		switch kinds[0] {
		case request.Correction:
			sub.Corrections = []request.CorrectionItem{{Item: "postal address", Right: "1 New Street"}}
		case request.AccessSpecific, request.Portability:
			sub.Declaration = true
		}
		s.floodSubmissions++
		rc, err := s.intake.Submit(s.ctx, sub)
		if err != nil {
			s.fail("flood %d/%d: %v", n, j, err)
			return
		}
		switch {
		case rc.AlreadyOpen:
			s.floodJoined++
			return
		case rc.Capped:
			s.floodCapped++
		}
		r := rc.Request
		sr := &sreq{id: r.ID, flood: true}
		s.reqs[r.ID] = sr
		s.order = append(s.order, r.ID)
		if !rc.Capped {
			s.begin(sr, r)
		}
	}
}

func (s *sim) verified(sr *sreq) {
	if err := s.store.SetStatus(s.ctx, sr.id, request.Verifying, request.Verified, s.now); err != nil {
		return // closed meanwhile (withdrawn, denied)
	}
	_ = s.store.AppendEvent(s.ctx, request.Event{RequestID: sr.id, At: s.now, Actor: "system:verify",
		Action: request.StatusAction(request.Verified), Once: request.StatusAction(request.Verified)})
	if sr.denyAccess {
		return // the team denies it at its next review
	}
	_ = s.store.SetStatus(s.ctx, sr.id, request.Verified, request.InProgress, s.now)
	sr.fulfilStart = s.now
	for _, st := range sr.steps {
		if st.optOut {
			continue
		}
		if st.sys.manual {
			s.owner(sr, st)
		} else {
			s.run(sr, st)
		}
	}
	s.maybeAnswer(sr)
}

// run is one automatic step: done if the system is up, else the
// workflow's retries, then the team is told.
func (s *sim) run(sr *sreq, st *step) {
	if down, _ := st.sys.downAt(s.now); !down {
		s.markDone(st)
		s.stepDone(sr, st)
		return
	}
	if down, _ := st.sys.downAt(s.now.Add(retriesSpan)); !down {
		s.at(s.now.Add(retriesSpan), func() { s.markDone(st); s.stepDone(sr, st) })
		return
	}
	s.at(s.now.Add(retriesSpan), func() {
		st.failed = true
		_, until := st.sys.downAt(s.now)
		sr.causes = append(sr.causes, fmt.Sprintf("%s down until %s", st.sys.name, until.In(s.cal.Location()).Format("2006-01-02 15:04")))
		_ = s.store.AppendEvent(s.ctx, request.Event{RequestID: sr.id, At: s.now, Actor: "system:fulfil",
			Action: request.ActionNeedsAttention, Data: map[string]string{"system": st.sys.name}})
	})
}

// owner is a manual step: the owner answers in a while, late or never;
// past the owner's deadline the team is told.
func (s *sim) owner(sr *sreq, st *step) {
	var days int
	switch p := s.rnd.Float64(); {
	case p < 0.60:
		days = s.rnd.IntN(3)
	case p < 0.85:
		days = 2 + s.rnd.IntN(7)
	case p < 0.95:
		days = 8 + s.rnd.IntN(13)
	default:
		days = -1 // never
	}
	// An owner has connector.DefaultDueIn (a registry without dueIn),
	// or TASK_EXPEDITED_BUSINESS_DAYS when expedited, before the team is told.
	due := s.now.Add(connector.DefaultDueIn)
	if sr.expedited {
		due = s.cal.AddBusinessDays(s.now, ownerExpDays)
	}
	if days >= 0 {
		st.ownerBy = s.cal.AddBusinessDays(s.now, days).Add(time.Duration(s.rnd.IntN(8)) * time.Hour)
		if st.ownerBy.Before(due) {
			s.at(st.ownerBy, func() { s.markDone(st); s.stepDone(sr, st) })
			return
		}
	}
	if days >= 0 && st.ownerBy.Before(due.Add(connector.LinkGrace)) {
		// Late, while the task's link still works: the owner's
		// confirmation completes the step, as the workflow takes it.
		s.at(st.ownerBy, func() {
			if !st.done {
				s.markDone(st)
				s.stepDone(sr, st)
			}
		})
	}
	s.at(due, func() {
		if st.done {
			return
		}
		st.failed = true
		if days < 0 {
			sr.causes = append(sr.causes, st.sys.name+"'s owner never answered")
		} else {
			sr.causes = append(sr.causes, st.sys.name+"'s owner answered late")
		}
		_ = s.store.AppendEvent(s.ctx, request.Event{RequestID: sr.id, At: s.now, Actor: "system:fulfil",
			Action: request.ActionNeedsAttention, Data: map[string]string{"system": st.sys.name}})
	})
}

func (s *sim) markDone(st *step) { st.done, st.doneAt = true, s.now }

func (s *sim) stepDone(sr *sreq, st *step) {
	if s.isClosed(sr) {
		return // withdrawn or denied meanwhile: nothing more is done
	}
	if st.optOut {
		all := true
		for _, o := range sr.steps {
			all = all && (!o.optOut || o.done)
		}
		if all {
			_ = s.store.AppendEvent(s.ctx, request.Event{RequestID: sr.id, At: s.now, Actor: "system:fulfil",
				Action: request.ActionOptOutDone, Once: request.ActionOptOutDone})
			r, _ := s.store.Get(s.ctx, sr.id)
			if r.OnlyOptOuts() {
				s.close(sr, r)
			}
		}
		return
	}
	s.maybeAnswer(sr)
}

// maybeAnswer answers and closes a request whose steps are all done: the
// desk's answer, or the team's "complete" when it needed attention.
func (s *sim) maybeAnswer(sr *sreq) {
	if sr.fulfilStart.IsZero() {
		return
	}
	for _, st := range sr.steps {
		if !st.done {
			return
		}
	}
	r, err := s.store.Get(s.ctx, sr.id)
	if err != nil || r.Status.Closed() {
		return
	}
	s.close(sr, r)
}

func (s *sim) close(sr *sreq, r *request.Request) {
	if r.Attention != "" {
		if err := s.console.Complete(s.ctx, s.member(), sr.id, "finished by hand: "+strings.Join(sr.causes, ", "), true); err != nil {
			s.fail("complete %s: %v", sr.id, err)
		}
		return
	}
	if err := s.store.SetStatus(s.ctx, sr.id, r.Status, request.Completed, s.now); err != nil {
		s.fail("answer %s: %v", sr.id, err)
		return
	}
	_ = s.store.AppendEvent(s.ctx, request.Event{RequestID: sr.id, At: s.now, Actor: "system:fulfil",
		Action: request.StatusAction(request.Completed), Once: request.StatusAction(request.Completed)})
}

// member takes turns, so the team's actions draw nothing from the random
// source and the same seed gives the same year whatever the team does.
func (s *sim) member() console.Member {
	s.turn++
	return s.team[s.turn%len(s.team)]
}

// review is the team's morning on a business day, through the console's
// services: deny what must be denied, finish by hand what the desk could
// not, and extend what will not be answered in time.
func (s *sim) review() {
	open, _ := s.store.OpenWork(s.ctx)
	// The work list's order: the nearest deadline first.
	sort.Slice(open, func(i, j int) bool {
		a, b := open[i].Due.Next(), open[j].Due.Next()
		if a.Equal(b) {
			return open[i].ID < open[j].ID
		}
		return a.Before(b)
	})
	// Unclear mail, oldest first, as many as the team reads in a
	// morning: named through the console, then on its way as any request
	// of those kinds, its clocks still counted from its receipt.
	var unclear []request.Request
	for _, r := range open {
		if slices.Contains(r.Kinds, request.Unclear) {
			unclear = append(unclear, r)
		}
	}
	sort.Slice(unclear, func(i, j int) bool { return unclear[i].ReceivedAt.Before(unclear[j].ReceivedAt) })
	for i, r := range unclear {
		sr := s.reqs[r.ID]
		if i >= s.triage || sr == nil {
			break
		}
		got, err := s.console.SetKinds(s.ctx, s.member(), r.ID, console.Triage{Kinds: sr.asks, Note: "read the mail"})
		if err != nil {
			s.fail("set kinds of %s: %v", r.ID, err)
			continue
		}
		sr.triagedAt = s.now
		s.triageWait = max(s.triageWait, s.businessDays(r.ReceivedAt, s.now))
		s.begin(sr, got)
	}
	byHand := 0
	for _, r := range open {
		sr := s.reqs[r.ID]
		if sr == nil {
			continue
		}
		// A flood's requests the cap kept from being acknowledged: the
		// team refuses them as excessive, each with its notice.
		if sr.flood && !r.AckCappedAt.IsZero() && r.AcknowledgedAt.IsZero() {
			items := make([]mail.DenialItem, len(r.Kinds))
			for i, k := range r.Kinds {
				items[i] = mail.DenialItem{Kind: k, Reason: mail.DenyExcessive}
			}
			if err := s.console.Deny(s.ctx, s.member(), r.ID, items); err != nil {
				s.fail("deny flood %s: %v", r.ID, err)
			} else {
				s.floodDenied++
			}
			continue
		}
		if sr.denyAccess && r.Status == request.Verified {
			err := s.console.Deny(s.ctx, s.member(), r.ID, []mail.DenialItem{{Kind: r.Kinds[0], Reason: mail.DenyRepeated}})
			if err != nil {
				s.fail("deny %s: %v", r.ID, err)
			}
			continue
		}
		// Steps the desk gave up on: an API system's step is re-run from
		// the console once the system answers again (a click per request);
		// an owner's step the team chases by hand, so many a morning.
		fixed := false
		for _, st := range sr.steps {
			if st.failed && !st.done && (!st.sys.manual || byHand < s.perDay) {
				if st.sys.manual {
					byHand++
				}
				if down, _ := st.sys.downAt(s.now); !down {
					s.markDone(st)
					fixed = true
					if st.optOut {
						s.stepDone(sr, st)
					}
				}
			}
		}
		if fixed {
			s.maybeAnswer(sr)
		}
		cur, _ := s.store.Get(s.ctx, r.ID)
		if cur.Status != request.InProgress && cur.Status != request.Verified || cur.Due.Response.IsZero() || cur.Due.Extended.IsZero() {
			continue
		}
		if s.cal.AddBusinessDays(s.now, extendWithin).After(cur.Due.Response) {
			if _, err := s.console.Extend(s.ctx, s.member(), r.ID, "We are waiting for "+strings.Join(sr.causes, ", ")); err != nil {
				s.fail("extend %s: %v", r.ID, err)
			}
		}
	}
}

// businessDays counts the business days after from's date up to to's.
func (s *sim) businessDays(from, to time.Time) int {
	n := 0
	for d := from; ; n++ {
		d = s.cal.AddBusinessDays(d, 1)
		if d.After(to) {
			return n
		}
	}
}

func run(ctx context.Context, c config, out io.Writer, log *slog.Logger) error {
	if c.N < 1 {
		return fmt.Errorf("-n must be at least 1")
	}
	s, err := newSim(ctx, c, log)
	if err != nil {
		return err
	}
	s.outages(c.Year)
	arrivals := s.arrivals(c.N, c.Year)
	s.now = arrivals[0]
	for i, t := range arrivals {
		s.at(t, func() { s.submit(i) })
	}
	// Floods: an address sending fifteen submissions in an hour, from
	// the moment one of the year's arrivals comes.
	for n := range c.Floods {
		t := arrivals[s.rnd.IntN(len(arrivals))]
		for j := range floodSize {
			s.at(t.Add(time.Duration(j)*4*time.Minute), func() { s.flood(n, j) })
		}
	}
	// The team's review, every business day at 10:00, until a year after
	// the last arrival.
	loc := s.cal.Location()
	end := arrivals[len(arrivals)-1].AddDate(1, 0, 0)
	for d := time.Date(c.Year, 1, 1, 10, 0, 0, 0, loc); d.Before(end); d = d.AddDate(0, 0, 1) {
		if s.cal.IsBusinessDay(d) {
			s.at(d, s.review)
		}
	}
	for s.q.Len() > 0 {
		e := heap.Pop(&s.q).(event)
		s.now = e.at
		e.fn()
	}
	if len(s.errs) > 0 {
		return fmt.Errorf("the desk refused a step of the simulation: %v", s.errs)
	}
	return s.report(out, c, end)
}

// tally counts one clock: where it applies, met, stopped (the request was
// withdrawn before it was due), missed, and missed preventably.
type tally struct{ applies, met, stopped, missed, preventable int }

func (s *sim) report(out io.Writer, c config, end time.Time) error {
	names := []string{deadline.ClockAcknowledge, deadline.ClockOptOut, deadline.ClockResponse, deadline.ClockExtended}
	t := map[string]*tally{}
	for _, n := range names {
		t[n] = &tally{}
	}
	var misses []string
	statuses := map[request.Status]int{}
	extended, denied, attention := 0, 0, 0
	var unclear, triaged, untriaged, children, childrenOnTarget, childrenAnswered int
	for _, id := range s.order {
		if sr := s.reqs[id]; sr != nil && sr.unclear {
			unclear++
			switch r := s.mustGet(id); {
			case !sr.triagedAt.IsZero():
				triaged++
			case !r.Status.Closed():
				untriaged++
			}
		}
		r, _ := s.store.Get(s.ctx, id)
		evs, _ := s.store.Events(s.ctx, id)
		statuses[r.Status]++
		for _, e := range evs {
			switch e.Action {
			case request.StatusAction(request.Extended):
				extended++
			case request.StatusAction(request.Denied):
				denied++
			case request.ActionNeedsAttention:
				attention++
			}
		}
		for _, cs := range deadline.Clocks(r, evs) {
			if cs.Moot || cs.Due.IsZero() {
				continue
			}
			var doneAt time.Time
			switch cs.Clock {
			case deadline.ClockAcknowledge:
				doneAt = r.AcknowledgedAt
				if doneAt.IsZero() {
					// Answered before it was acknowledged: the team's
					// denial notice confirms receipt and answers.
					for _, e := range evs {
						if e.Action == request.ActionDenialNoticeSent {
							doneAt = e.At
						}
					}
				}
			case deadline.ClockOptOut:
				for _, e := range evs {
					if e.Action == request.ActionOptOutDone {
						doneAt = e.At
					}
				}
			default:
				if r.Status != request.Withdrawn {
					doneAt = r.ClosedAt // answered, denied or closed unverified with its notice
				}
			}
			tl := t[cs.Clock]
			tl.applies++
			if !doneAt.IsZero() && !doneAt.After(cs.Due) {
				tl.met++
				continue
			}
			if r.Status == request.Withdrawn && (doneAt.IsZero() || doneAt.After(r.ClosedAt)) && !r.ClosedAt.After(cs.Due) {
				tl.stopped++ // withdrawn before it was due: the clock stopped
				continue
			}
			tl.missed++
			cause, preventable := s.cause(s.reqs[id], cs.Due)
			if preventable {
				tl.preventable++
			}
			misses = append(misses, fmt.Sprintf("  %s %s due %s, done %s: %s", id, cs.Clock,
				cs.Due.In(s.cal.Location()).Format("2006-01-02"), orNever(doneAt, s.cal.Location()), cause))
		}
	}
	for _, id := range s.order {
		sr, r := s.reqs[id], s.mustGet(id)
		if sr == nil || !sr.child {
			continue
		}
		children++
		if r.Status == request.Completed {
			childrenAnswered++
			if !r.ClosedAt.After(s.cal.InternalTarget(r.ReceivedAt, request.Expedited)) {
				childrenOnTarget++
			}
		}
	}
	fmt.Fprintf(out, "a year of the desk: %d requests received in %d (seed %d), on the virtual clock to %s\n",
		c.N, c.Year, c.Seed, end.Format("2006-01-02"))
	fmt.Fprintf(out, "driven through intake.Service (its per-address acknowledgement cap included) and console.Service (SetKinds, Extend, Deny, Withdraw, Complete) on an in-memory store; deadlines from clock.Calendar, judged by deadline.Clocks; the workflows' timings modelled\n")
	fmt.Fprintf(out, "outcomes: completed %d, closed unverified %d, denied %d, withdrawn %d; extended %d; needed attention %d times; mails %d\n",
		statuses[request.Completed], statuses[request.Unverified], denied, statuses[request.Withdrawn], extended, attention, s.mail.sent)
	fmt.Fprintf(out, "unclear mail %d: triaged by the team %d (at most %d a morning; the longest wait %d business days), withdrawn first %d, still waiting %d\n",
		unclear, triaged, s.triage, s.triageWait, unclear-triaged-untriaged, untriaged)
	fmt.Fprintf(out, "children's data %d (expedited): answered %d, %d of them within the expedited target of 2 business days from receipt\n",
		children, childrenAnswered, childrenOnTarget)
	fmt.Fprintf(out, "floods %d (%d submissions from %d addresses): joined an open request %d, acknowledgements capped %d, denied by the team as excessive %d\n",
		c.Floods, s.floodSubmissions, c.Floods, s.floodJoined, s.floodCapped, s.floodDenied)
	fmt.Fprintf(out, "withdrawn by the requester %d (their clocks stopped); withdrawals that came after the request closed %d\n",
		s.withdrawals, s.withdrawLate)
	open := 0
	for st, n := range statuses {
		if !st.Closed() {
			open += n
		}
	}
	if open > 0 {
		fmt.Fprintf(out, "still open at the end: %d\n", open)
	}
	if len(misses) > 0 {
		fmt.Fprintf(out, "misses:\n")
		for _, m := range misses {
			fmt.Fprintln(out, m)
		}
	}
	fmt.Fprintf(out, "%-16s %8s %8s %8s %8s %12s\n", "clock", "applies", "met", "stopped", "missed", "preventable")
	total := 0
	for _, n := range names {
		fmt.Fprintf(out, "%-16s %8d %8d %8d %8d %12d\n", n, t[n].applies, t[n].met, t[n].stopped, t[n].missed, t[n].preventable)
		total += t[n].preventable
	}
	fmt.Fprintf(out, "preventable misses: %d\n", total)
	return nil
}

// cause says why a clock of sr was missed and whether the desk or the team
// could have prevented it: not when a system it needed was down at the due
// time (nobody can erase in a system that does not answer).
func (s *sim) cause(sr *sreq, due time.Time) (string, bool) {
	if sr == nil {
		return "unknown request", true
	}
	if sr.unclear && (sr.triagedAt.IsZero() || sr.triagedAt.After(due)) {
		return "unclear mail waiting for triage at the due time (preventable)", true
	}
	for _, st := range sr.steps {
		if down, until := st.sys.downAt(due); down && (st.doneAt.IsZero() || st.doneAt.After(due)) {
			return fmt.Sprintf("%s was down at the due time, until %s (not preventable)", st.sys.name,
				until.In(s.cal.Location()).Format("2006-01-02")), false
		}
	}
	return fmt.Sprintf("%s; finished by the team after the due date (preventable)", strings.Join(sr.causes, ", ")), true
}

func (s *sim) mustGet(id string) *request.Request {
	r, err := s.store.Get(s.ctx, id)
	if err != nil {
		return &request.Request{ID: id}
	}
	return r
}

func orNever(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "never"
	}
	return t.In(loc).Format("2006-01-02")
}
