package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/standin"
)

// TestFaultCampaign runs the campaign on six requests: with half of the
// downstream calls failing in every one of the five ways, some with
// Retry-After, and the whole stack killed twice, every request is closed
// or needs attention with the team told, the next call after a
// Retry-After comes no sooner than it asked on the virtual clock, every
// attempt the stand-ins saw is on the trail, no requester gets the same
// mail twice and nothing that is not idempotent is done twice.
func TestFaultCampaign(t *testing.T) {
	standin.KeepEnv(t)
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a bound on a hang, not a measure of speed
	defer cancel()
	err := run(ctx, config{N: 6, FailRate: 0.5, Seed: 3, CallTimeout: time.Second,
		RetryAfter: []time.Duration{2 * time.Second, 45 * time.Second, 120 * time.Second}, KillAt: []int{30, 90}},
		&out, slog.New(slog.DiscardHandler))
	if errors.Is(err, standin.ErrUnavailable) && !standin.Required() {
		t.Skipf("skipping: %v (make test provides the stand-ins)", err)
	}
	require.NoError(t, err, out.String())
	report := out.String()
	t.Log(report)
	assert.Regexp(t, `dropped [1-9]\d*, malformed JSON [1-9]\d*\), every kind injected: true`, report)
	assert.Contains(t, report, "killed and started again 2 times, 2 of them mid-run; requests in dynalite after each start: 6 and 6 of 6")
	assert.Contains(t, report, "neither 0")
	assert.Contains(t, report, "(team not told of 0)")
	assert.Contains(t, report, "attempts not on the trail 0")
	assert.Contains(t, report, "duplicate mails to requesters 0; non-idempotent changes done twice 0")
	assert.Regexp(t, `completed requests' data still held 0\n`, report, "no requester is told of an erasure a system did not finish")

	ra := regexp.MustCompile(`the next call waited at least as asked after (\d+) of (\d+)`).FindStringSubmatch(report)
	require.NotNil(t, ra, report)
	assert.Equal(t, ra[2], ra[1], "every Retry-After honoured")
	followed, _ := strconv.Atoi(ra[2])
	assert.Positive(t, followed, "some Retry-After answers were followed by another call")
	attempts := regexp.MustCompile(`step attempts at the stand-ins (\d+), on the trails (\d+)`).FindStringSubmatch(report)
	require.NotNil(t, attempts, report)
	n, _ := strconv.Atoi(attempts[1])
	assert.Positive(t, n)
}
