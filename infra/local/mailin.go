package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/setup/intake/email"
	"github.com/productionflow/privacy-desk/shared/standin"
	smtpin "github.com/productionflow/privacy-desk/shared/standin/smtp"
)

// Local mail-in: the stand-in for SES receiving. The SMTP listener stores
// each accepted message in the inbound bucket of the in-process S3 under
// inbound/<messageId> and hands the email intake the receipt event, the
// same path as SES's S3 action followed by its Lambda action.

// mailIn is the running SMTP listener.
type mailIn struct {
	Addr string // host:port
	srv  *smtpin.Server
	done chan error
}

// startMailIn builds the email intake from the environment run set, and
// listens for SMTP on port (0 picks a free one) for the privacy address.
func startMailIn(ctx context.Context, port int, awsCfg aws.Config, log *slog.Logger, now func() time.Time, opts []setup.Option) (*mailIn, error) {
	env := standin.DeskEnv()
	client := s3.NewFromConfig(awsCfg)
	handle, err := email.Handler(ctx, os.Getenv, log, opts...)
	if err != nil {
		return nil, err
	}
	cfg := smtpin.Config{
		Recipients: []string{standin.PrivacyAddress},
		Bucket:     env["INBOUND_BUCKET"],
		Prefix:     env["INBOUND_PREFIX"],
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
