package export

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestNamesAreThePatterns holds safeName to the pattern it replaces: the
// names a package accepts are unchanged (request IDs: request.SafeKey).
func TestNamesAreThePatterns(t *testing.T) {
	name := regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	for _, s := range []string{
		"", "a", "Z", "0", "_", "-", "-a", "a-", "PR-ABCD-EFGH-2345-WXYZ", "support-desk", "billing_2", "contact-details",
		strings.Repeat("a", 128), strings.Repeat("a", 129), "a/b", "../x", "a.b", "a b", "a\n", "\na",
		"é", "aé", "a\x00", "A-Za-z0-9_-",
	} {
		assert.Equal(t, name.MatchString(s), safeName(s), "safeName(%q)", s)
	}
}
