package s3_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/s3"
)

func TestPartsThroughTheS3StandIn(t *testing.T) {
	ctx := context.Background()
	f := startS3(t, "exports")
	p := &s3.Parts{API: f.client, Bucket: "exports", KMSKeyID: kmsKey, Prefix: s3.PartsPrefix}

	doc := []byte(`{"System":"payments","Found":true}`)
	require.NoError(t, p.Put(ctx, "PR-1", "payments", doc))
	put := f.lastPut()
	assert.Equal(t, "aws:kms", put.Get("X-Amz-Server-Side-Encryption"))
	assert.Equal(t, kmsKey, put.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"))
	obj, body := f.get(t, "exports", "parts/PR-1/payments.json")
	assert.Equal(t, "application/json", *obj.ContentType)
	assert.Equal(t, doc, body, "kept under a prefix of their own, apart from the packages the download page serves")

	got, err := p.Get(ctx, "PR-1", "payments")
	require.NoError(t, err)
	assert.Equal(t, doc, got)

	require.NoError(t, p.Put(ctx, "PR-1", "payments", []byte(`{"System":"payments","Found":false}`)))
	got, err = p.Get(ctx, "PR-1", "payments")
	require.NoError(t, err)
	assert.JSONEq(t, `{"System":"payments","Found":false}`, string(got), "a retried step replaces its part")

	_, err = p.Get(ctx, "PR-1", "support")
	assert.ErrorContains(t, err, "get export part support of PR-1")
	assert.ErrorIs(t, err, request.ErrNotFound, "a part not kept is told from a failed read")

	kept, err := p.Kept(ctx, "PR-1", "payments")
	require.NoError(t, err)
	assert.True(t, kept)
	kept, err = p.Kept(ctx, "PR-1", "support")
	require.NoError(t, err)
	assert.False(t, kept, "never written")
	require.NoError(t, p.Delete(ctx, "PR-1", "payments"))
	kept, err = p.Kept(ctx, "PR-1", "payments")
	require.NoError(t, err)
	assert.False(t, kept, "deleted")
	_, err = p.Get(ctx, "PR-1", "payments")
	assert.ErrorIs(t, err, request.ErrNotFound)
	require.NoError(t, p.Delete(ctx, "PR-1", "payments"), "a part not kept is deleted without error")

	for _, bad := range [][2]string{{"../PR-2", "payments"}, {"PR-1", "a/b"}, {"", "payments"}} {
		assert.ErrorContains(t, p.Put(ctx, bad[0], bad[1], doc), "cannot name an object")
		_, err := p.Get(ctx, bad[0], bad[1])
		assert.ErrorContains(t, err, "cannot name an object")
	}
}

// TestPartsWrittenBeforeTheirOwnPrefix: a part written where parts were
// kept before (under the packages' prefix) is still read, found and
// deleted, for a request whose steps ran before the parts had a prefix of
// their own.
func TestPartsWrittenBeforeTheirOwnPrefix(t *testing.T) {
	ctx := context.Background()
	f := startS3(t, "exports")
	p := &s3.Parts{API: f.client, Bucket: "exports", KMSKeyID: kmsKey, Prefix: s3.PartsPrefix, LegacyPrefix: "exports/"}
	doc := `{"System":"crm","Found":true}`
	_, err := f.client.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("exports"), Key: aws.String("exports/PR-9/parts/crm.json"),
		Body: strings.NewReader(doc)})
	require.NoError(t, err)

	got, err := p.Get(ctx, "PR-9", "crm")
	require.NoError(t, err)
	assert.Equal(t, doc, string(got))
	kept, err := p.Kept(ctx, "PR-9", "crm")
	require.NoError(t, err)
	assert.True(t, kept)

	require.NoError(t, p.Put(ctx, "PR-9", "crm", []byte(`{"System":"crm","Found":false}`)))
	got, err = p.Get(ctx, "PR-9", "crm")
	require.NoError(t, err)
	assert.JSONEq(t, `{"System":"crm","Found":false}`, string(got), "a part written since is the one read")

	require.NoError(t, p.Delete(ctx, "PR-9", "crm"))
	kept, err = p.Kept(ctx, "PR-9", "crm")
	require.NoError(t, err)
	assert.False(t, kept, "deleted in both places")
	_, err = p.Get(ctx, "PR-9", "crm")
	assert.ErrorIs(t, err, request.ErrNotFound)
}
