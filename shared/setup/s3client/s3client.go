// Package s3client holds the desk's narrow S3 clients, each with only the
// calls its adapter makes, held as method values (see setup.Table for
// why).
package s3client

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/productionflow/privacy-desk/shared/s3"
)

var (
	_ s3.PartsAPI   = Objects{}
	_ s3.PresignAPI = Presigner{}
)

// Objects reads, writes, looks up and deletes objects: the s3 adapter's
// PartsAPI (and its ObjectAPI, GetAPI and PutAPI).
type Objects struct {
	get     func(context.Context, *awss3.GetObjectInput, ...func(*awss3.Options)) (*awss3.GetObjectOutput, error)
	put     func(context.Context, *awss3.PutObjectInput, ...func(*awss3.Options)) (*awss3.PutObjectOutput, error)
	head    func(context.Context, *awss3.HeadObjectInput, ...func(*awss3.Options)) (*awss3.HeadObjectOutput, error)
	del     func(context.Context, *awss3.DeleteObjectInput, ...func(*awss3.Options)) (*awss3.DeleteObjectOutput, error)
	presign func(now func() time.Time) Presigner
}

// New is the S3 client of awsCfg; pathStyle addresses buckets by path (a
// local stand-in reached by a host name).
func New(awsCfg aws.Config, pathStyle bool) Objects {
	c := awss3.NewFromConfig(awsCfg, func(o *awss3.Options) { o.UsePathStyle = pathStyle })
	return Objects{get: c.GetObject, put: c.PutObject, head: c.HeadObject, del: c.DeleteObject, presign: func(now func() time.Time) Presigner {
		return Presigner{s3.NewPresignClient(c, now).PresignGetObject}
	}}
}

func (o Objects) GetObject(ctx context.Context, in *awss3.GetObjectInput, opts ...func(*awss3.Options)) (*awss3.GetObjectOutput, error) {
	return o.get(ctx, in, opts...)
}

func (o Objects) PutObject(ctx context.Context, in *awss3.PutObjectInput, opts ...func(*awss3.Options)) (*awss3.PutObjectOutput, error) {
	return o.put(ctx, in, opts...)
}

func (o Objects) HeadObject(ctx context.Context, in *awss3.HeadObjectInput, opts ...func(*awss3.Options)) (*awss3.HeadObjectOutput, error) {
	return o.head(ctx, in, opts...)
}

func (o Objects) DeleteObject(ctx context.Context, in *awss3.DeleteObjectInput, opts ...func(*awss3.Options)) (*awss3.DeleteObjectOutput, error) {
	return o.del(ctx, in, opts...)
}

// Presign signs download links with o's client at the clock now
// (s3.NewPresignClient).
func (o Objects) Presign(now func() time.Time) Presigner { return o.presign(now) }

// Presigner signs download links: the s3 adapter's PresignAPI.
type Presigner struct {
	get func(context.Context, *awss3.GetObjectInput, ...func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

func (p Presigner) PresignGetObject(ctx context.Context, in *awss3.GetObjectInput, opts ...func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	return p.get(ctx, in, opts...)
}
