package stack_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/stack"
)

// TestStart starts the services, finds the desk's table and buckets where
// the environment points, and checks Stop ends the stand-ins.
func TestStart(t *testing.T) {
	ctx := context.Background()
	s, err := stack.Start(ctx, stack.Options{})
	if errors.Is(err, standin.ErrUnavailable) && !standin.Required() {
		t.Skipf("skipping: %v (make test provides the stand-ins)", err)
	}
	require.NoError(t, err)
	defer s.Stop()

	env := s.Env()
	for k, v := range standin.DeskEnv() {
		assert.Equal(t, v, env[k], k)
	}
	assert.Equal(t, s.DynamoDB.URL, env["AWS_ENDPOINT_URL_DYNAMODB"])
	assert.Equal(t, s.SES.URL, env["AWS_ENDPOINT_URL_SESV2"])
	assert.Equal(t, s.S3, env["AWS_ENDPOINT_URL_S3"])
	assert.Equal(t, s.Systems.SecretsURL(), env["AWS_ENDPOINT_URL_SECRETS_MANAGER"])
	assert.Equal(t, s.Systems.Rebase(), env["SYSTEMS_REBASE"])

	db := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(env["AWS_ENDPOINT_URL_DYNAMODB"]) })
	_, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(env["TABLE_NAME"])})
	require.NoError(t, err, "the table is there")
	objects := s3.NewFromConfig(standin.Config(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(env["AWS_ENDPOINT_URL_S3"])
		o.UsePathStyle = true
	})
	for _, bucket := range []string{env["EXPORT_BUCKET"], env["INBOUND_BUCKET"]} {
		_, err := objects.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
		assert.NoError(t, err, "bucket %s is there", bucket)
	}

	s.Stop()
	for _, url := range []string{s.DynamoDB.URL, s.SES.URL, s.S3} {
		_, err := http.Get(url)
		assert.Error(t, err, "%s still answers after Stop", url)
	}
}
