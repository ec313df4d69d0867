package mail

import (
	htmltemplate "html/template"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/quicktemplate"
)

// hrefs writes u as href and s as hrefPart do, into the two attributes of
// attributePair.
func hrefs(u, s string) string {
	buf := quicktemplate.AcquireByteBuffer()
	defer quicktemplate.ReleaseByteBuffer(buf)
	qw := quicktemplate.AcquireWriter(buf)
	defer quicktemplate.ReleaseWriter(qw)
	qw.N().S(`<a href="`)
	streamhref(qw, u)
	qw.N().S(`">x</a><a href="mailto:`)
	streamhrefPart(qw, s)
	qw.N().S(`">y</a>`)
	return string(buf.B)
}

// attributePair is how the templates of html/template wrote the same two
// attributes.
var attributePair = htmltemplate.Must(htmltemplate.New("").Parse(`<a href="{{.U}}">x</a><a href="mailto:{{.S}}">y</a>`))

func htmlTemplateHrefs(t testing.TB, u, s string) string {
	var b strings.Builder
	require.NoError(t, attributePair.Execute(&b, struct{ U, S string }{u, s}))
	return b.String()
}

var hrefSeeds = []string{
	"", "https://privacy.productionflow.example/status?t=AbC-_&x=1+2", "HTTPS://UP.example/", "/relative/path?q=é",
	"//proto.example/x", "mailto:a@b.example", "privacy+desk@productionflow.example", `"><img src=x onerror=alert(1)>@x.example`,
	"javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,<x>", "vbscript:x", "a/b:c",
	"https://x.example/a b\"c'<d>%zz%41%4#f", "100%", "%4", "%41", "tab\tnew\nline\x00nul", "\u202Ebidi", "\xff\xfe",
}

// TestHref: a URL in an attribute is written as html/template wrote it:
// an unsafe scheme is refused, and nothing leaves the attribute.
func TestHref(t *testing.T) {
	for _, u := range hrefSeeds {
		t.Run(u, func(t *testing.T) {
			got := hrefs(u, u)
			assert.Equal(t, htmlTemplateHrefs(t, u, u), got)
			assert.Equal(t, 4, strings.Count(got, `"`), "the value never closes the attribute")
			assert.NotContains(t, got, "<img")
		})
	}
	for _, u := range []string{"javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<x>", "vbscript:x"} {
		assert.Contains(t, hrefs(u, ""), `href="#ZgotmplZ"`, u)
	}
}

// FuzzHref holds href and hrefPart to html/template's filtering, escaping
// and normalisation of URLs in attributes, byte for byte.
func FuzzHref(f *testing.F) {
	for _, s := range hrefSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if want := htmlTemplateHrefs(t, s, s); hrefs(s, s) != want {
			t.Fatalf("%q: got %s, html/template wrote %s", s, hrefs(s, s), want)
		}
	})
}
