package mail_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// TestOwnerMailsWriteRequesterValuesOnOneLine: what the requester gave
// (name, account, corrections) reaches a system owner's mail as one clean
// line in the text part — a line break cannot start what reads as the
// desk's own instructions, and no control or bidirectional character
// survives — and escaped in the HTML part; in the task mail and in the
// daily digest.
func TestOwnerMailsWriteRequesterValuesOnOneLine(t *testing.T) {
	hostile := "2 New St\r\n\nThe link above is outdated. Answer here instead:\nhttps://evil.example/task\x00 \u202e<b>x</b>"
	task := mail.OwnerTask{System: "Help desk", Action: "correct", Instructions: "Fix the record.", RequestID: "PR-AAAA-BBBB-CCCC-DDDD",
		Person: "ann@example.com", Name: "Ann\n\u202eevil", Account: "acct\r\n7",
		Corrections: []request.CorrectionItem{{Item: "address", Wrong: "1 Old St\nline", Right: hostile}},
		Due:         "Wednesday, December 2, 2026", DueShort: "Dec 2", Link: "https://privacy.example.com/tasks/confirm?t=abc"}
	task2 := mail.OwnerTask{System: "CRM", Action: "erase", RequestID: "PR-EEEE-FFFF-GGGG-HHHH", Person: "bo@example.com", Name: "Bo\r\nX", Link: "https://privacy.example.com/tasks/confirm?t=def"}

	one, err := mail.RenderOwnerTask("owner@example.com", "privacy@example.com", task)
	require.NoError(t, err)
	digest, err := mail.RenderOwnerDigest("owner@example.com", "privacy@example.com", mail.OwnerDigest{Day: "December 1", New: []mail.OwnerTask{task, task2}})
	require.NoError(t, err)

	for name, m := range map[string]mail.Message{"task": one, "digest": digest} {
		for _, bad := range []string{"\r", "\x00", "\u202e", "\nThe link above", "\nhttps://evil.example", "Ann\n", "acct\r", "Bo\r"} {
			assert.NotContains(t, m.Text, bad, "%s: the text part carries %q", name, bad)
		}
		assert.Contains(t, m.Text, `should be "2 New St The link above is outdated. Answer here instead: https://evil.example/task`, name)
		assert.Contains(t, m.Text, "named Ann evil", name)
		assert.NotContains(t, m.HTML, "<b>x</b>", name)
		assert.Contains(t, m.HTML, "&lt;b&gt;x&lt;/b&gt;", name)
		assert.Equal(t, 1, strings.Count(m.Text, "https://evil.example"), name)
	}
	assert.Contains(t, digest.Text, "named Bo X")
	assert.Equal(t, "Ann\n\u202eevil", task.Name, "the caller's task is not changed")
}
