package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/states"
)

// InProcessEnv adds to env what the desk's functions need to run in this
// process over the stand-ins, as the cost, load and fault reports run
// them: the AWS endpoints, the site's links, no shared AWS config files, and
// the ARN of each workflow in root/workflows, as arn names it.
func InProcessEnv(env map[string]string, root string, endpoints map[string]string, arn func(workflow string) string) error {
	for _, group := range []map[string]string{standin.AWSEnv(endpoints), standin.SiteEnv("http://127.0.0.1:3000/"),
		{"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull}} {
		for k, v := range group {
			env[k] = v
		}
	}
	files, err := WorkflowFiles(root)
	if err != nil {
		return err
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".asl.json")
		env[setup.ARNVariable(name)] = arn(name)
	}
	return nil
}

// WorkflowFiles lists the state machines' definitions, root/workflows/*.asl.json.
func WorkflowFiles(root string) ([]string, error) {
	return filepath.Glob(filepath.Join(root, "workflows", "*.asl.json"))
}

// FunctionARN is the ARN the workflows call the function with logical ID
// id by, in a runtime the desk's functions run in.
func FunctionARN(id string) string {
	return "arn:aws:lambda:us-east-1:123456789012:function:" + id
}

// Register puts the desk's workflow functions (setup/workflows.Build's,
// by logical ID) into rt and registers every workflow in files with their
// ARNs. around, when given, wraps each invocation (the cost report times
// them); nil calls straight through.
func Register(rt *states.Runtime, fns map[string]any, files []string,
	around func(id string, call func() (json.RawMessage, error)) (json.RawMessage, error)) error {
	subs := map[string]string{}
	for id, fn := range fns {
		h := lambda.NewHandler(fn)
		rt.RegisterFunction(FunctionARN(id), func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
			call := func() (json.RawMessage, error) { return h.Invoke(ctx, payload) }
			if around == nil {
				return call()
			}
			return around(id, call)
		})
		subs[id+"Arn"] = FunctionARN(id)
	}
	for _, f := range files {
		def, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if _, err := rt.Register(strings.TrimSuffix(filepath.Base(f), ".asl.json"), def, subs); err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
	}
	return nil
}
