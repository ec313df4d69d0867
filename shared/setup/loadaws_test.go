package setup_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/setup"
)

// A function's wiring that asks for the AWS configuration twice shares
// one (one set of cached credentials); another AWS_ environment loads its
// own.
func TestLoadAWSOncePerEnvironment(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDLOADONCE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "load-once")
	ctx := context.Background()
	first, err := setup.LoadAWS(ctx)
	require.NoError(t, err)
	again, err := setup.LoadAWS(ctx)
	require.NoError(t, err)
	assert.Equal(t, "us-east-1", again.Region)
	assert.Same(t, first.Credentials, again.Credentials, "the second ask gets the first configuration")

	t.Setenv("AWS_REGION", "eu-west-1")
	other, err := setup.LoadAWS(ctx)
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", other.Region)
	assert.NotSame(t, first.Credentials, other.Credentials)
}
