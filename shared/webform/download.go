package webform

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/pages"
	"github.com/productionflow/privacy-desk/shared/token"
)

// Downloader is the access package download behind the download page;
// *export.Downloads satisfies it.
type Downloader interface {
	// Lookup checks a link without using it, for the browser session that
	// opens the page ("" when it has none): a used link is offered again
	// only to the session that used it, within the grace.
	Lookup(ctx context.Context, raw, session string) (export.Offered, error)
	// Open uses the link for the browser session and returns where the
	// file is fetched from (a short-lived URL); the same session may press
	// again for a short while, no other.
	Open(ctx context.Context, raw, session string) (string, error)
}

var _ Downloader = (*export.Downloads)(nil)

// downloadPage shows the package's download button. It uses nothing: a
// mail scanner that opens the link downloads nothing and spends nothing.
// A used link shows the button again only in the browser that pressed it,
// within the grace; anywhere else it is the "already used" page (410).
func (h *Handler) downloadPage(w http.ResponseWriter, r *http.Request) {
	raw, ok := linkToken(r.URL.Query().Get("t"))
	if !ok {
		h.downloadProblem(w, r, token.ErrNotFound)
		return
	}
	o, err := h.downloads.Lookup(r.Context(), raw, browserSession(r))
	if err != nil {
		h.downloadProblem(w, r, err)
		return
	}
	// The button's POST is answered with a redirect to the file's host;
	// browsers hold that redirect to the page's form-action too.
	if safeOrigin(o.Origin) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' "+o.Origin+"; frame-ancestors 'none'; base-uri 'none'")
	}
	h.render(w, r, http.StatusOK, "download", pages.Choose(r, o.Language), pages.Download{
		RequestID: o.RequestID, Token: raw, Expires: o.ExpiresAt,
	})
}

// downloadOpen uses the link and sends the browser to the file.
func (h *Handler) downloadOpen(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxVerifyBody)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, http.StatusBadRequest, "download-unreadable", pages.Choose(r, ""), nil)
		return
	}
	raw, ok := linkToken(r.PostForm.Get("t"))
	if !ok {
		h.downloadProblem(w, r, token.ErrNotFound)
		return
	}
	session := downloadSession(r)
	to, err := h.downloads.Open(r.Context(), raw, session)
	if err != nil {
		h.downloadProblem(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: downloadCookie, Value: session, Path: "/download", MaxAge: int(export.DownloadGrace.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: !loopback(r.Host),
	})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// downloadCookie holds the browser session a download link was used by:
// only that browser may press Download again, for export.DownloadGrace.
const downloadCookie = "download-session"

// browserSession is the download session the browser sends, or "".
func browserSession(r *http.Request) string {
	if c, err := r.Cookie(downloadCookie); err == nil && validSession(c.Value) {
		return c.Value
	}
	return ""
}

// downloadSession is the browser's download session, or a new random one.
func downloadSession(r *http.Request) string {
	if s := browserSession(r); s != "" {
		return s
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// validSession reports whether v reads as a session this page issued: 43
// characters of unpadded base64url (32 random bytes).
func validSession(v string) bool {
	if len(v) != 43 {
		return false
	}
	for i := range len(v) {
		c := v[i]
		if !(c == '-' || c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// loopback reports whether host (with or without a port) is this machine,
// where the local stack serves plain HTTP.
func loopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]"
}

// downloadProblem explains a link that cannot download anything, in the
// request's language when the error names it (export.LinkError). The token
// is never logged nor shown: the page's language link leads to the form.
func (h *Handler) downloadProblem(w http.ResponseWriter, r *http.Request, err error) {
	status, page := http.StatusGone, ""
	switch {
	case errors.Is(err, token.ErrNotFound), errors.Is(err, token.ErrMalformed), errors.Is(err, token.ErrPurpose):
		status, page = http.StatusNotFound, "download-unknown"
	case errors.Is(err, token.ErrUsed):
		page = "download-used"
	case errors.Is(err, token.ErrExpired):
		page = "download-expired"
	default:
		h.log.ErrorContext(r.Context(), "download failed", "error", err)
		status, page = http.StatusInternalServerError, "download-failed"
	}
	var stored string
	if le := (*export.LinkError)(nil); errors.As(err, &le) {
		stored = le.Language
	}
	d := pages.Link{Days: days(export.DownloadTTL), GraceMinutes: int(export.DownloadGrace / time.Minute)}
	h.show(w, status, page, h.site.View(r, pages.Choose(r, stored), d).ToForm())
}

// safeOrigin reports whether o is a bare scheme://host that may be written
// into a header.
func safeOrigin(o string) bool {
	host, ok := strings.CutPrefix(o, "https://")
	if !ok {
		host, ok = strings.CutPrefix(o, "http://")
	}
	return ok && host != "" && !strings.ContainsAny(host, " ;,'\"\r\n/\\")
}
