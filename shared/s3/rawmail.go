package s3

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
)

// RawMail opens raw mail SES's receipt rule stored at
// s3://Bucket/Prefix<messageId>.
type RawMail struct {
	API    GetAPI
	Bucket string
	Prefix string // the receipt rule's object key prefix, e.g. "inbound/"
}

// Open starts reading the stored message; the caller bounds the read and
// closes the body.
func (m *RawMail) Open(ctx context.Context, messageID string) (io.ReadCloser, error) {
	out, err := m.API.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(m.Bucket), Key: aws.String(m.Prefix + messageID)})
	if err != nil {
		return nil, fmt.Errorf("s3: get raw mail %s: %w", messageID, err)
	}
	return out.Body, nil
}
