package request

import (
	"crypto/sha256"
	"encoding/hex"
)

// WebID is the ID of a request submitted on the web (the form or the JSON
// API): NewID of its submission ID bound to the requester's address. A
// submission ID someone else used names another request, so nobody can
// reach, change or learn of another person's request by sending its
// submission ID with their own address.
func WebID(sourceID, email string) string {
	sum := sha256.Sum256([]byte(NormalizeEmail(email)))
	src := make([]byte, 0, 160) // on the stack for the IDs the desk makes
	src = hex.AppendEncode(append(append(src, sourceID...), 0), sum[:])
	return NewID(Web, string(src))
}
