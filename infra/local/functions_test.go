package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/setup/workflows"
	"github.com/productionflow/privacy-desk/shared/standin"
)

// TestEveryWorkflowFunctionIsRegistered checks that each function a
// workflow names (${<LogicalID>Arn}) has a folder in functions/ and a
// handler in the local registration, so no local execution fails on a
// missing function.
func TestEveryWorkflowFunctionIsRegistered(t *testing.T) {
	env := standin.DeskEnv()
	for _, group := range []map[string]string{standin.SiteEnv("http://localhost:3000/"), {"AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "FULFIL_WORKFLOW_ARN": machineARN("fulfil")}} {
		for k, v := range group {
			env[k] = v
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	fns, err := workflows.Build(context.Background(), func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	registered := map[string]bool{}
	for id := range fns {
		registered[id] = true
	}
	subs := substitutions(repoRoot)
	files, err := filepath.Glob(filepath.Join(repoRoot, "workflows", "*.asl.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	ref := regexp.MustCompile(`\$\{([A-Za-z]+Function)Arn\}`)
	for _, f := range files {
		def, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range ref.FindAllStringSubmatch(string(def), -1) {
			assert.Contains(t, subs, m[1]+"Arn", "%s names %s, which has no functions/ folder", filepath.Base(f), m[1])
			assert.True(t, registered[m[1]], "%s names %s, which the local stack does not register", filepath.Base(f), m[1])
		}
	}
}
