package verify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/setup/verify"
)

func TestLoadConfig(t *testing.T) {
	good := map[string]string{"TABLE_NAME": "desk", "SENDER_ADDRESS": "desk@productionflow.example",
		"TEAM_ADDRESS": "privacy@productionflow.example", "FORM_URL": "https://privacy.productionflow.example/"}
	tests := []struct {
		name     string
		change   map[string]string
		wantLink string
		wantErr  []string
	}{
		{"link from the form", nil, "https://privacy.productionflow.example/verify", nil},
		{"link set", map[string]string{"VERIFY_LINK_BASE": "https://desk.example/confirm"}, "https://desk.example/confirm", nil},
		{"local link", map[string]string{"FORM_URL": "", "VERIFY_LINK_BASE": "http://[::1]:3000/verify"}, "http://[::1]:3000/verify", nil},
		{"no form, no link", map[string]string{"FORM_URL": ""}, "", []string{"VERIFY_LINK_BASE (or FORM_URL) is required"}},
		{"plain http", map[string]string{"VERIFY_LINK_BASE": "http://desk.example/verify"}, "", []string{"VERIFY_LINK_BASE must be an https:// URL"}},
		{"a look-alike of localhost", map[string]string{"VERIFY_LINK_BASE": "http://localhost.attacker.example/verify"}, "", []string{"VERIFY_LINK_BASE must be an https:// URL"}},
		{"a query", map[string]string{"VERIFY_LINK_BASE": "https://desk.example/verify?x=1"}, "", []string{"no query"}},
		{"and the desk's problems", map[string]string{"TABLE_NAME": ""}, "", []string{"TABLE_NAME is required"}},
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
			cfg, err := verify.LoadConfig(func(k string) string { return env[k] })
			if len(tt.wantErr) == 0 {
				require.NoError(t, err)
				assert.Equal(t, tt.wantLink, cfg.LinkBase.String())
				return
			}
			require.Error(t, err)
			for _, w := range tt.wantErr {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
