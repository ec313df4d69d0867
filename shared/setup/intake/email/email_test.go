package email_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/setup/intake/email"
)

func TestLoadConfig(t *testing.T) {
	good := map[string]string{"TABLE_NAME": "desk", "SENDER_ADDRESS": "desk@productionflow.example",
		"TEAM_ADDRESS": "privacy-team@productionflow.example", "INBOUND_BUCKET": "desk-inbound"}
	tests := []struct {
		name     string
		change   map[string]string
		wantOurs []string
		wantErr  []string
	}{
		{"defaults", nil, []string{"desk@productionflow.example", "privacy-team@productionflow.example"}, nil},
		{"our other addresses", map[string]string{"OUR_ADDRESSES": " privacy@productionflow.example, noreply@productionflow.example ,"},
			[]string{"desk@productionflow.example", "privacy-team@productionflow.example", "privacy@productionflow.example", "noreply@productionflow.example"}, nil},
		{"display names", map[string]string{"SENDER_ADDRESS": "Privacy Desk <desk@productionflow.example>", "OUR_ADDRESSES": "Privacy <privacy@productionflow.example>"},
			[]string{"desk@productionflow.example", "privacy-team@productionflow.example", "privacy@productionflow.example"}, nil},
		{"no bucket, no table", map[string]string{"INBOUND_BUCKET": "", "TABLE_NAME": ""}, nil,
			[]string{"INBOUND_BUCKET is required", "TABLE_NAME is required"}},
		{"not addresses", map[string]string{"OUR_ADDRESSES": "privacy, team"}, nil, []string{"OUR_ADDRESSES is not"}},
		{"path style", map[string]string{"S3_FORCE_PATH_STYLE": "yes"}, nil, []string{"S3_FORCE_PATH_STYLE must be true or false"}},
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
			cfg, err := email.LoadConfig(func(k string) string { return env[k] })
			if tt.wantErr != nil {
				require.Error(t, err)
				for _, w := range tt.wantErr {
					assert.Contains(t, err.Error(), w)
				}
				assert.Equal(t, 1, strings.Count(err.Error(), "configuration:"), "one message lists every problem")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "desk-inbound", cfg.Bucket)
			assert.Equal(t, "inbound/", cfg.Prefix)
			assert.False(t, cfg.S3PathStyle)
			assert.Equal(t, tt.wantOurs, cfg.Ours())
		})
	}
}
