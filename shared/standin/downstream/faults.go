package downstream

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The faults a stand-in injects (WithFaults), as Attempt.Fault names them.
const (
	FaultServerError = "5xx"            // 500, 502 or 503, nothing done
	FaultRetryAfter  = "Retry-After"    // 429 or 503 with Retry-After, nothing done
	FaultTimeout     = "timeout"        // no answer until the caller gives up, nothing done
	FaultSlow        = "slow"           // the answer, late (Faults.Slow)
	FaultDropped     = "dropped"        // done, then the connection closed without an answer
	FaultMalformed   = "malformed JSON" // done, then 200 with a body that is not JSON
)

// FaultKinds lists every fault WithFaults injects.
var FaultKinds = []string{FaultServerError, FaultRetryAfter, FaultTimeout, FaultSlow, FaultDropped, FaultMalformed}

// Faults make the stand-ins fail a share of the calls they get, each
// failing call one of FaultKinds chosen at random.
type Faults struct {
	Rate float64 // share of calls that fail, 0..1
	Seed uint64
	// RetryAfter are the waits a Retry-After answer asks for, one chosen
	// at random each time (default 2 s and 45 s).
	RetryAfter []time.Duration
	// Slow is how late a slow answer comes (default 200 ms).
	Slow time.Duration
	// TimeoutCap bounds how long a timeout holds the call when the caller
	// does not give up (default 70 s, past the registry's longest timeout).
	TimeoutCap time.Duration
}

// WithFaults makes every system's stand-in fail calls as f says. Which
// calls fail, and how, depends on the seed and on each call alone (the
// n-th call with the same method, URL and body), not on the order calls
// arrive in. Without it the stand-ins answer every call as the real APIs
// would.
func WithFaults(f Faults) Option {
	return func(s *Systems) {
		if len(f.RetryAfter) == 0 {
			f.RetryAfter = []time.Duration{2 * time.Second, 45 * time.Second}
		}
		if f.Slow <= 0 {
			f.Slow = 200 * time.Millisecond
		}
		if f.TimeoutCap <= 0 {
			f.TimeoutCap = 70 * time.Second
		}
		s.faults = &f
		s.calls = map[string]uint64{}
	}
}

// Attempt is one call a stand-in received, as it recorded it.
type Attempt struct {
	System string
	Method string
	Path   string // without the query
	// Person is the address the call is about, found from the identifier
	// it carries (an address, its hash, an account, customer, user or
	// debtor ID); "" when none is known.
	Person string
	At     time.Time // on the stand-ins' clock (WithNow)
	Fault  string    // one of FaultKinds, "" for none
	// Status is what the caller got; 0 when no answer came (dropped,
	// timeout).
	Status     int
	RetryAfter time.Duration // what a Retry-After answer asked for
}

// Applied is one change a system made to a person's data.
type Applied struct {
	System string
	Action string // what changed, in the API's words: "delete customer", "unsubscribe"…
	At     time.Time
	// Idempotent is true when doing it again changes nothing more (an
	// upsert, setting a status or flag); a deletion is not, and is done
	// once at most.
	Idempotent bool
}

// Attempts lists every call the stand-ins received, in order.
func (s *Systems) Attempts() []Attempt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.attempts)
}

// AttemptsReached is closed once the stand-ins have received n calls.
func (s *Systems) AttemptsReached(n int) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan struct{})
	if len(s.attempts) >= n {
		close(ch)
		return ch
	}
	if s.reached == nil {
		s.reached = map[int]chan struct{}{}
	}
	if old, ok := s.reached[n]; ok {
		return old
	}
	s.reached[n] = ch
	return ch
}

// Applied lists the changes the systems made to email's data, in order.
func (s *Systems) Applied(email string) []Applied {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.applied[strings.ToLower(email)])
}

// applyLocked records a change to the data of the person key names (an
// address or anything the owner index knows).
func (s *Systems) applyLocked(system, key, action string, idempotent bool) {
	email := s.data.owner[strings.ToLower(key)]
	if email == "" {
		email = strings.ToLower(key)
	}
	if s.applied == nil {
		s.applied = map[string][]Applied{}
	}
	s.applied[email] = append(s.applied[email], Applied{System: system, Action: action, At: s.now().UTC(), Idempotent: idempotent})
}

// AddPerson puts a person in every system that erases (an account with an
// order, a Stripe customer with a charge, analytics, a Zendesk user with a
// ticket, a newsletter subscription), as the fault campaign's requesters.
func (s *Systems) AddPerson(email, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	n := s.seq
	accID, cusID, zdID := fmt.Sprintf("acc_f%06d", n), fmt.Sprintf("cus_F%06d", n), int64(900000000000+n)
	s.data.accounts[accID] = &account{ID: accID, Email: email, Name: name, Created: "2025-01-02T10:00:00Z", Status: "active",
		Orders: []order{{ID: fmt.Sprintf("ord_f%06d", n), PlacedAt: "2025-01-02T10:05:00Z", Items: []string{"Solo plan (monthly)"}, Total: "19.00", Currency: "USD", Status: "fulfilled"}}}
	s.data.customers[cusID] = &stripeCustomer{ID: cusID, Email: email, Name: name, Created: 1735812000, Card: "pm_f" + strconv.Itoa(n),
		CardBrand: "visa", CardLast4: "4242", CardExpMonth: 1, CardExpYear: 2030}
	s.data.charges = append(s.data.charges, stripeCharge{ID: fmt.Sprintf("ch_f%06d", n), Customer: cusID, Description: "Solo plan", Amount: 1900,
		Created: 1735812300, Brand: "visa", Last4: "4242", ExpMonth: 1, ExpYear: 2030})
	s.data.gaUsers[emailHash(email)] = 3
	s.data.zdUsers[zdID] = &zendeskUser{ID: zdID, Name: name, Email: email, CreatedAt: "2025-01-03T09:00:00Z", Locale: "en-US"}
	s.data.zdTickets = append(s.data.zdTickets, zendeskTicket{ID: 800000 + int64(n), RequesterID: zdID, Subject: "Billing question",
		Description: "A question about my plan.", Status: "solved", CreatedAt: "2025-01-03T09:00:00Z"})
	s.data.members[emailHash(email)] = &member{Email: email, FirstName: name, Status: "subscribed", Language: "en",
		SignedUpAt: "2025-01-02T10:06:00Z", LastChanged: "2025-01-02T10:06:00Z"}
	s.data.index()
}

// index maps every identifier the systems know a person by (address,
// address hash, account, customer, user and debtor IDs) to the address,
// kept after a deletion so later calls are still attributed.
func (st *state) index() {
	if st.owner == nil {
		st.owner = map[string]string{}
	}
	add := func(key, email string) { st.owner[strings.ToLower(key)] = strings.ToLower(email) }
	for id, a := range st.accounts {
		add(id, a.Email)
		add(a.Email, a.Email)
		add(emailHash(a.Email), a.Email)
	}
	for id, c := range st.customers {
		add(id, c.Email)
	}
	for id, u := range st.zdUsers {
		add(strconv.FormatInt(id, 10), u.Email)
		add(u.Email, u.Email)
	}
	for h, m := range st.members {
		add(h, m.Email)
		add(m.Email, m.Email)
	}
	for id, d := range st.debtors {
		add(id, d.Email)
		add(d.Email, d.Email)
		add(emailHash(d.Email), d.Email)
	}
}

// personLocked finds whom a call is about from its path, query and body.
func (s *Systems) personLocked(r *http.Request, body []byte) string {
	look := func(v string) string { return s.data.owner[strings.ToLower(strings.TrimSuffix(v, ".json"))] }
	for _, seg := range strings.Split(r.URL.Path, "/") {
		if p := look(seg); p != "" {
			return p
		}
	}
	for _, vs := range r.URL.Query() {
		for _, v := range vs {
			if p := look(strings.TrimSpace(v)); p != "" {
				return p
			}
		}
	}
	var in struct {
		ID struct {
			UserID string `json:"userId"`
		} `json:"id"`
	}
	if json.Unmarshal(body, &in) == nil && in.ID.UserID != "" {
		if p := look(in.ID.UserID); p != "" {
			return p
		}
	}
	return ""
}

// observe records each call to system and, WithFaults, fails a share of
// them.
func (s *Systems) observe(system string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mu.Lock()
		a := Attempt{System: system, Method: r.Method, Path: r.URL.Path, Person: s.personLocked(r, body), At: s.now().UTC()}
		variant := 0
		if s.faults != nil {
			// The fault is the seed's choice for the n-th call of this
			// kind (system, method, URL, body), whatever order calls of
			// other kinds come in.
			call := system + " " + r.Method + " " + r.URL.RequestURI() + " " + string(body)
			s.calls[call]++
			h := fnv.New64a()
			_, _ = io.WriteString(h, call)
			rnd := rand.New(rand.NewPCG(s.faults.Seed, h.Sum64()+s.calls[call]*0x9E3779B97F4A7C15))
			if rnd.Float64() < s.faults.Rate {
				a.Fault = FaultKinds[rnd.IntN(len(FaultKinds))]
				variant = rnd.IntN(6)
				if a.Fault == FaultRetryAfter {
					a.RetryAfter = s.faults.RetryAfter[rnd.IntN(len(s.faults.RetryAfter))]
				}
			}
		}
		i := len(s.attempts)
		s.attempts = append(s.attempts, a)
		for n, ch := range s.reached {
			if len(s.attempts) >= n {
				close(ch)
				delete(s.reached, n)
			}
		}
		s.mu.Unlock()
		status := s.answer(w, r, h, a, variant)
		s.mu.Lock()
		s.attempts[i].Status = status
		s.mu.Unlock()
	})
}

// answer serves one call with fault a (variant picks its status); it
// returns the status the caller got (0 for none).
func (s *Systems) answer(w http.ResponseWriter, r *http.Request, h http.Handler, a Attempt, variant int) int {
	switch a.Fault {
	case FaultServerError:
		status := []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}[variant%3]
		writeJSON(w, status, map[string]any{"error": "unavailable"})
		return status
	case FaultRetryAfter:
		status := http.StatusTooManyRequests
		if variant%2 == 0 {
			status = http.StatusServiceUnavailable
		}
		w.Header().Set("Retry-After", strconv.Itoa(int(a.RetryAfter/time.Second)))
		writeJSON(w, status, map[string]any{"error": "slow down"})
		return status
	case FaultTimeout:
		t := time.NewTimer(s.faults.TimeoutCap)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-t.C:
		}
		drop(w)
		return 0
	case FaultSlow:
		time.Sleep(s.faults.Slow)
		rec := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		return rec.code()
	case FaultDropped:
		h.ServeHTTP(httptest.NewRecorder(), r)
		drop(w)
		return 0
	case FaultMalformed:
		h.ServeHTTP(httptest.NewRecorder(), r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"status": "ok", "data": [`)
		return http.StatusOK
	}
	rec := &statusWriter{ResponseWriter: w}
	h.ServeHTTP(rec, r)
	return rec.code()
}

// drop closes the caller's connection without an answer.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Restart stops every stand-in (connections in flight are dropped) and
// starts them again on the same addresses, as a restart of the systems'
// processes: what they hold stays, as a real system's database does.
func (s *Systems) Restart(ctx context.Context) error {
	s.Close()
	for i, l := range s.listeners {
		srv, err := serveAt(ctx, l.addr, l.h)
		if err != nil {
			return fmt.Errorf("downstream: restart %s: %w", l.addr, err)
		}
		s.servers = append(s.servers, srv)
		s.listeners[i] = l
	}
	return s.secrets.restart(ctx)
}

// listener is one stand-in's address and handler, kept for Restart.
type listener struct {
	addr string
	h    http.Handler
}

// serveAt serves h on addr (host:port).
func serveAt(ctx context.Context, addr string, h http.Handler) (*http.Server, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	return srv, nil
}

// restart starts the secrets stand-in again on its address.
func (st *SecretStore) restart(ctx context.Context) error {
	srv, err := serveAt(ctx, strings.TrimPrefix(st.url, "http://"), http.HandlerFunc(st.serveHTTP))
	if err != nil {
		return fmt.Errorf("downstream: restart the secrets stand-in: %w", err)
	}
	st.srv = srv
	return nil
}
