package web_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/secret"
	"github.com/productionflow/privacy-desk/shared/setup/intake/web"
)

// fakeSecrets serves one value under each name, from either service.
type fakeSecrets map[string]string

func (f fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	v, ok := f[aws.ToString(in.SecretId)]
	if !ok {
		return nil, secret.ErrMissing
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(v)}, nil
}

func (f fakeSecrets) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	v, ok := f[aws.ToString(in.Name)]
	if !ok {
		return nil, secret.ErrMissing
	}
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Value: aws.String(v)}}, nil
}

var (
	_ secret.SecretsManagerAPI = fakeSecrets{}
	_ secret.SSMAPI            = fakeSecrets{}
)

func TestSubmissionKeyConfig(t *testing.T) {
	base := map[string]string{"TABLE_NAME": "desk", "SENDER_ADDRESS": "desk@productionflow.example", "TEAM_ADDRESS": "privacy@productionflow.example"}
	tests := []struct {
		name string
		env  map[string]string
		ok   bool
	}{
		{"neither", map[string]string{}, false},
		{"both", map[string]string{"SUBMISSION_KEY_SECRET": "a", "SUBMISSION_KEY_PARAMETER": "/b"}, false},
		{"a Secrets Manager secret", map[string]string{"SUBMISSION_KEY_SECRET": "privacy-desk/submission-key"}, true},
		{"an SSM parameter", map[string]string{"SUBMISSION_KEY_PARAMETER": "/privacy-desk/submission-key"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for _, m := range []map[string]string{base, tt.env} {
				for k, v := range m {
					env[k] = v
				}
			}
			_, err := web.LoadConfig(func(k string) string { return env[k] })
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "SUBMISSION_KEY_SECRET and SUBMISSION_KEY_PARAMETER")
		})
	}
}

func TestSubmissionIDsFromTheKeyStore(t *testing.T) {
	const key = "0123456789abcdefghijklmnopqrstuvwxyzABCDEF"
	const short = "sixteen-byte-key"
	store := func() *secret.Store {
		f := fakeSecrets{"privacy-desk/submission-key": key, "/privacy-desk/submission-key": key, "short": short}
		return &secret.Store{SecretsManager: f, SSM: f}
	}
	t.Run("both sources give the same signer", func(t *testing.T) {
		fromSM, err := web.SubmissionIDs(context.Background(), web.SubmissionKey{Secret: "privacy-desk/submission-key"}, store())
		require.NoError(t, err)
		fromSSM, err := web.SubmissionIDs(context.Background(), web.SubmissionKey{Parameter: "/privacy-desk/submission-key"}, store())
		require.NoError(t, err)
		id, err := fromSM.Mint()
		require.NoError(t, err)
		assert.True(t, fromSSM.Issued(id), "every instance with the key knows the others' IDs")
	})
	t.Run("a missing key is refused", func(t *testing.T) {
		_, err := web.SubmissionIDs(context.Background(), web.SubmissionKey{Secret: "nope"}, store())
		require.Error(t, err)
		assert.ErrorIs(t, err, secret.ErrMissing)
		assert.Contains(t, err.Error(), "submission key")
	})
	t.Run("a short key stops it, and the error never carries the key", func(t *testing.T) {
		_, err := web.SubmissionIDs(context.Background(), web.SubmissionKey{Secret: "short"}, store())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "shorter than 32 bytes")
		assert.NotContains(t, err.Error(), short)
	})
}
