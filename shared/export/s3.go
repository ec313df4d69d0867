package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/productionflow/privacy-desk/shared/system"
)

// PutAPI is the S3 call that writes the package; *s3.Client satisfies it.
type PutAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// PresignAPI signs the short-lived link Downloads sends the browser to;
// *s3.PresignClient satisfies it.
type PresignAPI interface {
	PresignGetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

// Store writes packages to S3 under SSE-KMS. It signs no links: the
// requester's link is the desk's download page (Links, Downloads).
type Store struct {
	S3 PutAPI
	// Presign is not used by Store.
	//
	// Deprecated: links are signed by Downloads when the requester presses
	// Download; drop this field from the fulfil wiring.
	Presign  PresignAPI
	Bucket   string
	KMSKeyID string // key ID or ARN of the customer managed key
	Prefix   string // e.g. "exports/"
	Now      func() time.Time
}

// Link names a published package (Bucket, Key) and, from Links.Offer, the
// requester's download link (URL, ExpiresAt).
type Link struct {
	Bucket    string    `json:"bucket"`
	Key       string    `json:"key"`
	URL       string    `json:"-"` // a bearer link: never logged or stored in the audit trail
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

var safeID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// Publish writes the zip and returns where it is.
func (s *Store) Publish(ctx context.Context, requestID string, zip []byte) (Link, error) {
	if !safeID.MatchString(requestID) {
		return Link{}, fmt.Errorf("export: request ID %q cannot name an object", requestID)
	}
	if s.Bucket == "" || s.KMSKeyID == "" {
		return Link{}, errors.New("export: bucket and KMS key are required")
	}
	now := s.Now().UTC()
	key := fmt.Sprintf("%s%s/access-%s.zip", s.Prefix, requestID, now.Format("20060102T150405Z"))
	_, err := s.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:               aws.String(s.Bucket),
		Key:                  aws.String(key),
		Body:                 bytes.NewReader(zip),
		ContentLength:        aws.Int64(int64(len(zip))),
		ContentType:          aws.String("application/zip"),
		ContentDisposition:   aws.String(`attachment; filename="your-data-` + requestID + `.zip"`),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms,
		SSEKMSKeyId:          aws.String(s.KMSKeyID),
		BucketKeyEnabled:     aws.Bool(true),
	})
	if err != nil {
		return Link{}, fmt.Errorf("export: put package for %s: %w", requestID, err)
	}
	return Link{Bucket: s.Bucket, Key: key}, nil
}

// NewPresignClient returns a presign client whose links are signed at now()
// rather than the SDK's own clock, so the expiry is testable. Credentials
// are the client's current ones, taken at each signing.
func NewPresignClient(c *s3.Client, now func() time.Time) *s3.PresignClient {
	return s3.NewPresignClient(c, func(o *s3.PresignOptions) {
		o.Presigner = clockSigner{signer: v4.NewSigner(), now: now}
	})
}

var _ s3.HTTPPresignerV4 = clockSigner{}

// clockSigner signs with an injected clock.
type clockSigner struct {
	signer *v4.Signer
	now    func() time.Time
}

func (c clockSigner) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return c.signer.PresignHTTP(ctx, creds, r, payloadHash, service, region, c.now().UTC(), optFns...)
}

// Package builds, zips and publishes the access package in one step.
func (s *Store) Package(ctx context.Context, reg *system.Registry, p Package) (Link, error) {
	files, err := Build(reg, p)
	if err != nil {
		return Link{}, err
	}
	zipped, err := files.Zip(p.GeneratedAt)
	if err != nil {
		return Link{}, err
	}
	return s.Publish(ctx, p.RequestID, zipped)
}
