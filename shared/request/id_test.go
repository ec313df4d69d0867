package request_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/productionflow/privacy-desk/shared/request"
)

// TestFindIDMatchesItsPattern holds IsID and FindID to the regular
// expressions they stand for.
func TestFindIDMatchesItsPattern(t *testing.T) {
	whole := regexp.MustCompile(`^PR-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$`)
	within := regexp.MustCompile(`\bPR-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}\b`)
	id := request.NewID(request.Web, "web-2026-11-30-abcdefgh")
	texts := []string{
		id, "", "PR-", "Reply received for privacy request " + id, "Re: " + id + ": done",
		"x" + id, id + "x", "_" + id, id + "_", "-" + id + "-", id + "9", "(" + id + ")",
		"PR-ABCD-ABCD-ABCD-ABC1", "PR-abcd-ABCD-ABCD-ABCD", "PR-ABCD_ABCD-ABCD-ABCD", "pr-ABCD-ABCD-ABCD-ABCD",
		"PR-PR-ABCD-ABCD-ABCD-ABCD", "first PR-AAAA-BBBB-CCCC-DDDD then " + id, "Ü" + id, id + "é",
	}
	for _, s := range texts {
		assert.Equal(t, whole.MatchString(s), request.IsID(s), "IsID(%q)", s)
		assert.Equal(t, within.FindString(s), request.FindID(s), "FindID(%q)", s)
	}
}

// TestSafeKeyIsThePattern holds SafeKey to ^[A-Za-z0-9_-]{1,128}$, the
// pattern it replaces: the names an object may have are unchanged.
func TestSafeKeyIsThePattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	for _, s := range []string{
		"", "a", "Z", "0", "_", "-", "PR-ABCD-EFGH-2345-WXYZ", "support-desk", "billing_2",
		strings.Repeat("a", 128), strings.Repeat("a", 129), "a/b", "../x", "a.b", "a b", "a\n", "\na",
		"é", "aé", "a\x00", "A-Za-z0-9_-",
	} {
		assert.Equal(t, pattern.MatchString(s), request.SafeKey(s), "%q", s)
	}
}
