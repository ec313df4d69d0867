// Package sesmail is the desk's Amazon SES v2 adapter, the one package that
// speaks the aws-sdk-go-v2 sesv2 client: Sender delivers mail.Message
// values (mail.Sender), Suppressions puts an address on the account-level
// suppression list (connector.Suppressor). Both classify SES's errors: an
// address SES refuses is a mail.ErrRecipient, and no error quotes one.
//
// Messages go as Simple content with the custom headers in
// Content.Simple.Headers: SES adds them to the message it builds (so
// Auto-Submitted reaches the recipient), and aws-ses-v2-local keeps them in
// its store, where tests read them back. A Raw MIME message would carry the
// headers on AWS too, but the local stand-in parses raw mail and drops every
// header but the addresses and subject, so it could not be checked locally.
package sesmail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	pmail "github.com/productionflow/privacy-desk/shared/mail"
)

// API is the part of the SES v2 client the Sender uses; *sesv2.Client
// satisfies it.
type API interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

var _ API = (*sesv2.Client)(nil)

// Sender sends mail through SES v2 from one verified identity.
type Sender struct {
	API  API
	From string // the sending address, a verified SES identity
	// ConfigurationSet names the SES configuration set for event publishing;
	// empty sends without one.
	ConfigurationSet string
	// ReplyTo, when set, is the Reply-To of every message but the
	// internal ones: the address the desk reads its mail at, so that a
	// requester's reply to the desk's mail joins its request (and the team
	// is told of it). Mail to the team and to system owners
	// (mail.Message.Internal) keeps its own, the team's address: their
	// replies go to the team, not to the intake as a stranger's new mail.
	ReplyTo string
}

var _ pmail.Sender = (*Sender)(nil)

// Errors a caller can test with errors.Is. Their text never quotes an
// address or a header value: errors end up in logs.
var (
	ErrConfig = errors.New("sesmail: sender not configured")
	// ErrRecipient is the mail package's own sentinel, so a caller that knows
	// only the mail.Sender interface (errors.Is(err, mail.ErrRecipient))
	// tells an unusable address from a failure worth retrying.
	ErrRecipient = pmail.ErrRecipient
	ErrHeader    = errors.New("sesmail: unusable header")
)

// SendError is a SendEmail call that failed. Its text gives the SES error
// code only: SES messages can quote the recipient address ("Email address
// is not verified ... a@b.example"). errors.As still reaches the SDK error.
type SendError struct {
	Code string // the SES error code, such as "MessageRejected"; empty when the call never got an answer
	Err  error
}

func (e *SendError) Error() string {
	if e.Code == "" {
		return "sesmail: send email: no answer from SES"
	}
	return "sesmail: send email: " + e.Code
}

func (e *SendError) Unwrap() error { return e.Err }

// Send sends m and returns the SES message ID.
func (s *Sender) Send(ctx context.Context, m pmail.Message) (string, error) {
	if s.API == nil || strings.TrimSpace(s.From) == "" {
		return "", ErrConfig
	}
	if len(m.To) == 0 {
		return "", fmt.Errorf("%w: no recipient", ErrRecipient)
	}
	to, err := addresses(m.To, "recipient")
	if err != nil {
		return "", err
	}
	if s.ReplyTo != "" && !m.Internal {
		m.ReplyTo = []string{s.ReplyTo}
	}
	replyTo, err := addresses(m.ReplyTo, "reply-to address")
	if err != nil {
		return "", err
	}
	headers, err := messageHeaders(m.Headers)
	if err != nil {
		return "", err
	}
	if m.Text == "" && m.HTML == "" {
		return "", errors.New("sesmail: message has no body")
	}

	body := &types.Body{}
	if m.Text != "" {
		body.Text = &types.Content{Data: aws.String(m.Text), Charset: aws.String("UTF-8")}
	}
	if m.HTML != "" {
		body.Html = &types.Content{Data: aws.String(m.HTML), Charset: aws.String("UTF-8")}
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.From),
		Destination:      &types.Destination{ToAddresses: to},
		ReplyToAddresses: replyTo,
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(oneLine(m.Subject)), Charset: aws.String("UTF-8")},
			Body:    body,
			Headers: headers,
		}},
	}
	if s.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(s.ConfigurationSet)
	}
	out, err := s.API.SendEmail(ctx, in)
	if err != nil {
		se := &SendError{Err: err}
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			se.Code = apiErr.ErrorCode()
		}
		return "", se
	}
	return aws.ToString(out.MessageId), nil
}

// addresses checks each address and returns the bare addr-spec of each
// (a display name is dropped: it is not ours to repeat). what names the
// field in the error, which never quotes the address.
func addresses(in []string, what string) ([]string, error) {
	out := make([]string, 0, len(in))
	for i, a := range in {
		if strings.ContainsAny(a, "\r\n") || strings.IndexFunc(a, isControl) >= 0 {
			return nil, fmt.Errorf("%w: %s %d has a control character", ErrRecipient, what, i+1)
		}
		parsed, err := mail.ParseAddress(a)
		if err != nil {
			return nil, fmt.Errorf("%w: %s %d is not an email address", ErrRecipient, what, i+1)
		}
		out = append(out, parsed.Address)
	}
	return out, nil
}

// messageHeaders turns the header map into SES headers, sorted by name so a
// message is built the same way every time. Names and values must match
// what SES accepts: printable ASCII, no colon in a name, values up to 870
// characters; anything else is refused rather than sent altered.
func messageHeaders(h map[string]string) ([]types.MessageHeader, error) {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]types.MessageHeader, 0, len(names))
	for _, name := range names {
		value := h[name]
		if !validHeaderName(name) {
			return nil, fmt.Errorf("%w: name is not printable ASCII without a colon", ErrHeader)
		}
		if !validHeaderValue(value) {
			return nil, fmt.Errorf("%w: value of %s is empty, too long or not printable ASCII", ErrHeader, name)
		}
		out = append(out, types.MessageHeader{Name: aws.String(name), Value: aws.String(value)})
	}
	return out, nil
}

func validHeaderName(s string) bool {
	if s == "" || len(s) > 126 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < '!' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

func validHeaderValue(s string) bool {
	if s == "" || len(s) > 870 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return false
		}
	}
	return true
}

// oneLine keeps a subject on one line whatever the caller did.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return isControl(r) || r == ' ' }), " ")
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
