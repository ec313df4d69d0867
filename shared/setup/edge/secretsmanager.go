package edge

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SecretsManager is the Reader of awsCfg's Secrets Manager, holding only
// GetSecretValue (a narrow client, as setup.Table): for a function that
// reads the origin secret and no other.
func SecretsManager(awsCfg aws.Config) Reader {
	return FromSecretsManager(secretsmanager.NewFromConfig(awsCfg).GetSecretValue)
}
