package deadline

import (
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// ClockState is where one of a request's clocks stands, as the deadline
// watch sees it.
type ClockState struct {
	Clock string    // ClockAcknowledge, ClockOptOut, ClockResponse or ClockExtended
	Due   time.Time // zero when the clock does not apply
	// Met: the acknowledgement went out, or the opt-out was done. Moot:
	// the clock does not run for this request (the response clock once it
	// is extended, the extended clock while it is not, a clock the request
	// does not have).
	Met, Moot bool
}

// Clocks gives every clock of r in the order acknowledge, opt-out,
// response, extended, judged on its audit trail as the reminders are.
func Clocks(r *request.Request, events []request.Event) []ClockState {
	var out []ClockState
	for _, c := range []string{ClockAcknowledge, ClockOptOut, ClockResponse, ClockExtended} {
		due, skip := clockState(r, events, c)
		out = append(out, ClockState{Clock: c, Due: due, Met: skip == "met", Moot: skip == "moot"})
	}
	return out
}
