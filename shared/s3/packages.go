package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// PresignAPI signs a GET of an object; *awss3.PresignClient satisfies it.
type PresignAPI interface {
	PresignGetObject(ctx context.Context, in *awss3.GetObjectInput, optFns ...func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

var _ PresignAPI = (*awss3.PresignClient)(nil)

// Packages keeps access packages in the export bucket: Put writes one under
// SSE-KMS (the answer), SignGet signs the link that fetches one (the
// download page, when the requester presses Download). Each use needs only
// its own fields: API and KMSKeyID to write, Presign to sign.
type Packages struct {
	API      PutAPI
	Presign  PresignAPI // from NewPresignClient: signed at the desk's clock with the current credentials
	Bucket   string
	KMSKeyID string // key ID or ARN of the customer managed key
}

// Put writes the zip at key, to be downloaded as filename, and returns the
// bucket it is in. Nothing is written without the desk's KMS key.
func (p *Packages) Put(ctx context.Context, key, filename string, zip []byte) (string, error) {
	if p.API == nil || p.Bucket == "" || p.KMSKeyID == "" {
		return "", errors.New("s3: access package: bucket and KMS key are required")
	}
	if strings.ContainsAny(filename, "\"\\\r\n") {
		return "", errors.New("s3: access package: the file name cannot be quoted")
	}
	_, err := p.API.PutObject(ctx, &awss3.PutObjectInput{
		Bucket:               aws.String(p.Bucket),
		Key:                  aws.String(key),
		Body:                 bytes.NewReader(zip),
		ContentLength:        aws.Int64(int64(len(zip))),
		ContentType:          aws.String("application/zip"),
		ContentDisposition:   aws.String(`attachment; filename="` + filename + `"`),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms,
		SSEKMSKeyId:          aws.String(p.KMSKeyID),
		BucketKeyEnabled:     aws.Bool(true),
	})
	if err != nil {
		return "", fmt.Errorf("s3: put access package %s: %w", key, err)
	}
	return p.Bucket, nil
}

// SignGet signs a GET of the package at key, valid for ttl from the
// signing clock's now.
func (p *Packages) SignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if p.Presign == nil || p.Bucket == "" {
		return "", errors.New("s3: access package links: bucket and signer are required")
	}
	req, err := p.Presign.PresignGetObject(ctx, &awss3.GetObjectInput{
		Bucket: aws.String(p.Bucket), Key: aws.String(key),
	}, awss3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("s3: presign download: %w", err)
	}
	return req.URL, nil
}

// NewPresignClient returns a presign client whose links are signed at now()
// rather than the SDK's own clock, so the expiry is testable. Credentials
// are the client's current ones, taken at each signing: a link signed on
// Lambda dies with the function role's temporary credentials, which is why
// links are signed when the requester presses Download, never mailed.
func NewPresignClient(c *awss3.Client, now func() time.Time) *awss3.PresignClient {
	return awss3.NewPresignClient(c, func(o *awss3.PresignOptions) {
		o.Presigner = clockSigner{signer: v4.NewSigner(), now: now}
	})
}

var _ awss3.HTTPPresignerV4 = clockSigner{}

// clockSigner signs with an injected clock.
type clockSigner struct {
	signer *v4.Signer
	now    func() time.Time
}

func (c clockSigner) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return c.signer.PresignHTTP(ctx, creds, r, payloadHash, service, region, c.now().UTC(), optFns...)
}
