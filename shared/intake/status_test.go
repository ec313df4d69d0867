package intake_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
)

// statusLinks issues a status link per call, or fails with err.
type statusLinks struct {
	issued []string
	err    error
}

func (l *statusLinks) Link(_ context.Context, id string) (string, error) {
	if l.err != nil {
		return "", l.err
	}
	l.issued = append(l.issued, id)
	return "https://privacy.example/status?t=link-for-" + id, nil
}

func TestAcknowledgementsCarryTheStatusLink(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	for name, kinds := range map[string][]request.Kind{
		"acknowledgement":      {request.Deletion},
		"opt-out confirmation": {request.OptOutSale},
	} {
		t.Run(name, func(t *testing.T) {
			store, mailer := newMemStore(), &fakeMailer{}
			svc := newService(store, mailer, &now)
			links := &statusLinks{}
			svc.StatusLinks = links
			sub := validSubmission()
			sub.Kinds = kinds
			rc, err := svc.Submit(ctx, sub)
			require.NoError(t, err)
			require.Len(t, mailer.sent, 1)
			assert.Contains(t, mailer.sent[0].Text, "https://privacy.example/status?t=link-for-"+rc.Request.ID)
			assert.Equal(t, []string{rc.Request.ID}, links.issued)
		})
	}
	t.Run("a link that cannot be issued does not hold the mail back", func(t *testing.T) {
		store, mailer := newMemStore(), &fakeMailer{}
		svc := newService(store, mailer, &now)
		svc.StatusLinks = &statusLinks{err: errors.New("table unavailable")}
		_, err := svc.Submit(ctx, validSubmission())
		require.NoError(t, err)
		require.Len(t, mailer.sent, 1)
		assert.NotContains(t, mailer.sent[0].Text, "/status?t=")
	})
}
