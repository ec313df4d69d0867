package mail

import (
	"strings"

	"github.com/valyala/quicktemplate"
)

// The templates write a URL into an href attribute with {%= href(u) %},
// and a value that follows a URL's literal start (href="mailto:…") with
// {%= hrefPart(s) %}. Both write what html/template wrote in the same
// places, byte for byte (FuzzHref holds them to it):
//
//   - href refuses a URL with a scheme other than http, https or mailto
//     (javascript:, data:, vbscript:...): it writes "#ZgotmplZ" instead;
//   - every byte but the letters, digits, "-._~", the URL delimiters
//     "!#$&*+,/:;=?@[]" and a valid %XX escape is percent-encoded
//     (quotes, "<", ">", spaces, controls and non-ASCII included), so the
//     value can neither leave the attribute nor the URL;
//   - what is left of "&" and "+" is written as an HTML entity.

// unsafeHref replaces a URL whose scheme is not allowed.
const unsafeHref = "#ZgotmplZ"

// streamhref writes URL u for a double-quoted href attribute.
func streamhref(qw *quicktemplate.Writer, u string) {
	if !safeScheme(u) {
		qw.N().S(unsafeHref)
		return
	}
	streamhrefPart(qw, u)
}

// streamhrefPart writes s for a double-quoted href attribute, after the
// URL's start the template wrote itself.
func streamhrefPart(qw *quicktemplate.Writer, s string) {
	w := qw.N()
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var with string
		switch {
		case c == '&':
			with = "&amp;"
		case c == '+':
			with = "&#43;"
		case urlKeeps(c), c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			continue
		default:
			with = percentEncoded[3*int(c) : 3*int(c)+3]
		}
		w.S(s[written:i])
		w.S(with)
		written = i + 1
	}
	w.S(s[written:])
}

// safeScheme reports whether u has no scheme (a relative URL) or one of
// http, https and mailto, in any case.
func safeScheme(u string) bool {
	scheme, _, ok := strings.Cut(u, ":")
	if !ok || strings.Contains(scheme, "/") {
		return true
	}
	return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "mailto")
}

// urlKeeps reports the bytes written as they are: RFC 3986's unreserved
// characters and its delimiters, but for the quote and the parentheses.
func urlKeeps(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!#$*,/:;=?@[]", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// percentEncoded holds "%00%01…%ff": byte c's escape is at 3c.
var percentEncoded = func() string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	for c := range 256 {
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}()
