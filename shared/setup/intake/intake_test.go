package intake_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/setup/intake"
)

func TestLoadConfig(t *testing.T) {
	good := map[string]string{"TABLE_NAME": "desk", "SENDER_ADDRESS": "desk@productionflow.example", "TEAM_ADDRESS": "privacy@productionflow.example"}
	tests := []struct {
		name    string
		change  map[string]string
		wantErr []string
	}{
		{"defaults", nil, nil},
		{"everything missing", map[string]string{"TABLE_NAME": "", "SENDER_ADDRESS": "", "TEAM_ADDRESS": ""},
			[]string{"TABLE_NAME is required", "SENDER_ADDRESS is required", "TEAM_ADDRESS is required"}},
		{"plain http form", map[string]string{"FORM_URL": "http://privacy.example/"}, []string{"FORM_URL must be an https:// URL"}},
		{"local form", map[string]string{"FORM_URL": "http://localhost:3000/"}, nil},
		{"not an ARN", map[string]string{"REQUEST_WORKFLOW_ARN": "request"},
			[]string{"REQUEST_WORKFLOW_ARN must be a state machine ARN"}},
		{"every problem at once", map[string]string{"TABLE_NAME": "", "FORM_URL": "http://localhost.attacker.example/", "BUSINESS_TIME_ZONE": "Mars/Olympus"},
			[]string{"TABLE_NAME is required", "FORM_URL must be an https:// URL", "BUSINESS_TIME_ZONE is not a time zone name"}},
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
			cfg, err := intake.LoadConfig(func(k string) string { return env[k] })
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, "desk", cfg.Table)
				assert.Equal(t, "America/New_York", cfg.TimeZone.String())
				return
			}
			require.Error(t, err)
			for _, w := range tt.wantErr {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
