package states

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWorkflowDefinitions checks every workflows/*.asl.json, and the
// examples under testdata, twice: with this runtime's parser and validator
// (each ${Name} substituted by a Lambda ARN placeholder), and with
// asl-validator from infra/local/node_modules. Run it alone with
//
//	go test ./shared/states -run TestWorkflowDefinitions
//
// asl-validator missing is a skip, or a failure when STANDINS=required or
// CI is set (run `npm ci` in infra/local first).
func TestWorkflowDefinitions(t *testing.T) {
	workflows, err := filepath.Glob(filepath.Join("..", "..", "workflows", "*.asl.json"))
	require.NoError(t, err)
	examples, err := filepath.Glob(filepath.Join("testdata", "*.asl.json"))
	require.NoError(t, err)
	files := append(workflows, examples...)
	require.NotEmpty(t, files)
	if len(workflows) == 0 {
		t.Log("workflows/ has no *.asl.json yet: checking the examples only")
	}

	placeholder := regexp.MustCompile(`\$\{([^}]+)\}`)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			subs := map[string]string{}
			for _, m := range placeholder.FindAllSubmatch(data, -1) {
				subs[string(m[1])] = "arn:aws:lambda:us-east-1:123456789012:function:" + string(m[1])
			}
			_, err = Parse(data, subs)
			assert.NoError(t, err)
		})
	}

	t.Run("asl-validator", func(t *testing.T) {
		bin := filepath.Join("..", "..", "infra", "local", "node_modules", ".bin", "asl-validator")
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("STANDINS") == "required" || os.Getenv("CI") != "" {
				t.Fatalf("asl-validator is not installed at %s: run npm ci in infra/local", bin)
			}
			t.Skipf("asl-validator is not installed at %s: run npm ci in infra/local", bin)
		}
		// asl-validator does not expand globs and ignores extra
		// arguments: each file needs its own --json-path.
		var args []string
		for _, f := range files {
			args = append(args, "--json-path", f)
		}
		out, err := exec.Command(bin, args...).CombinedOutput()
		assert.NoError(t, err, "asl-validator:\n%s", out)
		t.Logf("asl-validator:\n%s", out)
	})
}
