package main

import "time"

// hangGuard bounds how long a local-stack test waits for something the
// desk does on its own (a mail, a status). It is a guard against a hang,
// not a speed target: the desk normally takes milliseconds, and a loaded
// CI machine seconds.
const hangGuard = 3 * time.Minute

// eventually polls cond until it holds and reports whether it did before
// the hang guard.
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(hangGuard); ; {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}
