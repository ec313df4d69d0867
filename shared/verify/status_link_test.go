package verify_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/verify"
)

// links issues numbered status links and records for which request.
type links struct{ issued []string }

func (l *links) Link(_ context.Context, id string) (string, error) {
	l.issued = append(l.issued, id)
	return "https://privacy.productionflow.example/status?t=link-" + string(rune('0'+len(l.issued))), nil
}

func TestRequesterMailsCarryANewStatusLink(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, acknowledged("PR-AAAA-0000-0000-0020", request.Deletion))
	l := &links{}
	f.svc.StatusLinks = l
	f.start(t, "PR-AAAA-0000-0000-0020", "task-token-20")
	_, err := f.svc.Resend(ctx, "PR-AAAA-0000-0000-0020", "team:alice")
	require.NoError(t, err)
	f.now = t0.Add(verify.DefaultTTL + time.Hour)
	_, err = f.svc.Close(ctx, verify.CloseInput{RequestID: "PR-AAAA-0000-0000-0020", Reason: verify.ReasonNotInTime})
	require.NoError(t, err)

	msgs := f.out.messages()
	require.Len(t, msgs, 3, "verification, its resend, the unverified close notice")
	for i, m := range msgs {
		assert.Contains(t, m.Text, "status?t=link-"+string(rune('1'+i)), "each mail its own link")
	}
	assert.Equal(t, []string{"PR-AAAA-0000-0000-0020", "PR-AAAA-0000-0000-0020", "PR-AAAA-0000-0000-0020"}, l.issued)
}
