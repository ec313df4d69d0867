package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEndedExecutionsStayBoundedInMemory(t *testing.T) {
	var out strings.Builder
	res, err := run(context.Background(), config{N: 300, First: 100, KeepEnded: 40}, &out)
	require.NoError(t, err)
	assert.Equal(t, 40, res.First.EndedInMemory)
	assert.Equal(t, 40, res.Last.EndedInMemory, "300 ended executions, 40 of them in memory")
	assert.Equal(t, 300, res.Last.Executions)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Regexp(t, `^resident after 100: [0-9.]+ MB; after 300: [0-9.]+ MB; ratio [0-9.]+ \(target ≤ 1\.5\)$`, lines[len(lines)-1])
}

func TestWithAStoreNoEndedExecutionStaysInMemory(t *testing.T) {
	var out strings.Builder
	res, err := run(context.Background(), config{N: 12, First: 4, Store: true}, &out)
	require.NoError(t, err)
	assert.Equal(t, 0, res.First.EndedInMemory)
	assert.Equal(t, 0, res.Last.EndedInMemory)
	assert.Contains(t, out.String(), "a file store in ")
}
