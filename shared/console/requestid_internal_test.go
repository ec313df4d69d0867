package console

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/productionflow/privacy-desk/shared/request"
)

// TestIsRequestIDIsThePattern holds isRequestID to the pattern it replaces:
// the searches and duplicate links the console takes as request IDs are
// unchanged, and every ID request.NewID makes is one.
func TestIsRequestIDIsThePattern(t *testing.T) {
	pattern := regexp.MustCompile(`^PR-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$`)
	inputs := []string{
		"", "PR-", "PR-ABCD-EFGH-2345-WXYZ", "PR-ABCD-EFGH-2345-WXY", "PR-ABCD-EFGH-2345-WXYZA",
		"PR-ABCD-EFGH-2345-WXY8", "PR-ABCD-EFGH-2345-WXY1", "PR-abcd-EFGH-2345-WXYZ", "PX-ABCD-EFGH-2345-WXYZ",
		"PR-ABCDEEFGH-2345-WXYZ", "PR-ABCD-EFGH-2345_WXYZ", " PR-ABCD-EFGH-2345-WXYZ", "PR-ABCD-EFGH-2345-WXYZ\n",
		"PR-ABCD-EFGH-2345-WXÉ", "PR-ABCD-EFGH-2345-WX\x00Z",
		request.NewID(request.Email, "message-1"), request.NewID(request.Web, "submission-1"),
	}
	for _, s := range inputs {
		assert.Equal(t, pattern.MatchString(s), isRequestID(s), "%q", s)
	}
	assert.True(t, isRequestID(request.NewID(request.Email, "message-2")))
}
