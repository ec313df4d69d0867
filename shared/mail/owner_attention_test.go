package mail_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
)

// TestAnOverdueNoticeCountsItsTasks: the team's notice of overdue owners'
// tasks speaks of one owner and task, or of owners and tasks, as it lists.
func TestAnOverdueNoticeCountsItsTasks(t *testing.T) {
	one := mail.OwnerAttention{RequestID: "PR-1", Tasks: []mail.AttentionItem{{System: "Paper", Action: "erase", Cause: "the owner has not answered"}}}
	m, err := mail.RenderOwnerAttention("privacy@productionflow.example", one)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "An owner has not answered their task for privacy request PR-1 in time:")
	assert.Contains(t, m.Text, "The owner is reminded again while the task stays open")

	two := one
	two.Tasks = append(two.Tasks, mail.AttentionItem{System: "Tapes", Action: "erase", Cause: "the owner has not answered"})
	m, err = mail.RenderOwnerAttention("privacy@productionflow.example", two)
	require.NoError(t, err)
	for _, part := range []string{m.Text, m.HTML} {
		assert.Contains(t, part, "Owners have not answered their tasks for privacy request")
		assert.Contains(t, part, "The owners are reminded again while the tasks stay open")
		assert.NotContains(t, part, "An owner has not answered")
	}
}
