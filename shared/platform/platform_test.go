package platform_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/platform"
)

func TestLoadIntakeConfig(t *testing.T) {
	good := map[string]string{"TABLE_NAME": "desk", "SENDER_ADDRESS": "desk@productionflow.example", "TEAM_ADDRESS": "privacy@productionflow.example"}
	tests := []struct {
		name    string
		change  map[string]string
		wantErr []string
	}{
		{"defaults", nil, nil},
		{"everything missing", map[string]string{"TABLE_NAME": "", "SENDER_ADDRESS": "", "TEAM_ADDRESS": ""},
			[]string{"TABLE_NAME is required", "SENDER_ADDRESS is required", "TEAM_ADDRESS is required"}},
		{"sender not an address", map[string]string{"SENDER_ADDRESS": "desk"}, []string{"SENDER_ADDRESS is not an email address"}},
		{"bad zone", map[string]string{"BUSINESS_TIME_ZONE": "Mars/Olympus"}, []string{"BUSINESS_TIME_ZONE"}},
		{"the machine's own zone", map[string]string{"BUSINESS_TIME_ZONE": "Local"}, []string{"BUSINESS_TIME_ZONE"}},
		{"plain http form", map[string]string{"FORM_URL": "http://privacy.example/"}, []string{"FORM_URL must be an https:// URL"}},
		{"local form", map[string]string{"FORM_URL": "http://localhost:3000/"}, nil},
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
			cfg, err := platform.LoadIntakeConfig(func(k string) string { return env[k] })
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, "desk", cfg.Table)
				if env["BUSINESS_TIME_ZONE"] == "" {
					assert.Equal(t, "America/New_York", cfg.TimeZone)
				}
				return
			}
			require.Error(t, err)
			for _, w := range tt.wantErr {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestWorkflowARNVariable(t *testing.T) {
	// The names template.yaml gives the functions.
	for name, want := range map[string]string{
		"deadline-watch": "DEADLINE_WATCH_ARN",
		"request":        "REQUEST_WORKFLOW_ARN",
		"fulfil":         "FULFIL_WORKFLOW_ARN",
	} {
		assert.Equal(t, want, platform.WorkflowARNVariable(name), name)
	}
}
