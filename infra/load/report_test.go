package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/standin"
)

// TestLoadReport runs the report small: 40 submissions (after 4 to warm up) at concurrency 8 and
// 8 mails delivered 5 times each at once. The counts are the behaviour
// checked (every request once, acknowledged once); the rates are printed,
// never compared with a number.
func TestLoadReport(t *testing.T) {
	standin.KeepEnv(t)
	var out bytes.Buffer
	err := run(context.Background(), config{N: 40, C: 8, Mails: 8, Redeliveries: 5, WarmUp: 40}, &out, slog.New(slog.DiscardHandler))
	if errors.Is(err, standin.ErrUnavailable) && !standin.Required() {
		t.Skipf("skipping: %v (make test provides the stand-ins)", err)
	}
	require.NoError(t, err, out.String())
	report := out.String()
	assert.Contains(t, report, "requests created 52 (expected 52), duplicates 0, lost 0")
	assert.Contains(t, report, "one for 52 of 52 requests, none for 0, more than one for 0; not recorded on the request 0")
	assert.Contains(t, report, "(after 40 puts to warm dynalite up; the desk's submissions after 4 of their own)")
	// dynalite's processor time comes in 10 ms ticks, which 40 puts may
	// not reach: its line is printed only when measured. This process's
	// own is read to the microsecond.
	assert.Regexp(t, `the desk's processor time: [0-9]+ µs per submission .*: [0-9.]+ calls' worth`, report)
	assert.Regexp(t, `rate ours/raw: [0-9.]+ submissions/s / [0-9.]+ PutItem/s = [0-9.]+×\n$`, report, "the ratio is the last line")
}
