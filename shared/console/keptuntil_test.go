package console_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
)

// TestRequestPageSaysHowLongAClosedRequestIsKept: a closed request's page
// says when it closed and until when its record is kept; an open one's
// says neither.
func TestRequestPageSaysHowLongAClosedRequestIsKept(t *testing.T) {
	d := newDesk(t)
	closed := d.add("PR-KEPT-AAAA-AAAA-AAAA", 60, request.Completed, request.Deletion)
	closed.ClosedAt = time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	closed.ExpiresAt = time.Date(2028, 11, 2, 15, 0, 0, 0, time.UTC).Unix()
	d.store.put(closed)
	d.add("PR-OPEN-AAAA-AAAA-AAAA", 2, request.InProgress, request.Deletion)
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")

	w := b.do("GET", "/console/requests/PR-KEPT-AAAA-AAAA-AAAA", nil)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), `<dt>Closed</dt><dd><time datetime="2026-11-02T15:00:00Z">Mon Nov 2, 2026 10:00 EST</time></dd>`)
	assert.Contains(t, w.Body.String(), `<dt>Kept until</dt><dd><time datetime="2028-11-02T15:00:00Z">Thu Nov 2, 2028 11:00 EDT</time> (24 months after closing`)

	w = b.do("GET", "/console/requests/PR-OPEN-AAAA-AAAA-AAAA", nil)
	require.Equal(t, http.StatusOK, w.Code)
	assert.NotContains(t, w.Body.String(), "Kept until")
	assert.NotContains(t, w.Body.String(), "<dt>Closed</dt>")
}
