package console

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSafeURL(t *testing.T) {
	for in, want := range map[string]string{
		"./":                         "./",
		"requests/PR-AAAA-BBBB":      "requests/PR-AAAA-BBBB",
		"metrics?year=2026&x=1":      "metrics?year=2026&x=1",
		"requests/a:b":               "requests/a:b",
		"https://desk.example/a b":   "https://desk.example/a%20b",
		"HTTP://desk.example/":       "HTTP://desk.example/",
		"mailto:privacy@example.com": "mailto:privacy@example.com",
		"javascript:alert(1)":        "#",
		"JavaScript:alert(1)//":      "#",
		" javascript:alert(1)":       "#",
		"data:text/html,<b>":         "#",
		"vbscript:x":                 "#",
	} {
		assert.Equal(t, want, safeURL(in), in)
	}
}

func TestURLPart(t *testing.T) {
	for in, want := range map[string]string{
		"PR-AAAA-BBBB-CCCC-DDDD": "PR-AAAA-BBBB-CCCC-DDDD",
		"a b":                    "a%20b",
		`"><x>'()`:               "%22%3e%3cx%3e%27%28%29",
		"100%":                   "100%25",
		"%41%zz":                 "%41%25zz",
		"é\r\n":                  "%c3%a9%0d%0a",
		"/?#&=+:;@!$*,[]~._-":    "/?#&=+:;@!$*,[]~._-",
	} {
		assert.Equal(t, want, urlPart(in), in)
	}
}
