package setup_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/productionflow/privacy-desk"

// adapters are the packages that speak an AWS service, one per service
// (a subpackage keeps one service's records apart): the only packages
// under shared/, besides the wiring and the local tree, that may import
// github.com/aws/... .
var adapters = []string{"dynamo", "dynamo/task", "s3", "sesmail", "sfn", "secret", "cognito"}

// vocabulary are the domain packages every adapter may import: the types
// and errors a port speaks (requests and their errors, tokens, mail).
var vocabulary = []string{"request", "token", "mail"}

// speaks names, for each adapter, the other domain packages it may import
// and why: the records it stores or the port whose types and errors it
// implements. Adding to it is a decision about what that adapter links
// into every function that uses it.
var speaks = map[string]map[string]string{
	"dynamo":      {"intake": "stores the inbox's MailRecord and Clarification"},
	"dynamo/task": {"connector": "stores the owners' connector.Task records"},
	"secret":      {"system": "reads the registry's secret sources and classifies system.ErrSecretMissing"},
	"cognito":     {"console": "implements console.Auth with its Member and errors"},
}

// local names the packages no domain package or adapter may import: the
// wiring, the local stand-ins and the local Step Functions runtime.
func local(rel string) bool {
	for _, tree := range []string{"setup", "standin", "states"} {
		if rel == tree || strings.HasPrefix(rel, tree+"/") {
			return true
		}
	}
	return false
}

// TestLayoutImports enforces the layout of shared/ (docs: README's Layout)
// on production code, as go list reports each package's imports (test
// files may wire real adapters and stand-ins):
//
//   - A domain package (any package under shared/ that is not an adapter,
//     not shared/setup/..., not shared/standin/... and not shared/states)
//     imports no github.com/aws/... package (the SDK, smithy-go or
//     aws-lambda-go) and no adapter: it declares the ports it needs in its
//     own words, and the adapter implements them.
//   - An adapter imports, of the desk's packages, only the vocabulary
//     (request, token, mail), the packages of its own service (dynamo/task
//     imports dynamo) and the domain packages listed in speaks for it.
//   - Neither imports the wiring or the local tree.
//
// It fails naming each offending import.
func TestLayoutImports(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipping: the go command is not on PATH")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	cmd := exec.Command("go", "list", "-e", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./shared/...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())

	imports := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 0 {
			imports[fields[0]] = fields[1:]
		}
	}
	require.NoError(t, sc.Err())
	require.Contains(t, imports, module+"/shared/request", "go list lists shared/")

	for _, problem := range layoutProblems(imports) {
		assert.Fail(t, "an import breaks the layout of shared/", problem)
	}
}

// layoutProblems checks imports (package → its imports) against the rule
// of TestLayoutImports and says what is wrong with each bad import.
func layoutProblems(imports map[string][]string) []string {
	shared := module + "/shared/"
	service := func(rel string) string { return strings.SplitN(rel, "/", 2)[0] }
	var problems []string
	for pkg, deps := range imports {
		rel, ok := strings.CutPrefix(pkg, shared)
		if !ok || local(rel) {
			continue
		}
		adapter := slices.Contains(adapters, rel)
		for _, dep := range deps {
			switch {
			case strings.HasPrefix(dep, "github.com/aws/aws-lambda-go/"):
				if !adapter {
					problems = append(problems, "domain package shared/"+rel+" imports "+dep+
						": the function's handler (shared/setup) translates Lambda's types into the domain's")
				}
			case strings.HasPrefix(dep, "github.com/aws/"):
				if !adapter {
					problems = append(problems, "domain package shared/"+rel+" imports "+dep+
						": declare a port in the domain's words and implement it in the service's adapter")
				}
			case strings.HasPrefix(dep, shared):
				d := strings.TrimPrefix(dep, shared)
				switch {
				case local(d):
					problems = append(problems, "shared/"+rel+" imports shared/"+d+": wiring and local code are imported by neither domain nor adapters")
				case !adapter && slices.Contains(adapters, d):
					problems = append(problems, "domain package shared/"+rel+" imports the adapter shared/"+d+
						": declare a port (and its errors) in the domain and let setup wire the adapter")
				case adapter && service(d) == service(rel), adapter && slices.Contains(vocabulary, d), adapter && speaks[rel][d] != "":
				case adapter && slices.Contains(adapters, d):
					problems = append(problems, "adapter shared/"+rel+" imports shared/"+d+", another service's adapter: setup wires the two together")
				case adapter:
					problems = append(problems, "adapter shared/"+rel+" imports the domain package shared/"+d+
						": an adapter speaks request, token and mail (or what speaks lists for it, with the reason)")
				}
			}
		}
	}
	slices.Sort(problems)
	return problems
}

// The rule itself, on made-up imports: each kind of offence is named.
func TestLayoutProblems(t *testing.T) {
	p := func(rel string) string { return module + "/shared/" + rel }
	tests := []struct {
		name    string
		imports map[string][]string
		want    string // a part of the one problem; "" for none
	}{
		{"a domain package with a port", map[string][]string{p("verify"): {p("request"), p("mail"), "context"}}, ""},
		{"a domain package calls the SDK", map[string][]string{p("verify"): {"github.com/aws/aws-sdk-go-v2/service/sfn"}},
			"domain package shared/verify imports github.com/aws/aws-sdk-go-v2/service/sfn"},
		{"a domain package takes a Lambda event", map[string][]string{p("inbound"): {"github.com/aws/aws-lambda-go/events"}},
			"domain package shared/inbound imports github.com/aws/aws-lambda-go/events"},
		{"a domain package uses an adapter's error", map[string][]string{p("connector"): {p("secret")}},
			"domain package shared/connector imports the adapter shared/secret"},
		{"an adapter speaks the vocabulary", map[string][]string{p("sfn"): {p("request"), "github.com/aws/aws-sdk-go-v2/service/sfn"}}, ""},
		{"an adapter of the same service", map[string][]string{p("dynamo/task"): {p("dynamo"), p("connector")}}, ""},
		{"an adapter imports a domain service", map[string][]string{p("sfn"): {p("verify")}},
			"adapter shared/sfn imports the domain package shared/verify"},
		{"an adapter imports the wiring", map[string][]string{p("s3"): {p("setup")}}, "shared/s3 imports shared/setup"},
		{"an adapter imports another service's", map[string][]string{p("s3"): {p("dynamo")}}, "another service's adapter"},
		{"the wiring imports anything", map[string][]string{p("setup/fulfil"): {p("s3"), "github.com/aws/aws-sdk-go-v2/service/s3"}}, ""},
		{"the local tree imports anything", map[string][]string{p("standin/stack"): {p("dynamo"), "github.com/aws/aws-sdk-go-v2/service/s3"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := layoutProblems(tt.imports)
			if tt.want == "" {
				assert.Empty(t, got)
				return
			}
			require.Len(t, got, 1)
			assert.Contains(t, got[0], tt.want)
		})
	}
}
