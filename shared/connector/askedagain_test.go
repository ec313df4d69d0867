package connector_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/system"
)

// TestATaskAskedAgainSaysWhy: a task the team's re-run opened again tells
// its owner why it comes back — their own earlier "cannot", in their
// words, or the upload no longer kept — in the text and the HTML; a first
// ask says nothing of the kind.
func TestATaskAskedAgainSaysWhy(t *testing.T) {
	m, _, fm, _, _, _ := manualRig(t)
	reg := loadRegistry(t, exportAndEraseYAML)
	sys, _ := reg.Lookup("paper-archive")
	ctx := context.Background()
	p := connector.Subject{Email: "ada@example.com"}

	first := task(sys, "req-first", system.Erase)
	require.NoError(t, m.Send(ctx, sys, first, p))
	cannot := task(sys, "req-cannot", system.Erase)
	cannot.AskedAgain, cannot.EarlierReason = true, "the key to the archive room is lost\nfor now"
	require.NoError(t, m.Send(ctx, sys, cannot, p))
	gone := task(sys, "req-gone", system.Export)
	gone.AskedAgain = true
	require.NoError(t, m.Send(ctx, sys, gone, p))
	require.Len(t, fm.sent, 3)

	assert.NotContains(t, fm.sent[0].Text, "Asked again")
	text := strings.Join(strings.Fields(fm.sent[1].Text), " ")
	assert.Contains(t, text, `Asked again: you answered earlier that this cannot be done ("the key to the archive room is lost for now"). The privacy team ran the request again and asks you again`)
	assert.Contains(t, fm.sent[1].HTML, "&ldquo;the key to the archive room is lost for now&rdquo;")
	assert.Contains(t, fm.sent[2].Text, "Asked again: the file you uploaded earlier for this request is no longer kept")
}
