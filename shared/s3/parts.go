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
	// LegacyPrefix, when set, is where parts were kept before they had a
	// prefix of their own: <LegacyPrefix><requestId>/parts/<name>.json
	// (the packages' prefix). Get, Kept and Delete look there too, for
	// the parts of requests whose steps ran before; the bucket's rule for
	// that prefix deletes them 8 days after they were made, after which
	// this can go.
	LegacyPrefix string
}

// keys are where a part is kept: its key, then its legacy key if any.
func (p *Parts) keys(requestID, name string) ([]string, error) {
	if !request.SafeKey(requestID) || !request.SafeKey(name) {
		return nil, errors.New("s3: export part: request ID or system cannot name an object")
	}
	keys := []string{fmt.Sprintf("%s%s/%s.json", p.Prefix, requestID, name)}
	if p.LegacyPrefix != "" {
		keys = append(keys, fmt.Sprintf("%s%s/parts/%s.json", p.LegacyPrefix, requestID, name))
	}
	return keys, nil
}

func (p *Parts) key(requestID, name string) (string, error) {
	keys, err := p.keys(requestID, name)
	if err != nil {
		return "", err
	}
	return keys[0], nil
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
	keys, err := p.keys(requestID, name)
	if err != nil {
		return nil, err
	}
	for _, key := range keys {
		obj, err := p.API.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(p.Bucket), Key: aws.String(key)})
		var missing *types.NoSuchKey
		if errors.As(err, &missing) {
			continue // never written, or deleted by the bucket's lifecycle rule
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
	return nil, fmt.Errorf("s3: get export part %s of %s: %w", name, requestID, request.ErrNotFound)
}

// Kept reports whether one system's export is kept (written, and neither
// deleted nor expired), without reading it.
func (p *Parts) Kept(ctx context.Context, requestID, name string) (bool, error) {
	keys, err := p.keys(requestID, name)
	if err != nil {
		return false, err
	}
	for _, key := range keys {
		_, err = p.API.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(p.Bucket), Key: aws.String(key)})
		var missing *types.NotFound
		if errors.As(err, &missing) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("s3: look up export part %s of %s: %w", name, requestID, err)
		}
		return true, nil
	}
	return false, nil
}

// Delete deletes one system's export (wherever it is kept); one not kept
// is no error.
func (p *Parts) Delete(ctx context.Context, requestID, name string) error {
	keys, err := p.keys(requestID, name)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if _, err := p.API.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(p.Bucket), Key: aws.String(key)}); err != nil {
			return fmt.Errorf("s3: delete export part %s of %s: %w", name, requestID, err)
		}
	}
	return nil
}
