package webform

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/token"
)

// Downloader is the access package download behind the download page;
// *export.Downloads satisfies it.
type Downloader interface {
	// Lookup checks a link without using it.
	Lookup(ctx context.Context, raw string) (export.Offered, error)
	// Open uses the link for the browser session and returns where the
	// file is fetched from (a short-lived URL); the same session may press
	// again for a short while, no other.
	Open(ctx context.Context, raw, session string) (string, error)
}

var _ Downloader = (*export.Downloads)(nil)

type downloadData struct {
	RequestID   string
	Expires     string
	Token       string
	TeamAddress string
}

// downloadPage shows the package's download button. It uses nothing: a
// mail scanner that opens the link downloads nothing and spends nothing.
func (h *Handler) downloadPage(w http.ResponseWriter, r *http.Request) {
	raw, ok := linkToken(r.URL.Query().Get("t"))
	if !ok {
		h.downloadProblem(w, r, token.ErrNotFound)
		return
	}
	o, err := h.downloads.Lookup(r.Context(), raw)
	es := spanish(o.Language)
	if err != nil {
		h.downloadProblem(w, r, err)
		return
	}
	// The button's POST is answered with a redirect to the file's host;
	// browsers hold that redirect to the page's form-action too.
	if safeOrigin(o.Origin) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' "+o.Origin+"; frame-ancestors 'none'; base-uri 'none'")
	}
	h.render(w, http.StatusOK, page("download.html", es), downloadData{
		RequestID: o.RequestID, Token: raw, TeamAddress: h.team,
		Expires: h.when(o.ExpiresAt, es),
	})
}

// downloadOpen uses the link and sends the browser to the file.
func (h *Handler) downloadOpen(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxVerifyBody)
	if err := r.ParseForm(); err != nil {
		h.renderMessage(w, http.StatusBadRequest, "We could not read your request", "Please open the link in our email again and press the button.")
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

// downloadSession is the browser's download session, or a new random one.
func downloadSession(r *http.Request) string {
	if c, err := r.Cookie(downloadCookie); err == nil && sessionPattern.MatchString(c.Value) {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

var sessionPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// loopback reports whether host (with or without a port) is this machine,
// where the local stack serves plain HTTP.
func loopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]"
}

// downloadProblem explains a link that cannot download anything. The token
// is never logged nor shown.
func (h *Handler) downloadProblem(w http.ResponseWriter, r *http.Request, err error) {
	again := "To get a new link, write to the privacy team at " + h.team + " and quote your request ID."
	switch {
	case errors.Is(err, token.ErrNotFound), errors.Is(err, token.ErrMalformed), errors.Is(err, token.ErrPurpose):
		h.renderMessage(w, http.StatusNotFound, "We do not know this link",
			"Please check that you opened the whole link from our email. "+again)
	case errors.Is(err, token.ErrUsed):
		h.renderMessage(w, http.StatusGone, "This download link was already used",
			"Each download link works once. If a download was cut off, pressing the button again works only in the same browser, for "+minutes(export.DownloadGrace)+" after the first press. "+again)
	case errors.Is(err, token.ErrExpired):
		h.renderMessage(w, http.StatusGone, "This download link has expired",
			"Download links work for 7 days. "+again)
	default:
		h.log.ErrorContext(r.Context(), "download failed", "error", err)
		h.renderMessage(w, http.StatusInternalServerError, "Something went wrong on our side",
			"Please try the link again in a few minutes, or write to "+h.team+".")
	}
}

func minutes(d time.Duration) string {
	return strconv.Itoa(int(d.Minutes())) + " minutes"
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
