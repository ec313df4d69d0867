package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/standin"
)

// TestCostReport runs the report on two requests per registry and one
// left open, and checks that it counts what a request really uses from the
// form to its answer: pages, mails by kind, workflow transitions by state,
// table and index writes, each function's memory, and a price for each.
func TestCostReport(t *testing.T) {
	// run sets the desk's environment, as the local stack does; it is put
	// back after the test.
	standin.KeepEnv(t)
	var out bytes.Buffer
	c := config{N: 2, OpenDays: 20, Prices: Prices{LambdaGBSecond: 0.0000133334, LambdaRequest: 0.2e-6,
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
	assert.NotEqual(t, "0.00", perRequest("Step Functions transitions"), "the workflows' states are counted")
	assert.NotEqual(t, "0.00", perRequest("DynamoDB write units (indexes)"), "the index writes are counted")
	assert.NotEqual(t, "0.00", perRequest("DynamoDB write units (table)"))
	emails := perRequest("SES emails")
	assert.NotEqual(t, "1.00", emails, "verification and the answer are counted besides the acknowledgement")
	assert.Regexp(t, `total\s+[0-9.]+`, report)
	assert.Regexp(t, `ratio [0-9.]+×`, report)
	for _, want := range []string{"shipped registry (API systems), per deletion request", "all-manual registry (every action an owner's task), per deletion request",
		"one request left open to day 20", "fulfil: RunSystems", "request: Verify", "mails by kind", "requester: acknowledgement 1.00", "owner: digest",
		"index writes (per request): ByEmail", "FulfilAnswerFunction        512 MB", "the hourly deadline sweep, 720 runs a month"} {
		assert.Contains(t, report, want)
	}
	assert.Regexp(t, `cost per 1,000 deletion requests: shipped registry \$[0-9.]+ \(target ≤ \$0.50\), all-manual \$[0-9.]+ \(target ≤ \$0.75\); one request open to day 20: \$[0-9.]+`, report)
}
