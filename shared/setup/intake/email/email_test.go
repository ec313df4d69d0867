package email_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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

type fakeGetObject struct {
	key string
	err error
}

func (f *fakeGetObject) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	f.key = aws.ToString(in.Bucket) + "/" + aws.ToString(in.Key)
	if f.err != nil {
		return nil, f.err
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(strings.NewReader("raw"))}, nil
}

var _ email.GetObjectAPI = (*s3.Client)(nil)

func TestS3MailReadsByMessageID(t *testing.T) {
	api := &fakeGetObject{}
	m := &email.S3Mail{API: api, Bucket: "desk-inbound", Prefix: "inbound/"}
	body, err := m.Open(context.Background(), "k2ocb1d9v6j3f8t0m5q7h4n1r8s6e2a9lambda01")
	require.NoError(t, err)
	defer body.Close()
	assert.Equal(t, "desk-inbound/inbound/k2ocb1d9v6j3f8t0m5q7h4n1r8s6e2a9lambda01", api.key)

	api.err = errors.New("throttled")
	_, err = m.Open(context.Background(), "k2ocb1d9v6j3f8t0m5q7h4n1r8s6e2a9lambda01")
	assert.ErrorContains(t, err, "k2ocb1d9v6j3f8t0m5q7h4n1r8s6e2a9lambda01")
}
