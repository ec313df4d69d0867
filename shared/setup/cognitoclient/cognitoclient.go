// Package cognitoclient holds the console's narrow Cognito client, with
// only the call it makes, held as a method value (see setup.Table for
// why).
package cognitoclient

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/productionflow/privacy-desk/shared/cognito"
)

var _ cognito.ClientsAPI = Clients{}

// Clients lists a user pool's app clients: cognito.ClientsAPI.
type Clients struct {
	list func(context.Context, *cip.ListUserPoolClientsInput, ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error)
}

// New is the Cognito client of awsCfg.
func New(awsCfg aws.Config) Clients { return Clients{cip.NewFromConfig(awsCfg).ListUserPoolClients} }

func (c Clients) ListUserPoolClients(ctx context.Context, in *cip.ListUserPoolClientsInput, opts ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error) {
	return c.list(ctx, in, opts...)
}
