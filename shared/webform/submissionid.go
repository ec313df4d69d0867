package webform

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"io"
	"strings"
	"sync"

	"github.com/productionflow/privacy-desk/shared/intake"
)

// SubmissionIDs mints the submission IDs the form carries and recognises
// them: "web-", 16 random bytes, ".", and the HMAC-SHA256 of those bytes
// under the desk's submission key, both in unpadded base64url (70
// characters). Only the server can make one, so a form post's ID is always
// one the desk issued; it still names a request only together with the
// requester's address (request.WebID), and a reuse with other content is
// refused as before.
type SubmissionIDs struct {
	key     []byte
	entropy io.Reader
	macs    sync.Pool // of hash.Hash: HMAC-SHA256 under key, reset after use
}

// MinSubmissionKey is the shortest submission key accepted, in bytes.
const MinSubmissionKey = 32

// ErrShortKey is returned for a key shorter than MinSubmissionKey. It
// never carries the key.
var ErrShortKey = errors.New("submission key shorter than 32 bytes")

// submissionIDPrefix starts every ID the desk mints.
const submissionIDPrefix = "web-"

// nonceBytes is the random part of an ID.
const nonceBytes = 16

// macContext keeps these MACs apart from any other use of the key.
const macContext = "privacy-desk submission id v1\x00"

// NewSubmissionIDs signs with key; entropy (nil: crypto/rand) makes the
// random part.
func NewSubmissionIDs(key []byte, entropy io.Reader) (*SubmissionIDs, error) {
	if len(key) < MinSubmissionKey {
		return nil, ErrShortKey
	}
	if entropy == nil {
		entropy = rand.Reader
	}
	return &SubmissionIDs{key: append([]byte(nil), key...), entropy: entropy}, nil
}

// ownSubmissionIDs signs with a random key of its own: IDs it mints are
// recognised by it alone (one process). Production passes the desk's key.
func ownSubmissionIDs(entropy io.Reader) *SubmissionIDs {
	if entropy == nil {
		entropy = rand.Reader
	}
	key := make([]byte, MinSubmissionKey)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		panic("crypto/rand: " + err.Error()) // crypto/rand.Read does not fail
	}
	return &SubmissionIDs{key: key, entropy: entropy}
}

// Mint makes a new signed ID.
func (s *SubmissionIDs) Mint() (string, error) {
	nonce := make([]byte, nonceBytes)
	if _, err := io.ReadFull(s.entropy, nonce); err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	return submissionIDPrefix + enc.EncodeToString(nonce) + "." + enc.EncodeToString(s.mac(nonce)), nil
}

// Issued reports whether id is one this key signed.
func (s *SubmissionIDs) Issued(id string) bool {
	rest, ok := strings.CutPrefix(id, submissionIDPrefix)
	if !ok {
		return false
	}
	n, m, ok := strings.Cut(rest, ".")
	enc := base64.RawURLEncoding.Strict()
	if !ok || len(n) != enc.EncodedLen(nonceBytes) || len(m) != enc.EncodedLen(sha256.Size) {
		return false
	}
	var nonce [nonceBytes]byte
	var mac [sha256.Size]byte
	if _, err := enc.Decode(nonce[:], []byte(n)); err != nil {
		return false
	}
	if _, err := enc.Decode(mac[:], []byte(m)); err != nil {
		return false
	}
	var want [sha256.Size]byte
	return hmac.Equal(mac[:], s.sum(want[:0], nonce[:]))
}

func (s *SubmissionIDs) mac(nonce []byte) []byte { return s.sum(nil, nonce) }

// sum appends the MAC of nonce to b, with a MAC reused from the pool.
func (s *SubmissionIDs) sum(b, nonce []byte) []byte {
	h, _ := s.macs.Get().(hash.Hash)
	if h == nil {
		h = hmac.New(sha256.New, s.key)
	}
	_, _ = io.WriteString(h, macContext)
	_, _ = h.Write(nonce)
	b = h.Sum(b)
	h.Reset()
	s.macs.Put(h)
	return b
}

// idProblem is why a submission's ID was refused; "" when it was not.
type idProblem string

const (
	// idNotIssued: the submissionId field carries an ID the desk did not
	// sign (made up, altered, or signed under a key no longer in use).
	idNotIssued idProblem = "submissionId was not issued by this desk, so this submission was not saved. " +
		"Name your submission with the Idempotency-Key header instead, or leave submissionId out and we make one."
	idKeyMalformed idProblem = "Idempotency-Key: 8 to 128 letters, digits or . _ @ < > + = -"
	idKeyDiffers   idProblem = "Idempotency-Key and submissionId differ: send one of them"
)

// submissionSource chooses the source ID of a submission from its
// submissionId field and its Idempotency-Key header. The field must be an
// ID the desk minted; an API client names its submission with the header,
// which it chooses itself. Both are bound to the requester's address and
// content by the intake (request.WebID). With neither, mint says whether
// the server makes one (the JSON API) or the submission is refused (the
// form always carries one).
func (h *Handler) submissionSource(field, key string, mint bool) (string, idProblem, error) {
	if key != "" {
		switch {
		case !intake.ValidSourceID(key):
			return "", idKeyMalformed, nil
		case field != "" && field != key:
			return "", idKeyDiffers, nil
		}
		return key, "", nil
	}
	if field == "" && mint {
		id, err := h.ids.Mint()
		return id, "", err
	}
	if !h.ids.Issued(field) {
		return "", idNotIssued, nil
	}
	return field, "", nil
}
