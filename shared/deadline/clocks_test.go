package deadline_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/productionflow/privacy-desk/shared/deadline"
	"github.com/productionflow/privacy-desk/shared/request"
)

func TestClocks(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	r := &request.Request{ID: "PR-1", Status: request.InProgress, Kinds: []request.Kind{request.Deletion, request.OptOutSale},
		AcknowledgedAt: t0, Due: request.Due{Acknowledge: t0.AddDate(0, 0, 14), OptOut: t0.AddDate(0, 0, 21), Response: t0.AddDate(0, 0, 45), Extended: t0.AddDate(0, 0, 90)}}
	byClock := func(cs []deadline.ClockState) map[string]deadline.ClockState {
		m := map[string]deadline.ClockState{}
		for _, c := range cs {
			m[c.Clock] = c
		}
		return m
	}

	c := byClock(deadline.Clocks(r, nil))
	assert.True(t, c[deadline.ClockAcknowledge].Met, "acknowledged")
	assert.False(t, c[deadline.ClockOptOut].Met || c[deadline.ClockOptOut].Moot, "the opt-out runs")
	assert.False(t, c[deadline.ClockResponse].Moot, "the answer runs")
	assert.True(t, c[deadline.ClockExtended].Moot, "not extended")
	assert.True(t, c[deadline.ClockResponse].Due.Equal(r.Due.Response))

	r.Status = request.Extended
	c = byClock(deadline.Clocks(r, []request.Event{{Action: request.ActionOptOutDone}, {Action: request.StatusAction(request.Extended)}}))
	assert.True(t, c[deadline.ClockOptOut].Met, "the opt-out was done")
	assert.True(t, c[deadline.ClockResponse].Moot, "extended: the extended clock replaces the answer's")
	assert.False(t, c[deadline.ClockExtended].Moot)
}
