// Package console is the privacy team's console: plain server-rendered
// pages under /console/, for members of the user pool's privacy-team group
// only, that work without JavaScript. The work list orders open requests
// by their nearest legal deadline; a request's page shows who asked for
// what, every clock, verification, each system's step and proof, the mail
// and the whole audit trail; its actions (set the kinds of an unclear
// request, extend, deny, withdraw, complete) each move the request along an
// allowed transition with a conditional write and record the member on
// the audit trail.
//
// Sign-in is the user pool's own (Auth): the authorization code flow with
// PKCE; the session is the pool's access token in an HttpOnly,
// SameSite=Strict cookie, checked on every request; every form carries a
// CSRF token bound to the session.
package console

import (
	"crypto/rand"
	_ "embed"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/valyala/quicktemplate"
)

// Prefix is where the console is served.
const Prefix = "/console"

// consoleCSS is the console's stylesheet.
//
//go:embed console.css
var consoleCSS []byte

// Config is what the console needs.
type Config struct {
	// Auth is the user pool.
	Auth Auth
	// Sessions remembers sign-outs.
	Sessions Sessions
	// Desk serves the work list, the request pages and the actions.
	Desk *Service
	// Metrics counts the yearly metrics; nil serves no metrics pages.
	Metrics *Yearly
	// Group is the user pool group whose members may sign in (named on
	// the page that refuses anyone else).
	Group string
	// URL is the console's address, ending in "/console/"; nil takes it
	// from each request's Host, over https (http only on this machine).
	URL *url.URL
	// AuthNow is the clock the pool's tokens are checked on (the real
	// one); it sets how long the session cookie lasts.
	AuthNow func() time.Time
	// Entropy makes sign-in states and PKCE verifiers; nil means crypto/rand.
	Entropy io.Reader
	Log     *slog.Logger
}

// Handler serves the console. Build it with New.
type Handler struct {
	auth     Auth
	sessions Sessions
	desk     *Service
	metrics  *Yearly
	group    string
	url      *url.URL
	authNow  func() time.Time
	entropy  io.Reader
	log      *slog.Logger
	mux      *http.ServeMux
	csp      string
}

// New builds the console's handler.
func New(cfg Config) *Handler {
	h := &Handler{auth: cfg.Auth, sessions: cfg.Sessions, desk: cfg.Desk, metrics: cfg.Metrics, group: cfg.Group, url: cfg.URL,
		authNow: cfg.AuthNow, entropy: cfg.Entropy, log: cfg.Log}
	if h.entropy == nil {
		h.entropy = rand.Reader
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.authNow == nil {
		h.authNow = time.Now
	}
	// The sign-out form goes on to the pool's sign-out page: form-action
	// must allow the pool's origin, which browsers check on redirects.
	formAction := "'self'"
	if u, err := url.Parse(h.auth.SignOutURL("https://console.invalid/")); err == nil && u.Host != "" {
		formAction += " " + u.Scheme + "://" + u.Host
	}
	h.csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'"

	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Prefix+"/console.css", h.css)
	mux.HandleFunc("GET "+Prefix+"/sign-in", h.signIn)
	mux.HandleFunc("GET "+Prefix+"/callback", h.signedIn)
	mux.HandleFunc("GET "+Prefix+"/signed-out", h.signedOut)
	mux.HandleFunc("POST "+Prefix+"/sign-out", h.signOut)
	mux.HandleFunc("GET "+Prefix+"/{$}", h.workList)
	mux.HandleFunc("POST "+Prefix+"/find", h.find)
	mux.HandleFunc("GET "+Prefix+"/requests/{id}", h.requestPage)
	mux.HandleFunc("GET "+Prefix+"/requests/{id}/trail.csv", h.trailCSV)
	mux.HandleFunc("GET "+Prefix+"/requests/{id}/{action}", h.actionPage)
	mux.HandleFunc("POST "+Prefix+"/requests/{id}/{action}", h.act)
	if h.metrics != nil {
		mux.HandleFunc("GET "+Prefix+"/metrics", h.metricsPage)
		mux.HandleFunc("GET "+Prefix+"/metrics.csv", h.metricsCSV)
	}
	mux.HandleFunc("GET "+Prefix, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "console/", http.StatusMovedPermanently)
	})
	h.mux = mux
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	if _, pattern := h.mux.Handler(r); pattern == "" {
		h.page(w, r, http.StatusNotFound, nil, &messageView{Title: "Page not found",
			Message: "The console has no page at this address."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	h.mux.ServeHTTP(w, r)
}

// base is the console's address for r, ending in "/console/".
func (h *Handler) base(r *http.Request) *url.URL {
	if h.url != nil {
		return h.url
	}
	scheme := "https"
	host := r.Host
	if u, err := url.Parse("http://" + host); err == nil && loopback(u.Hostname()) {
		scheme = "http"
	}
	return &url.URL{Scheme: scheme, Host: host, Path: Prefix + "/"}
}

// depth is how many folders below the console's root r's page is:
// 0 for /console/…, 1 for /console/requests/….
func depth(r *http.Request) int {
	rest := strings.TrimPrefix(r.URL.EscapedPath(), Prefix+"/")
	return strings.Count(rest, "/")
}

// relative is the way from r's page to the console page at path (relative
// to the console's root, e.g. "sign-in", "requests/PR-…").
func (h *Handler) relative(r *http.Request, path string) string {
	return consoleRoot(r) + path
}

// consoleRoot is the way from r's page back to /console/.
func consoleRoot(r *http.Request) string {
	d := depth(r)
	if d == 0 {
		return "./"
	}
	return strings.Repeat("../", d)
}

// siteRoot is the way from r's page back to the site's root, where the
// public pages' stylesheet is served.
func siteRoot(r *http.Request) string { return "../" + strings.TrimPrefix(consoleRoot(r), "./") }

// page answers with the page that body writes, for the (possibly nil)
// session.
func (h *Handler) page(w http.ResponseWriter, r *http.Request, status int, s *session, body pageBody) {
	v := view{Root: siteRoot(r), Console: consoleRoot(r), Session: s, Location: time.UTC}
	if h.desk != nil && h.desk.Calendar != nil {
		v.Location = h.desk.Calendar.Location()
	}
	bb := render(body, &v)
	defer quicktemplate.ReleaseByteBuffer(bb)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(bb.B)
}

// fail answers 500 and logs what failed (never personal data: errors name
// requests by ID).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.log.ErrorContext(r.Context(), "console: "+what, "error", err)
	h.page(w, r, http.StatusInternalServerError, nil, &messageView{Title: "Something went wrong",
		Message: "The console could not do this (internal error). Nothing you did not see confirmed has changed; try again in a moment."})
}

func (h *Handler) css(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(consoleCSS)
}

func (h *Handler) signedOut(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, http.StatusOK, nil, &messageView{Title: "You are signed out",
		Message: "Your sign-in to the privacy desk has ended.", SignIn: true})
}

// messageView is a page that says one thing.
type messageView struct {
	Title, Message string
	// SignIn offers the way to sign in.
	SignIn bool
	// Request, when set, links back to the request's page.
	Request string
}

// refusedView is the page of a signed-in user outside the team's group.
type refusedView struct{ Username, Group string }

// signedInView is the page after signing in.
type signedInView struct{ Next, Username string }
