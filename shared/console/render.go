package console

//go:generate go tool qtc -skipLineComments -dir=.

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/valyala/quicktemplate"
)

// The console's pages are quicktemplate funcs compiled to Go (*.qtpl, and
// the *.qtpl.go that go generate writes from them): layout.qtpl opens and
// closes every page, and each page's view writes the whole page with its
// html method. Every value goes through {%s %}, which escapes it for HTML;
// in a link, a value after the part our code built (v.Console, "requests/")
// goes through urlPart first, and a whole link through safeURL.

// pageBody is a page's view: it writes the whole page, the layout's top
// and bottom included, for the layout's view v.
type pageBody interface {
	streamhtml(qw *quicktemplate.Writer, v *view)
}

// view is what every page's layout gets.
type view struct {
	Root    string // the site's root: form.css
	Console string // the console's root: its pages and console.css
	Session *session
	// Location is the business time zone dates are written in.
	Location *time.Location
	// scratch is where times are formatted, again for each.
	scratch []byte
}

// render writes body for the view v into a pooled buffer and returns it;
// release it with quicktemplate.ReleaseByteBuffer.
func render(body pageBody, v *view) *quicktemplate.ByteBuffer {
	bb := quicktemplate.AcquireByteBuffer()
	qw := quicktemplate.AcquireWriter(bb)
	body.streamhtml(qw, v)
	quicktemplate.ReleaseWriter(qw)
	return bb
}

// urlPart makes s fit to stand in a link after the part our code built,
// as html/template did: every byte but the letters, digits and the
// characters RFC 3986 allows unescaped is percent-encoded, and so is a '%'
// that does not start an escape. The result still needs {%s %} (an '&'
// stays an '&').
func urlPart(s string) string {
	i := 0
	for i < len(s) && urlKeeps(s, i) {
		i++
	}
	if i == len(s) {
		return s
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		if c := s[i]; urlKeeps(s, i) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// urlKeeps reports whether urlPart keeps s[i] as it is.
func urlKeeps(s string, i int) bool {
	switch c := s[i]; {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '%':
		return i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2])
	default:
		return strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// safeURL is a link for a whole URL that input could have shaped: "#"
// unless it is relative or an http, https or mailto URL (so never
// javascript: or data:), urlPart's encoding otherwise.
func safeURL(s string) string {
	if i := strings.IndexByte(s, ':'); i >= 0 && !strings.Contains(s[:i], "/") {
		switch strings.ToLower(s[:i]) {
		case "http", "https", "mailto":
		default:
			return "#"
		}
	}
	return urlPart(s)
}

// The layouts of dates and times on the pages.
const (
	dateLayout     = "Mon Jan 2, 2006"
	datetimeLayout = "Mon Jan 2, 2006 15:04 MST"
)

// timeIn writes t in the business time zone with layout, into v's scratch
// space (valid until the next call: the page writes it at once); nothing
// for the zero time.
func (v *view) timeIn(t time.Time, layout string) []byte {
	if t.IsZero() {
		return nil
	}
	v.scratch = t.In(v.Location).AppendFormat(v.scratch[:0], layout)
	return v.scratch
}

// iso writes t for a <time datetime=…> attribute, into v's scratch space.
func (v *view) iso(t time.Time) []byte {
	v.scratch = t.UTC().AppendFormat(v.scratch[:0], time.RFC3339)
	return v.scratch
}

// actionTitle is an action's title: its page's heading and link.
func actionTitle(action string) string {
	if t, ok := actionTitles[action]; ok {
		return t
	}
	return action
}

// fields are the fields a form's problems are about, in order.
func (e FormError) fields() []string { return slices.Sorted(maps.Keys(e)) }
