package s3_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/s3"
)

func TestPackagesAreWrittenWithKMS(t *testing.T) {
	ctx := context.Background()
	f := startS3(t, "exports")
	p := &s3.Packages{API: f.client, Bucket: "exports", KMSKeyID: kmsKey}
	zip := []byte("PK\x03\x04 a zip")
	bucket, err := p.Put(ctx, "exports/req-42/access-20261102T090000Z.zip", "your-data-req-42.zip", zip)
	require.NoError(t, err)
	assert.Equal(t, "exports", bucket)

	put := f.lastPut()
	assert.Equal(t, "aws:kms", put.Get("X-Amz-Server-Side-Encryption"))
	assert.Equal(t, kmsKey, put.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"))
	obj, body := f.get(t, "exports", "exports/req-42/access-20261102T090000Z.zip")
	assert.Equal(t, zip, body)
	assert.Equal(t, `attachment; filename="your-data-req-42.zip"`, *obj.ContentDisposition)
	assert.Equal(t, "application/zip", *obj.ContentType)

	t.Run("never written without the desk's key", func(t *testing.T) {
		for _, p := range []*s3.Packages{
			{API: f.client, Bucket: "exports"},
			{API: f.client, KMSKeyID: kmsKey},
			{Bucket: "exports", KMSKeyID: kmsKey},
		} {
			_, err := p.Put(ctx, "exports/req-1/access.zip", "your-data-req-1.zip", zip)
			assert.ErrorContains(t, err, "bucket and KMS key are required")
		}
	})
	t.Run("a file name that cannot be quoted", func(t *testing.T) {
		_, err := p.Put(ctx, "exports/req-1/access.zip", "a\"b.zip", zip)
		assert.Error(t, err)
	})
}

// The link the download page sends the browser to is signed when Download
// is pressed, at the desk's clock, and S3 refuses it once ttl has passed.
func TestSignedDownloadIsShortLived(t *testing.T) {
	ctx := context.Background()
	f := startS3(t, "exports")
	now := t0.Add(6 * 24 * time.Hour) // long after any Lambda credentials of the answer
	clock := func() time.Time { return now }
	_, err := (&s3.Packages{API: f.client, Bucket: "exports", KMSKeyID: kmsKey}).Put(ctx, "exports/req-42/access.zip", "your-data-req-42.zip", []byte("zip"))
	require.NoError(t, err)

	p := &s3.Packages{Presign: s3.NewPresignClient(f.client, clock), Bucket: "exports"}
	link, err := p.SignGet(ctx, "exports/req-42/access.zip", 10*time.Minute)
	require.NoError(t, err)
	u, err := url.Parse(link)
	require.NoError(t, err)
	assert.Equal(t, "600", u.Query().Get("X-Amz-Expires"))
	assert.Equal(t, now.Format("20060102T150405Z"), u.Query().Get("X-Amz-Date"), "signed at the desk's clock")

	code, body := f.fetch(t, link, now.Add(9*time.Minute))
	require.Equal(t, http.StatusOK, code, string(body))
	assert.Equal(t, "zip", string(body))
	code, _ = f.fetch(t, link, now.Add(11*time.Minute))
	assert.Equal(t, http.StatusForbidden, code, "the file's link is short-lived")

	_, err = (&s3.Packages{Bucket: "exports"}).SignGet(ctx, "exports/req-42/access.zip", time.Minute)
	assert.Error(t, err, "no signer configured")
}
