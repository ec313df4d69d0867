package intake

import (
	"regexp"
	"strings"
	"testing"
)

// TestLoopsMatchTheirPatterns holds the loops to the patterns they stand
// for, on every byte and at the length bounds.
func TestLoopsMatchTheirPatterns(t *testing.T) {
	cases := []struct {
		name    string
		pattern *regexp.Regexp
		loop    func(string) bool
		min     int
		max     int
	}{
		{"source ID", regexp.MustCompile(`^[A-Za-z0-9._@<>+=-]{8,128}$`), ValidSourceID, 8, 128},
		{"phone", regexp.MustCompile(`^[0-9 ()+.\-]{5,40}$`), validPhone, 5, 40},
	}
	for _, tc := range cases {
		var inputs []string
		for c := range 256 {
			inputs = append(inputs, strings.Repeat("1", tc.min-1)+string([]byte{byte(c)}))
		}
		for _, n := range []int{0, tc.min - 1, tc.min, tc.max, tc.max + 1} {
			inputs = append(inputs, strings.Repeat("1", n))
		}
		inputs = append(inputs, "web-2026-11-30-abcd", "<0100019.abc@email.amazonses.com>", "+1 (415) 555-0100", "12345\n")
		for _, in := range inputs {
			if got, want := tc.loop(in), tc.pattern.MatchString(in); got != want {
				t.Errorf("%s %q: loop says %v, pattern %v", tc.name, in, got, want)
			}
		}
	}
}
