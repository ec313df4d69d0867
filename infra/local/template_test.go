package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/productionflow/privacy-desk/shared/dynamo"
)

var repoRoot = filepath.Join("..", "..")

// template is template.yaml as YAML nodes (intrinsic function tags such as
// !Ref and !Sub stay visible on the nodes) and as plain values.
type template struct {
	root      *yaml.Node
	Resources map[string]map[string]any
	Params    map[string]bool
}

func loadTemplate(t *testing.T) *template {
	t.Helper()
	tm, err := readTemplate()
	require.NoError(t, err)
	return tm
}

// readTemplate reads template.yaml (loadTemplate, for where there is no
// test: TestMain).
func readTemplate() (*template, error) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "template.yaml"))
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("template.yaml must be YAML: %w", err)
	}
	var doc struct {
		Transform  string                    `yaml:"Transform"`
		Parameters map[string]map[string]any `yaml:"Parameters"`
		Resources  map[string]map[string]any `yaml:"Resources"`
	}
	if err := root.Decode(&doc); err != nil {
		return nil, err
	}
	if doc.Transform != "AWS::Serverless-2016-10-31" {
		return nil, fmt.Errorf("template.yaml: transform %q", doc.Transform)
	}
	tm := &template{root: &root, Resources: doc.Resources, Params: map[string]bool{}}
	for p := range doc.Parameters {
		tm.Params[p] = true
	}
	return tm, nil
}

func (tm *template) props(t *testing.T, logical string) map[string]any {
	t.Helper()
	r, ok := tm.Resources[logical]
	require.True(t, ok, "resource %s", logical)
	p, _ := r["Properties"].(map[string]any)
	return p
}

// statements are the statements of a function's inline policies.
func (tm *template) statements(t *testing.T, function string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, p := range asList(tm.props(t, function)["Policies"]) {
		doc, _ := p.(map[string]any)
		for _, s := range asList(doc["Statement"]) {
			if st, ok := s.(map[string]any); ok {
				out = append(out, st)
			}
		}
	}
	return out
}

var pseudo = map[string]bool{"AWS::AccountId": true, "AWS::Region": true, "AWS::Partition": true, "AWS::StackName": true,
	"AWS::StackId": true, "AWS::URLSuffix": true, "AWS::NoValue": true, "AWS::NotificationARNs": true}

var subVar = regexp.MustCompile(`\$\{([^}!]+)\}`)

// TestTemplateReferences validates the template the way CloudFormation
// would refuse it: every Ref, GetAtt, Sub variable and DependsOn names a
// parameter, a pseudo parameter or a resource; every resource has a type.
func TestTemplateReferences(t *testing.T) {
	tm := loadTemplate(t)
	known := func(name string) bool {
		_, isRes := tm.Resources[name]
		return isRes || tm.Params[name] || pseudo[name]
	}
	typePattern := regexp.MustCompile(`^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$`)
	for name, r := range tm.Resources {
		typ, _ := r["Type"].(string)
		assert.Regexp(t, typePattern, typ, "resource %s has no valid Type", name)
		if deps, ok := r["DependsOn"]; ok {
			for _, d := range strings.Fields(strings.Trim(strings.ReplaceAll(strings.ReplaceAll(toString(deps), "[", " "), "]", " "), " ")) {
				assert.True(t, known(d), "%s DependsOn unknown %s", name, d)
			}
		}
	}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Tag {
		case "!Ref":
			assert.True(t, known(n.Value), "%s: !Ref to unknown %q", path, n.Value)
		case "!GetAtt":
			target := strings.SplitN(n.Value, ".", 2)[0]
			_, ok := tm.Resources[target]
			assert.True(t, ok, "%s: !GetAtt of unknown resource %q", path, target)
		case "!Sub":
			text := n.Value
			if n.Kind == yaml.SequenceNode && len(n.Content) > 0 {
				text = n.Content[0].Value // variables defined in the map are checked by CloudFormation
			}
			for _, m := range subVar.FindAllStringSubmatch(text, -1) {
				target := strings.SplitN(m[1], ".", 2)[0]
				assert.True(t, known(target), "%s: !Sub variable ${%s} is unknown", path, m[1])
			}
		}
		for i := 0; i < len(n.Content); i++ {
			c := n.Content[i]
			if n.Kind == yaml.MappingNode && i%2 == 0 && c.Value == "Ref" && i+1 < len(n.Content) {
				assert.True(t, known(n.Content[i+1].Value), "%s: Ref to unknown %q", path, n.Content[i+1].Value)
			}
			walk(c, path+"/"+c.Value)
		}
	}
	walk(tm.root, "")
}

// TestTemplateTableMatchesSchema keeps template.yaml and the Go table
// definition the local stack creates in step.
func TestTemplateTableMatchesSchema(t *testing.T) {
	tm := loadTemplate(t)
	var table struct {
		Properties struct {
			AttributeDefinitions   []attrDef `yaml:"AttributeDefinitions"`
			KeySchema              []keyElem `yaml:"KeySchema"`
			GlobalSecondaryIndexes []struct {
				IndexName  string    `yaml:"IndexName"`
				KeySchema  []keyElem `yaml:"KeySchema"`
				Projection struct {
					ProjectionType   string   `yaml:"ProjectionType"`
					NonKeyAttributes []string `yaml:"NonKeyAttributes"`
				} `yaml:"Projection"`
			} `yaml:"GlobalSecondaryIndexes"`
			TimeToLiveSpecification struct {
				AttributeName string `yaml:"AttributeName"`
				Enabled       bool   `yaml:"Enabled"`
			} `yaml:"TimeToLiveSpecification"`
			PointInTimeRecoverySpecification struct {
				PointInTimeRecoveryEnabled bool `yaml:"PointInTimeRecoveryEnabled"`
			} `yaml:"PointInTimeRecoverySpecification"`
			SSESpecification struct {
				SSEEnabled bool   `yaml:"SSEEnabled"`
				SSEType    string `yaml:"SSEType"`
			} `yaml:"SSESpecification"`
		} `yaml:"Properties"`
	}
	raw, err := yaml.Marshal(tm.Resources["RequestsTable"])
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, &table))
	p := table.Properties
	want := dynamo.CreateTableInput("x")

	var gotAttrs, wantAttrs []string
	for _, a := range p.AttributeDefinitions {
		gotAttrs = append(gotAttrs, a.AttributeName+":"+a.AttributeType)
	}
	for _, a := range want.AttributeDefinitions {
		wantAttrs = append(wantAttrs, aws.ToString(a.AttributeName)+":"+string(a.AttributeType))
	}
	assert.ElementsMatch(t, wantAttrs, gotAttrs, "attribute definitions")

	var gotKeys, wantKeys []string
	for _, k := range p.KeySchema {
		gotKeys = append(gotKeys, k.AttributeName+":"+k.KeyType)
	}
	for _, k := range want.KeySchema {
		wantKeys = append(wantKeys, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
	}
	assert.Equal(t, wantKeys, gotKeys, "table key")

	got := map[string]string{}
	for _, g := range p.GlobalSecondaryIndexes {
		var parts []string
		for _, k := range g.KeySchema {
			parts = append(parts, k.AttributeName+":"+k.KeyType)
		}
		nk := append([]string(nil), g.Projection.NonKeyAttributes...)
		sort.Strings(nk)
		got[g.IndexName] = strings.Join(append(append(parts, g.Projection.ProjectionType), nk...), ",")
	}
	wantIdx := map[string]string{}
	for _, g := range want.GlobalSecondaryIndexes {
		var parts []string
		for _, k := range g.KeySchema {
			parts = append(parts, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
		}
		nk := append([]string(nil), g.Projection.NonKeyAttributes...)
		sort.Strings(nk)
		wantIdx[aws.ToString(g.IndexName)] = strings.Join(append(append(parts, string(g.Projection.ProjectionType)), nk...), ",")
	}
	assert.Equal(t, wantIdx, got, "global secondary indexes")

	assert.Equal(t, dynamo.AttrTTL, p.TimeToLiveSpecification.AttributeName)
	assert.True(t, p.TimeToLiveSpecification.Enabled)
	assert.True(t, p.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled)
	assert.True(t, p.SSESpecification.SSEEnabled)
	assert.Equal(t, "KMS", p.SSESpecification.SSEType)
}

// TestTemplateFunctions checks every function folder has a template
// function of the matching name, built and run as the design says, with a
// log group of its own and a policy naming its actions.
func TestTemplateFunctions(t *testing.T) {
	tm := loadTemplate(t)
	raw, err := os.ReadFile(filepath.Join(repoRoot, "template.yaml"))
	require.NoError(t, err)
	for _, want := range []string{"Runtime: provided.al2023", "Architectures: [arm64]", "Handler: bootstrap", "Tracing: Active"} {
		assert.Contains(t, string(raw), want)
	}
	assert.NotContains(t, string(raw), "CrudPolicy", "policies name actions and resources")
	assert.NotContains(t, string(raw), "DefinitionString", "state machines come from workflows/*.asl.json")

	dirs, err := os.ReadDir(filepath.Join(repoRoot, "functions"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, d := range dirs {
		logical := logicalIDOf(d.Name())
		t.Run(logical, func(t *testing.T) {
			r, ok := tm.Resources[logical]
			require.True(t, ok, "functions/%s needs %s in template.yaml", d.Name(), logical)
			assert.Equal(t, "AWS::Serverless::Function", r["Type"])
			meta, _ := r["Metadata"].(map[string]any)
			assert.Equal(t, "go1.x", meta["BuildMethod"])
			props := tm.props(t, logical)
			assert.Equal(t, "functions/"+d.Name()+"/", props["CodeUri"])
			logging, ok := props["LoggingConfig"].(map[string]any)
			require.True(t, ok, "JSON logging into its own log group")
			assert.Equal(t, "JSON", logging["LogFormat"])
			group := toString(logging["LogGroup"])
			lg, ok := tm.Resources[group]
			require.True(t, ok, "log group %q is a resource of the template", group)
			assert.Equal(t, "AWS::Logs::LogGroup", lg["Type"])
			assert.Contains(t, lg["Properties"], "RetentionInDays")

			policies, ok := props["Policies"].([]any)
			require.True(t, ok, "a policy of its own")
			for _, p := range policies {
				doc, ok := p.(map[string]any)
				require.True(t, ok, "inline policy statements, not managed policy names")
				for _, st := range doc["Statement"].([]any) {
					stmt := st.(map[string]any)
					assert.NotContains(t, toString(stmt["Action"]), "*", "actions are named one by one")
					assert.NotEqual(t, "*", toString(stmt["Resource"]), "resources are scoped")
				}
			}
		})
	}
}

type attrDef struct {
	AttributeName string `yaml:"AttributeName"`
	AttributeType string `yaml:"AttributeType"`
}

type keyElem struct {
	AttributeName string `yaml:"AttributeName"`
	KeyType       string `yaml:"KeyType"`
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = toString(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return ""
}

// TestTemplateHardening: every bucket refuses plain HTTP, every log group is
// on the desk's key, and the receipt rule refuses mail sent without TLS.
func TestTemplateHardening(t *testing.T) {
	tm := loadTemplate(t)
	tlsOnly := map[string]bool{}
	for name, r := range tm.Resources {
		switch r["Type"] {
		case "AWS::Logs::LogGroup":
			assert.Equal(t, "DeskKey.Arn", tm.props(t, name)["KmsKeyId"], "%s is encrypted with the desk's key", name)
		case "AWS::S3::BucketPolicy":
			p := tm.props(t, name)
			doc, _ := p["PolicyDocument"].(map[string]any)
			stmts, _ := doc["Statement"].([]any)
			for _, s := range stmts {
				st, _ := s.(map[string]any)
				cond, _ := st["Condition"].(map[string]any)
				b, _ := cond["Bool"].(map[string]any)
				if st["Effect"] == "Deny" && st["Action"] == "s3:*" && b["aws:SecureTransport"] == "false" {
					tlsOnly[p["Bucket"].(string)] = true
				}
			}
		}
	}
	for name, r := range tm.Resources {
		if r["Type"] == "AWS::S3::Bucket" {
			assert.True(t, tlsOnly[name], "bucket %s has a TLS-only policy", name)
		}
	}
	rule, _ := tm.props(t, "InboundRule")["Rule"].(map[string]any)
	assert.Equal(t, "Require", rule["TlsPolicy"])
}

// TestTemplateLetsTheIntakesWriteInBatches: both intakes store a new
// request's unconditional records (its events, its links' tokens, the
// record of its acknowledgement) with BatchWriteItem (dynamo.WriteAll).
func TestTemplateLetsTheIntakesWriteInBatches(t *testing.T) {
	tm := loadTemplate(t)
	for _, fn := range []string{"IntakeWebFunction", "IntakeEmailFunction"} {
		found := false
		for _, st := range tm.statements(t, fn) {
			if strings.Contains(toString(st["Action"]), "dynamodb:BatchWriteItem") &&
				strings.Contains(toString(st["Resource"]), "RequestsTable") {
				found = true
			}
		}
		assert.True(t, found, "%s may call BatchWriteItem on the table", fn)
	}
}

// TestEachWorkflowMayInvokeWhatItCalls: every function a state machine's
// definition calls (a ${…FunctionArn} substitution) is substituted and may
// be invoked by that state machine's role, and its role may invoke no
// function its definition does not call. (The fulfil workflow once lacked
// the owners' tasks function: on AWS every owner's task ended the
// fulfilment needing attention.)
func TestEachWorkflowMayInvokeWhatItCalls(t *testing.T) {
	tm := loadTemplate(t)
	for name, res := range tm.Resources {
		if res["Type"] != "AWS::Serverless::StateMachine" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			p := tm.props(t, name)
			def, err := os.ReadFile(filepath.Join(repoRoot, p["DefinitionUri"].(string)))
			require.NoError(t, err)
			subs, _ := p["DefinitionSubstitutions"].(map[string]any)
			called := map[string]bool{}
			for _, m := range subVar.FindAllStringSubmatch(string(def), -1) {
				if !strings.HasSuffix(m[1], "FunctionArn") {
					continue
				}
				arn, ok := subs[m[1]].(string)
				require.True(t, ok, "%s is not substituted", m[1])
				called[strings.TrimSuffix(arn, ".Arn")] = true
			}
			for v := range subs {
				assert.Contains(t, string(def), "${"+v+"}", "%s is substituted but never used", v)
			}
			may := map[string]bool{}
			for _, st := range tm.statements(t, name) {
				if st["Action"] != "lambda:InvokeFunction" {
					continue
				}
				for _, r := range asList(st["Resource"]) {
					s, _ := r.(string)
					s = strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(s, "${"), ".Arn}:*"), ".Arn")
					may[s] = true
				}
			}
			assert.Equal(t, sortedKeys(called), sortedKeys(may), "the functions it calls and the functions it may invoke")
		})
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestEveryTableUserMayUseTheTablesKey: the requests table is encrypted
// with the desk's key, so every call on it uses the key through DynamoDB:
// each function that may call the table may decrypt with the key (through
// DynamoDB, or for its other uses too). Without it, every call of that
// function on the table is refused on AWS.
func TestEveryTableUserMayUseTheTablesKey(t *testing.T) {
	tm := loadTemplate(t)
	sse, _ := tm.props(t, "RequestsTable")["SSESpecification"].(map[string]any)
	require.Equal(t, "DeskKey", sse["KMSMasterKeyId"], "the table is on the desk's key")
	for name, res := range tm.Resources {
		if res["Type"] != "AWS::Serverless::Function" {
			continue
		}
		usesTable, mayDecrypt := false, false
		for _, st := range tm.statements(t, name) {
			actions, resources := toString(st["Action"]), toString(st["Resource"])
			if strings.Contains(actions, "dynamodb:") && strings.Contains(resources, "RequestsTable") {
				usesTable = true
			}
			if !strings.Contains(actions, "kms:Decrypt") || !strings.Contains(resources, "DeskKey") {
				continue
			}
			via := ""
			if cond, ok := st["Condition"].(map[string]any); ok {
				eq, _ := cond["StringEquals"].(map[string]any)
				via = toString(eq["kms:ViaService"])
			}
			if via == "" || strings.HasPrefix(via, "dynamodb.") {
				mayDecrypt = true
			}
		}
		if usesTable {
			assert.True(t, mayDecrypt, "%s calls the table but may not use its key through DynamoDB", name)
		}
	}
}
