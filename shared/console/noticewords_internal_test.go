package console

import (
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// TestTeamNoticesNameTheConsolesActions: the team's notices of a failed
// fulfilment and of stuck owners' tasks tell the team which console
// action to choose, by its title in quotes: each is an action the console
// has, under that very title.
func TestTeamNoticesNameTheConsolesActions(t *testing.T) {
	failed, err := mail.RenderAttention("privacy@productionflow.example", mail.Attention{RequestID: "PR-1", Done: 2,
		Failed: []mail.AttentionItem{{System: "crm", Action: "correct", Error: "PermanentError", Cause: "status 422"}}})
	require.NoError(t, err)
	overdue, err := mail.RenderOwnerAttention("privacy@productionflow.example", mail.OwnerAttention{RequestID: "PR-1",
		Tasks: []mail.AttentionItem{{System: "Paper archive", Action: "erase", Cause: "the owner has not answered"}}})
	require.NoError(t, err)
	cannot, err := mail.RenderOwnerAttention("privacy@productionflow.example", mail.OwnerAttention{RequestID: "PR-1", Cannot: true,
		Tasks: []mail.AttentionItem{{System: "Paper archive", Action: "erase", Cause: "off site"}}})
	require.NoError(t, err)
	titles := make([]string, 0, len(actionTitles))
	for _, title := range actionTitles {
		titles = append(titles, title)
	}
	quoted := regexp.MustCompile(`"([^"]+)"`)
	for name, text := range map[string]string{"failed": failed.Text, "overdue": overdue.Text, "cannot": cannot.Text} {
		named := quoted.FindAllStringSubmatch(text, -1)
		require.NotEmpty(t, named, name)
		for _, m := range named {
			assert.True(t, slices.Contains(titles, m[1]), "%s notice names %q, which is no console action", name, m[1])
		}
	}
	assert.Contains(t, failed.Text, `"Run the fulfilment again"`)
	assert.Contains(t, failed.Text, `"Write the correction for the systems"`)
}

// TestTheAgentReasonOnlyWhereAnAgentActs: "the person acting for you did
// not show us their authorization" is a reason only a request made by an
// agent may be denied for.
func TestTheAgentReasonOnlyWhereAnAgentActs(t *testing.T) {
	own := &request.Request{ID: "PR-1", Kinds: []request.Kind{request.Deletion}}
	assert.NotContains(t, denialReasons(own, request.Deletion), mail.DenyAgent)
	var fe FormError
	require.ErrorAs(t, checkDenial(own, own.Kinds, []mail.DenialItem{{Kind: request.Deletion, Reason: mail.DenyAgent}}, nil), &fe)
	assert.Equal(t, "Choose a reason from the list.", fe["reason.deletion"])
	byAgent := &request.Request{ID: "PR-2", Kinds: []request.Kind{request.Deletion}, Agent: &request.Agent{Name: "Agent", Email: "agent@example.com"}}
	assert.Contains(t, denialReasons(byAgent, request.Deletion), mail.DenyAgent)
	assert.NoError(t, checkDenial(byAgent, byAgent.Kinds, []mail.DenialItem{{Kind: request.Deletion, Reason: mail.DenyAgent}}, nil))
}
