package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/standin"
)

// TestFaultCampaign runs the campaign on six requests: with half of the
// downstream calls failing and the workflows' runtime killed twice, every
// request is closed or needs attention with the team told, and no
// requester gets the same mail twice.
func TestFaultCampaign(t *testing.T) {
	standin.KeepEnv(t)
	var out bytes.Buffer
	err := run(context.Background(), config{N: 6, FailRate: 0.5, Seed: 3, KillAfter: 100 * time.Millisecond}, &out, slog.New(slog.DiscardHandler))
	if errors.Is(err, standin.ErrUnavailable) && !standin.Required() {
		t.Skipf("skipping: %v (make test provides the stand-ins)", err)
	}
	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "killed and started again 2 times")
	assert.Regexp(t, `neither 0; steps recorded [1-9]`, out.String())
	assert.Contains(t, out.String(), "(team not told of 0)")
	assert.Contains(t, out.String(), "duplicate mails to requesters 0")
}
