package main

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// count reads the first number after prefix in the report.
func count(t *testing.T, report, prefix string) int {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(prefix) + `(\d+)`).FindStringSubmatch(report)
	require.NotNil(t, m, "the report says %q", prefix)
	n, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	return n
}

// TestSimulatedYear runs a small year (400 requests, a fixed seed) through
// intake and the console's services: every legal clock that applies is
// met, stopped by a withdrawal, or its miss has a cause that was not the
// desk's to prevent; each scenario happened: unclear mail triaged by the
// team, children's data, a flood held back by the acknowledgement cap and
// refused as excessive, withdrawals; and the same seed gives the same year.
func TestSimulatedYear(t *testing.T) {
	c := config{N: 400, Seed: 7, Year: 2026, PerDay: 8, TriagePerDay: 10, Floods: 1}
	var first, second bytes.Buffer
	require.NoError(t, run(context.Background(), c, &first, slog.New(slog.DiscardHandler)))
	require.NoError(t, run(context.Background(), c, &second, slog.New(slog.DiscardHandler)))
	assert.Equal(t, first.String(), second.String(), "deterministic for a seed")
	report := first.String()
	t.Log(report)
	assert.Contains(t, report, "preventable misses: 0\n", report)
	assert.Regexp(t, `acknowledge\s+[1-9][0-9]*\s+[1-9][0-9]*\s+0\s+0\s+0`, report, "acknowledgements go out at once, or the team's answer does")
	assert.Regexp(t, `optOut\s+[1-9][0-9]*\s+`, report)

	unclear := count(t, report, "unclear mail ")
	assert.Positive(t, unclear, "unclear mail arrived")
	assert.Equal(t, unclear, count(t, report, "triaged by the team "), "the team triaged each")
	assert.Zero(t, count(t, report, "still waiting "))
	assert.Positive(t, count(t, report, "children's data "))
	assert.Positive(t, count(t, report, "(expedited): answered "), "children's data answered")
	assert.Positive(t, count(t, report, "acknowledgements capped "), "the flood met the cap")
	assert.Equal(t, count(t, report, "acknowledgements capped "), count(t, report, "denied by the team as excessive "),
		"each request the cap held back was answered by the team")
	assert.Positive(t, count(t, report, "joined an open request "))
	withdrawn := count(t, report, "withdrawn by the requester ")
	assert.Positive(t, withdrawn)
	assert.Regexp(t, `withdrawn `+strconv.Itoa(withdrawn)+`;`, report, "each withdrawal closed its request")
	stopped := regexp.MustCompile(`response\s+\d+\s+\d+\s+(\d+)`).FindStringSubmatch(report)
	require.NotNil(t, stopped)
	assert.Equal(t, strconv.Itoa(withdrawn), stopped[1], "each withdrawal stopped its response clock")
}

// TestSimulatedYearShowsAnUnderstaffedTeam: with one owner's step chased
// by hand a morning the backlog outgrows the extension, and the report
// says so, with each miss's cause.
func TestSimulatedYearShowsAnUnderstaffedTeam(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), config{N: 400, Seed: 7, Year: 2026, PerDay: 0, TriagePerDay: 10}, &out, slog.New(slog.DiscardHandler)))
	assert.NotContains(t, out.String(), "preventable misses: 0\n")
	assert.Contains(t, out.String(), "owner never answered; finished by the team after the due date (preventable)")
}

// TestUntriagedMailMissesItsClocks: with nobody triaging unclear mail, its
// clocks, counted from receipt, are missed and the report names the cause.
func TestUntriagedMailMissesItsClocks(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), config{N: 400, Seed: 7, Year: 2026, PerDay: 8, TriagePerDay: 0}, &out, slog.New(slog.DiscardHandler)))
	assert.NotContains(t, out.String(), "preventable misses: 0\n")
	assert.Contains(t, out.String(), "waiting for triage")
}
