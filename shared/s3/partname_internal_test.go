package s3

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPartNameIsThePattern holds partName to the pattern it replaces,
// ^[A-Za-z0-9_-]{1,128}$: the names a part may have are unchanged.
func TestPartNameIsThePattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	for _, s := range []string{
		"", "a", "Z", "0", "_", "-", "PR-ABCD-EFGH-2345-WXYZ", "support-desk", "billing_2",
		strings.Repeat("a", 128), strings.Repeat("a", 129), "a/b", "../x", "a.b", "a b", "a\n", "\na",
		"é", "aé", "a\x00", "A-Za-z0-9_-",
	} {
		assert.Equal(t, pattern.MatchString(s), partName(s), "%q", s)
	}
}
