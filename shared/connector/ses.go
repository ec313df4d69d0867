package connector

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/system"
)

// Suppressor puts an address on the mail service's account-level
// suppression list, with the reason bounce when bounced, else complaint
// (*sesmail.Suppressions). Its error is a mail.ErrRecipient when the
// service refused the address for good; any other is worth retrying. Its
// errors never quote the address, and may name the service's error code
// (ErrorCode() string) for the log.
type Suppressor interface {
	Suppress(ctx context.Context, address string, bounced bool) error
}

// SES carries out actions of kind sesSuppression: the address goes on the
// account-level suppression list, so no further mail is sent to it.
type SES struct {
	Suppressions Suppressor
	Now          func() time.Time
	Log          *slog.Logger
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
	if err := s.Suppressions.Suppress(ctx, email, m.Reason == "BOUNCE"); err != nil {
		code := "transport"
		var coded interface{ ErrorCode() string }
		if errors.As(err, &coded) {
			code = coded.ErrorCode()
		}
		if errors.Is(err, mail.ErrRecipient) {
			s.Log.WarnContext(ctx, "suppression refused", "system", sys.Name, "code", code, "class", "permanent")
			return nil, &PermanentError{System: sys.Name, Action: a, Reason: "SES refused: " + code}
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
