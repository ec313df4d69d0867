package intake_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/metric"
	"github.com/productionflow/privacy-desk/shared/request"
)

// The operator's dashboard counts requests by channel and kind: one data
// point per kind of a request created, none for a repeated submission, and
// no personal data in the metric records.
func TestRequestsAreCountedByChannelAndKindOnce(t *testing.T) {
	var buf strings.Builder
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	svc := newService(newMemStore(), &fakeMailer{}, &now)
	svc.Metrics = metric.New(&buf, metric.Namespace, func() time.Time { return now })
	sub := validSubmission()
	sub.Kinds = []request.Kind{request.AccessCategories, request.Deletion}

	_, err := svc.Submit(context.Background(), sub)
	require.NoError(t, err)
	_, err = svc.Submit(context.Background(), sub)
	require.NoError(t, err)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2, "one record per kind, and none for the same submission again")
	assert.Contains(t, lines[0], `"Kind":"access-categories"`)
	assert.Contains(t, lines[1], `"Kind":"deletion"`)
	for _, l := range lines {
		assert.Contains(t, l, `"Channel":"web"`)
		assert.NotContains(t, l, "ada@example.com")
		assert.NotContains(t, l, "Ada Lovelace")
	}
}
