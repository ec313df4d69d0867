package secret_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/secret"
	"github.com/productionflow/privacy-desk/shared/system"
)

type fakeSM struct {
	calls  int
	values map[string]string
}

var _ secret.SecretsManagerAPI = (*fakeSM)(nil)

func (f *fakeSM) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.calls++
	v, ok := f.values[*in.SecretId]
	if !ok {
		return nil, errors.New("ResourceNotFoundException")
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(v)}, nil
}

type fakeSSM struct {
	calls      int
	decryption bool
	values     map[string]string
}

var _ secret.SSMAPI = (*fakeSSM)(nil)

func (f *fakeSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	f.calls++
	f.decryption = aws.ToBool(in.WithDecryption)
	v, ok := f.values[*in.Name]
	if !ok {
		return nil, errors.New("ParameterNotFound")
	}
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Value: aws.String(v)}}, nil
}

func TestStoreFetchesOncePerColdStart(t *testing.T) {
	sm := &fakeSM{values: map[string]string{"stripe": "sk_test_SECRET"}}
	ps := &fakeSSM{values: map[string]string{"/ga/token": "ya29.SECRET"}}
	s := &secret.Store{SecretsManager: sm, SSM: ps}
	ctx := context.Background()

	for range 3 {
		v, err := s.Get(ctx, system.SecretsManager, "stripe")
		require.NoError(t, err)
		assert.Equal(t, "sk_test_SECRET", v)
		v, err = s.Get(ctx, system.SSM, "/ga/token")
		require.NoError(t, err)
		assert.Equal(t, "ya29.SECRET", v)
	}
	assert.Equal(t, 1, sm.calls)
	assert.Equal(t, 1, ps.calls)
	assert.True(t, ps.decryption, "SecureString parameters are read with decryption")
}

func TestStoreErrors(t *testing.T) {
	s := &secret.Store{SecretsManager: &fakeSM{}}
	ctx := context.Background()
	_, err := s.Get(ctx, system.SecretsManager, "missing")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing")
	_, err = s.Get(ctx, system.SSM, "/x")
	assert.ErrorIs(t, err, secret.ErrNoClient)
	_, err = s.Get(ctx, "vault", "x")
	assert.Error(t, err)
}
