package intake_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// duringSend runs its hook while the first mail is being sent.
type duringSend struct {
	*fakeMailer
	hook func()
}

func (d *duringSend) Send(ctx context.Context, m mail.Message) (string, error) {
	if h := d.hook; h != nil {
		d.hook = nil
		h()
	}
	return d.fakeMailer.Send(ctx, m)
}

// A second delivery of the same submission that arrives while the first is
// sending the acknowledgement starts no request workflow: a workflow that
// moved the request on before the acknowledgement was recorded would leave
// it unrecorded (and a later retry would send it again). The first
// delivery starts it once the acknowledgement is recorded; the second
// starts nothing (should the first fail for good, the hourly deadline
// sweep tells the team when the acknowledgement's clock passes unmet).
// (make load found this: five deliveries of one received mail at once.)
func TestADeliveryWhileAnotherAcknowledgesStartsNoWorkflow(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	store := newMemStore()
	mailer := &duringSend{fakeMailer: &fakeMailer{}}
	svc := newService(store, nil, &now)
	svc.Mail = mailer
	var workflows []request.Status
	svc.StartWorkflow = func(_ context.Context, r *request.Request) error {
		stored, err := store.Get(ctx, r.ID)
		require.NoError(t, err)
		assert.False(t, stored.AcknowledgedAt.IsZero(), "the workflow starts only once the acknowledgement is recorded")
		workflows = append(workflows, stored.Status)
		return nil
	}
	mailer.hook = func() {
		rc, err := svc.Submit(ctx, validSubmission())
		require.NoError(t, err, "the second delivery succeeds: nothing to retry")
		assert.False(t, rc.Created)
	}

	rc, err := svc.Submit(ctx, validSubmission())
	require.NoError(t, err)
	assert.Equal(t, request.Acknowledged, rc.Request.Status)
	assert.Len(t, mailer.sent, 1, "one acknowledgement")
	assert.Equal(t, []request.Status{request.Acknowledged}, workflows, "one start, by the delivery that acknowledged")
}
