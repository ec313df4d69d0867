package inbound

import "strings"

// WithdrawWords returns the first of triage's retraction words ("cancel",
// "withdraw", "changed my mind", "cancelar"…, retractionMarks) in what the
// writer of res wrote (quoted text and signature left out), or "" when
// there is none: a reply that reads as asking to withdraw its request. It
// decides nothing: the team's notice says so, and the team withdraws the
// request in the console if the person asks it.
func WithdrawWords(res *Result) string {
	for _, sentence := range sentences(unwrap(stripQuoted(res.Text, res.Subject))) {
		for _, clause := range clauses(sentence) {
			tokens := strings.Fields(normalise(clause))
			for i := range tokens {
				for _, p := range retractionMarks {
					if prefixLen(tokens[i:], p) > 0 {
						return p
					}
				}
			}
		}
	}
	return ""
}
