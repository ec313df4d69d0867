package system_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/system"
)

func TestLoadSeedRegistry(t *testing.T) {
	reg, err := system.LoadFile("systems.yaml", system.Options{})
	require.NoError(t, err)

	assert.Equal(t, []string{"customer-accounts", "payments", "google-analytics", "support-desk",
		"marketing-list", "credit-factoring"}, reg.Names())

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
	assert.ElementsMatch(t, []string{"customer-accounts", "payments", "support-desk", "marketing-list", "credit-factoring"}, reg.Supporting(system.Export))

	// Marketing mail stops in the newsletter tool, never on the account-wide
	// SES suppression list (the desk's own mail must still arrive).
	assert.Equal(t, []string{"marketing-list"}, reg.Supporting(system.Suppress))
	for _, s := range reg.Systems {
		for a, m := range s.Actions {
			assert.NotEqual(t, system.SESSuppression, m.Kind, "%s %s", s.Name, a)
		}
	}
	// The systems that sell or share data and can be told to stop. Google
	// Analytics has no per-user opt-out, only its deletion, which an
	// unverified opt-out must never reach (TestOptOutsEraseNothing).
	assert.Equal(t, []string{"credit-factoring"}, reg.Supporting(system.OptOut))
	assert.False(t, ga.Supports(system.OptOut))
	assert.Equal(t, "PATCH", credit.Actions[system.OptOut].Calls[0].Method)
	assert.Equal(t, map[string]any{"doNotSell": true}, credit.Actions[system.OptOut].Calls[0].Body)
}

// TestSeedRegistrySpeaksPlainWords: every category, title, purpose and
// hold reason the requester reads exists in English and Spanish, and no
// category reaches them as its ID.
func TestSeedRegistrySpeaksPlainWords(t *testing.T) {
	reg, err := system.LoadFile("systems.yaml", system.Options{})
	require.NoError(t, err)
	for _, s := range reg.Systems {
		for _, c := range s.Categories {
			for _, lang := range []string{"en", "es"} {
				title := reg.CategoryTitle(c, lang)
				assert.NotEqual(t, c, title, "%s in %s", c, lang)
				assert.NotEqual(t, strings.ReplaceAll(c, "-", " "), title, "%s in %s has its own plain words", c, lang)
			}
			assert.NotEqual(t, reg.CategoryTitle(c, "en"), reg.CategoryTitle(c, "es"), c)
		}
		require.NotNil(t, s.ES, s.Name)
		assert.NotEqual(t, s.TitleIn("en"), s.TitleIn("es"), s.Name)
		assert.Len(t, s.PurposesIn("es"), len(s.Purposes), s.Name)
		for _, h := range s.Holds {
			assert.NotEqual(t, h.ReasonIn("en"), h.ReasonIn("es"), s.Name)
			assert.NotEqual(t, h.LawIn("en"), h.LawIn("es"), s.Name)
			assert.NotEqual(t, h.UntilIn("en"), h.UntilIn("es"), s.Name)
			assert.Equal(t, h.Until, h.UntilIn("en"))
		}
	}
}

func TestWordsInLanguage(t *testing.T) {
	reg, err := system.LoadFile("systems.yaml", system.Options{})
	require.NoError(t, err)
	pay, ok := reg.Lookup("payments")
	require.True(t, ok)
	hold, ok := pay.HoldOn("charges")
	require.True(t, ok)
	tests := []struct {
		lang                  string
		category, title, hold string
		purpose               string
	}{
		{"es", "pagos y reembolsos", "Procesador de pagos (Stripe)", "Los registros de pagos se conservan por obligaciones fiscales y contables.", "cobrar"},
		{"es-MX", "pagos y reembolsos", "Procesador de pagos (Stripe)", "Los registros de pagos se conservan por obligaciones fiscales y contables.", "cobrar"},
		{"en", "payments and refunds", "Payment processor (Stripe)", "Payment records are kept for tax and accounting.", "take payment"},
		{"", "payments and refunds", "Payment processor (Stripe)", "Payment records are kept for tax and accounting.", "take payment"},
		{"fr", "payments and refunds", "Payment processor (Stripe)", "Payment records are kept for tax and accounting.", "take payment"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			assert.Equal(t, tt.category, reg.CategoryTitle("charges", tt.lang))
			assert.Equal(t, tt.title, pay.TitleIn(tt.lang))
			assert.Equal(t, tt.hold, hold.ReasonIn(tt.lang))
			assert.Equal(t, tt.purpose, pay.PurposesIn(tt.lang)[0])
		})
	}
	t.Run("a registry without a dictionary falls back to words, not IDs", func(t *testing.T) {
		bare := &system.Registry{}
		assert.Equal(t, "billing contact", bare.CategoryTitle("billing-contact", "es"))
		s := &system.System{Name: "crm", Description: "The CRM."}
		assert.Equal(t, "crm", s.TitleIn("es"))
		assert.Equal(t, "The CRM.", s.DescriptionIn("es"))
	})
}

// brokenCases are the broken registry files in testdata/broken, each with
// every message it must give.
var brokenCases = []struct {
	file string
	want []string
}{
	{"unknown-action.yaml", []string{`system crm: actions.delete: unknown action "delete" (known: find, erase, export, correct, suppress, optOut)`}},
	{"optout-ses.yaml", []string{"system list: actions.optOut.kind: sesSuppression only carries out suppress or erase"}},
	{"missing-category-title.yaml", []string{
		`system factoring: categories: "debtor-contact" has no entry in the registry's categories (its plain words in en and es)`,
		"system factoring: es.purposes: 0 entries, the English has 1",
		"system factoring: holds[0].es.reason: missing (the reason in Spanish)",
		"categories.credit-history.es: missing (the category in plain Spanish words)",
	}},
	{"export-erase-mixed.yaml", []string{"system archive: actions.export is manual and actions.erase http: make both owners' tasks (manual) or both automatic, so that the erase waits for the export"}},
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
