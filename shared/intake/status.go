package intake

import (
	"context"
	"time"

	"github.com/productionflow/privacy-desk/shared/token"
)

// StatusLinks issues a new link to a request's status page
// (*status.Links).
type StatusLinks interface {
	Link(ctx context.Context, requestID string) (string, error)
}

// statusLink is a new status link for a mail to the requester, or "" (the
// mail goes without one) when there is none to give. With links.drawn set,
// the link's token is drawn and kept in links for the caller to store
// before the mail goes out.
func (s *Service) statusLink(ctx context.Context, id string, links *drawnLinks) string {
	if s.StatusLinks == nil {
		return ""
	}
	var link string
	var err error
	if d, ok := s.StatusLinks.(statusDrawer); ok && links != nil {
		var rec token.Record
		if link, rec, err = d.Draw(id); err == nil {
			links.records = append(links.records, rec)
		}
	} else {
		link, err = s.StatusLinks.Link(ctx, id)
	}
	if err != nil {
		s.Logger().WarnContext(ctx, "status link not issued: the mail goes without it", "requestId", id, "error", err)
		return ""
	}
	return link
}

// drawnLinks holds the tokens of the links drawn for one mail, not yet
// stored: the caller stores them, with its own writes, before the mail
// goes out.
type drawnLinks struct{ records []token.Record }

// statusDrawer draws a status link without storing it (*status.Links).
type statusDrawer interface {
	Draw(requestID string) (string, token.Record, error)
}

// verifyDrawer draws a verification link without storing it
// (*verify.Links).
type verifyDrawer interface {
	Draw(requestID string, until time.Time) (string, token.Record, error)
}
