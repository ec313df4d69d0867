package s3_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/s3"
)

const messageID = "k2ocb1d9v6j3f8t0m5q7h4n1r8s6e2a9lambda01"

func TestRawMailReadsByMessageID(t *testing.T) {
	ctx := context.Background()
	f := startS3(t, "desk-inbound")
	_, err := f.client.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("desk-inbound"),
		Key: aws.String("inbound/" + messageID), Body: strings.NewReader("From: a@example.com\r\n\r\nhello\r\n")})
	require.NoError(t, err)

	m := &s3.RawMail{API: f.client, Bucket: "desk-inbound", Prefix: "inbound/"}
	body, err := m.Open(ctx, messageID)
	require.NoError(t, err)
	raw, err := io.ReadAll(body)
	require.NoError(t, body.Close())
	require.NoError(t, err)
	assert.Equal(t, "From: a@example.com\r\n\r\nhello\r\n", string(raw))

	_, err = m.Open(ctx, "no-such-message-000000000000000000000000")
	assert.ErrorContains(t, err, "no-such-message-000000000000000000000000", "the error names the message, for the log")
}

type fakeGetObject struct {
	key string
	err error
}

func (f *fakeGetObject) GetObject(_ context.Context, in *awss3.GetObjectInput, _ ...func(*awss3.Options)) (*awss3.GetObjectOutput, error) {
	f.key = aws.ToString(in.Bucket) + "/" + aws.ToString(in.Key)
	if f.err != nil {
		return nil, f.err
	}
	return &awss3.GetObjectOutput{Body: io.NopCloser(strings.NewReader("raw"))}, nil
}

func TestRawMailKey(t *testing.T) {
	api := &fakeGetObject{}
	m := &s3.RawMail{API: api, Bucket: "desk-inbound", Prefix: "inbound/"}
	body, err := m.Open(context.Background(), messageID)
	require.NoError(t, err)
	defer body.Close()
	assert.Equal(t, "desk-inbound/inbound/"+messageID, api.key)

	api.err = errors.New("throttled")
	_, err = m.Open(context.Background(), messageID)
	assert.ErrorContains(t, err, messageID)
}
