// Package smtpin is the local stand-in for SES email receiving: an SMTP
// server that accepts mail for the desk's addresses, stores the raw message
// in S3 the way an SES receipt rule's S3 action does, and then hands the
// same receipt event SES would send to the intake Lambda to a handler.
// Production never runs it; the local stack and tests do.
package smtpin

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/emersion/go-smtp"
)

// PutObjectAPI is the part of *s3.Client the server uses.
type PutObjectAPI interface {
	PutObject(ctx context.Context, params *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Handler receives the receipt event after the message is stored, as the
// intake Lambda does after SES's S3 action.
type Handler func(ctx context.Context, e events.SimpleEmailEvent) error

// MaxMessageBytes is SES's limit for received mail (40 MB).
const MaxMessageBytes = 40 << 20

// Config configures the stand-in. Zero values take the defaults noted.
type Config struct {
	// Recipients lists what is accepted: full addresses
	// ("privacy@productionflow.local") or whole domains ("productionflow.local"
	// or "@productionflow.local"). Other recipients get 550, as SES answers
	// for addresses without a receipt rule. Required.
	Recipients []string
	Bucket     string // required
	Prefix     string // object key prefix; default "inbound/"

	Hostname        string // announced in the greeting; default "inbound-smtp.local"
	MaxMessageBytes int64  // default 40 MB
	MaxRecipients   int    // default 50, SES's limit per message
	Verdict         string // spam/virus/SPF/DKIM/DMARC status in events: "PASS" (default) or "GRAY"
	FunctionARN     string // the event's Lambda action; default a local IntakeEmailFunction ARN
	HandlerTimeout  time.Duration

	Now    func() time.Time // default time.Now
	Rand   io.Reader        // message IDs; default crypto/rand.Reader
	Logger *slog.Logger     // default slog.Default()
}

func (c Config) withDefaults() Config {
	if c.Prefix == "" {
		c.Prefix = "inbound/"
	}
	if c.Hostname == "" {
		c.Hostname = "inbound-smtp.local"
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = MaxMessageBytes
	}
	if c.MaxRecipients <= 0 {
		c.MaxRecipients = 50
	}
	if c.Verdict == "" {
		c.Verdict = "PASS"
	}
	if c.FunctionARN == "" {
		c.FunctionARN = "arn:aws:lambda:us-east-1:000000000000:function:IntakeEmailFunction"
	}
	if c.HandlerTimeout <= 0 {
		c.HandlerTimeout = 60 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate says what is missing from a configuration.
func (c Config) Validate() error {
	var errs []error
	if len(c.Recipients) == 0 {
		errs = append(errs, errors.New("smtpin: no recipients configured"))
	}
	if c.Bucket == "" {
		errs = append(errs, errors.New("smtpin: no bucket configured"))
	}
	if c.Verdict != "" && c.Verdict != "PASS" && c.Verdict != "GRAY" {
		errs = append(errs, fmt.Errorf("smtpin: verdict %q is not PASS or GRAY", c.Verdict))
	}
	return errors.Join(errs...)
}

// Server is the SMTP listener.
type Server struct {
	cfg    Config
	store  PutObjectAPI
	handle Handler
	smtp   *smtp.Server

	ctx    context.Context
	cancel context.CancelFunc
	idMu   sync.Mutex
}

// New builds a server; call Validate on cfg first to fail fast at start-up.
func New(cfg Config, store PutObjectAPI, handle func(ctx context.Context, e events.SimpleEmailEvent) error) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, store: store, handle: handle}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	srv := smtp.NewServer(s)
	srv.Domain = cfg.Hostname
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.MaxRecipients = cfg.MaxRecipients
	srv.ReadTimeout = 60 * time.Second
	srv.WriteTimeout = 60 * time.Second
	srv.ErrorLog = slogAdapter{cfg.Logger}
	s.smtp = srv
	return s
}

// ListenAndServe listens on addr (for example ":2525") and serves until Close.
func (s *Server) ListenAndServe(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("smtpin: listen %s: %w", addr, err)
	}
	return s.Serve(l)
}

// Serve accepts connections on l until Close. After Close it returns nil.
func (s *Server) Serve(l net.Listener) error {
	err := s.smtp.Serve(l)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops listening and drops open connections.
func (s *Server) Close() error {
	s.cancel()
	err := s.smtp.Close()
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	sess := &session{srv: s}
	if c != nil {
		sess.helo = c.Hostname()
		if nc := c.Conn(); nc != nil {
			sess.remote = nc.RemoteAddr().String()
		}
	}
	return sess, nil
}

// accepts says whether a recipient has a "receipt rule".
func (s *Server) accepts(addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	_, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return false
	}
	for _, r := range s.cfg.Recipients {
		r = strings.ToLower(strings.TrimSpace(r))
		switch {
		case strings.Contains(r, "@") && !strings.HasPrefix(r, "@"):
			if r == addr {
				return true
			}
		case strings.TrimPrefix(r, "@") == domain:
			return true
		}
	}
	return false
}

// newMessageID makes an SES-shaped message ID: 40 characters of [a-z0-9].
func (s *Server) newMessageID() (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	s.idMu.Lock()
	defer s.idMu.Unlock()
	buf := make([]byte, 40)
	out := make([]byte, 0, 40)
	for len(out) < 40 {
		if _, err := io.ReadFull(s.cfg.Rand, buf); err != nil {
			return "", fmt.Errorf("message id: %w", err)
		}
		for _, b := range buf {
			// 252 = 7*36: drop the top values so every character is equally likely.
			if b < 252 && len(out) < 40 {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

var (
	errNoMailbox = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Mailbox does not exist"}
	errLocal     = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Local error, try again later"}
)

type session struct {
	srv    *Server
	helo   string
	remote string
	from   string
	rcpts  []string
}

func (s *session) Reset() { s.from, s.rcpts = "", nil }

func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	if !s.srv.accepts(to) {
		return errNoMailbox
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

// Data stores the message and hands on the event. Like SES with a Lambda
// action of invocation type Event, the sender's 250 does not depend on the
// function succeeding: a handler error is logged, not returned.
func (s *session) Data(r io.Reader) error {
	srv := s.srv
	body, err := io.ReadAll(r)
	if err != nil {
		return err // smtp.ErrDataTooLarge becomes 552 5.3.4
	}
	start := srv.cfg.Now()
	id, err := srv.newMessageID()
	if err != nil {
		srv.cfg.Logger.Error("smtpin: message id", "err", err)
		return errLocal
	}
	raw := s.prepend(id, start, body)

	ctx, cancel := context.WithTimeout(srv.ctx, srv.cfg.HandlerTimeout)
	defer cancel()
	key := srv.cfg.Prefix + id
	if _, err := srv.store.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(srv.cfg.Bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(raw),
		ContentLength: aws.Int64(int64(len(raw))),
	}); err != nil {
		srv.cfg.Logger.Error("smtpin: store message", "messageId", id, "err", err)
		return errLocal
	}

	ev := s.event(id, start, raw)
	srv.cfg.Logger.Info("smtpin: message received", "messageId", id, "bytes", len(raw), "recipients", len(s.rcpts))
	if srv.handle != nil {
		if err := callHandler(ctx, srv.handle, ev); err != nil {
			srv.cfg.Logger.Error("smtpin: handler failed", "messageId", id, "err", err)
		}
	}
	return nil
}

func callHandler(ctx context.Context, h Handler, ev events.SimpleEmailEvent) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return h(ctx, ev)
}

// prepend adds the trace headers SES puts on a stored message: Return-Path
// from the envelope sender ("<>" for bounces), Received, and the spam and
// virus verdicts.
func (s *session) prepend(id string, at time.Time, body []byte) []byte {
	v := s.srv.cfg.Verdict
	var b bytes.Buffer
	b.Grow(len(body) + 512)
	fmt.Fprintf(&b, "Return-Path: <%s>\r\n", s.from)
	fmt.Fprintf(&b, "Received: from %s (%s)\r\n by %s with SMTP id %s\r\n for %s;\r\n %s\r\n",
		orUnknown(s.helo), orUnknown(s.remote), s.srv.cfg.Hostname, id, strings.Join(s.rcpts, ", "),
		at.UTC().Format("Mon, 02 Jan 2006 15:04:05 -0700 (MST)"))
	fmt.Fprintf(&b, "X-SES-Spam-Verdict: %s\r\nX-SES-Virus-Verdict: %s\r\n", v, v)
	b.Write(body)
	return b.Bytes()
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// maxEventHeaderBytes is where SES truncates the headers in the event.
const maxEventHeaderBytes = 10 << 10

func (s *session) event(id string, start time.Time, raw []byte) events.SimpleEmailEvent {
	cfg := s.srv.cfg
	hdrs, truncated := readHeaders(raw, maxEventHeaderBytes)
	get := func(name string) string {
		for _, h := range hdrs {
			if strings.EqualFold(h.Name, name) {
				return h.Value
			}
		}
		return ""
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(get("Subject"))
	if err != nil {
		subject = get("Subject")
	}
	to, cc := addresses(get("To")), addresses(get("Cc"))
	verdict := events.SimpleEmailVerdict{Status: cfg.Verdict}
	now := cfg.Now()
	return events.SimpleEmailEvent{Records: []events.SimpleEmailRecord{{
		EventVersion: "1.0",
		EventSource:  "aws:ses",
		SES: events.SimpleEmailService{
			Mail: events.SimpleEmailMessage{
				Source:           s.from,
				Timestamp:        start.UTC(),
				Destination:      append(bareAddresses(get("To")), bareAddresses(get("Cc"))...),
				Headers:          hdrs,
				HeadersTruncated: truncated,
				MessageID:        id,
				CommonHeaders: events.SimpleEmailCommonHeaders{
					From:       addresses(get("From")),
					To:         to,
					Cc:         cc,
					ReturnPath: s.from,
					MessageID:  get("Message-ID"),
					Date:       get("Date"),
					Subject:    subject,
				},
			},
			Receipt: events.SimpleEmailReceipt{
				Recipients:           append([]string(nil), s.rcpts...),
				Timestamp:            start.UTC(),
				SpamVerdict:          verdict,
				VirusVerdict:         verdict,
				SPFVerdict:           verdict,
				DKIMVerdict:          verdict,
				DMARCVerdict:         verdict,
				DMARCPolicy:          "none",
				ProcessingTimeMillis: now.Sub(start).Milliseconds(),
				Action: events.SimpleEmailReceiptAction{
					Type:           "Lambda",
					FunctionARN:    cfg.FunctionARN,
					InvocationType: "Event",
				},
			},
		},
	}}}
}

// readHeaders returns the message's header fields in order, unfolded, and
// whether they were cut at max bytes.
func readHeaders(raw []byte, max int) ([]events.SimpleEmailHeader, bool) {
	var out []events.SimpleEmailHeader
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	total := 0
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break
		}
		total += len(line) + 2
		if total > max {
			return out, true
		}
		if (line[0] == ' ' || line[0] == '\t') && len(out) > 0 {
			out[len(out)-1].Value += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		out = append(out, events.SimpleEmailHeader{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
	return out, false
}

// addresses renders an address header as SES's commonHeaders do: one entry
// per address, "Name <addr>" with the name decoded.
func addresses(v string) []string {
	if v == "" {
		return nil
	}
	list, err := mail.ParseAddressList(v)
	if err != nil {
		return []string{v}
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		if a.Name != "" {
			out = append(out, fmt.Sprintf("%s <%s>", a.Name, a.Address))
		} else {
			out = append(out, a.Address)
		}
	}
	return out
}

func bareAddresses(v string) []string {
	list, err := mail.ParseAddressList(v)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, a.Address)
	}
	return out
}

// slogAdapter lets go-smtp's connection errors go to slog.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Printf(format string, v ...interface{}) {
	a.l.Warn("smtpin: smtp", "detail", fmt.Sprintf(format, v...))
}

func (a slogAdapter) Println(v ...interface{}) {
	a.l.Warn("smtpin: smtp", "detail", fmt.Sprint(v...))
}
