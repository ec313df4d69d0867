package connector

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/productionflow/privacy-desk/shared/system"
)

// SuppressionAPI is the SES v2 call used; *sesv2.Client satisfies it.
type SuppressionAPI interface {
	PutSuppressedDestination(ctx context.Context, in *sesv2.PutSuppressedDestinationInput, optFns ...func(*sesv2.Options)) (*sesv2.PutSuppressedDestinationOutput, error)
}

// SES carries out actions of kind sesSuppression: the address goes on the
// account-level suppression list, so no further mail is sent to it.
type SES struct {
	Client SuppressionAPI
	Now    func() time.Time
	Log    *slog.Logger
}

// Do suppresses p's address. Errors are *RetryableError or *PermanentError.
func (s *SES) Do(ctx context.Context, sys *system.System, a system.Action, p Person) (*Result, error) {
	m := sys.Actions[a]
	if m == nil || m.Kind != system.SESSuppression {
		return nil, &PermanentError{System: sys.Name, Action: a, Reason: "no sesSuppression action declared"}
	}
	email := strings.TrimSpace(p.Email)
	if email == "" || strings.ContainsAny(email, "\r\n") {
		return nil, &PermanentError{System: sys.Name, Action: a, Reason: "no usable email address"}
	}
	reason := sestypes.SuppressionListReasonComplaint
	if m.Reason == "BOUNCE" {
		reason = sestypes.SuppressionListReasonBounce
	}
	_, err := s.Client.PutSuppressedDestination(ctx, &sesv2.PutSuppressedDestinationInput{
		EmailAddress: aws.String(email),
		Reason:       reason,
	})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && (ae.ErrorCode() == "BadRequestException") {
			s.Log.WarnContext(ctx, "suppression refused", "system", sys.Name, "code", ae.ErrorCode(), "class", "permanent")
			return nil, &PermanentError{System: sys.Name, Action: a, Reason: "SES refused: " + ae.ErrorCode()}
		}
		code := "transport"
		if ae != nil {
			code = ae.ErrorCode()
		}
		s.Log.WarnContext(ctx, "suppression failed", "system", sys.Name, "code", code, "class", "retryable")
		return nil, &RetryableError{System: sys.Name, Action: a, Reason: "SES: " + code}
	}
	s.Log.InfoContext(ctx, "address suppressed", "system", sys.Name)
	return &Result{System: sys.Name, Action: a, Found: true, Status: 200, At: s.Now()}, nil
}

// Runner dispatches an action to the connector of its kind.
type Runner struct {
	HTTP *HTTP
	SES  *SES
}

// Do runs action a of sys for p. A manual action is not run here: it is
// started with Manual.Start, which needs the workflow's task token.
func (r *Runner) Do(ctx context.Context, sys *system.System, a system.Action, p Person) (*Result, error) {
	m := sys.Actions[a]
	if m == nil {
		return nil, &PermanentError{System: sys.Name, Action: a, Reason: "action not supported by the system"}
	}
	switch m.Kind {
	case system.HTTP:
		return r.HTTP.Do(ctx, sys, a, p)
	case system.SESSuppression:
		return r.SES.Do(ctx, sys, a, p)
	}
	return nil, &PermanentError{System: sys.Name, Action: a, Reason: "a " + string(m.Kind) + " action is started as a task"}
}
