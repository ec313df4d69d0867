// Package downstream runs in-process stand-ins of the downstream systems the
// production registry (shared/system/systems.yaml) calls: the customer accounts API,
// Stripe, Zendesk, Google Analytics user deletion, the newsletter tool and
// the factoring partner. Each speaks the paths and JSON shapes the registry
// uses, checks the auth header the registry declares, and keeps state: a
// deletion deletes, an unsubscribe or a do-not-sell flag is recorded, a PATCH
// of an account changes it. They are seeded with a few fictional demo people.
//
// A small Secrets Manager and SSM stand-in serves the auth secrets the
// registry names, so the desk's real secret store and connectors run
// unchanged: only the registry's origins are rebased (SYSTEMS_REBASE) and
// the SDK's endpoints pointed here. Local use only; no function links it.
package downstream

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/productionflow/privacy-desk/shared/system"
)

// The registry's systems the stand-ins play.
const (
	CustomerAccounts = "customer-accounts"
	Payments         = "payments"
	Analytics        = "google-analytics"
	SupportDesk      = "support-desk"
	Newsletter       = "marketing-list"
	CreditFactoring  = "credit-factoring"
)

// Names lists the systems the stand-ins play, in registry order.
var Names = []string{CustomerAccounts, Payments, Analytics, SupportDesk, Newsletter, CreditFactoring}

// Person is a demo person the stand-ins are seeded with.
type Person struct {
	Email       string
	Description string // one line: where the person is found
}

// Option changes how the stand-ins start.
type Option func(*Systems)

// WithNow sets the clock the stand-ins stamp records with (default time.Now).
func WithNow(now func() time.Time) Option { return func(s *Systems) { s.now = now } }

// Systems is the set of running stand-ins.
type Systems struct {
	now     func() time.Time
	reg     *system.Registry
	origins map[string]string // production origin → local base URL
	auth    map[string]string // system → the auth header value it accepts
	servers []*http.Server
	secrets *SecretStore

	mu       sync.Mutex
	data     *state
	faults   *Faults           // nil: no call fails
	calls    map[string]uint64 // WithFaults: calls so far by method, URL and body
	attempts []Attempt
	reached  map[int]chan struct{} // AttemptsReached's signals
	applied  map[string][]Applied  // by address
	seq      int                   // people added
	// listeners are the stand-ins' addresses and handlers, for Restart.
	listeners []listener
}

// Start seeds the demo people and starts one listener per system origin on
// a free port of 127.0.0.1, and the secrets stand-in. Close stops them.
func Start(ctx context.Context, opts ...Option) (*Systems, error) {
	s := &Systems{now: time.Now, origins: map[string]string{}, auth: map[string]string{}}
	for _, o := range opts {
		o(s)
	}
	reg, err := system.Builtin(system.Options{})
	if err != nil {
		return nil, fmt.Errorf("downstream: the production registry: %w", err)
	}
	s.reg = reg
	s.data = seed()

	handlers := map[string]http.Handler{
		CustomerAccounts: s.accounts(),
		Payments:         s.stripe(),
		Analytics:        s.analytics(),
		SupportDesk:      s.zendesk(),
		Newsletter:       s.newsletter(),
		CreditFactoring:  s.factoring(),
	}
	var secrets []Secret
	for _, name := range Names {
		sys, ok := reg.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("downstream: the registry has no system %s", name)
		}
		origin, err := originOf(sys)
		if err != nil {
			s.Close()
			return nil, err
		}
		if sys.Auth != nil {
			v := localSecret(name)
			secrets = append(secrets, Secret{Source: sys.Auth.Source, Name: sys.Auth.Name, Value: v})
			s.auth[name] = sys.Auth.Prefix + v
		}
		h := s.observe(name, s.checkAuth(sys, handlers[name]))
		base, srv, err := serve(ctx, h)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("downstream: start %s: %w", name, err)
		}
		s.servers = append(s.servers, srv)
		s.listeners = append(s.listeners, listener{addr: strings.TrimPrefix(base, "http://"), h: h})
		s.origins[origin] = base
	}
	s.secrets, err = StartSecrets(ctx, secrets)
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close stops every listener.
func (s *Systems) Close() {
	for _, srv := range s.servers {
		_ = srv.Close()
	}
	s.servers = nil
	if s.secrets != nil {
		s.secrets.Close()
	}
}

// Origins maps each production origin (https://api.stripe.com) to the base
// URL of its stand-in (http://127.0.0.1:port).
func (s *Systems) Origins() map[string]string { return maps.Clone(s.origins) }

// Rebase is Origins as SYSTEMS_REBASE takes it: origin=base pairs, sorted.
func (s *Systems) Rebase() string {
	var pairs []string
	for _, o := range slices.Sorted(maps.Keys(s.origins)) {
		pairs = append(pairs, o+"="+s.origins[o])
	}
	return strings.Join(pairs, ",")
}

// SecretsURL is the endpoint of the Secrets Manager and SSM stand-in.
func (s *Systems) SecretsURL() string { return s.secrets.URL() }

// Env is what the fulfilment functions need to run the built-in registry
// against the stand-ins: the rebased origins, local HTTP, and the secrets
// stand-in as the SDK's Secrets Manager and SSM endpoints.
func (s *Systems) Env() map[string]string {
	return map[string]string{
		"SYSTEMS_ALLOW_LOCAL_HTTP":         "true",
		"SYSTEMS_REBASE":                   s.Rebase(),
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": s.secrets.URL(),
		"AWS_ENDPOINT_URL_SSM":             s.secrets.URL(),
	}
}

// Secrets lists the auth secrets the stand-ins accept, as the secrets
// stand-in serves them.
func (s *Systems) Secrets() []Secret { return s.secrets.List() }

// People lists the demo people.
func (s *Systems) People() []Person { return slices.Clone(people) }

// originOf is the one origin every call of sys goes to.
func originOf(sys *system.System) (string, error) {
	origin := ""
	for _, m := range sys.Actions {
		for _, c := range m.Calls {
			u, err := url.Parse(c.URL)
			if err != nil {
				return "", fmt.Errorf("downstream: %s: call URL does not parse", sys.Name)
			}
			o := u.Scheme + "://" + u.Host
			if origin != "" && o != origin {
				return "", fmt.Errorf("downstream: %s calls two origins (%s, %s): one stand-in per system", sys.Name, origin, o)
			}
			origin = o
		}
	}
	if origin == "" {
		return "", fmt.Errorf("downstream: %s has no HTTP calls", sys.Name)
	}
	return origin, nil
}

// localSecret is the dummy secret a stand-in accepts. Zendesk's API token
// goes in Basic auth as base64 of "{email}/token:{token}", so its secret is
// that encoding, as in production.
func localSecret(name string) string {
	if name == SupportDesk {
		return base64.StdEncoding.EncodeToString([]byte("privacy-desk@productionflow.com/token:local-zendesk-token"))
	}
	return "local-" + name + "-key"
}

// serve listens on a free port of 127.0.0.1 and serves h. The port is
// taken below the range the system hands out for ":0" and for outgoing
// connections (Linux: from 32768), so that Restart can listen on it again:
// a port from that range, let go for a moment, was taken meanwhile by
// another test's stand-in or connection (CI: "address already in use").
func serve(ctx context.Context, h http.Handler) (string, *http.Server, error) {
	var lc net.ListenConfig
	var l net.Listener
	var err error
	for range 50 {
		if l, err = lc.Listen(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))); err == nil {
			break
		}
	}
	if l == nil {
		// Every try was taken: any free port, as before.
		if l, err = lc.Listen(ctx, "tcp", "127.0.0.1:0"); err != nil {
			return "", nil, err
		}
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = l.Close()
		}
	}()
	return "http://" + l.Addr().String(), srv, nil
}

// checkAuth answers 401 unless the request carries the header the registry
// declares for sys with the value the secrets stand-in serves.
func (s *Systems) checkAuth(sys *system.System, h http.Handler) http.Handler {
	if sys.Auth == nil {
		return h
	}
	header, want := sys.Auth.HeaderName(), s.auth[sys.Name]
	name := sys.Name
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(header) != want {
			unauthorized(w, name)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// unauthorized answers 401 in the shape of each API.
func unauthorized(w http.ResponseWriter, name string) {
	var body any
	switch name {
	case Payments:
		body = map[string]any{"error": map[string]any{"type": "invalid_request_error", "message": "Invalid API Key provided."}}
	case SupportDesk:
		body = map[string]any{"error": "Couldn't authenticate you"}
	case Analytics:
		body = map[string]any{"error": map[string]any{"code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"}}
	case Newsletter:
		body = map[string]any{"title": "API Key Invalid", "status": 401, "detail": "Your API key may be invalid, or you've attempted to access the wrong datacenter."}
	default:
		body = map[string]any{"error": "unauthorized"}
	}
	writeJSON(w, http.StatusUnauthorized, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// emailHash is the registry's {emailHash}: hex SHA-256 of the lower-cased address.
func emailHash(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:])
}

// decodeBody reads a small JSON request body, refusing unknown fields.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
