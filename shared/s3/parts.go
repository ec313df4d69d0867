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

// Parts keeps each system's export, a JSON document, in the export bucket,
// under SSE-KMS, at <Prefix><requestId>/parts/<name>.json, next to the
// package the answer builds from them. The bucket's lifecycle rule should
// expire both (the package link lives 7 days).
type Parts struct {
	API      ObjectAPI
	Bucket   string
	KMSKeyID string
	Prefix   string // e.g. "exports/"
}

func (p *Parts) key(requestID, name string) (string, error) {
	if !request.SafeKey(requestID) || !request.SafeKey(name) {
		return "", errors.New("s3: export part: request ID or system cannot name an object")
	}
	return fmt.Sprintf("%s%s/parts/%s.json", p.Prefix, requestID, name), nil
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

// Get reads one system's export, up to MaxPart bytes.
func (p *Parts) Get(ctx context.Context, requestID, name string) ([]byte, error) {
	key, err := p.key(requestID, name)
	if err != nil {
		return nil, err
	}
	obj, err := p.API.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(p.Bucket), Key: aws.String(key)})
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
