package mail

import (
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
)

// TestEveryTemplateParses: templates are parsed on first use, so a broken
// one would only show when its mail is sent; this parses each message's
// pair now.
func TestEveryTemplateParses(t *testing.T) {
	names, err := fs.Glob(files, "templates/*.txt.tmpl")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".txt.tmpl")
		if name == "status-link" {
			continue // the partials every message parses with
		}
		t.Run(name, func(t *testing.T) {
			p, err := templates(name)
			require.NoError(t, err)
			assert.NotNil(t, p.text)
			assert.NotNil(t, p.html)
		})
	}
}

// TestTemplatesParsedOncePerMessage: concurrent renders of one message
// share one parse, and rendering it parses no other message's templates.
func TestTemplatesParsedOncePerMessage(t *testing.T) {
	templateSets.Range(func(k, _ any) bool { templateSets.Delete(k); return true })
	a := Acknowledgement{RequestID: "PR-ONCE-0000-0000-0001", Kinds: []request.Kind{request.Deletion},
		ReceivedAt: time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC), TeamAddress: "privacy@productionflow.example"}
	var wg sync.WaitGroup
	texts := make([]string, 8)
	for i := range texts {
		wg.Go(func() {
			m, err := RenderAcknowledgement("ana@example.org", a)
			assert.NoError(t, err)
			texts[i] = m.Text
		})
	}
	wg.Wait()
	for _, txt := range texts {
		assert.Equal(t, texts[0], txt, "a pooled buffer never leaks one render into another")
	}
	var parsedNames []string
	templateSets.Range(func(k, _ any) bool { parsedNames = append(parsedNames, k.(string)); return true })
	assert.Equal(t, []string{"acknowledgement"}, parsedNames)
	first, _ := templates("acknowledgement")
	again, _ := templates("acknowledgement")
	assert.Same(t, first.text, again.text)
}

// TestCleanFastPathAgrees: the check that lets clean return its input
// unchanged agrees with the full cleaning, value by value.
func TestCleanFastPathAgrees(t *testing.T) {
	for _, s := range []string{
		"", "Ada Lovelace", "PR-AAAA-0000-0000-0001", " lead", "trail ", "two  spaces", "tab\there", "line\nbreak",
		"José Müller", "\u202Eevil", "nbsp\u00a0here", "\u2028", "bad \xff byte", "ok\u00e9", "\u3000ideographic", "a\x7fb",
		"https://privacy.productionflow.example/verify?t=AbC-_", "\uFFFD", " ",
	} {
		full := cleanSlow(s)
		assert.Equal(t, full, clean(s), "%q", s)
		if isClean(s) {
			assert.Equal(t, s, full, "%q is clean only if cleaning leaves it", s)
		}
	}
}

// cleanSlow is clean without its fast path.
func cleanSlow(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unwanted(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// BenchmarkRenderAcknowledgement is one acknowledgement with its links, in
// English, its templates already parsed.
func BenchmarkRenderAcknowledgement(b *testing.B) {
	received := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	a := Acknowledgement{RequestID: "PR-BNCH-0000-0000-0001", Name: "Bench Mark", Kinds: []request.Kind{request.Deletion},
		ReceivedAt: received, Due: request.Due{Response: received.AddDate(0, 0, 45)}, TeamAddress: "privacy@productionflow.example",
		FormURL: "https://privacy.productionflow.example/", StatusLink: "https://privacy.productionflow.example/status?t=abc",
		VerifyLink: "https://privacy.productionflow.example/verify?t=def", VerifyLinkUntil: received.AddDate(0, 0, 7)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderAcknowledgement("ana@example.org", a); err != nil {
			b.Fatal(err)
		}
	}
}
