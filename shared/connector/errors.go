package connector

import (
	"fmt"
	"time"

	"github.com/productionflow/privacy-desk/shared/system"
)

// The error types below are returned as themselves, never wrapped, so that a
// Lambda handler can return them unchanged: aws-lambda-go reports the Go type
// name as the error type, and the workflow's Retry and Catch match it:
//
//	"ErrorEquals": ["RetryableError"]        retry with backoff
//	"ErrorEquals": ["PermanentError"]        catch: report the system as failed
//	"ErrorEquals": ["ErasureNotProvenError"] catch: report the erasure as failed
//
// Messages name the system, the action and the status only: never a URL, an
// identifier or a secret.

// RetryableError is a failure that may pass if the call is tried again: a 5xx,
// a 429 or 408, a timeout or a connection error.
type RetryableError struct {
	System string        `json:"system"`
	Action system.Action `json:"action"`
	Status int           `json:"status,omitempty"` // 0 when no response came
	// RetryAfter is what the system asked for (Retry-After), 0 if nothing.
	RetryAfter time.Duration `json:"retryAfter,omitempty"`
	Reason     string        `json:"reason"`
	// Partial is true when the action has several calls and the system may
	// have been left between them: a call that changes data was sent (and
	// may have been carried out) while a later call was not. A retry that
	// no longer finds the person cannot tell "done" from "stuck halfway".
	Partial bool `json:"partial,omitempty"`
}

func (e *RetryableError) Error() string {
	msg := fmt.Sprintf("retryable: %s %s: %s", e.System, e.Action, e.Reason)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (status %d)", e.Status)
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(", retry after %s", e.RetryAfter)
	}
	return msg
}

// PermanentError is a failure that trying again will not fix: another 4xx, a
// malformed answer to a successful call, a URL whose host or path shape would
// change, a missing secret, or an action the system does not support.
type PermanentError struct {
	System string        `json:"system"`
	Action system.Action `json:"action"`
	Status int           `json:"status,omitempty"`
	Reason string        `json:"reason"`
}

func (e *PermanentError) Error() string {
	msg := fmt.Sprintf("permanent: %s %s: %s", e.System, e.Action, e.Reason)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (status %d)", e.Status)
	}
	return msg
}

// ErasureNotProvenError means the system still finds the person after an
// erase that it reported as done, or (Halfway) that an earlier attempt
// stopped between the erase's calls and the person can no longer be found
// to finish it. The evidence is on the audit trail.
type ErasureNotProvenError struct {
	System  string    `json:"system"`
	Status  int       `json:"status,omitempty"`
	At      time.Time `json:"at"`
	Halfway bool      `json:"halfway,omitempty"`
}

func (e *ErasureNotProvenError) Error() string {
	if e.Halfway {
		return fmt.Sprintf("erasure not proven: an earlier attempt stopped between %s's erase calls and the person can no longer be found to finish it; check the system by hand",
			e.System)
	}
	return fmt.Sprintf("erasure not proven: %s still finds the person after erase (status %d at %s)",
		e.System, e.Status, e.At.UTC().Format(time.RFC3339))
}
