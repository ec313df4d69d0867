package s3_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/standin"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

const kmsKey = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// fakeS3 is gofakes3 behind a thin layer that records the headers of each
// object PUT and, because gofakes3 does not check presigned expiry, checks
// X-Amz-Date + X-Amz-Expires of a presigned GET against its own clock, as S3
// does.
type fakeS3 struct {
	mu     sync.Mutex
	now    time.Time
	puts   []http.Header
	srv    *httptest.Server
	client *awss3.Client
}

func (f *fakeS3) setNow(t time.Time) { f.mu.Lock(); f.now = t; f.mu.Unlock() }

func (f *fakeS3) lastPut() http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.puts) == 0 {
		return nil
	}
	return f.puts[len(f.puts)-1]
}

// startS3 starts the fake with the buckets named.
func startS3(t *testing.T, buckets ...string) *fakeS3 {
	t.Helper()
	inner := gofakes3.New(s3mem.New()).Server()
	f := &fakeS3{now: t0}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method == http.MethodPut && strings.Count(strings.Trim(r.URL.Path, "/"), "/") > 0 {
			f.mu.Lock()
			f.puts = append(f.puts, r.Header.Clone())
			f.mu.Unlock()
		}
		if exp := q.Get("X-Amz-Expires"); exp != "" {
			signed, err1 := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
			secs, err2 := strconv.Atoi(exp)
			f.mu.Lock()
			now := f.now
			f.mu.Unlock()
			if err1 != nil || err2 != nil || now.After(signed.Add(time.Duration(secs)*time.Second)) || now.Before(signed.Add(-15*time.Minute)) {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, `<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`)
				return
			}
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	f.client = awss3.NewFromConfig(standin.Config(), func(o *awss3.Options) {
		o.BaseEndpoint = aws.String(f.srv.URL)
		o.UsePathStyle = true
	})
	for _, b := range buckets {
		_, err := f.client.CreateBucket(context.Background(), &awss3.CreateBucketInput{Bucket: aws.String(b)})
		require.NoError(t, err)
	}
	return f
}

// get reads an object back through the SDK.
func (f *fakeS3) get(t *testing.T, bucket, key string) (*awss3.GetObjectOutput, []byte) {
	t.Helper()
	obj, err := f.client.GetObject(context.Background(), &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	require.NoError(t, err)
	defer obj.Body.Close()
	body, err := io.ReadAll(obj.Body)
	require.NoError(t, err)
	return obj, body
}

// fetch GETs a URL as a browser would, at the fake's clock.
func (f *fakeS3) fetch(t *testing.T, u string, at time.Time) (int, []byte) {
	t.Helper()
	f.setNow(at)
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}
