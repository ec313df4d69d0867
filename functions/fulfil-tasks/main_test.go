package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/fulfil"
)

// TestOwnerDigestEventIsWhatTheScheduleSends: events/owner-digest.json
// (for sam local invoke) is the input template.yaml's OwnerDigest
// schedule gives FulfilTasksFunction, and it asks for the digest.
func TestOwnerDigestEventIsWhatTheScheduleSends(t *testing.T) {
	root := filepath.Join("..", "..")
	sample, err := os.ReadFile(filepath.Join(root, "events", "owner-digest.json"))
	require.NoError(t, err)
	tmpl, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?s)\n        OwnerDigest:\n          Type: ScheduleV2\n.*?\n            Input: '([^']*)'`).FindSubmatch(tmpl)
	require.NotNil(t, m, "FulfilTasksFunction has the OwnerDigest schedule")
	assert.JSONEq(t, string(m[1]), string(sample))
	var in fulfil.OwnersInput
	require.NoError(t, json.Unmarshal(sample, &in))
	assert.Equal(t, fulfil.OwnersInput{Op: "digest"}, in)
}
