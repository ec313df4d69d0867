package sesmail

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	pmail "github.com/productionflow/privacy-desk/shared/mail"
)

// SuppressionAPI is the SES v2 call Suppressions makes; *sesv2.Client
// satisfies it.
type SuppressionAPI interface {
	PutSuppressedDestination(ctx context.Context, in *sesv2.PutSuppressedDestinationInput, opts ...func(*sesv2.Options)) (*sesv2.PutSuppressedDestinationOutput, error)
}

var _ SuppressionAPI = (*sesv2.Client)(nil)

// Suppressions puts addresses on the account-level SES suppression list,
// so that no further mail is sent to them (connector.Suppressor).
type Suppressions struct {
	API SuppressionAPI
}

// SuppressError is a PutSuppressedDestination call that failed. Its text
// gives the SES error code only, and it does not carry the SDK's error:
// SES messages can quote the address. When SES refused the address for
// good (BadRequestException) it is a mail.ErrRecipient; any other failure
// is worth retrying.
type SuppressError struct {
	Code    string // the SES error code; empty when the call never got an answer
	Refused bool
}

func (e *SuppressError) Error() string {
	if e.Code == "" {
		return "sesmail: suppress address: no answer from SES"
	}
	return "sesmail: suppress address: " + e.Code
}

// ErrorCode is the SES error code, "transport" when SES never answered;
// it is safe to log.
func (e *SuppressError) ErrorCode() string {
	if e.Code == "" {
		return "transport"
	}
	return e.Code
}

// Unwrap makes a refusal a mail.ErrRecipient.
func (e *SuppressError) Unwrap() error {
	if e.Refused {
		return pmail.ErrRecipient
	}
	return nil
}

// Suppress puts address on the list with the reason BOUNCE when bounced,
// else COMPLAINT. Its errors are *SuppressError, or mail.ErrRecipient for
// an address it cannot send.
func (s *Suppressions) Suppress(ctx context.Context, address string, bounced bool) error {
	address = strings.TrimSpace(address)
	if address == "" || strings.ContainsAny(address, "\r\n") {
		return ErrRecipient
	}
	reason := types.SuppressionListReasonComplaint
	if bounced {
		reason = types.SuppressionListReasonBounce
	}
	_, err := s.API.PutSuppressedDestination(ctx, &sesv2.PutSuppressedDestinationInput{
		EmailAddress: aws.String(address),
		Reason:       reason,
	})
	if err == nil {
		return nil
	}
	se := &SuppressError{}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		se.Code = ae.ErrorCode()
		se.Refused = se.Code == "BadRequestException"
	}
	return se
}
