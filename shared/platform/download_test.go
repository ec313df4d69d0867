package platform_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/platform"
)

func TestWebDownloads(t *testing.T) {
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
			d := platform.WebDownloads(func(k string) string { return tt.env[k] }, aws.Config{Region: "us-east-1"}, "desk")
			assert.Equal(t, tt.page, d != nil)
		})
	}
	assert.Equal(t, "exports/", platform.LoadDownloadConfig(func(string) string { return "" }).Prefix)
}

func TestDownloadLinksPointAtThePage(t *testing.T) {
	l := platform.DownloadLinks(nil, "desk", "https://privacy.productionflow.example/download", time.Now)
	assert.Equal(t, "https://privacy.productionflow.example/download", l.PageURL)
	assert.Equal(t, "desk", l.Tokens.(*dynamo.Tokens).Table)
}
