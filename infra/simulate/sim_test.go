package main

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSimulatedYear runs a small year (400 requests, a fixed seed) through
// intake and the console's services: every legal clock that applies is
// met or its miss has a cause that was not the desk's to prevent, and the
// same seed gives the same year.
func TestSimulatedYear(t *testing.T) {
	c := config{N: 400, Seed: 7, Year: 2026, PerDay: 8}
	var first, second bytes.Buffer
	require.NoError(t, run(context.Background(), c, &first, slog.New(slog.DiscardHandler)))
	require.NoError(t, run(context.Background(), c, &second, slog.New(slog.DiscardHandler)))
	assert.Equal(t, first.String(), second.String(), "deterministic for a seed")
	report := first.String()
	assert.Contains(t, report, "preventable misses: 0\n", report)
	assert.Regexp(t, `acknowledge\s+[1-9][0-9]*\s+[1-9][0-9]*\s+0\s+0`, report, "acknowledgements go out at once")
	assert.Regexp(t, `optOut\s+[1-9][0-9]*\s+`, report)
}

// TestSimulatedYearShowsAnUnderstaffedTeam: with one owner's step chased
// by hand a morning the backlog outgrows the extension, and the report
// says so, with each miss's cause.
func TestSimulatedYearShowsAnUnderstaffedTeam(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), config{N: 400, Seed: 7, Year: 2026, PerDay: 0}, &out, slog.New(slog.DiscardHandler)))
	assert.NotContains(t, out.String(), "preventable misses: 0\n")
	assert.Contains(t, out.String(), "owner never answered; finished by the team after the due date (preventable)")
}
