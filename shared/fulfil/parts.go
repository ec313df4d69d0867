package fulfil

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/productionflow/privacy-desk/shared/export"
)

// PartsAPI is the S3 calls the part store makes; *s3.Client satisfies it.
type PartsAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// S3Parts keeps each system's export as JSON in the export bucket, under
// SSE-KMS, at <Prefix><requestId>/parts/<system>.json, next to the package
// the answer builds from them. The bucket's lifecycle rule should expire
// both (the package link lives 7 days).
type S3Parts struct {
	API      PartsAPI
	Bucket   string
	KMSKeyID string
	Prefix   string // e.g. "exports/"
}

var partName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

func (p *S3Parts) key(requestID, sys string) (string, error) {
	if !partName.MatchString(requestID) || !partName.MatchString(sys) {
		return "", errors.New("export part: request ID or system cannot name an object")
	}
	return fmt.Sprintf("%s%s/parts/%s.json", p.Prefix, requestID, sys), nil
}

// Put writes one system's export, replacing an earlier attempt's.
func (p *S3Parts) Put(ctx context.Context, requestID string, d export.SystemData) error {
	key, err := p.key(requestID, d.System)
	if err != nil {
		return err
	}
	body, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode export part %s: %w", d.System, err)
	}
	_, err = p.API.PutObject(ctx, &s3.PutObjectInput{
		Bucket:               aws.String(p.Bucket),
		Key:                  aws.String(key),
		Body:                 bytes.NewReader(body),
		ContentLength:        aws.Int64(int64(len(body))),
		ContentType:          aws.String("application/json"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms,
		SSEKMSKeyId:          aws.String(p.KMSKeyID),
		BucketKeyEnabled:     aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("put export part %s of %s: %w", d.System, requestID, err)
	}
	return nil
}

// Get reads one system's export.
func (p *S3Parts) Get(ctx context.Context, requestID, sys string) (export.SystemData, error) {
	key, err := p.key(requestID, sys)
	if err != nil {
		return export.SystemData{}, err
	}
	obj, err := p.API.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(p.Bucket), Key: aws.String(key)})
	if err != nil {
		return export.SystemData{}, fmt.Errorf("get export part %s of %s: %w", sys, requestID, err)
	}
	defer obj.Body.Close()
	body, err := io.ReadAll(io.LimitReader(obj.Body, 64<<20))
	if err != nil {
		return export.SystemData{}, fmt.Errorf("read export part %s of %s: %w", sys, requestID, err)
	}
	var d export.SystemData
	if err := json.Unmarshal(body, &d); err != nil {
		return export.SystemData{}, fmt.Errorf("decode export part %s of %s: %w", sys, requestID, err)
	}
	return d, nil
}

// MemParts keeps parts in memory: for tests and the local stack.
type MemParts struct {
	mu    sync.Mutex
	parts map[string]export.SystemData
}

var (
	_ Parts = (*S3Parts)(nil)
	_ Parts = (*MemParts)(nil)
)

// Put stores d.
func (m *MemParts) Put(_ context.Context, requestID string, d export.SystemData) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.parts == nil {
		m.parts = map[string]export.SystemData{}
	}
	m.parts[requestID+"/"+d.System] = d
	return nil
}

// Get returns the part, or an error when there is none.
func (m *MemParts) Get(_ context.Context, requestID, sys string) (export.SystemData, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.parts[requestID+"/"+sys]
	if !ok {
		return export.SystemData{}, fmt.Errorf("no export part %s of %s", sys, requestID)
	}
	return d, nil
}
