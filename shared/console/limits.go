package console

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Bounds of what the team writes in the console's forms, in characters
// (not bytes), checked as the forms' other problems are: the field named,
// what was sent kept.
const (
	// MaxForRequester bounds words the requester reads in a mail: an
	// extension's reason, a denial's detail.
	MaxForRequester = 1000
	// MaxNote bounds a note for the audit trail (the member's reason for
	// an action, what was done by hand, a note).
	MaxNote = 4000
	// MaxStepName bounds a system's or an action's name in "Finish a step
	// by hand".
	MaxStepName = 200
)

// maxBody bounds a form the console accepts: every form whose fields keep
// to their bounds fits (the largest, a denial with a detail for each of
// the eight kinds, is under 100 KiB even in 4-byte characters, each
// percent-encoded); a larger body is answered 413, "The form is too
// large".
const maxBody = 128 << 10

// tooLong says what is wrong with v when it has more than max characters,
// "" when it fits; forRequester says the requester reads it.
func tooLong(v string, max int, forRequester bool) string {
	n := utf8.RuneCountInString(v)
	if n <= max {
		return ""
	}
	if forRequester {
		return fmt.Sprintf("Write at most %s characters: the requester reads this in a mail (this has %s).", thousands(max), thousands(n))
	}
	return fmt.Sprintf("Write at most %s characters (this has %s).", thousands(max), thousands(n))
}

// thousands writes n with a comma between thousands: 20,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
