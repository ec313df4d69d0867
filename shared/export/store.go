package export

import (
	"context"
	"fmt"
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

// PackageStore keeps published access packages (*s3.Packages: in the
// export bucket, encrypted with the desk's KMS key).
type PackageStore interface {
	// Put writes zip at key, to be downloaded as filename, and returns
	// the bucket it is in. It refuses to write without the desk's key.
	Put(ctx context.Context, key, filename string, zip []byte) (bucket string, err error)
}

// Store publishes packages. It signs no links: the requester's link is the
// desk's download page (Links, Downloads).
type Store struct {
	Packages PackageStore
	Prefix   string // e.g. "exports/"
	Now      func() time.Time
}

// Link names a published package (Bucket, Key) and, from Links.Offer, the
// requester's download link (URL, ExpiresAt).
type Link struct {
	Bucket    string    `json:"bucket"`
	Key       string    `json:"key"`
	URL       string    `json:"-"` // a bearer link: never logged or stored in the audit trail
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// Publish writes the zip at <Prefix><request ID>/access-<time>.zip (no
// personal data in the key), to be downloaded as your-data-<request ID>.zip,
// and returns where it is.
func (s *Store) Publish(ctx context.Context, requestID string, zip []byte) (Link, error) {
	if !request.SafeKey(requestID) {
		return Link{}, fmt.Errorf("export: request ID %q cannot name an object", requestID)
	}
	now := s.Now().UTC()
	key := fmt.Sprintf("%s%s/access-%s.zip", s.Prefix, requestID, now.Format("20060102T150405Z"))
	bucket, err := s.Packages.Put(ctx, key, "your-data-"+requestID+".zip", zip)
	if err != nil {
		return Link{}, fmt.Errorf("export: put package for %s: %w", requestID, err)
	}
	return Link{Bucket: bucket, Key: key}, nil
}

// Package builds, zips and publishes the access package in one step.
func (s *Store) Package(ctx context.Context, reg *system.Registry, p Package) (Link, error) {
	files, err := Build(reg, p)
	if err != nil {
		return Link{}, err
	}
	zipped, err := files.Zip(p.GeneratedAt)
	if err != nil {
		return Link{}, err
	}
	return s.Publish(ctx, p.RequestID, zipped)
}
