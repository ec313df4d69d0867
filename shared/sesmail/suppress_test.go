package sesmail_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/sesmail"
)

// fakeSuppression records PutSuppressedDestination calls. The SES stand-in
// has no suppression list, so the adapter is tested against this fake.
type fakeSuppression struct {
	got []*sesv2.PutSuppressedDestinationInput
	err error
}

func (f *fakeSuppression) PutSuppressedDestination(_ context.Context, in *sesv2.PutSuppressedDestinationInput, _ ...func(*sesv2.Options)) (*sesv2.PutSuppressedDestinationOutput, error) {
	f.got = append(f.got, in)
	return &sesv2.PutSuppressedDestinationOutput{}, f.err
}

const address = "jane.doe+privacy@example.com"

func TestSuppress(t *testing.T) {
	tests := []struct {
		name     string
		bounced  bool
		err      error
		reason   string
		refused  bool   // a mail.ErrRecipient
		code     string // the SuppressError's code; "" for none
		wantFail bool
	}{
		{name: "a complaint", reason: "COMPLAINT"},
		{name: "a bounce", bounced: true, reason: "BOUNCE"},
		{name: "throttled: worth retrying", err: &smithy.GenericAPIError{Code: "TooManyRequestsException", Message: "slow down " + address},
			reason: "COMPLAINT", code: "TooManyRequestsException", wantFail: true},
		{name: "refused for good", err: &smithy.GenericAPIError{Code: "BadRequestException", Message: "bad address " + address},
			reason: "COMPLAINT", code: "BadRequestException", refused: true, wantFail: true},
		{name: "no answer", err: errors.New("dial tcp: connection refused"), reason: "COMPLAINT", code: "transport", wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSuppression{err: tt.err}
			err := (&sesmail.Suppressions{API: f}).Suppress(context.Background(), " "+address+" ", tt.bounced)
			require.Len(t, f.got, 1)
			assert.Equal(t, address, *f.got[0].EmailAddress, "trimmed")
			assert.Equal(t, tt.reason, string(f.got[0].Reason))
			if !tt.wantFail {
				require.NoError(t, err)
				return
			}
			var se *sesmail.SuppressError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.code, se.ErrorCode())
			assert.Equal(t, tt.refused, errors.Is(err, mail.ErrRecipient))
			assert.NotContains(t, err.Error(), address, "the SDK's message may quote the address; it is not passed on")
			assert.False(t, errors.Is(err, tt.err), "nor is the SDK error carried")
		})
	}
	t.Run("no usable address: nothing is asked", func(t *testing.T) {
		for _, bad := range []string{"", "  ", "a@example.com\r\nBcc: b@example.com"} {
			f := &fakeSuppression{}
			err := (&sesmail.Suppressions{API: f}).Suppress(context.Background(), bad, false)
			assert.ErrorIs(t, err, mail.ErrRecipient)
			assert.Empty(t, f.got)
		}
	})
}
