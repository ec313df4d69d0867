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

// TestConcurrentRendersShareNoBuffer: renders at once each write into a
// pooled buffer of their own, and none leaks into another.
func TestConcurrentRendersShareNoBuffer(t *testing.T) {
	at := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	acks := []Acknowledgement{
		{RequestID: "PR-ONCE-0000-0000-0001", Kinds: []request.Kind{request.Deletion}, ReceivedAt: at, TeamAddress: "privacy@productionflow.example"},
		{RequestID: "PR-ONCE-0000-0000-0002", Kinds: []request.Kind{request.OptOutSale}, ReceivedAt: at, TeamAddress: "privacy@productionflow.example",
			Language: Spanish, Due: request.Due{OptOut: at.AddDate(0, 0, 15)}, StatusLink: "https://privacy.productionflow.example/status?t=x"},
	}
	want := make([]Message, len(acks))
	for i, a := range acks {
		m, err := RenderAcknowledgement("ana@example.org", a)
		require.NoError(t, err)
		want[i] = m
	}
	var wg sync.WaitGroup
	got := make([]Message, 64)
	for i := range got {
		wg.Go(func() {
			m, err := RenderAcknowledgement("ana@example.org", acks[i%len(acks)])
			assert.NoError(t, err)
			got[i] = m
		})
	}
	wg.Wait()
	for i, m := range got {
		assert.Equal(t, want[i%len(acks)].Text, m.Text)
		assert.Equal(t, want[i%len(acks)].HTML, m.HTML)
	}
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
// English: the mail of every web submission. With text/template and
// html/template it took 115 allocations (7.3 kB); compiled, 11 (4.3 kB).
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
