package states

import (
	"math"
	"time"
)

// errorMatches applies the ErrorEquals rules: a name matches itself;
// States.ALL matches every error except States.Runtime (which the service
// treats as not retriable); States.TaskFailed matches every error except
// States.Timeout and States.Runtime.
func errorMatches(equals []string, name string) bool {
	for _, e := range equals {
		switch {
		case e == name:
			return true
		case e == ErrAll && name != ErrRuntime:
			return true
		case e == ErrTaskFailed && name != ErrTimeout && name != ErrRuntime:
			return true
		}
	}
	return false
}

// retryDelay picks the first retrier whose ErrorEquals matches err and, if
// it has attempts left, returns the delay before the next attempt. attempts
// counts the retries already made per retrier and is updated.
func retryDelay(rs []Retrier, attempts []int, err *Error, random func() float64) (time.Duration, bool) {
	for i, r := range rs {
		if !errorMatches(r.ErrorEquals, err.Name) {
			continue
		}
		maxAttempts := 3
		if r.MaxAttempts != nil {
			maxAttempts = *r.MaxAttempts
		}
		if attempts[i] >= maxAttempts {
			return 0, false
		}
		interval := 1.0
		if r.IntervalSeconds != nil {
			interval = float64(*r.IntervalSeconds)
		}
		rate := 2.0
		if r.BackoffRate != nil {
			rate = *r.BackoffRate
		}
		secs := interval * math.Pow(rate, float64(attempts[i]))
		if r.MaxDelaySeconds != nil && secs > float64(*r.MaxDelaySeconds) {
			secs = float64(*r.MaxDelaySeconds)
		}
		if r.JitterStrategy == "FULL" {
			secs *= random()
		}
		attempts[i]++
		return time.Duration(secs * float64(time.Second)), true
	}
	return 0, false
}

// matchCatch returns the first catcher whose ErrorEquals matches err.
func matchCatch(cs []Catcher, err *Error) *Catcher {
	for i := range cs {
		if errorMatches(cs[i].ErrorEquals, err.Name) {
			return &cs[i]
		}
	}
	return nil
}
