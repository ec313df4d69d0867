package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/standin"
)

// TestCostReport runs the report on two requests and checks that it counts
// what a request really uses from the form to its answer: pages, mails,
// workflow transitions, table writes, and a price for each.
func TestCostReport(t *testing.T) {
	// run sets the standard AWS variables, as the local stack does; they are
	// put back after the test.
	for _, k := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_CONFIG_FILE",
		"AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SESV2", "AWS_ENDPOINT_URL_SFN",
		"TABLE_NAME", "SENDER_ADDRESS", "TEAM_ADDRESS", "BUSINESS_TIME_ZONE", "AWS_ENDPOINT_URL_S3", "S3_FORCE_PATH_STYLE",
		"FORM_URL", "TASK_CONFIRM_URL", "DOWNLOAD_URL", "SYSTEMS_ALLOW_LOCAL_HTTP", "SYSTEMS_REBASE", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL_SSM", "EXPORT_BUCKET", "EXPORT_KMS_KEY_ID",
		"REQUEST_WORKFLOW_ARN", "FULFIL_WORKFLOW_ARN", "DEADLINE_WATCH_ARN"} {
		t.Setenv(k, os.Getenv(k))
	}
	var out bytes.Buffer
	c := config{N: 2, MemoryMB: 256, Prices: Prices{LambdaGBSecond: 0.0000133334, LambdaRequest: 0.2e-6,
		Transition: 0.025e-3, WriteUnit: 0.625e-6, ReadUnit: 0.125e-6, Email: 0.1e-3, APIRequest: 1e-6}}
	err := run(context.Background(), c, &out, slog.New(slog.DiscardHandler))
	if errors.Is(err, standin.ErrUnavailable) && !standin.Required() {
		t.Skipf("skipping: %v (make test provides the stand-ins)", err)
	}
	require.NoError(t, err)
	report := out.String()
	perRequest := func(unit string) string {
		m := regexp.MustCompile(regexp.QuoteMeta(unit) + `\s+([0-9.]+)`).FindStringSubmatch(report)
		require.NotNil(t, m, "report line %q:\n%s", unit, report)
		return m[1]
	}
	assert.NotEqual(t, "1.00", perRequest("API Gateway requests"), "the form and the verification page are counted (and owners' confirm pages, for a manual system)")
	assert.NotEqual(t, "0.00", perRequest("Step Functions transitions"), "the deadline watch is counted")
	assert.NotEqual(t, "0.00", perRequest("DynamoDB write units"))
	emails := perRequest("SES emails")
	assert.NotEqual(t, "1.00", emails, "verification and the answer are counted besides the acknowledgement")
	assert.Regexp(t, `total\s+[0-9.]+`, report)
	assert.Regexp(t, `ratio [0-9.]+×`, report)
}
