package mail

import (
	"context"
	"log/slog"
)

// StatusLinker issues a new link to a request's status page
// (*status.Links).
type StatusLinker interface {
	Link(ctx context.Context, requestID string) (string, error)
}

// StatusLinkFor is a new status link for a mail to the requester of
// request id, or "" — no linker, or one that fails (logged): the mail then
// goes without a link rather than not at all.
func StatusLinkFor(ctx context.Context, l StatusLinker, id string, log *slog.Logger) string {
	if l == nil {
		return ""
	}
	link, err := l.Link(ctx, id)
	if err != nil {
		log.WarnContext(ctx, "status link not issued: the mail goes without it", "requestId", id, "error", err)
		return ""
	}
	return link
}
