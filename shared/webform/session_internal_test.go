package webform

import (
	"regexp"
	"strings"
	"testing"
)

// TestValidSessionIsThePattern holds validSession to the pattern it
// stands for, on every byte and around the length.
func TestValidSessionIsThePattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	inputs := []string{"", strings.Repeat("a", 42), strings.Repeat("a", 43), strings.Repeat("a", 44)}
	for c := range 256 {
		inputs = append(inputs, strings.Repeat("a", 42)+string([]byte{byte(c)}))
	}
	for _, in := range inputs {
		if got, want := validSession(in), pattern.MatchString(in); got != want {
			t.Errorf("validSession(%q) = %v, the pattern says %v", in, got, want)
		}
	}
}
