package fulfil

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/request"
)

// PartStore keeps each system's export, a JSON document, between the step
// that gathered it and the answer that packages it, which then deletes it
// (*s3.Parts: in the export bucket under the desk's key, under a prefix
// the bucket keeps longer than a request may stay open). Put replaces an
// earlier attempt's part.
type PartStore interface {
	Put(ctx context.Context, requestID, system string, body []byte) error
	// Get reads a part; one not kept is request.ErrNotFound.
	Get(ctx context.Context, requestID, system string) ([]byte, error)
	// Kept reports whether a part is kept, without reading it.
	Kept(ctx context.Context, requestID, system string) (bool, error)
	// Delete deletes a part; one not kept is no error.
	Delete(ctx context.Context, requestID, system string) error
}

// putPart stores one system's export as JSON.
func (s *Service) putPart(ctx context.Context, requestID string, d export.SystemData) error {
	body, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode export part %s: %w", d.System, err)
	}
	return s.Parts.Put(ctx, requestID, d.System, body)
}

// keptFor is what of d the desk keeps for a request of kinds: all of it
// when the request asks for a copy (CopyAsked); otherwise which categories
// held how many records, each record an empty object — the answer to a
// request to know the categories names them and sends no copy, so no copy
// is kept either.
func keptFor(kinds []request.Kind, d export.SystemData) export.SystemData {
	if CopyAsked(kinds) {
		return d
	}
	counted := make(map[string][]json.RawMessage, len(d.Data))
	for c, recs := range d.Data {
		counted[c] = make([]json.RawMessage, len(recs))
		for i := range recs {
			counted[c][i] = json.RawMessage(`{}`)
		}
	}
	d.Data = counted
	return d
}

// getPart reads one system's export.
func (s *Service) getPart(ctx context.Context, requestID, sys string) (export.SystemData, error) {
	body, err := s.Parts.Get(ctx, requestID, sys)
	if err != nil {
		return export.SystemData{}, err
	}
	var d export.SystemData
	if err := json.Unmarshal(body, &d); err != nil {
		return export.SystemData{}, fmt.Errorf("decode export part %s of %s: %w", sys, requestID, err)
	}
	return d, nil
}
