package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/token"
)

// clock is a movable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) add(d time.Duration) { c.set(c.Now().Add(d)) }
func newClock(t time.Time) *clock    { return &clock{t: t} }

// fakeBucket stands for the export bucket: it keeps the packages written
// (memPackages) and signs links as S3 does, valid ttl from the moment of
// signing; fetch answers a link at the desk's clock and refuses it once
// expired, as S3 does. shared/s3 tests the real signing.
type fakeBucket struct {
	memPackages
	now    func() time.Time
	signed []signing
}

// signing is one SignGet call.
type signing struct {
	key string
	at  time.Time
	ttl time.Duration
}

var _ export.Signer = (*fakeBucket)(nil)

func (b *fakeBucket) SignGet(_ context.Context, key string, ttl time.Duration) (string, error) {
	at := b.now()
	b.mu.Lock()
	b.signed = append(b.signed, signing{key, at, ttl})
	b.mu.Unlock()
	q := url.Values{"signed": {at.UTC().Format(time.RFC3339)}, "ttl": {strconv.Itoa(int(ttl / time.Second))}}
	return "https://exports.s3.example/" + key + "?" + q.Encode(), nil
}

func (b *fakeBucket) lastSigning() signing {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.signed[len(b.signed)-1]
}

// fetch is what the browser gets from a signed link now.
func (b *fakeBucket) fetch(t *testing.T, link string) (int, []byte) {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	signed, err := time.Parse(time.RFC3339, u.Query().Get("signed"))
	require.NoError(t, err)
	secs, err := strconv.Atoi(u.Query().Get("ttl"))
	require.NoError(t, err)
	if b.now().After(signed.Add(time.Duration(secs) * time.Second)) {
		return http.StatusForbidden, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	zip, ok := b.zips[strings.TrimPrefix(u.Path, "/")]
	if !ok {
		return http.StatusNotFound, nil
	}
	return http.StatusOK, zip
}

// downloadDesk publishes a package and offers it through the desk's links.
type downloadDesk struct {
	bucket    *fakeBucket
	clk       *clock
	tokens    token.Store
	links     *export.Links
	downloads *export.Downloads
	key       string
}

func newDownloadDesk(t *testing.T, tokens token.Store, grace time.Duration) *downloadDesk {
	t.Helper()
	clk := newClock(t0)
	bucket := &fakeBucket{now: clk.Now}
	store := &export.Store{Packages: bucket, Prefix: "exports/", Now: clk.Now}
	l, err := store.Package(context.Background(), seed(t), samplePackage())
	require.NoError(t, err)
	return &downloadDesk{
		bucket: bucket, clk: clk, tokens: tokens, key: l.Key,
		links: &export.Links{Tokens: tokens, Issuer: &token.Issuer{Now: clk.Now}, PageURL: "https://privacy.productionflow.example/download"},
		downloads: &export.Downloads{Tokens: tokens, Signer: bucket,
			Prefix: "exports/", Now: clk.Now, Grace: grace},
	}
}

// offer issues a link and returns its raw token.
func (d *downloadDesk) offer(t *testing.T) string {
	t.Helper()
	l, err := d.links.Offer(context.Background(), "req-42", d.key)
	require.NoError(t, err)
	u, err := url.Parse(l.URL)
	require.NoError(t, err)
	return u.Query().Get("t")
}

// fetch downloads what the signed URL serves now.
func (d *downloadDesk) fetch(t *testing.T, u string) (int, []byte) {
	t.Helper()
	return d.bucket.fetch(t, u)
}

func TestOfferIssuesAStoredSevenDayDownloadToken(t *testing.T) {
	tokens := token.NewMemStore()
	d := newDownloadDesk(t, tokens, 0)
	l, err := d.links.Offer(context.Background(), "req-42", d.key)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(l.URL, "https://privacy.productionflow.example/download?t="), l.URL)
	assert.NotContains(t, l.URL, "req-42", "the link names nothing but the token")
	assert.NotContains(t, l.URL, "exports.s3.example", "the mail links to the desk's page, never to the bucket")
	assert.Equal(t, t0.Add(7*24*time.Hour), l.ExpiresAt)

	u, err := url.Parse(l.URL)
	require.NoError(t, err)
	hash, err := token.Hash(u.Query().Get("t"))
	require.NoError(t, err)
	rec, err := tokens.Get(context.Background(), hash)
	require.NoError(t, err)
	assert.Equal(t, token.Download, rec.Purpose)
	assert.Equal(t, "req-42", rec.RequestID)
	assert.Equal(t, l.ExpiresAt, rec.ExpiresAt)
	assert.Equal(t, map[string]string{"key": d.key}, rec.Data, "the record holds the object key, no personal data")
	assert.False(t, rec.Used)
}

// requestReader is a fake RequestReader: the requests it knows, or err.
type requestReader struct {
	requests map[string]*request.Request
	err      error
}

func (r requestReader) Get(_ context.Context, id string) (*request.Request, error) {
	if r.err != nil {
		return nil, r.err
	}
	if req, ok := r.requests[id]; ok {
		return req, nil
	}
	return nil, request.ErrNotFound
}

func TestDownloadLookupGivesTheRequestLanguage(t *testing.T) {
	spanish := requestReader{requests: map[string]*request.Request{"req-42": {ID: "req-42", Language: "es"}}}
	tests := []struct {
		name     string
		requests export.RequestReader
		want     string
	}{
		{"a Spanish request", spanish, "es"},
		{"no reader: English", nil, ""},
		{"a failed read: English, the page still shown", requestReader{err: errors.New("ProvisionedThroughputExceeded")}, ""},
		{"an unknown request", requestReader{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDownloadDesk(t, token.NewMemStore(), 0)
			d.downloads.Requests = tt.requests
			o, err := d.downloads.Lookup(context.Background(), d.offer(t), "")
			require.NoError(t, err)
			assert.Equal(t, "req-42", o.RequestID)
			assert.Equal(t, tt.want, o.Language)
		})
	}
}

// A used or expired link still names its request and the request's
// language, so that the page explaining it speaks that language.
func TestDownloadLinkErrorsNameTheRequestLanguage(t *testing.T) {
	ctx := context.Background()
	spanish := requestReader{requests: map[string]*request.Request{"req-42": {ID: "req-42", Language: "es"}}}
	d := newDownloadDesk(t, token.NewMemStore(), 0)
	d.downloads.Requests = spanish
	raw := d.offer(t)
	_, err := d.downloads.Open(ctx, raw, browserA)
	require.NoError(t, err)
	check := func(err, want error) {
		t.Helper()
		var le *export.LinkError
		require.ErrorAs(t, err, &le)
		assert.ErrorIs(t, err, want)
		assert.Equal(t, "req-42", le.RequestID)
		assert.Equal(t, "es", le.Language)
	}
	_, err = d.downloads.Lookup(ctx, raw, browserA)
	check(err, token.ErrUsed)
	_, err = d.downloads.Open(ctx, raw, browserB)
	check(err, token.ErrUsed)

	expiring := d.offer(t)
	d.clk.add(export.DownloadTTL)
	_, err = d.downloads.Lookup(ctx, expiring, "")
	check(err, token.ErrExpired)
	_, err = d.downloads.Open(ctx, expiring, browserA)
	check(err, token.ErrExpired)

	_, err = d.downloads.Lookup(ctx, "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE", "")
	assert.ErrorIs(t, err, token.ErrNotFound)
	assert.NotErrorAs(t, err, new(*export.LinkError), "an unknown link names no request")
}

func TestDownloadLink(t *testing.T) {
	ctx := context.Background()
	t.Run("the page uses nothing; the button gets the package for 10 minutes", func(t *testing.T) {
		d := newDownloadDesk(t, token.NewMemStore(), 0)
		raw := d.offer(t)
		d.clk.add(6 * 24 * time.Hour) // long after any Lambda credentials of the answer
		for _, session := range []string{"", browserA, browserB} {
			o, err := d.downloads.Lookup(ctx, raw, session)
			require.NoError(t, err)
			assert.Equal(t, "req-42", o.RequestID)
			assert.Equal(t, t0.Add(7*24*time.Hour), o.ExpiresAt)
			assert.Equal(t, "https://exports.s3.example", o.Origin, "the page's form may be redirected to the bucket")
		}
		to, err := d.downloads.Open(ctx, raw, browserA)
		require.NoError(t, err)
		signed := d.bucket.lastSigning()
		assert.Equal(t, signing{key: d.key, at: d.clk.Now(), ttl: 10 * time.Minute}, signed, "signed when pressed, for 10 minutes")
		code, body := d.fetch(t, to)
		require.Equal(t, http.StatusOK, code, string(body))
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		require.NoError(t, err)
		assert.NotEmpty(t, zr.File)

		d.clk.add(11 * time.Minute)
		code, _ = d.fetch(t, to)
		assert.Equal(t, http.StatusForbidden, code, "the file's link is short-lived")
		_, err = d.downloads.Open(ctx, raw, browserA)
		assert.ErrorIs(t, err, token.ErrUsed, "strict single use without a grace window")
		_, err = d.downloads.Lookup(ctx, raw, browserA)
		assert.ErrorIs(t, err, token.ErrUsed)
	})
	t.Run("within the grace window the button works again", func(t *testing.T) {
		d := newDownloadDesk(t, token.NewMemStore(), export.DownloadGrace)
		raw := d.offer(t)
		d.clk.add(time.Hour)
		_, err := d.downloads.Open(ctx, raw, browserA)
		require.NoError(t, err)
		d.clk.add(14 * time.Minute)
		_, err = d.downloads.Lookup(ctx, raw, browserA)
		require.NoError(t, err, "the page still shows in the browser that pressed")
		_, err = d.downloads.Lookup(ctx, raw, browserB)
		assert.ErrorIs(t, err, token.ErrUsed, "another browser's page says the link was used")
		_, err = d.downloads.Lookup(ctx, raw, "")
		assert.ErrorIs(t, err, token.ErrUsed, "so does a browser without a session")
		_, err = d.downloads.Open(ctx, raw, browserB)
		assert.ErrorIs(t, err, token.ErrUsed, "another browser is refused at once")
		_, err = d.downloads.Open(ctx, raw, "")
		assert.ErrorIs(t, err, token.ErrUsed, "so is a press without a session")
		to, err := d.downloads.Open(ctx, raw, browserA)
		require.NoError(t, err, "a cut-off download can be started again in the same browser")
		code, _ := d.fetch(t, to)
		assert.Equal(t, http.StatusOK, code)
		d.clk.add(2 * time.Minute)
		_, err = d.downloads.Open(ctx, raw, browserA)
		assert.ErrorIs(t, err, token.ErrUsed, "the grace is counted from the first press")
		_, err = d.downloads.Lookup(ctx, raw, browserA)
		assert.ErrorIs(t, err, token.ErrUsed, "and so is the page's")
	})
	t.Run("expired", func(t *testing.T) {
		d := newDownloadDesk(t, token.NewMemStore(), export.DownloadGrace)
		raw := d.offer(t)
		d.clk.add(7*24*time.Hour + time.Second)
		_, err := d.downloads.Lookup(ctx, raw, "")
		assert.ErrorIs(t, err, token.ErrExpired)
		_, err = d.downloads.Open(ctx, raw, browserA)
		assert.ErrorIs(t, err, token.ErrExpired)
	})
	t.Run("unknown, malformed, or issued for another purpose", func(t *testing.T) {
		tokens := token.NewMemStore()
		d := newDownloadDesk(t, tokens, 0)
		verifyRaw, rec, err := (&token.Issuer{Now: d.clk.Now}).Issue(token.Verify, "req-42", "task", time.Hour, map[string]string{"key": d.key})
		require.NoError(t, err)
		require.NoError(t, tokens.Put(ctx, rec))
		unknown, _, err := (&token.Issuer{Now: d.clk.Now}).Issue(token.Download, "req-42", "", time.Hour, nil)
		require.NoError(t, err)
		for _, raw := range []string{unknown, "not-a-token", verifyRaw} {
			_, err := d.downloads.Lookup(ctx, raw, "")
			assert.ErrorIs(t, err, token.ErrNotFound)
			_, err = d.downloads.Open(ctx, raw, browserA)
			assert.ErrorIs(t, err, token.ErrNotFound)
		}
		got, err := tokens.Get(ctx, rec.Hash)
		require.NoError(t, err)
		assert.False(t, got.Used, "another purpose's token is not spent here")
	})
	t.Run("a token naming an object outside the packages is refused", func(t *testing.T) {
		d := newDownloadDesk(t, token.NewMemStore(), 0)
		l, err := d.links.Offer(ctx, "req-42", "parts/req-42/payments.json")
		require.NoError(t, err)
		u, _ := url.Parse(l.URL)
		_, err = d.downloads.Open(ctx, u.Query().Get("t"), browserA)
		assert.ErrorContains(t, err, "names no package")
	})
}

// Two browser sessions, as the download page's cookie names them.
const (
	browserA = "session-of-the-browser-that-pressed-first-0000"
	browserB = "session-of-another-browser-with-the-link-0000"
)

func TestDownloadIsUsedOnceUnderRace(t *testing.T) {
	db := standin.Dynalite(t)
	ddb := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(db.URL) })
	require.NoError(t, dynamo.EnsureTable(context.Background(), ddb, "privacy-desk"))
	tokens := &dynamo.Tokens{API: ddb, Table: "privacy-desk"}
	d := newDownloadDesk(t, tokens, 0)
	raw := d.offer(t)

	var wg sync.WaitGroup
	var mu sync.Mutex
	var opened, used int
	for range 8 {
		wg.Go(func() {
			_, err := d.downloads.Open(context.Background(), raw, browserA)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				opened++
			case assert.ErrorIs(t, err, token.ErrUsed):
				used++
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, opened, "one conditional update wins")
	assert.Equal(t, 7, used)

	t.Run("with a grace window every press gets the file, the record is used once", func(t *testing.T) {
		d.downloads.Grace = export.DownloadGrace
		raw := d.offer(t)
		hash, err := token.Hash(raw)
		require.NoError(t, err)
		_, err = d.downloads.Open(context.Background(), raw, browserA)
		require.NoError(t, err)
		first, err := tokens.Get(context.Background(), hash)
		require.NoError(t, err)
		d.clk.add(time.Minute)
		_, err = d.downloads.Open(context.Background(), raw, browserA)
		require.NoError(t, err)
		again, err := tokens.Get(context.Background(), hash)
		require.NoError(t, err)
		assert.True(t, first.UsedAt.Equal(again.UsedAt), "the second press changes nothing")
	})
}

// TestADownloadIsOnTheTrail: the link's use to start the download is
// recorded on the request's trail (once, whatever presses follow within
// the grace). A record that fails is logged and does not stop the
// download.
func TestADownloadIsOnTheTrail(t *testing.T) {
	ctx := context.Background()
	d := newDownloadDesk(t, token.NewMemStore(), export.DownloadGrace)
	once := map[string]request.Event{}
	d.downloads.Audit = func(_ context.Context, ev request.Event) error {
		if _, ok := once[ev.Once]; !ok {
			once[ev.Once] = ev
		}
		return nil
	}
	raw := d.offer(t)
	d.clk.add(time.Hour)
	_, err := d.downloads.Open(ctx, raw, browserA)
	require.NoError(t, err)
	_, err = d.downloads.Open(ctx, raw, browserA)
	require.NoError(t, err, "pressed again within the grace")
	require.Len(t, once, 1)
	ev := once[request.ActionPackageDownloaded]
	assert.Equal(t, "req-42", ev.RequestID)
	assert.Equal(t, "requester", ev.Actor)
	assert.Equal(t, request.ActionPackageDownloaded, ev.Action)
	assert.Equal(t, t0.Add(time.Hour), ev.At)
	assert.Equal(t, d.key, ev.Data["key"])

	failing := newDownloadDesk(t, token.NewMemStore(), 0)
	failing.downloads.Audit = func(context.Context, request.Event) error { return errors.New("table down") }
	var logs strings.Builder
	failing.downloads.Log = slog.New(slog.NewTextHandler(&logs, nil))
	_, err = failing.downloads.Open(ctx, failing.offer(t), browserA)
	assert.NoError(t, err, "the copy is what the person came for")
	assert.Contains(t, logs.String(), "record the download on the trail", "the failure is logged")
	assert.Contains(t, logs.String(), "requestId=req-42")
}
