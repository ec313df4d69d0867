package main

import (
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEachFunctionLinksOnlyItsFamily: each function is built through its
// own family of shared/setup, so it does not link what only other
// functions use. Only the email intake links the MIME reader; the deadline
// sweep links neither the console nor the intake, verification or
// fulfilment; the deadline sweep, verification and the hand-over to fulfilment (fulfil-start)
// link neither the web form, its pages, the registry's YAML, S3, SSM nor
// the connectors, and the hand-over no access package, fulfilment service
// or business calendar either; the mail-events function links the request
// store and nothing of the intake's wiring, fulfilment, deadlines, the
// business calendar or the console; no
// function links the registry of all of them (shared/setup/workflows).
func TestEachFunctionLinksOnlyItsFamily(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipping: the go command is not on PATH")
	}
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	mime := []string{"github.com/jhillyerd/enmime/v2", "github.com/inbucket/html2text", module + "/shared/inbound"}
	heavy := []string{module + "/shared/webform", "gopkg.in/yaml.v3", "github.com/aws/aws-sdk-go-v2/service/s3",
		"github.com/aws/aws-sdk-go-v2/service/ssm", "github.com/aws/aws-sdk-go-v2/service/secretsmanager",
		module + "/shared/connector", module + "/shared/system", module + "/shared/pages"}
	all := []string{module + "/shared/setup/workflows"}
	notLinked := map[string][]string{
		"intake-email": append(slices.Clone(all), module+"/shared/webform"),
		"intake-web":   append(slices.Clone(all), mime...),
		"deadline-reminder": slices.Concat(all, mime, heavy, []string{"github.com/aws/aws-sdk-go-v2/service/sfn",
			module + "/shared/console", module + "/shared/intake", module + "/shared/verify", module + "/shared/fulfil"}),
		"verify-start":  slices.Concat(all, mime, heavy),
		"verify-close":  slices.Concat(all, mime, heavy),
		"fulfil-start":  slices.Concat(all, mime, heavy, []string{module + "/shared/export", module + "/shared/fulfil", module + "/shared/clock"}),
		"fulfil-plan":   slices.Concat(all, mime, []string{module + "/shared/webform"}),
		"fulfil-step":   slices.Concat(all, mime, []string{module + "/shared/webform"}),
		"fulfil-tasks":  slices.Concat(all, mime, []string{module + "/shared/webform"}),
		"fulfil-answer": slices.Concat(all, mime, []string{module + "/shared/webform"}),
		// The console reads the origin secret from Secrets Manager, and no
		// other: not the secret package, the registry nor SSM.
		"console": slices.Concat(all, mime, slices.DeleteFunc(slices.Clone(heavy), func(p string) bool {
			return p == "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
		}), []string{module + "/shared/secret"}),
		"team-digest": slices.Concat(all, mime, heavy, []string{"github.com/aws/aws-sdk-go-v2/service/sfn",
			"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider", module + "/shared/cognito", module + "/shared/setup/intake"}),
		"mail-events": slices.Concat(all, mime, heavy, []string{"github.com/aws/aws-sdk-go-v2/service/sfn",
			"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider", module + "/shared/cognito", module + "/shared/console",
			module + "/shared/fulfil", module + "/shared/deadline", module + "/shared/setup/intake", module + "/shared/clock"}),
	}
	for _, fn := range slices.Sorted(maps.Keys(notLinked)) {
		t.Run(fn, func(t *testing.T) {
			imports := deps(t, root, "./functions/"+fn)
			main := module + "/functions/" + fn
			for _, pkg := range notLinked[fn] {
				if _, ok := imports[pkg]; ok {
					assert.Fail(t, "a function links another family's code", "%s links %s: %s", fn, pkg, strings.Join(chain(imports, main, pkg), " → "))
				}
			}
		})
	}
	t.Run("only the email intake reads MIME", func(t *testing.T) {
		_, ok := deps(t, root, "./functions/intake-email")["github.com/jhillyerd/enmime/v2"]
		assert.True(t, ok)
	})
}
