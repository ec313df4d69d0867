package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
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
	calls := recorded.Calls()
	if code == 0 {
		// A run of the whole package builds every function and each makes
		// calls: none recorded means nothing was checked.
		whole := flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == ""
		for _, fn := range recorded.Built() {
			if whole && len(calls[fn]) == 0 {
				fmt.Fprintf(os.Stderr, "FAIL: permissions: %s made no AWS call in the stack's tests: nothing of it was checked\n", fn)
				code = 1
			}
		}
		if whole && os.Getenv("STANDINS") == "required" && len(recorded.Built()) == 0 {
			fmt.Fprintln(os.Stderr, "FAIL: permissions: no stack ran: nothing was checked")
			code = 1
		}
	}
	if os.Getenv("PRINT_AWS_CALLS") != "" {
		for fn, list := range recorded.Calls() {
			for _, c := range list {
				fmt.Fprintln(os.Stderr, fn, c.Action, c.Resource)
			}
		}
	}
	if code == 0 {
		gaps, err := permissionGaps(calls)
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
		if st["Effect"] != "Allow" || !slices.Contains(listOf(st["Action"]), call.Action) {
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

// answering is an aws.HTTPClient that answers every request with status.
type answering int

func (a answering) Do(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: int(a), Body: http.NoBody}, nil
}

// TestTheRecorderNamesWhatACallNeeds: a signed call is named by its IAM
// action and resource (a GSI query by its index); a missing S3 key, which
// answers 404 only to who may list the bucket, needs s3:ListBucket too;
// an unsigned request is recorded as such, so the check reports it.
func TestTheRecorderNamesWhatACallNeeds(t *testing.T) {
	log := &callLog{}
	do := func(status int, req *http.Request) {
		t.Helper()
		_, err := log.recorder("FulfilPlanFunction")(answering(status)).Do(req)
		require.NoError(t, err)
	}
	sign := func(req *http.Request, service string) *http.Request {
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261130/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=x")
		return req
	}
	query := sign(httptest.NewRequest(http.MethodPost, "http://127.0.0.1:1/", strings.NewReader(`{"TableName":"privacy-desk","IndexName":"OpenWork"}`)), "dynamodb")
	query.Header.Set("X-Amz-Target", "DynamoDB_20120810.Query")
	do(http.StatusOK, query)
	do(http.StatusNotFound, sign(httptest.NewRequest(http.MethodHead, "http://127.0.0.1:1/privacy-desk-exports/parts/PR-1/crm.json", nil), "s3"))
	do(http.StatusOK, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:1/anything", nil))
	assert.Equal(t, []awsCall{
		{"dynamodb:Query", "RequestsTable/index/OpenWork"},
		{"s3:GetObject", "bucket:privacy-desk-exports/parts/PR-1/crm.json"},
		{"s3:ListBucket", "bucket:privacy-desk-exports"},
		{"unsigned GET", "127.0.0.1:1/anything"},
	}, log.Calls()["FulfilPlanFunction"])
	assert.Equal(t, []string{"FulfilPlanFunction"}, log.Built())
}
