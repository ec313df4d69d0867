package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// rateRule is a rate-based rule of a web ACL as the tests read it.
type rateRule struct {
	Name      string         `yaml:"Name"`
	Action    map[string]any `yaml:"Action"`
	Statement struct {
		RateBasedStatement struct {
			AggregateKeyType    string         `yaml:"AggregateKeyType"`
			EvaluationWindowSec int            `yaml:"EvaluationWindowSec"`
			Limit               string         `yaml:"Limit"`
			ScopeDownStatement  map[string]any `yaml:"ScopeDownStatement"`
		} `yaml:"RateBasedStatement"`
	} `yaml:"Statement"`
}

func webACLRules(t *testing.T, props map[string]any) map[string]rateRule {
	t.Helper()
	raw, err := yaml.Marshal(props["Rules"])
	require.NoError(t, err)
	var rules []rateRule
	require.NoError(t, yaml.Unmarshal(raw, &rules))
	out := map[string]rateRule{}
	for _, r := range rules {
		out[r.Name] = r
	}
	return out
}

// TestTemplateRateLimitsEachClient: the public API is reached through a
// CloudFront distribution whose AWS WAF web ACL limits each client IP
// address (POSTs and all requests, each with its parameter); the web ACL
// is made in this stack in us-east-1 or given by ARN elsewhere (made by
// infra/edge/waf.yaml, the same web ACL); the distribution's only origin
// is the HTTP API, with the origin secret the web intake checks.
func TestTemplateRateLimitsEachClient(t *testing.T) {
	tm := loadTemplate(t)

	acl := tm.Resources["EdgeWebAcl"]
	require.NotNil(t, acl, "the template declares the web ACL")
	assert.Equal(t, "AWS::WAFv2::WebACL", acl["Type"])
	assert.Equal(t, "CreateEdgeWebAcl", acl["Condition"])
	props := tm.props(t, "EdgeWebAcl")
	assert.Equal(t, "CLOUDFRONT", props["Scope"])
	rules := webACLRules(t, props)
	posts, all := rules["PostsPerClient"], rules["RequestsPerClient"]
	for _, r := range []rateRule{posts, all} {
		s := r.Statement.RateBasedStatement
		assert.Equal(t, "IP", s.AggregateKeyType, "%s: per client IP address", r.Name)
		assert.Equal(t, 300, s.EvaluationWindowSec, r.Name)
		block, _ := r.Action["Block"].(map[string]any)
		resp, _ := block["CustomResponse"].(map[string]any)
		assert.Equal(t, 429, resp["ResponseCode"], "%s blocks with 429", r.Name)
	}
	assert.Equal(t, "PostsPerClientPer5Min", posts.Statement.RateBasedStatement.Limit)
	assert.Equal(t, "RequestsPerClientPer5Min", all.Statement.RateBasedStatement.Limit)
	bm, _ := posts.Statement.RateBasedStatement.ScopeDownStatement["ByteMatchStatement"].(map[string]any)
	assert.Equal(t, "POST", bm["SearchString"], "the lower limit counts POSTs")
	assert.Contains(t, bm["FieldToMatch"], "Method")
	assert.Nil(t, all.Statement.RateBasedStatement.ScopeDownStatement, "the higher limit counts every request")
	for _, p := range []string{"PostsPerClientPer5Min", "RequestsPerClientPer5Min", "EdgeWebAclArn"} {
		assert.True(t, tm.Params[p], "parameter %s", p)
	}

	// The association: the distribution in front of the API carries it.
	edge := tm.props(t, "PublicEdge")
	assert.Equal(t, "AWS::CloudFront::Distribution", tm.Resources["PublicEdge"]["Type"])
	cfg, _ := edge["DistributionConfig"].(map[string]any)
	assert.Equal(t, []any{"CreateEdgeWebAcl", "EdgeWebAcl.Arn", "EdgeWebAclArn"}, cfg["WebACLId"])
	origins, _ := cfg["Origins"].([]any)
	require.Len(t, origins, 1, "the API is the one origin")
	origin, _ := origins[0].(map[string]any)
	assert.Equal(t, "${PublicApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}", origin["DomainName"])
	headers, _ := origin["OriginCustomHeaders"].([]any)
	require.Len(t, headers, 1)
	h, _ := headers[0].(map[string]any)
	assert.Equal(t, "X-Origin-Verify", h["HeaderName"])
	assert.Equal(t, "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString}}", h["HeaderValue"])
	behaviour, _ := cfg["DefaultCacheBehavior"].(map[string]any)
	assert.Equal(t, "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", behaviour["CachePolicyId"], "Managed-CachingDisabled")
	assert.Contains(t, behaviour["AllowedMethods"], "POST")
	assert.Equal(t, "redirect-to-https", behaviour["ViewerProtocolPolicy"], "browsers reach the edge over TLS")
	custom, _ := origin["CustomOriginConfig"].(map[string]any)
	assert.Equal(t, "https-only", custom["OriginProtocolPolicy"], "and the edge reaches the API over TLS")

	// The web intake refuses what did not come through the distribution,
	// and reads the submission key, both from Secrets Manager.
	env := tm.props(t, "IntakeWebFunction")["Environment"].(map[string]any)["Variables"].(map[string]any)
	assert.Equal(t, "OriginVerifySecret", env["ORIGIN_VERIFY_SECRET"])
	assert.Equal(t, "SubmissionKeySecret", env["SUBMISSION_KEY_SECRET"])
	// So does the console where it is reached through the distribution
	// (PublicFormUrl); without it the console is used at the API's own
	// address and checks nothing. It may read the secret and decrypt it
	// through Secrets Manager only.
	consoleEnv := tm.props(t, "ConsoleFunction")["Environment"].(map[string]any)["Variables"].(map[string]any)
	assert.Equal(t, []any{"HasPublicFormUrl", "OriginVerifySecret", "AWS::NoValue"}, consoleEnv["ORIGIN_VERIFY_SECRET"])
	var reads, decrypts bool
	for _, st := range tm.statements(t, "ConsoleFunction") {
		reads = reads || (st["Action"] == "secretsmanager:GetSecretValue" && st["Resource"] == "OriginVerifySecret")
		decrypts = decrypts || (st["Action"] == "kms:Decrypt" && st["Resource"] == "DeskKey.Arn" && st["Condition"] != nil)
	}
	assert.True(t, reads, "the console may read the origin secret")
	assert.True(t, decrypts, "and decrypt it through Secrets Manager")
	for _, name := range []string{"OriginVerifySecret", "SubmissionKeySecret"} {
		assert.Equal(t, "AWS::SecretsManager::Secret", tm.Resources[name]["Type"])
		gen, _ := tm.props(t, name)["GenerateSecretString"].(map[string]any)
		assert.GreaterOrEqual(t, gen["PasswordLength"], 32, "%s is generated, never in the repository", name)
	}

	// Outside us-east-1 the deploy is refused without the web ACL's ARN.
	raw, err := os.ReadFile(filepath.Join(repoRoot, "template.yaml"))
	require.NoError(t, err)
	var doc struct {
		Rules map[string]any `yaml:"Rules"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	assert.Contains(t, doc.Rules, "EdgeWebAclOutsideUsEast1")

	// infra/edge/waf.yaml makes the same web ACL in us-east-1.
	raw, err = os.ReadFile(filepath.Join(repoRoot, "infra", "edge", "waf.yaml"))
	require.NoError(t, err)
	var companion struct {
		Parameters map[string]any            `yaml:"Parameters"`
		Resources  map[string]map[string]any `yaml:"Resources"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &companion))
	assert.Equal(t, props, companion.Resources["EdgeWebAcl"]["Properties"], "infra/edge/waf.yaml's web ACL is template.yaml's")
	var main struct {
		Parameters map[string]any `yaml:"Parameters"`
	}
	require.NoError(t, yaml.Unmarshal(func() []byte { b, _ := os.ReadFile(filepath.Join(repoRoot, "template.yaml")); return b }(), &main))
	for _, p := range []string{"PostsPerClientPer5Min", "RequestsPerClientPer5Min"} {
		assert.Equal(t, main.Parameters[p], companion.Parameters[p], "parameter %s is the same in both", p)
	}
}

// TestTemplatePublicLinksGoThroughTheEdge: every link the desk mails or
// shows to requesters and system owners (the form, verification, the
// owners' task page, downloads) uses PublicFormUrl or the distribution,
// never the API's own address, which answers 403 to them.
func TestTemplatePublicLinksGoThroughTheEdge(t *testing.T) {
	tm := loadTemplate(t)
	for name, r := range tm.Resources {
		if r["Type"] != "AWS::Serverless::Function" {
			continue
		}
		env, _ := tm.props(t, name)["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		for _, v := range []string{"FORM_URL", "TASK_CONFIRM_URL", "DOWNLOAD_URL", "STATUS_URL"} {
			if val, ok := vars[v]; ok {
				assert.NotContains(t, toString(val), "execute-api", "%s %s", name, v)
			}
		}
	}
}
