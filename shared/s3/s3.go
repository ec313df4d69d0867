// Package s3 is the desk's Amazon S3 adapter, the one package that speaks
// the aws-sdk-go-v2 s3 client:
//
//   - Parts keeps each system's export between the step that gathered it
//     and the answer that packages it (fulfil.PartStore);
//   - Packages writes access packages and signs the short-lived link that
//     fetches one when the requester presses Download (export.PackageStore,
//     export.Signer);
//   - RawMail opens the raw message SES's receipt rule stored for the
//     privacy address (inbound.RawMail).
//
// What it writes is encrypted with the desk's KMS key (SSE-KMS with an S3
// bucket key). Object keys are made of request IDs, system names and
// message IDs only: no personal data.
package s3

import (
	"context"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
)

// PutAPI is the S3 call that writes an object; *awss3.Client satisfies it.
type PutAPI interface {
	PutObject(ctx context.Context, in *awss3.PutObjectInput, optFns ...func(*awss3.Options)) (*awss3.PutObjectOutput, error)
}

// GetAPI is the S3 call that reads an object; *awss3.Client satisfies it.
type GetAPI interface {
	GetObject(ctx context.Context, in *awss3.GetObjectInput, optFns ...func(*awss3.Options)) (*awss3.GetObjectOutput, error)
}

// ObjectAPI writes and reads objects; *awss3.Client satisfies it.
type ObjectAPI interface {
	PutAPI
	GetAPI
}

// PartsAPI is what Parts calls: it also asks whether an object is kept,
// and deletes one; *awss3.Client satisfies it.
type PartsAPI interface {
	ObjectAPI
	HeadObject(ctx context.Context, in *awss3.HeadObjectInput, optFns ...func(*awss3.Options)) (*awss3.HeadObjectOutput, error)
	DeleteObject(ctx context.Context, in *awss3.DeleteObjectInput, optFns ...func(*awss3.Options)) (*awss3.DeleteObjectOutput, error)
}

var (
	_ ObjectAPI = (*awss3.Client)(nil)
	_ PartsAPI  = (*awss3.Client)(nil)
)
