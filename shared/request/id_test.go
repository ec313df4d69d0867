package request_test

import (
	"regexp"
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
