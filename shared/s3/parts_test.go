package s3_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/s3"
)

func TestPartsThroughTheS3StandIn(t *testing.T) {
	ctx := context.Background()
	f := startS3(t, "exports")
	p := &s3.Parts{API: f.client, Bucket: "exports", KMSKeyID: kmsKey, Prefix: "exports/"}

	doc := []byte(`{"System":"payments","Found":true}`)
	require.NoError(t, p.Put(ctx, "PR-1", "payments", doc))
	put := f.lastPut()
	assert.Equal(t, "aws:kms", put.Get("X-Amz-Server-Side-Encryption"))
	assert.Equal(t, kmsKey, put.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"))
	obj, body := f.get(t, "exports", "exports/PR-1/parts/payments.json")
	assert.Equal(t, "application/json", *obj.ContentType)
	assert.Equal(t, doc, body, "kept where the answer's package is written, under the request")

	got, err := p.Get(ctx, "PR-1", "payments")
	require.NoError(t, err)
	assert.Equal(t, doc, got)

	require.NoError(t, p.Put(ctx, "PR-1", "payments", []byte(`{"System":"payments","Found":false}`)))
	got, err = p.Get(ctx, "PR-1", "payments")
	require.NoError(t, err)
	assert.JSONEq(t, `{"System":"payments","Found":false}`, string(got), "a retried step replaces its part")

	_, err = p.Get(ctx, "PR-1", "support")
	assert.ErrorContains(t, err, "get export part support of PR-1")

	for _, bad := range [][2]string{{"../PR-2", "payments"}, {"PR-1", "a/b"}, {"", "payments"}} {
		assert.ErrorContains(t, p.Put(ctx, bad[0], bad[1], doc), "cannot name an object")
		_, err := p.Get(ctx, bad[0], bad[1])
		assert.ErrorContains(t, err, "cannot name an object")
	}
}
