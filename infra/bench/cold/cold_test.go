package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/standin"
)

func TestParseInit(t *testing.T) {
	tests := []struct {
		line  string
		ms    float64
		found bool
	}{
		{"30 Nov 2026 02:49:08,765 [INFO] (rapid) INIT REPORT(durationMs: 86.368000)", 86.368, true},
		{"30 Nov 2026 02:49:08,765 [INFO] (rapid) INIT RTDONE(status: success)", 0, false},
		{"REPORT RequestId: 0164 Init Duration: 0.02 ms Duration: 87.24 ms", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			ms, found := ParseInit(tt.line)
			assert.Equal(t, tt.found, found)
			assert.InDelta(t, tt.ms, ms, 1e-9)
		})
	}
}

// A function's floor calls what it links beyond the credential chain
// config.LoadDefaultConfig links itself.
func TestServicesOf(t *testing.T) {
	list := []byte(sdkConfig + " " + sdkService + "sts " + sdkService + "sso " + sdkService + "sso/types\n" +
		module + "/functions/a " + sdkService + "sts " + sdkService + "dynamodb " + sdkService + "dynamodb/types " +
		sdkService + "internal/checksum " + sdkService + "sesv2 context\n" +
		module + "/functions/b context\n")
	got, err := servicesOf(list, []string{"a", "b"})
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{"a": {"dynamodb", "sesv2"}, "b": nil}, got)

	_, err = servicesOf(list, []string{"c"})
	assert.ErrorContains(t, err, "functions/c")
}

func TestFloorSourceNamesAMissingCall(t *testing.T) {
	_, err := FloorSource([]string{"dynamodb", "kinesis"})
	assert.ErrorContains(t, err, "kinesis")
}

// The report's core on one function, one start each: it builds the
// function, its floor and hello, and reads an init figure for each from
// the emulator. make test installs the emulator (make tools); elsewhere
// the test skips without it.
func TestReportReadsInitFigures(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	rie := filepath.Join(root, "bin", "aws-lambda-rie")
	if _, err := os.Stat(rie); err != nil {
		if standin.Required() {
			t.Fatalf("no Lambda runtime interface emulator at %s: make tools installs it", rie)
		}
		t.Skipf("skipping: no Lambda runtime interface emulator at %s (make tools installs it)", rie)
	}
	rep, err := Run(context.Background(), Options{Root: root, RIE: rie, N: 1, Functions: []string{"fulfil-start"}})
	require.NoError(t, err)
	require.Len(t, rep.Functions, 1)
	fn := rep.Functions[0]
	assert.Equal(t, []string{"dynamodb", "sesv2", "sfn"}, fn.Services, "fulfil-start reads and writes the table, mails and starts the fulfil workflow")
	for _, target := range []*Target{fn, fn.Floor, rep.Hello} {
		assert.Empty(t, target.Failures, target.Name)
		require.Len(t, target.Inits, 1, target.Name)
		assert.Positive(t, target.Inits[0], "%s: the emulator's INIT REPORT durationMs", target.Name)
		assert.Positive(t, target.Size, target.Name)
	}
	assert.Equal(t, "floor:dynamodb+sesv2+sfn", fn.Floor.Name)

	var out bytes.Buffer
	rep.Print(&out, rie)
	assert.Contains(t, out.String(), "fulfil-start")
	assert.Contains(t, out.String(), "floor:dynamodb+sesv2+sfn")
}
