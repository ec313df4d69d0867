package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/downstream"
	"github.com/productionflow/privacy-desk/shared/system"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestInvokeUnderTheEmulator does what make invoke does: it builds the
// function's bootstrap (with -tags lambda.norpc, as for Lambda), runs it
// under the Lambda runtime interface emulator against the stand-ins, and
// sends it the sample events.
func TestInvokeUnderTheEmulator(t *testing.T) {
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(root, "bin", "aws-lambda-rie")); err != nil {
		if standin.Required() {
			t.Fatal("bin/aws-lambda-rie is missing: make tools installs it")
		}
		t.Skip("skipping: bin/aws-lambda-rie is not installed (make test installs it)")
	}
	db, ses := standin.Dynalite(t), standin.SES(t)
	client := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(db.URL) })
	require.NoError(t, dynamo.EnsureTable(context.Background(), client, deskEnv["TABLE_NAME"]))

	// The key that signs the form's submission IDs, as the local stack
	// serves it.
	secrets, err := downstream.StartSecrets(context.Background(), []downstream.Secret{
		{Source: system.SecretsManager, Name: standin.SubmissionKeySecret, Value: "invoke-test-submission-key-0123456789abcdef"}})
	require.NoError(t, err)
	t.Cleanup(secrets.Close)
	env := standin.AWSEnv(map[string]string{"DYNAMODB": db.URL, "SESV2": ses.URL, "SECRETS_MANAGER": secrets.URL()})
	for k, v := range standin.DeskEnv() {
		env[k] = v
	}
	envFile := filepath.Join(t.TempDir(), "env")
	require.NoError(t, writeEnvFile(envFile, env))

	build := exec.Command("go", "build", "-trimpath", "-tags", "lambda.norpc", "-o", "build/local/intake-web/bootstrap", "./functions/intake-web")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	for _, tc := range []struct{ event, want string }{
		{"events/intake-web-get-form.json", `<form method="post" action="requests"`},
		{"events/intake-web-post-form.json", "We have received your request"},
	} {
		t.Run(tc.event, func(t *testing.T) {
			// A free port can be taken by another test before the emulator
			// binds it; try again on new ports then.
			var out []byte
			var err error
			for range 3 {
				cmd := exec.Command(filepath.Join(root, "infra", "local", "invoke.sh"), "intake-web", tc.event)
				cmd.Dir = root
				cmd.Env = append(os.Environ(), "LOCAL_ENV_FILE="+envFile,
					fmt.Sprintf("RIE_PORT=%d", freePort(t)), fmt.Sprintf("RIE_RUNTIME_API_PORT=%d", freePort(t)))
				if out, err = cmd.Output(); err == nil {
					break
				}
			}
			require.NoError(t, err, string(out))
			var res struct {
				StatusCode int    `json:"statusCode"`
				Body       string `json:"body"`
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &res), string(out))
			assert.Equal(t, 200, res.StatusCode)
			assert.Contains(t, res.Body, tc.want)
		})
	}
}
