package console

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Member is a signed-in member of the privacy team.
type Member struct {
	// Username is the member's user name in the user pool.
	Username string
	// SessionID names the sign-in (the access token's ID): signing out
	// ends it.
	SessionID string
	// Expires is when the sign-in ends by itself.
	Expires time.Time
}

// Actor names the member in audit events: "team:<username>".
func (m Member) Actor() string { return "team:" + m.Username }

// Why a sign-in or a session is refused.
var (
	// ErrSignIn: the pool refused the sign-in's code (used, expired, or
	// for another client).
	ErrSignIn = errors.New("sign-in refused")
	// ErrToken: the token is not one of the pool's access tokens for the
	// console (bad signature, another issuer or client, an ID token...).
	ErrToken = errors.New("not a valid access token of the console")
	// ErrExpired: the token was good but has expired.
	ErrExpired = errors.New("the sign-in has expired")
	// ErrNotMember: a good token of someone outside the team's group.
	ErrNotMember = errors.New("not a member of the privacy team")
)

// Auth is the user pool: its hosted sign-in page and the check of the
// tokens it issues (*cognito.Pool).
type Auth interface {
	// AuthorizeURL is the pool's sign-in page, coming back to redirectURL
	// with a code for state, bound to verifier (PKCE).
	AuthorizeURL(redirectURL, state, verifier string) string
	// Exchange trades the code for an access token and checks it as
	// Verify does.
	Exchange(ctx context.Context, redirectURL, code, verifier string) (token string, m Member, err error)
	// Verify checks an access token and returns its member, or ErrToken,
	// ErrExpired or ErrNotMember (with the member it names).
	Verify(ctx context.Context, token string) (Member, error)
	// SignOutURL is the pool's sign-out page, going on to then.
	SignOutURL(then string) string
}

// Sessions remembers sign-outs (*dynamo.Store): a token stays good until it
// expires, so a signed-out session is refused by its ID until then.
type Sessions interface {
	EndSession(ctx context.Context, sessionID string, until time.Time) error
	SessionEnded(ctx context.Context, sessionID string) (bool, error)
}

// Cookies. Both are HttpOnly, scoped to the console's path, and Secure
// unless the console is served on this machine (the local stack).
const (
	// sessionCookie holds the pool's access token: SameSite=Strict, so no
	// other site's page can make the browser send it.
	sessionCookie = "console_session"
	// signInCookie holds the sign-in's state, PKCE verifier and the page
	// to go back to, for the ten minutes the sign-in may take. It is
	// SameSite=Lax: it must come back with the pool's redirect, a
	// navigation from the pool's site.
	signInCookie = "console_sign_in"
	signInTTL    = 10 * time.Minute
)

// csrfToken is the CSRF token of a session: a hash of its token, which
// only the browser holding the session cookie (HttpOnly) knows. Every form
// the console serves carries it; every POST must.
func csrfToken(session string) string {
	sum := sha256.Sum256([]byte("privacy-desk console csrf\x00" + session))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// validCSRF reports whether got is the CSRF token of session.
func validCSRF(session, got string) bool {
	want := csrfToken(session)
	return got != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// random returns n random bytes from entropy, URL-safe base64.
func random(entropy io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(entropy, b); err != nil {
		return "", fmt.Errorf("console: randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// signIn is what the sign-in cookie carries.
type signIn struct {
	State, Verifier, Next string
}

func (s signIn) encode() string {
	return s.State + "." + s.Verifier + "." + base64.RawURLEncoding.EncodeToString([]byte(s.Next))
}

func decodeSignIn(v string) (signIn, bool) {
	parts := strings.Split(v, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return signIn{}, false
	}
	next, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return signIn{}, false
	}
	return signIn{State: parts[0], Verifier: parts[1], Next: safeNext(string(next))}, true
}

// safeNext keeps a page to go back to after signing in only if it is a
// page of the console (no other site, no scheme, no backslashes, no spaces
// or control characters), one the signed-in page can go on to relative to
// the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\") ||
		strings.ContainsFunc(next, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		// A space or a control character: a browser skips the spaces after
		// a Refresh header's "url=", so "/console/ //host" would leave.
		return Prefix + "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return Prefix + "/"
	}
	// The page goes on with next relative to the console
	// ("requests/PR-…"): a rest that starts with "/" would leave it
	// ("//host" is another site), and one whose first segment has a colon
	// reads as a scheme ("http:host", "javascript:…").
	rest := strings.TrimPrefix(next, Prefix+"/")
	first, _, _ := strings.Cut(rest, "/")
	if strings.HasPrefix(rest, "/") || strings.Contains(first, ":") {
		return Prefix + "/"
	}
	return next
}

// secure reports whether the console's cookies are Secure: always, except
// for a console served on this machine over plain HTTP (the local stack),
// where a browser would not send them back.
func secure(base *url.URL) bool {
	if base.Scheme == "https" {
		return true
	}
	return !loopback(base.Hostname())
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (h *Handler) setCookie(w http.ResponseWriter, base *url.URL, name, value string, maxAge int, same http.SameSite) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: Prefix, MaxAge: maxAge,
		HttpOnly: true, Secure: secure(base), SameSite: same,
	})
}

func (h *Handler) clearCookie(w http.ResponseWriter, base *url.URL, name string, same http.SameSite) {
	h.setCookie(w, base, name, "", -1, same)
}

// session is a request's signed-in member and its token.
type session struct {
	Member
	token string
}

// CSRF is the token the session's forms carry.
func (s session) CSRF() string { return csrfToken(s.token) }

// authenticate finds the member signed in on r. When nobody is (no cookie,
// an expired, bad or signed-out token), it answers: a GET goes to the
// pool's sign-in and comes back; a POST is refused, as its form cannot be
// carried through a sign-in. A member outside the team's group is refused.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (session, bool) {
	base := h.base(r)
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		h.needSignIn(w, r)
		return session{}, false
	}
	m, err := h.auth.Verify(r.Context(), c.Value)
	switch {
	case errors.Is(err, ErrNotMember):
		h.log.WarnContext(r.Context(), "console: refused a user outside the team", "user", m.Username)
		h.clearCookie(w, base, sessionCookie, http.SameSiteStrictMode)
		h.page(w, r, http.StatusForbidden, nil, &refusedView{Username: m.Username, Group: h.group})
		return session{}, false
	case errors.Is(err, ErrExpired), errors.Is(err, ErrToken):
		h.log.InfoContext(r.Context(), "console: session refused", "reason", err.Error())
		h.clearCookie(w, base, sessionCookie, http.SameSiteStrictMode)
		h.needSignIn(w, r)
		return session{}, false
	case err != nil:
		h.fail(w, r, "verify session", err)
		return session{}, false
	}
	ended, err := h.sessions.SessionEnded(r.Context(), m.SessionID)
	if err != nil {
		h.fail(w, r, "read session", err)
		return session{}, false
	}
	if ended {
		h.clearCookie(w, base, sessionCookie, http.SameSiteStrictMode)
		h.needSignIn(w, r)
		return session{}, false
	}
	return session{Member: m, token: c.Value}, true
}

// authenticatePost is authenticate for a POST, which must also carry the
// session's CSRF token in its form.
func (h *Handler) authenticatePost(w http.ResponseWriter, r *http.Request) (session, bool) {
	s, ok := h.authenticate(w, r)
	if !ok {
		return s, false
	}
	if err := r.ParseForm(); err != nil {
		// Read before the CSRF token is looked for: a form cut short at
		// maxBody carries none, and is not an expired form.
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			h.log.InfoContext(r.Context(), "console: form over the size limit refused", "user", s.Username, "limit", mbe.Limit)
			h.page(w, r, http.StatusRequestEntityTooLarge, &s, &messageView{Title: "The form is too large",
				Message: fmt.Sprintf("The form was larger than the console accepts (%d KiB), so nothing was changed. A note takes at most %s characters, and words the requester reads (a reason, a denial's detail) at most %s: shorten what you wrote and send the form again.",
					maxBody>>10, thousands(MaxNote), thousands(MaxForRequester)), Request: r.PathValue("id")})
			return s, false
		}
		h.page(w, r, http.StatusBadRequest, &s, &messageView{Title: "The form could not be read",
			Message: "The form did not arrive as the console sends it, so nothing was changed. Open the page again and send it from there.", Request: r.PathValue("id")})
		return s, false
	}
	if !validCSRF(s.token, r.PostFormValue("csrf")) {
		h.log.WarnContext(r.Context(), "console: POST without a valid CSRF token refused", "user", s.Username)
		h.page(w, r, http.StatusForbidden, &s, &messageView{Title: "This form has expired",
			Message: "The form was not sent from this sign-in of the console, so nothing was changed. Open the page again and send it from there."})
		return s, false
	}
	return s, true
}

func (h *Handler) needSignIn(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		next := r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			next += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, h.relative(r, "sign-in")+"?"+url.Values{"next": {next}}.Encode(), http.StatusSeeOther)
		return
	}
	h.page(w, r, http.StatusForbidden, nil, &messageView{Title: "Please sign in again",
		Message: "Your sign-in has ended, so nothing was changed. Sign in again, open the page and send the form from there.", SignIn: true})
}

// signIn starts a sign-in: it remembers a random state and PKCE verifier
// (and the page to come back to) in the sign-in cookie and sends the
// browser to the pool's sign-in page.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	state, err := random(h.entropy, 24)
	if err != nil {
		h.fail(w, r, "sign-in state", err)
		return
	}
	verifier, err := random(h.entropy, 48)
	if err != nil {
		h.fail(w, r, "sign-in verifier", err)
		return
	}
	base := h.base(r)
	in := signIn{State: state, Verifier: verifier, Next: safeNext(r.URL.Query().Get("next"))}
	h.setCookie(w, base, signInCookie, in.encode(), int(signInTTL/time.Second), http.SameSiteLaxMode)
	http.Redirect(w, r, h.auth.AuthorizeURL(h.callback(base), state, verifier), http.StatusSeeOther)
}

// callback ends a sign-in: the pool sends the browser back with a code and
// the state. The state must be the one this browser's sign-in cookie holds;
// the code is exchanged with its verifier for the access token, which is
// checked and becomes the session. The page that follows is reached by a
// same-site navigation (a refresh, or its link), so that the browser sends
// the Strict session cookie with it: a redirect from here would continue
// the pool's cross-site navigation, and it would not.
func (h *Handler) callback(base *url.URL) string { return base.String() + "callback" }

func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request) {
	base := h.base(r)
	c, err := r.Cookie(signInCookie)
	in, ok := signIn{}, false
	if err == nil {
		in, ok = decodeSignIn(c.Value)
	}
	h.clearCookie(w, base, signInCookie, http.SameSiteLaxMode)
	q := r.URL.Query()
	got := q.Get("state")
	if !ok || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(in.State)) != 1 {
		h.page(w, r, http.StatusBadRequest, nil, &messageView{Title: "The sign-in did not come from here",
			Message: "This sign-in was not started from this browser, or it took longer than ten minutes. Nothing was signed in.", SignIn: true})
		return
	}
	if e := q.Get("error"); e != "" || q.Get("code") == "" {
		h.log.InfoContext(r.Context(), "console: the pool returned no code", "error", e)
		h.page(w, r, http.StatusBadRequest, nil, &messageView{Title: "The sign-in did not finish",
			Message: "The sign-in page sent no sign-in back. Nothing was signed in.", SignIn: true})
		return
	}
	token, m, err := h.auth.Exchange(r.Context(), h.callback(base), q.Get("code"), in.Verifier)
	switch {
	case errors.Is(err, ErrNotMember):
		h.log.WarnContext(r.Context(), "console: sign-in refused: user outside the team", "user", m.Username)
		h.page(w, r, http.StatusForbidden, nil, &refusedView{Username: m.Username, Group: h.group})
		return
	case errors.Is(err, ErrSignIn), errors.Is(err, ErrToken), errors.Is(err, ErrExpired):
		h.log.WarnContext(r.Context(), "console: sign-in refused", "reason", err.Error())
		h.page(w, r, http.StatusForbidden, nil, &messageView{Title: "The sign-in was refused",
			Message: "The sign-in could not be checked, so nothing was signed in. Try again.", SignIn: true})
		return
	case err != nil:
		h.fail(w, r, "sign in", err)
		return
	}
	maxAge := int(m.Expires.Sub(h.authNow()) / time.Second)
	if maxAge <= 0 {
		maxAge = 60
	}
	h.setCookie(w, base, sessionCookie, token, maxAge, http.SameSiteStrictMode)
	h.log.InfoContext(r.Context(), "console: signed in", "user", m.Username)
	next := safeNext(in.Next)
	// The refresh and the link are relative to this page (…/console/callback).
	rel := strings.TrimPrefix(next, Prefix+"/")
	if rel == "" || safeURL(rel) == "#" {
		rel = "./" // "/console/javascript:…" is no page to go on to
	}
	w.Header().Set("Refresh", "0; url="+safeURL(rel)) // encoded as the page's link is
	h.page(w, r, http.StatusOK, nil, &signedInView{Next: rel, Username: m.Username})
}

// signOut ends the session: its ID is remembered as signed out until the
// token would have expired, the cookie is cleared, and the browser goes on
// to the pool's sign-out page, which ends the pool's own sign-in too and
// comes back to the console's signed-out page.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	s, ok := h.authenticatePost(w, r)
	if !ok {
		return
	}
	if err := h.sessions.EndSession(r.Context(), s.SessionID, s.Expires); err != nil {
		h.fail(w, r, "end session", err)
		return
	}
	base := h.base(r)
	h.clearCookie(w, base, sessionCookie, http.SameSiteStrictMode)
	h.log.InfoContext(r.Context(), "console: signed out", "user", s.Username)
	http.Redirect(w, r, h.auth.SignOutURL(base.String()+"signed-out"), http.StatusSeeOther)
}
