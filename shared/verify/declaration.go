package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/productionflow/privacy-desk/shared/request"
)

// ErrDeclarationNeeded means the request asks for a copy of the data and
// its requester has not declared, under penalty of perjury, that they are
// the person (or their authorized agent): not on the form, and not on the
// confirmation page. The link is not used; the page asks for the
// declaration with the button.
var ErrDeclarationNeeded = errors.New("verify: a copy of the data needs the signed declaration")

// declared reports whether the trail holds the requester's declaration:
// ticked on the form (the created event says so) or on the confirmation
// page.
func declared(events []request.Event) bool {
	return slices.ContainsFunc(events, func(e request.Event) bool {
		return e.Action == request.ActionDeclarationSigned || e.Action == request.ActionCreated && e.Data["declaration"] == "signed"
	})
}

// declarationNeeded reports whether confirming r needs the declaration
// still: it asks for a copy (request.CopyAsked) and its trail holds none.
// A store that cannot read trails holds none.
func (s *Service) declarationNeeded(ctx context.Context, r *request.Request) (bool, error) {
	if !request.CopyAsked(r.Kinds) {
		return false, nil
	}
	tr, ok := s.Store.(trailReader)
	if !ok {
		return true, nil
	}
	events, err := tr.Events(ctx, r.ID)
	if err != nil {
		return false, fmt.Errorf("verify: read the trail of %s: %w", r.ID, err)
	}
	return !declared(events), nil
}

// ConfirmDeclared is Confirm for a press of the button with the
// declaration box ticked (signed) or not. A request that asks for a copy
// of the data and whose trail holds no declaration is confirmed only with
// it: without, ErrDeclarationNeeded and the link stays unused; with, the
// declaration is recorded (declaration-signed, once) before the link is
// used.
func (s *Service) ConfirmDeclared(ctx context.Context, raw string, signed bool) (Confirmation, error) {
	rec, err := s.record(ctx, raw)
	if err != nil {
		return Confirmation{}, err
	}
	if rec.Used || !s.Now().Before(rec.ExpiresAt) {
		return s.confirm(ctx, rec) // used or expired: confirm says which
	}
	r, err := s.Store.Get(ctx, rec.RequestID)
	if err != nil {
		return Confirmation{}, fmt.Errorf("verify: confirm: %w", err)
	}
	switch r.Status {
	case request.Received, request.Acknowledged, request.Verifying:
	default:
		return s.confirm(ctx, rec) // nothing to confirm: confirm says why
	}
	needed, err := s.declarationNeeded(ctx, r)
	if err != nil {
		return Confirmation{}, err
	}
	if needed && !signed {
		return Confirmation{RequestID: r.ID, Language: r.Language, Status: r.Status}, ErrDeclarationNeeded
	}
	if needed {
		if err := s.Store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: ActorRequester,
			Action: request.ActionDeclarationSigned, Once: request.ActionDeclarationSigned,
			Reason: "declared under penalty of perjury, on the confirmation page, to be the person whose data the request is about, or their authorized agent",
			Data:   map[string]string{"on": "confirmation page"}}); err != nil {
			return Confirmation{}, fmt.Errorf("verify: record the declaration of %s: %w", r.ID, err)
		}
	}
	return s.confirm(ctx, rec)
}
