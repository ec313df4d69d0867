// Package token issues single-use action tokens for links mailed to people:
// 32 random bytes, base64url (no padding) in the link, and only the SHA-256
// hex of the raw bytes kept in storage, with a purpose, an expiry and a used
// flag. A token is consumed by one conditional update, so it works once.
package token

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// Size is the number of random bytes in a token.
const Size = 32

// Errors a Store returns from Consume and Get.
var (
	ErrNotFound  = errors.New("token not found")
	ErrUsed      = errors.New("token already used")
	ErrExpired   = errors.New("token expired")
	ErrPurpose   = errors.New("token issued for another purpose")
	ErrMalformed = errors.New("malformed token")
)

// Purpose says what a token may be used for.
type Purpose string

// Purposes.
const (
	Verify     Purpose = "verify"      // a requester proves control of the address
	ManualTask Purpose = "manual-task" // a system owner confirms a manual step
	Download   Purpose = "download"    // a requester downloads the access package
	Status     Purpose = "status"      // a requester sees where the request stands (read, never consumed)
)

// Record is what is stored for a token. It never holds the raw token.
type Record struct {
	Hash      string    `json:"hash" dynamodbav:"hash"` // SHA-256 hex of the raw bytes
	Purpose   Purpose   `json:"purpose" dynamodbav:"purpose"`
	RequestID string    `json:"requestId" dynamodbav:"requestId"`
	TaskToken string    `json:"taskToken,omitempty" dynamodbav:"taskToken,omitempty"` // Step Functions task token to complete
	ExpiresAt time.Time `json:"expiresAt" dynamodbav:"expiresAt"`
	Used      bool      `json:"used" dynamodbav:"used"`
	UsedAt    time.Time `json:"usedAt,omitzero" dynamodbav:"usedAt,omitempty"`
	// UsedBy is the SHA-256 hex of the browser session that used the
	// token, for a token that may be used again by that session only
	// (ConsumeBy); empty otherwise.
	UsedBy string `json:"usedBy,omitempty" dynamodbav:"usedBy,omitempty"`
	// Data carries what the confirm page shows (system, action, due date);
	// never personal data.
	Data map[string]string `json:"data,omitempty" dynamodbav:"data,omitempty"`
}

// Store keeps token records. shared/dynamo implements it on the one table
// (PK=TOKEN#<hash>); NewMemStore is the in-memory one for tests.
type Store interface {
	// Put saves a new record; a record with the same hash is an error.
	Put(ctx context.Context, r Record) error
	// Get reads a record without using it (for a confirm page's GET).
	Get(ctx context.Context, hash string) (Record, error)
	// Consume marks the record used in one conditional update that succeeds
	// only if it exists, is unused and expires after now, and returns the
	// record. Otherwise it returns ErrNotFound, ErrUsed or ErrExpired.
	Consume(ctx context.Context, hash string, now time.Time) (Record, error)
}

// BoundStore is a Store that can also record which browser session used a
// token, in the same conditional update as Consume.
type BoundStore interface {
	Store
	// ConsumeBy is Consume that also records session (a hash, never the
	// session's own value) as the record's UsedBy.
	ConsumeBy(ctx context.Context, hash string, now time.Time, session string) (Record, error)
}

// Issuer makes new tokens.
type Issuer struct {
	Random io.Reader        // crypto/rand.Reader when nil
	Now    func() time.Time // required
}

// Issue draws a token and returns the raw value for the link and the record
// to store.
func (i *Issuer) Issue(purpose Purpose, requestID, taskToken string, ttl time.Duration, data map[string]string) (string, Record, error) {
	r := i.Random
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, Size)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", Record{}, fmt.Errorf("draw token: %w", err)
	}
	sum := sha256.Sum256(b)
	var hash [2 * sha256.Size]byte
	hex.Encode(hash[:], sum[:])
	rec := Record{
		Hash:      string(hash[:]),
		Purpose:   purpose,
		RequestID: requestID,
		TaskToken: taskToken,
		ExpiresAt: i.Now().Add(ttl),
		Data:      data,
	}
	var raw [(8*Size + 5) / 6]byte // base64.RawURLEncoding.EncodedLen(Size)
	base64.RawURLEncoding.Encode(raw[:], b)
	return string(raw[:]), rec, nil
}

// Hash returns the storage key of a raw token taken from a link.
func Hash(raw string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(b) != Size {
		return "", ErrMalformed
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
