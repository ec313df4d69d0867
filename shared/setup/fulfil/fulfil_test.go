package fulfil_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	domain "github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/setup/fulfil"
)

var good = map[string]string{
	"TABLE_NAME": "desk", "SENDER_ADDRESS": "desk@productionflow.example", "TEAM_ADDRESS": "privacy@productionflow.example",
	"EXPORT_BUCKET": "exports", "EXPORT_KMS_KEY_ID": "alias/desk", "TASK_CONFIRM_URL": "https://privacy.productionflow.example/tasks/confirm",
	"DOWNLOAD_URL": "https://privacy.productionflow.example/download",
}

func getenv(change map[string]string) func(string) string {
	env := map[string]string{}
	for k, v := range good {
		env[k] = v
	}
	for k, v := range change {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		change  map[string]string
		wantErr []string
	}{
		{"defaults", nil, nil},
		{"everything missing", map[string]string{"TABLE_NAME": "", "SENDER_ADDRESS": "", "TEAM_ADDRESS": "", "EXPORT_BUCKET": "", "EXPORT_KMS_KEY_ID": ""},
			[]string{"TABLE_NAME is required", "SENDER_ADDRESS is required", "TEAM_ADDRESS is required", "EXPORT_BUCKET is required", "EXPORT_KMS_KEY_ID is required"}},
		{"plain http confirm page", map[string]string{"TASK_CONFIRM_URL": "http://privacy.example/confirm"}, []string{"TASK_CONFIRM_URL must be an https:// URL"}},
		{"a look-alike of localhost", map[string]string{"TASK_CONFIRM_URL": "http://localhost.attacker.example/tasks/confirm", "DOWNLOAD_URL": "http://localhost.attacker.example/download"},
			[]string{"TASK_CONFIRM_URL must be an https:// URL", "DOWNLOAD_URL must be an https:// URL"}},
		{"local confirm page", map[string]string{"TASK_CONFIRM_URL": "http://127.0.0.1:8080/tasks/confirm"}, nil},
		{"parts inside the packages' prefix", map[string]string{"EXPORT_PARTS_PREFIX": "exports/parts/"},
			[]string{"EXPORT_PARTS_PREFIX and EXPORT_PREFIX must be two folders (each ending in /), neither inside the other"}},
		{"parts with no prefix", map[string]string{"EXPORT_PARTS_PREFIX": "x"},
			[]string{"EXPORT_PARTS_PREFIX and EXPORT_PREFIX must be two folders"}},
		{"expedited owners' days", map[string]string{"TASK_EXPEDITED_BUSINESS_DAYS": "31"}, []string{"TASK_EXPEDITED_BUSINESS_DAYS must be a whole number of business days from 1 to 30"}},
		{"expedited owners' days not a number", map[string]string{"TASK_EXPEDITED_BUSINESS_DAYS": "two"}, []string{"TASK_EXPEDITED_BUSINESS_DAYS must be a whole number"}},
		{"rebase onto local stand-ins", map[string]string{"SYSTEMS_ALLOW_LOCAL_HTTP": "true",
			"SYSTEMS_REBASE": "https://api.stripe.com=http://127.0.0.1:4242,https://lists.productionflow.com=http://localhost:4343"}, nil},
		{"rebase without local HTTP", map[string]string{"SYSTEMS_REBASE": "https://api.stripe.com=http://127.0.0.1:4242"},
			[]string{"SYSTEMS_REBASE needs SYSTEMS_ALLOW_LOCAL_HTTP=true"}},
		{"rebase that is not pairs", map[string]string{"SYSTEMS_ALLOW_LOCAL_HTTP": "true", "SYSTEMS_REBASE": "http://127.0.0.1:4242"},
			[]string{`SYSTEMS_REBASE: "http://127.0.0.1:4242" is not origin=base`}},
		{"rebase onto another machine", map[string]string{"SYSTEMS_ALLOW_LOCAL_HTTP": "true", "SYSTEMS_REBASE": "https://api.stripe.com=http://10.0.0.7:4242"},
			[]string{`SYSTEMS_REBASE: base "http://10.0.0.7:4242" for https://api.stripe.com is not http://127.0.0.1:port or http://localhost:port`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := fulfil.LoadConfig(getenv(tt.change))
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, "exports/", cfg.Prefix)
				assert.Equal(t, "parts/", cfg.PartsPrefix, "apart from the packages")
				assert.Equal(t, "America/New_York", cfg.TimeZone.String())
				assert.Equal(t, domain.DefaultExpeditedTaskDays, cfg.ExpeditedTaskDays)
				assert.False(t, cfg.S3PathStyle)
				return
			}
			require.Error(t, err)
			for _, w := range tt.wantErr {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestRegistryRebased(t *testing.T) {
	cfg, err := fulfil.LoadConfig(getenv(map[string]string{"SYSTEMS_ALLOW_LOCAL_HTTP": "true", "SYSTEMS_REBASE": "https://api.stripe.com=http://127.0.0.1:4242"}))
	require.NoError(t, err)
	reg, err := cfg.Registry()
	require.NoError(t, err)
	pay, ok := reg.Lookup("payments")
	require.True(t, ok)
	assert.Equal(t, "http://127.0.0.1:4242/v1/customers/{customerId}", pay.Actions["erase"].Calls[0].URL)
}

// TestEachFunctionNeedsItsOwnPage: the owners' task mail needs the confirm
// page only when the registry declares a manual action, the answer the
// download page only when it declares an export; the other functions need
// neither.
func TestEachFunctionNeedsItsOwnPage(t *testing.T) {
	for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull} {
		t.Setenv(k, v)
	}
	ctx, log := context.Background(), slog.New(slog.DiscardHandler)
	manual := filepath.Join(t.TempDir(), "systems.yaml")
	require.NoError(t, os.WriteFile(manual, []byte(`systems:
  - name: warehouse
    title: Data warehouse
    owner: data-team@productionflow.example
    categories: [contact]
    actions:
      erase: {kind: manual, task: Delete the person., dueIn: 72h}
`), 0o600))

	_, err := fulfil.Tasks(ctx, getenv(map[string]string{"TASK_CONFIRM_URL": ""}), log)
	require.NoError(t, err, "the built-in registry has no manual action: no confirm page is needed")
	_, err = fulfil.Tasks(ctx, getenv(map[string]string{"TASK_CONFIRM_URL": "", "SYSTEMS_FILE": manual}), log)
	require.Error(t, err, "a registry with a manual action needs the confirm page")
	assert.Contains(t, err.Error(), "TASK_CONFIRM_URL is required: warehouse has a manual erase action")

	_, err = fulfil.Answer(ctx, getenv(map[string]string{"DOWNLOAD_URL": ""}), log)
	require.Error(t, err, "the built-in registry exports: the answer links the download page")
	assert.Contains(t, err.Error(), "DOWNLOAD_URL is required")
	_, err = fulfil.Answer(ctx, getenv(map[string]string{"DOWNLOAD_URL": "", "SYSTEMS_FILE": manual}), log)
	require.NoError(t, err)

	for name, build := range map[string]func() error{
		"plan": func() error {
			_, err := fulfil.Plan(ctx, getenv(map[string]string{"TASK_CONFIRM_URL": "", "DOWNLOAD_URL": ""}), log)
			return err
		},
		"step": func() error {
			_, err := fulfil.Step(ctx, getenv(map[string]string{"TASK_CONFIRM_URL": "", "DOWNLOAD_URL": ""}), log)
			return err
		},
	} {
		assert.NoError(t, build(), name)
	}
}

func TestDownloadLinksPointAtThePage(t *testing.T) {
	l := fulfil.DownloadLinks(nil, "desk", "https://privacy.productionflow.example/download", time.Now)
	assert.Equal(t, "https://privacy.productionflow.example/download", l.PageURL)
	assert.Equal(t, "desk", l.Tokens.(*dynamo.Tokens).Table)
}

// TestStepTakesARoundOrAnEarlierVersionsStep: the handler takes a round
// of steps, and one step from a fulfil execution started before the steps
// ran in rounds (it is run as a step: its errors keep their types, which
// that execution's Retry and Catch match).
func TestStepTakesARoundOrAnEarlierVersionsStep(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	handler, err := fulfil.Step(ctx, getenv(map[string]string{"TASK_CONFIRM_URL": "", "DOWNLOAD_URL": ""}), log)
	require.NoError(t, err)

	_, err = handler(ctx, json.RawMessage(`{"requestId":"PR-AAAA-BBBB-CCCC-DDDD","system":"no-such-system","action":"erase"}`))
	var pe *connector.PermanentError
	require.ErrorAs(t, err, &pe, "one step, run as a step")
	assert.Contains(t, pe.Reason, "not in the registry")

	_, err = handler(ctx, json.RawMessage(`{"requestId":`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a round or a step")
}
