package intake

import "context"

// StatusLinks issues a new link to a request's status page
// (*status.Links).
type StatusLinks interface {
	Link(ctx context.Context, requestID string) (string, error)
}

// statusLink is a new status link for a mail to the requester, or "" (the
// mail goes without one) when there is none to give.
func (s *Service) statusLink(ctx context.Context, id string) string {
	if s.StatusLinks == nil {
		return ""
	}
	link, err := s.StatusLinks.Link(ctx, id)
	if err != nil {
		s.Logger().WarnContext(ctx, "status link not issued: the mail goes without it", "requestId", id, "error", err)
		return ""
	}
	return link
}
