package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// TestYearlyMetrics seeds a table on dynalite with a year counted by hand
// and checks the console's yearly metrics against it, figure by figure:
// they come from the ByYear index (and the trails of denied requests).
func TestYearlyMetrics(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	la, err := time.LoadLocation("America/Los_Angeles")
	require.NoError(t, err)
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, la) }
	del, acc := request.Deletion, request.AccessSpecific

	seed := []struct {
		id       string
		kinds    []request.Kind
		received time.Time
		path     []request.Status // statuses it moves through
		closed   time.Time
		reasons  map[string]string // a denial's reasons by kind
	}{
		{"PR-A", []request.Kind{del}, at(2026, 1, 5, 10, 0), []request.Status{request.Completed}, at(2026, 1, 25, 9, 0), nil},     // 20 days
		{"PR-B", []request.Kind{del, acc}, at(2026, 2, 1, 8, 0), []request.Status{request.Completed}, at(2026, 3, 3, 17, 0), nil}, // 30 days
		{"PR-C", []request.Kind{del}, at(2026, 3, 10, 12, 0), []request.Status{request.Denied}, at(2026, 3, 21, 12, 0), // 11 days
			map[string]string{"reason.deletion": mail.DenyLegalObligation}},
		{"PR-D", []request.Kind{acc}, at(2026, 4, 1, 9, 0), []request.Status{request.Verifying, request.Unverified}, at(2026, 4, 16, 9, 0), nil}, // 15 days
		{"PR-E", []request.Kind{acc}, at(2026, 5, 1, 9, 0), []request.Status{request.Withdrawn}, at(2026, 5, 3, 9, 0), nil},
		{"PR-H", []request.Kind{acc}, at(2026, 6, 1, 9, 0), []request.Status{request.Denied}, at(2026, 6, 5, 23, 30), // 4 days
			map[string]string{"reason.access-specific": mail.DenyRepeated}},
		{"PR-I", []request.Kind{acc}, at(2026, 7, 1, 9, 0), []request.Status{request.Completed}, at(2026, 7, 11, 9, 0), nil}, // 10 days
		// Late on New Year's Eve in California, already 2027 in UTC: 2026's.
		{"PR-F", []request.Kind{del}, at(2026, 12, 31, 23, 30), nil, time.Time{}, nil},
		// Already 2026 in UTC, still 2025 in California: 2025's.
		{"PR-G", []request.Kind{del}, at(2025, 12, 31, 23, 0), []request.Status{request.Completed}, at(2026, 1, 2, 9, 0), nil},
	}
	for _, s := range seed {
		r := sample(s.id, s.id+"@example.com", s.received)
		r.Kinds = s.kinds
		_, _, err := st.Create(ctx, r)
		require.NoError(t, err)
		from := request.Received
		for _, to := range s.path {
			require.NoError(t, st.SetStatus(ctx, s.id, from, to, s.closed))
			from = to
		}
		if s.reasons != nil {
			require.NoError(t, st.AppendEvent(ctx, request.Event{RequestID: s.id, At: s.closed, Actor: "team:alice",
				Action: request.StatusAction(request.Denied), Data: s.reasons}))
		}
	}

	yearly := &console.Yearly{Years: st, Trails: st, Location: la}
	m, err := yearly.Metrics(ctx, 2026)
	require.NoError(t, err)
	assert.Equal(t, 2026, m.Year)
	assert.Equal(t, 8, m.Requests, "A B C D E F H I")
	require.Len(t, m.Kinds, 2)
	byKind := map[request.Kind]console.KindMetrics{}
	for _, k := range m.Kinds {
		byKind[k.Kind] = k
	}

	d := byKind[del] // A B C F
	assert.Equal(t, 4, d.Received)
	assert.Equal(t, 2, d.Complied, "A B")
	assert.Equal(t, 1, d.Denied, "C")
	assert.Equal(t, map[string]int{mail.DenyLegalObligation: 1}, d.ByReason)
	assert.Equal(t, 0, d.Withdrawn)
	assert.Equal(t, 1, d.Open, "F")
	assert.Equal(t, 3, d.Answered)
	assert.InDelta(t, 20.0, d.MedianDays, 1e-9, "11 20 30")
	assert.InDelta(t, 61.0/3, d.MeanDays, 1e-9)

	a := byKind[acc] // B D E H I
	assert.Equal(t, 5, a.Received)
	assert.Equal(t, 2, a.Complied, "B I")
	assert.Equal(t, 2, a.Denied, "D unverified, H")
	assert.Equal(t, map[string]int{mail.DenyUnverifiable: 1, mail.DenyRepeated: 1}, a.ByReason)
	assert.Equal(t, 1, a.Withdrawn, "E")
	assert.Equal(t, 0, a.Open)
	assert.Equal(t, 4, a.Answered, "B 30, D 15, H 4, I 10")
	assert.InDelta(t, 12.5, a.MedianDays, 1e-9, "4 10 15 30")
	assert.InDelta(t, 59.0/4, a.MeanDays, 1e-9)

	m, err = yearly.Metrics(ctx, 2025)
	require.NoError(t, err)
	require.Len(t, m.Kinds, 1)
	assert.Equal(t, console.KindMetrics{Kind: del, Received: 1, Complied: 1, ByReason: map[string]int{}, Answered: 1, MedianDays: 2, MeanDays: 2}, m.Kinds[0], "G: Dec 31 to Jan 2")

	m, err = yearly.Metrics(ctx, 2024)
	require.NoError(t, err)
	assert.Empty(t, m.Kinds)
}
