package secret_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/secret"
	"github.com/productionflow/privacy-desk/shared/system"
)

type fakeSM struct {
	calls  int
	values map[string]string
	err    error // returned by every call when set
	binary bool  // answer with a binary secret
}

var _ secret.SecretsManagerAPI = (*fakeSM)(nil)

func (f *fakeSM) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	if f.binary {
		return &secretsmanager.GetSecretValueOutput{SecretBinary: []byte{1}}, nil
	}
	v, ok := f.values[*in.SecretId]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Secrets Manager can't find the specified secret."}
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(v)}, nil
}

type fakeSSM struct {
	calls      int
	decryption bool
	values     map[string]string
	err        error // returned by every call when set
}

var _ secret.SSMAPI = (*fakeSSM)(nil)

func (f *fakeSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	f.calls++
	f.decryption = aws.ToBool(in.WithDecryption)
	if f.err != nil {
		return nil, f.err
	}
	v, ok := f.values[*in.Name]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ParameterNotFound"}
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
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	cases := []struct {
		name      string
		store     *secret.Store
		source    system.SecretSource
		secret    string
		permanent bool // errors.Is(err, secret.ErrMissing): no retry can help
	}{
		{"secret does not exist", &secret.Store{SecretsManager: &fakeSM{}}, system.SecretsManager, "missing", true},
		{"parameter does not exist", &secret.Store{SSM: &fakeSSM{}}, system.SSM, "/missing", true},
		{"no client for the source", &secret.Store{SecretsManager: &fakeSM{}}, system.SSM, "/x", true},
		{"unknown source", &secret.Store{}, "vault", "x", true},
		{"binary secret", &secret.Store{SecretsManager: &fakeSM{binary: true}}, system.SecretsManager, "bin", true},
		{"Secrets Manager throttled", &secret.Store{SecretsManager: &fakeSM{err: throttled}}, system.SecretsManager, "stripe", false},
		{"SSM throttled", &secret.Store{SSM: &fakeSSM{err: throttled}}, system.SSM, "/ga/token", false},
		{"network error", &secret.Store{SSM: &fakeSSM{err: errors.New("dial tcp: i/o timeout")}}, system.SSM, "/ga/token", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.store.Get(context.Background(), tc.source, tc.secret)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.secret, "the error names the secret")
			assert.Equal(t, tc.permanent, errors.Is(err, secret.ErrMissing), err.Error())
		})
	}
	_, err := (&secret.Store{}).Get(context.Background(), system.SSM, "/x")
	assert.ErrorIs(t, err, secret.ErrNoClient)
}

func TestFailureIsNotCached(t *testing.T) {
	sm := &fakeSM{err: &smithy.GenericAPIError{Code: "ThrottlingException"}, values: map[string]string{"stripe": "sk_test_SECRET"}}
	s := &secret.Store{SecretsManager: sm}
	_, err := s.Get(context.Background(), system.SecretsManager, "stripe")
	require.Error(t, err)
	sm.err = nil
	v, err := s.Get(context.Background(), system.SecretsManager, "stripe")
	require.NoError(t, err)
	assert.Equal(t, "sk_test_SECRET", v)
}
