// Package secretclient holds the desk's narrow Secrets Manager and SSM
// clients, each with only the call the secret adapter makes, held as a
// method value (see setup.Table for why).
package secretclient

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/productionflow/privacy-desk/shared/secret"
)

var (
	_ secret.SecretsManagerAPI = SecretsManager{}
	_ secret.SSMAPI            = SSM{}
)

// SecretsManager reads secrets: secret.SecretsManagerAPI.
type SecretsManager struct {
	get func(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// NewSecretsManager is the Secrets Manager client of awsCfg.
func NewSecretsManager(awsCfg aws.Config) SecretsManager {
	return SecretsManager{secretsmanager.NewFromConfig(awsCfg).GetSecretValue}
}

func (s SecretsManager) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return s.get(ctx, in, opts...)
}

// SSM reads parameters: secret.SSMAPI.
type SSM struct {
	get func(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// NewSSM is the SSM client of awsCfg.
func NewSSM(awsCfg aws.Config) SSM { return SSM{ssm.NewFromConfig(awsCfg).GetParameter} }

func (s SSM) GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	return s.get(ctx, in, opts...)
}
