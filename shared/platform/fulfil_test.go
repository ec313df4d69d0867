package platform_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/platform"
)

func TestLoadFulfilConfig(t *testing.T) {
	good := map[string]string{
		"TABLE_NAME": "desk", "SENDER_ADDRESS": "desk@productionflow.example", "TEAM_ADDRESS": "privacy@productionflow.example",
		"EXPORT_BUCKET": "exports", "EXPORT_KMS_KEY_ID": "alias/desk", "TASK_CONFIRM_URL": "https://privacy.productionflow.example/tasks/confirm",
		"DOWNLOAD_URL": "https://privacy.productionflow.example/download",
	}
	tests := []struct {
		name    string
		change  map[string]string
		wantErr []string
	}{
		{"defaults", nil, nil},
		{"everything missing", map[string]string{"TABLE_NAME": "", "SENDER_ADDRESS": "", "TEAM_ADDRESS": "", "EXPORT_BUCKET": "", "EXPORT_KMS_KEY_ID": ""},
			[]string{"TABLE_NAME is required", "SENDER_ADDRESS is required", "TEAM_ADDRESS is required", "EXPORT_BUCKET is required", "EXPORT_KMS_KEY_ID is required"}},
		{"plain http confirm page", map[string]string{"TASK_CONFIRM_URL": "http://privacy.example/confirm"}, []string{"TASK_CONFIRM_URL must be an https:// URL"}},
		{"local confirm page", map[string]string{"TASK_CONFIRM_URL": "http://127.0.0.1:8080/tasks/confirm"}, nil},
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
			env := map[string]string{}
			for k, v := range good {
				env[k] = v
			}
			for k, v := range tt.change {
				env[k] = v
			}
			cfg, err := platform.LoadFulfilConfig(func(k string) string { return env[k] })
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, "exports/", cfg.ExportPrefix)
				assert.Equal(t, "America/New_York", cfg.TimeZone)
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
	env := map[string]string{"SYSTEMS_ALLOW_LOCAL_HTTP": "true", "SYSTEMS_REBASE": "https://api.stripe.com=http://127.0.0.1:4242"}
	cfg, err := platform.LoadFulfilConfig(func(k string) string { return env[k] })
	require.Error(t, err, "the desk variables are missing")
	assert.NotContains(t, err.Error(), "SYSTEMS_REBASE")
	reg, err := cfg.Registry()
	require.NoError(t, err)
	pay, ok := reg.Lookup("payments")
	require.True(t, ok)
	assert.Equal(t, "http://127.0.0.1:4242/v1/customers/{customerId}", pay.Actions["erase"].Calls[0].URL)
}

func TestFulfilServiceUsesTheBuiltInRegistry(t *testing.T) {
	cfg := platform.FulfilConfig{Desk: platform.Desk{Table: "desk", Sender: "desk@productionflow.example", TeamAddress: "privacy@productionflow.example",
		TimeZone: "America/New_York"}, ExportBucket: "exports", ExportKMSKeyID: "alias/desk", ExportPrefix: "exports/",
		ConfirmURL: "https://privacy.productionflow.example/tasks/confirm", DownloadURL: "https://privacy.productionflow.example/download"}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := platform.FulfilService(cfg, aws.Config{Region: "us-east-1"}, log)
	require.NoError(t, err)
	_, ok := svc.Registry.Lookup("credit-factoring")
	assert.True(t, ok)

	cfg.ConfirmURL = ""
	_, err = platform.FulfilService(cfg, aws.Config{Region: "us-east-1"}, log)
	require.NoError(t, err, "the built-in registry has no manual action: no confirm page is needed")

	file := filepath.Join(t.TempDir(), "systems.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`systems:
  - name: warehouse
    title: Data warehouse
    owner: data-team@productionflow.example
    categories: [contact]
    actions:
      erase: {kind: manual, task: Delete the person., dueIn: 72h}
`), 0o600))
	cfg.SystemsFile = file
	_, err = platform.FulfilService(cfg, aws.Config{Region: "us-east-1"}, log)
	require.Error(t, err, "a registry with a manual action needs the confirm page")
	assert.Contains(t, err.Error(), "TASK_CONFIRM_URL is required")
}
