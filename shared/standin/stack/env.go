package stack

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/standin"
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
