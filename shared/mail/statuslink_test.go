package mail_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/productionflow/privacy-desk/shared/mail"
)

type linker struct{ err error }

func (l linker) Link(_ context.Context, id string) (string, error) {
	return "https://privacy.example/status?t=" + id, l.err
}

// TestAStatusLinkThatCannotBeIssued: a mail goes without a status link
// rather than not at all when there is no linker or it fails; the failure
// is logged with the request ID only.
func TestAStatusLinkThatCannotBeIssued(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	ctx := context.Background()
	assert.Equal(t, "https://privacy.example/status?t=PR-1", mail.StatusLinkFor(ctx, linker{}, "PR-1", log))
	assert.Empty(t, mail.StatusLinkFor(ctx, nil, "PR-1", log))
	assert.Empty(t, logs.String())
	assert.Empty(t, mail.StatusLinkFor(ctx, linker{err: errors.New("table down")}, "PR-1", log))
	assert.Contains(t, logs.String(), `"msg":"status link not issued: the mail goes without it","requestId":"PR-1"`)
}
