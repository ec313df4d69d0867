package main

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/standin"
)

// recorded holds the AWS calls every function made in this package's
// tests that run the whole stack (startStack and the others pass it as
// options.calls).
var recorded = &callLog{}

// TestMain runs the tests, then holds template.yaml's permissions to the
// calls the functions made in them: a call its function's policy does not
// allow would be refused on AWS (AccessDenied), where the stand-ins check
// no permission. It runs only when every test passed, on what they made.
func TestMain(m *testing.M) {
	code := m.Run()
	if os.Getenv("PRINT_AWS_CALLS") != "" {
		for fn, list := range recorded.Calls() {
			for _, c := range list {
				fmt.Fprintln(os.Stderr, fn, c.Action, c.Resource)
			}
		}
	}
	if code == 0 {
		gaps, err := permissionGaps(recorded.Calls())
		switch {
		case err != nil:
			fmt.Fprintln(os.Stderr, "permissions: ", err)
			code = 1
		case len(gaps) > 0:
			fmt.Fprintln(os.Stderr, "FAIL: template.yaml does not allow calls the functions made in these tests (refused on AWS):")
			for _, g := range gaps {
				fmt.Fprintln(os.Stderr, "  "+g)
			}
			code = 1
		}
	}
	os.Exit(code)
}

// permissionGaps lists each call of calls (by function logical ID) that
// no statement of the function's policies allows, action and resource.
func permissionGaps(calls map[string][]awsCall) ([]string, error) {
	tm, err := readTemplate()
	if err != nil {
		return nil, err
	}
	buckets := map[string]string{}
	env := standin.DeskEnv()
	for v, logical := range map[string]string{"EXPORT_BUCKET": "ExportBucket", "INBOUND_BUCKET": "InboundMailBucket"} {
		buckets[env[v]] = logical
	}
	// A state machine named by !Ref is its ARN: in awsCall's terms, its name.
	machines := map[string]string{}
	for logical, r := range tm.Resources {
		if r["Type"] == "AWS::Serverless::StateMachine" {
			props, _ := r["Properties"].(map[string]any)
			machines[logical] = templateResource(":stateMachine:" + toString(props["Name"]))
		}
	}
	var gaps []string
	for fn, list := range calls {
		res, ok := tm.Resources[fn]
		if !ok {
			gaps = append(gaps, fn+": no such resource in the template")
			continue
		}
		props, _ := res["Properties"].(map[string]any)
		var statements []map[string]any
		for _, p := range asList(props["Policies"]) {
			doc, _ := p.(map[string]any)
			for _, s := range asList(doc["Statement"]) {
				if st, ok := s.(map[string]any); ok {
					statements = append(statements, st)
				}
			}
		}
		for _, call := range list {
			if !allowed(statements, call, buckets, machines) {
				gaps = append(gaps, fmt.Sprintf("%s: %s on %q", fn, call.Action, call.Resource))
			}
		}
	}
	sort.Strings(gaps)
	return gaps, nil
}

// allowed reports whether a statement allows call: its action named, and
// its resource matched (when the call names one).
func allowed(statements []map[string]any, call awsCall, buckets, machines map[string]string) bool {
	want := call.Resource
	if b, ok := strings.CutPrefix(want, "bucket:"); ok {
		name, key, _ := strings.Cut(b, "/")
		want = buckets[name]
		if want == "" {
			want = "bucket " + name
		}
		if key != "" {
			want += "/" + key
		}
	}
	for _, st := range statements {
		if st["Effect"] != "Allow" || !contains(listOf(st["Action"]), call.Action) {
			continue
		}
		if want == "" {
			return true
		}
		for _, r := range listOf(st["Resource"]) {
			if m, ok := machines[r]; ok {
				r = m
			}
			if glob(templateResource(r)).MatchString(want) {
				return true
			}
		}
	}
	return false
}

// templateResource writes a policy's resource in the terms of awsCall:
// "${RequestsTable.Arn}/index/OpenWork" → "RequestsTable/index/OpenWork",
// "${ExportBucket.Arn}/parts/*" → "ExportBucket/parts/*", a state
// machine's ARN → "stateMachine:<name>".
func templateResource(r string) string {
	r = strings.ReplaceAll(r, ".Arn}", "")
	r = strings.TrimSuffix(r, ".Arn")
	r = strings.ReplaceAll(r, "${", "")
	if _, name, ok := strings.Cut(r, ":stateMachine:"); ok {
		return "stateMachine:" + strings.TrimPrefix(name, "AWS::StackName}-")
	}
	return r
}

// glob is an IAM resource pattern as a regular expression: * matches any
// run of characters, / included.
func glob(pattern string) *regexp.Regexp {
	return regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$")
}

func listOf(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, toString(e))
		}
		return out
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// TestPermissionGapsAreFound: the check TestMain makes finds a call no
// statement allows (an action missing, an index or a key prefix not
// granted) and passes one that is.
func TestPermissionGapsAreFound(t *testing.T) {
	gaps, err := permissionGaps(map[string][]awsCall{
		"FulfilStepFunction": {
			{"dynamodb:Query", "RequestsTable"},
			{"dynamodb:DeleteItem", "RequestsTable"},
			{"dynamodb:Query", "RequestsTable/index/OpenWork"},
			{"s3:PutObject", "bucket:privacy-desk-exports/parts/PR-1/crm.json"},
			{"s3:PutObject", "bucket:privacy-desk-exports/exports/PR-1/access.zip"},
		},
		"FulfilStartFunction": {{"states:StartExecution", "stateMachine:fulfil"}, {"states:StartExecution", "stateMachine:request"}},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{
		`FulfilStartFunction: states:StartExecution on "stateMachine:request"`,
		`FulfilStepFunction: dynamodb:DeleteItem on "RequestsTable"`,
		`FulfilStepFunction: dynamodb:Query on "RequestsTable/index/OpenWork"`,
		`FulfilStepFunction: s3:PutObject on "bucket:privacy-desk-exports/exports/PR-1/access.zip"`,
	}, gaps)
}
