package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/setup/intake/email"
	smtpin "github.com/productionflow/privacy-desk/shared/standin/smtp"
)

// Local mail-in: the stand-in for SES receiving. gofakes3 runs in process as
// S3; the SMTP listener stores each accepted message in the inbound bucket
// under inbound/<messageId> and hands the email intake the receipt event,
// the same path as SES's S3 action followed by its Lambda action.

// mailEnv is the email intake's local configuration, next to deskEnv.
var mailEnv = map[string]string{
	"INBOUND_BUCKET": "privacy-desk-inbound",
	"INBOUND_PREFIX": "inbound/",
	"OUR_ADDRESSES":  "privacy@productionflow.local",
	// The endpoint is an IP address (path style anyway); set for sam local
	// invoke, which reaches the stack through a host name.
	"S3_FORCE_PATH_STYLE": "true",
}

// privacyAddress is the address the local SMTP listener accepts mail for.
const privacyAddress = "privacy@productionflow.local"

// fakeS3 is gofakes3 on its own port.
type fakeS3 struct {
	URL string
	srv *http.Server
}

// startFakeS3 starts gofakes3 (in memory: raw mail is read once, when it
// arrives) on a free port of 127.0.0.1; an IP endpoint makes the SDK use
// path-style bucket addresses.
func startFakeS3() (*fakeS3, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for S3: %w", err)
	}
	srv := &http.Server{Handler: gofakes3.New(s3mem.New()).Server(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	return &fakeS3{URL: "http://" + l.Addr().String(), srv: srv}, nil
}

func (f *fakeS3) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return f.srv.Shutdown(ctx)
}

// mailIn is the running SMTP listener.
type mailIn struct {
	Addr string // host:port
	srv  *smtpin.Server
	done chan error
}

// startMailIn creates the inbound bucket, builds the email intake from the
// environment run set, and listens for SMTP on port (0 picks a free one).
func startMailIn(ctx context.Context, port int, awsCfg aws.Config, log *slog.Logger, now func() time.Time) (*mailIn, error) {
	bucket := mailEnv["INBOUND_BUCKET"]
	client := s3.NewFromConfig(awsCfg)
	if err := createBucket(ctx, awsCfg, bucket); err != nil {
		return nil, err
	}
	handle, err := email.Handler(ctx, os.Getenv, log, setup.WithNow(now))
	if err != nil {
		return nil, err
	}
	cfg := smtpin.Config{
		Recipients: []string{privacyAddress},
		Bucket:     bucket,
		Prefix:     mailEnv["INBOUND_PREFIX"],
		Logger:     log,
		Now:        now,
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, fmt.Errorf("listen for SMTP on port %d: %w", port, err)
	}
	m := &mailIn{Addr: l.Addr().String(), srv: smtpin.New(cfg, client, handle), done: make(chan error, 1)}
	go func() { m.done <- m.srv.Serve(l) }()
	return m, nil
}

// Port is the listener's port, as the banner shows it.
func (m *mailIn) Port() string {
	_, port, _ := net.SplitHostPort(m.Addr)
	return port
}

func (m *mailIn) Stop() error {
	err := m.srv.Close()
	return errors.Join(err, <-m.done)
}

// createBucket makes a bucket in the in-process S3 unless it is there.
func createBucket(ctx context.Context, awsCfg aws.Config, bucket string) error {
	_, err := s3.NewFromConfig(awsCfg).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	var owned interface{ ErrorCode() string }
	if err != nil && (!errors.As(err, &owned) || owned.ErrorCode() != "BucketAlreadyOwnedByYou") {
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	return nil
}
