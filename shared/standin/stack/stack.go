// Package stack starts the services the desk runs against on this machine,
// all stand-ins: dynalite (DynamoDB), aws-ses-v2-local (SES v2), gofakes3
// (S3, in process), cognito-local (the team's user pool) and the
// downstream systems with their secrets. It creates the desk's table and
// buckets, as the template does on AWS, and gives the environment that
// points the desk's functions at them. The
// local stack (infra/local) and the cost report (infra/cost) start the same
// services through it.
package stack

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/downstream"
	"github.com/productionflow/privacy-desk/shared/system"
)

// Options tune Start.
type Options struct {
	// DynamoPort, SESPort and CognitoPort are the stand-ins' ports; 0
	// picks free ones.
	DynamoPort, SESPort, CognitoPort int
	// DynamoDataDir keeps dynalite's data on disk in this folder; empty
	// keeps it in memory.
	DynamoDataDir string
	// CognitoDataDir keeps cognito-local's pools in this folder; empty
	// keeps them in a temporary one.
	CognitoDataDir string
	// Root is the repository root; empty finds it from the working directory.
	Root string
}

// Services are the running stand-ins.
type Services struct {
	DynamoDB *standin.Server
	SES      *standin.Server
	Cognito  *standin.Cognito
	S3       string // base URL of the in-process S3
	Systems  *downstream.Systems

	s3 *http.Server
}

// Start starts every stand-in, then creates the table (TABLE_NAME) and the
// buckets (EXPORT_BUCKET, INBOUND_BUCKET) of standin.DeskEnv. On error it
// stops what it started.
func Start(ctx context.Context, opt Options) (_ *Services, err error) {
	s := &Services{}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	if s.DynamoDB, err = standin.StartDynalite(ctx, standin.Options{Port: opt.DynamoPort, DataDir: opt.DynamoDataDir, Root: opt.Root}); err != nil {
		return nil, err
	}
	if s.SES, err = standin.StartSES(ctx, standin.Options{Port: opt.SESPort, Root: opt.Root}); err != nil {
		return nil, err
	}
	if s.Cognito, err = standin.StartCognito(ctx, standin.Options{Port: opt.CognitoPort, DataDir: opt.CognitoDataDir, Root: opt.Root}); err != nil {
		return nil, err
	}
	// gofakes3 keeps objects in memory: raw mail is read once, when it
	// arrives, and access packages are fetched while the stack runs. Its
	// endpoint is an IP address, so the SDK uses path-style addresses.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for S3: %w", err)
	}
	s.s3 = &http.Server{Handler: gofakes3.New(s3mem.New()).Server(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.s3.Serve(l) }()
	s.S3 = "http://" + l.Addr().String()
	if s.Systems, err = downstream.Start(ctx); err != nil {
		return nil, err
	}
	// The key that signs the form's submission IDs, made afresh at each
	// start as the template makes one on AWS (a form served before a
	// restart is refused, and comes back to be sent again).
	s.Systems.PutSecret(downstream.Secret{Source: system.SecretsManager, Name: standin.SubmissionKeySecret, Value: rand.Text() + rand.Text()})

	env := standin.DeskEnv()
	db := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(s.DynamoDB.URL) })
	if err := dynamo.EnsureTable(ctx, db, env["TABLE_NAME"]); err != nil {
		return nil, err
	}
	for _, bucket := range []string{env["EXPORT_BUCKET"], env["INBOUND_BUCKET"]} {
		if err := s.createBucket(ctx, bucket); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Endpoints are the stand-ins' URLs by AWS service, as in
// AWS_ENDPOINT_URL_<SERVICE>.
func (s *Services) Endpoints() map[string]string {
	return map[string]string{
		"DYNAMODB":        s.DynamoDB.URL,
		"SESV2":           s.SES.URL,
		"S3":              s.S3,
		"SECRETS_MANAGER": s.Systems.SecretsURL(),
		"SSM":             s.Systems.SecretsURL(),
		// The SDK's name for the Cognito user pools API (cognito-idp).
		"COGNITO_IDENTITY_PROVIDER": s.Cognito.URL,
	}
}

// Env is the environment of the desk's functions against these services:
// the SDK's region, credentials and endpoints, standin.DeskEnv, and the
// registry's rebasing onto the downstream stand-ins. The workflows' ARNs
// and the web form's address (standin.SiteEnv) are the caller's to add. A
// new map on each call.
func (s *Services) Env() map[string]string {
	env := standin.AWSEnv(s.Endpoints())
	for _, group := range []map[string]string{standin.DeskEnv(), s.Systems.Env()} {
		for k, v := range group {
			env[k] = v
		}
	}
	return env
}

// Stop stops every stand-in that started.
func (s *Services) Stop() {
	if s.Systems != nil {
		s.Systems.Close()
	}
	if s.s3 != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.s3.Shutdown(ctx)
	}
	if s.SES != nil {
		_ = s.SES.Stop()
	}
	if s.Cognito != nil {
		s.Cognito.Stop()
	}
	if s.DynamoDB != nil {
		_ = s.DynamoDB.Stop()
	}
}

// createBucket makes a bucket in the in-process S3 unless it is there.
func (s *Services) createBucket(ctx context.Context, bucket string) error {
	client := s3.NewFromConfig(standin.Config(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(s.S3)
		o.UsePathStyle = true
	})
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	var owned interface{ ErrorCode() string }
	if err != nil && (!errors.As(err, &owned) || owned.ErrorCode() != "BucketAlreadyOwnedByYou") {
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	return nil
}
