package system_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/system"
)

func TestLoadSeedRegistry(t *testing.T) {
	reg, err := system.LoadFile(filepath.Join("..", "..", "infra", "systems.yaml"), system.Options{})
	require.NoError(t, err)

	assert.Equal(t, []string{"customer-accounts", "payments", "google-analytics", "support-desk",
		"marketing-suppression", "marketing-list", "credit-factoring"}, reg.Names())

	credit, ok := reg.Lookup("credit-factoring")
	require.True(t, ok)
	assert.True(t, credit.Supports(system.Find))
	assert.True(t, credit.Supports(system.Export))
	assert.False(t, credit.Supports(system.Erase), "credit and factoring records are under legal hold")
	for _, c := range credit.Categories {
		h, held := credit.HoldOn(c)
		assert.True(t, held, c)
		assert.NotEmpty(t, h.Reason, c)
	}

	ga, _ := reg.Lookup("google-analytics")
	assert.Contains(t, ga.Actions[system.Erase].Calls[0].URL, "userDeletionRequests:upsert")
	ses, _ := reg.Lookup("marketing-suppression")
	assert.Equal(t, system.SESSuppression, ses.Actions[system.Suppress].Kind)
	assert.ElementsMatch(t, []string{"customer-accounts", "payments", "support-desk", "marketing-list", "credit-factoring"}, reg.Supporting(system.Export))
}

// brokenCases are the broken registry files in testdata/broken, each with
// every message it must give.
var brokenCases = []struct {
	file string
	want []string
}{
	{"unknown-action.yaml", []string{`system crm: actions.delete: unknown action "delete" (known: find, erase, export, correct, suppress)`}},
	{"missing-owner.yaml", []string{"system crm: owner: missing (an email address of the person who answers for it)"}},
	{"owner-not-email.yaml", []string{`system crm: owner: "the CRM team" is not an email address`}},
	{"http-without-url.yaml", []string{"system billing: actions.find.calls[0].url: HTTP action without a URL"}},
	{"url-not-https.yaml", []string{`system billing: actions.find.calls[0].url: URL "http://billing.productionflow.com/v1/customers?email={email}" is not https`}},
	{"placeholder-in-host.yaml", []string{`system billing: actions.find.calls[0].url: URL "https://{customerId}.billing.productionflow.com/v1/customers" has a placeholder in the scheme, host or port`}},
	{"unknown-placeholder.yaml", []string{`system billing: actions.find.calls[0].url: URL "https://billing.productionflow.com/v1/customers/{name}": unknown placeholder {name} (allowed: {email}, {emailHash}, {customerId}, {userId}, {clientId}, {accountId})`}},
	{"duplicate-name.yaml", []string{"system crm: name: duplicate (also system #1)"}},
	{"hold-not-held.yaml", []string{`system factoring: holds[0].category: "credit-history" is not a category the system holds`}},
	{"unknown-secret-source.yaml", []string{`system billing: auth.source: unknown secret source "vault" (use secretsmanager or ssm)`}},
	{"timeout-out-of-range.yaml", []string{"system billing: actions.find.calls[0].timeout: 5m0s is out of range (500ms to 1m0s)"}},
	{"typo-field.yaml", []string{"decode: yaml: unmarshal errors:\n  line 3: field ownr not found in type system.System"}},
	{"uncaptured-identifier.yaml", []string{"system billing: actions.erase.calls[0]: {customerId} is neither given nor captured by an earlier call or by find"}},
	{"match-unknown.yaml", []string{
		"system billing: actions.find.calls[0].match: {customerId} is neither given nor captured by an earlier call or by find",
		`system billing: actions.find.calls[0].match.email: invalid JSON path "$.data[0]email["`,
		`system billing: actions.find.calls[0].match: unknown identifier "phone"`,
	}},
	{"many-mistakes.yaml", []string{
		`system crm: owner: "not-an-address" is not an email address`,
		"system crm: actions.erase: HTTP action without a URL (calls is empty)",
		`system crm: actions.export.kind: unknown kind "fax" (http, manual or sesSuppression)`,
		"system crm: holds[0].reason: missing (the requester is told why data is kept)",
	}},
}

func TestLoadBrokenFiles(t *testing.T) {
	for _, tc := range brokenCases {
		t.Run(tc.file, func(t *testing.T) {
			_, err := system.LoadFile(filepath.Join("testdata", "broken", tc.file), system.Options{})
			require.Error(t, err)
			var verr *system.ValidationError
			require.True(t, errors.As(err, &verr), "want *ValidationError, got %T", err)
			assert.Equal(t, tc.want, verr.Problems)
		})
	}
}

func TestEveryBrokenFileHasACase(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "broken"))
	require.NoError(t, err)
	var files, covered []string
	for _, e := range entries {
		files = append(files, e.Name())
	}
	for _, tc := range brokenCases {
		covered = append(covered, tc.file)
	}
	assert.ElementsMatch(t, files, covered, "each broken file is checked for its messages")
	assert.GreaterOrEqual(t, len(files), 8)
}

func TestLocalHTTPOnlyWhenAllowed(t *testing.T) {
	opts := system.TemplateOptions{AllowLocalHTTP: true}
	for _, raw := range []string{"http://127.0.0.1:8080/v1/{email}", "http://localhost/x"} {
		_, err := system.ParseURLTemplate(raw, opts)
		assert.NoError(t, err, raw)
		_, err = system.ParseURLTemplate(raw, system.TemplateOptions{})
		assert.Error(t, err, raw)
	}
	_, err := system.ParseURLTemplate("http://billing.example.com/x", opts)
	assert.Error(t, err, "http to another host stays refused")
}
