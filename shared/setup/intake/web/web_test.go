package web_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/setup/intake/web"
)

func TestDownloadPage(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		page bool
	}{
		{"no bucket, no page", map[string]string{}, false},
		{"export bucket set", map[string]string{"EXPORT_BUCKET": "exports"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"TABLE_NAME": "desk", "SENDER_ADDRESS": "desk@productionflow.example", "TEAM_ADDRESS": "privacy@productionflow.example",
				"SUBMISSION_KEY_SECRET": "privacy-desk/submission-key"}
			for k, v := range tt.env {
				env[k] = v
			}
			cfg, err := web.LoadConfig(func(k string) string { return env[k] })
			require.NoError(t, err)
			assert.Equal(t, "exports/", cfg.Downloads.Prefix)
			d := web.DownloadPage(cfg.Downloads, aws.Config{Region: "us-east-1"}, "desk")
			assert.Equal(t, tt.page, d != nil)
		})
	}
}
