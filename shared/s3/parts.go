package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/productionflow/privacy-desk/shared/request"
)

// MaxPart is the largest part Get reads.
const MaxPart = 64 << 20

// PartsPrefix is where Parts are kept by default: a prefix of their own,
// apart from the packages', so that the bucket's lifecycle rules keep
// them as long as a request may stay open (template.yaml: 100 days) and
// the download page, which serves only the packages' prefix, never serves
// one.
const PartsPrefix = "parts/"

// Parts keeps each system's export, a JSON document, in the export bucket,
// under SSE-KMS, at <Prefix><requestId>/<name>.json, from the step that
// gathers it until the answer that packages it deletes it.
type Parts struct {
	API      PartsAPI
	Bucket   string
	KMSKeyID string
	Prefix   string // e.g. PartsPrefix
}

func (p *Parts) key(requestID, name string) (string, error) {
	if !request.SafeKey(requestID) || !request.SafeKey(name) {
		return "", errors.New("s3: export part: request ID or system cannot name an object")
	}
	return fmt.Sprintf("%s%s/%s.json", p.Prefix, requestID, name), nil
}

// Put writes one system's export, replacing an earlier attempt's.
func (p *Parts) Put(ctx context.Context, requestID, name string, body []byte) error {
	key, err := p.key(requestID, name)
	if err != nil {
		return err
	}
	_, err = p.API.PutObject(ctx, &awss3.PutObjectInput{
		Bucket:               aws.String(p.Bucket),
		Key:                  aws.String(key),
		Body:                 bytes.NewReader(body),
		ContentLength:        aws.Int64(int64(len(body))),
		ContentType:          aws.String("application/json"),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms,
		SSEKMSKeyId:          aws.String(p.KMSKeyID),
		BucketKeyEnabled:     aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("s3: put export part %s of %s: %w", name, requestID, err)
	}
	return nil
}

// Get reads one system's export, up to MaxPart bytes; one not kept (never
// written, or expired) is request.ErrNotFound.
func (p *Parts) Get(ctx context.Context, requestID, name string) ([]byte, error) {
	key, err := p.key(requestID, name)
	if err != nil {
		return nil, err
	}
	obj, err := p.API.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(p.Bucket), Key: aws.String(key)})
	var missing *types.NoSuchKey
	if errors.As(err, &missing) {
		// Never written, or deleted by the bucket's lifecycle rule.
		return nil, fmt.Errorf("s3: get export part %s of %s: %w (%w)", name, requestID, request.ErrNotFound, err)
	}
	if err != nil {
		return nil, fmt.Errorf("s3: get export part %s of %s: %w", name, requestID, err)
	}
	defer obj.Body.Close()
	body, err := io.ReadAll(io.LimitReader(obj.Body, MaxPart))
	if err != nil {
		return nil, fmt.Errorf("s3: read export part %s of %s: %w", name, requestID, err)
	}
	return body, nil
}

// Kept reports whether one system's export is kept (written, and neither
// deleted nor expired), without reading it.
func (p *Parts) Kept(ctx context.Context, requestID, name string) (bool, error) {
	key, err := p.key(requestID, name)
	if err != nil {
		return false, err
	}
	_, err = p.API.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(p.Bucket), Key: aws.String(key)})
	var missing *types.NotFound
	if errors.As(err, &missing) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("s3: look up export part %s of %s: %w", name, requestID, err)
	}
	return true, nil
}

// Delete deletes one system's export; one not kept is no error.
func (p *Parts) Delete(ctx context.Context, requestID, name string) error {
	key, err := p.key(requestID, name)
	if err != nil {
		return err
	}
	if _, err := p.API.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(p.Bucket), Key: aws.String(key)}); err != nil {
		return fmt.Errorf("s3: delete export part %s of %s: %w", name, requestID, err)
	}
	return nil
}
