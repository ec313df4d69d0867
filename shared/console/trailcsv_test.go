package console_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
)

// TestDownloadTheAuditTrail: the request's page links its record as CSV,
// for an auditor or a regulator: what was asked and when, then every event
// oldest first with the page's words — naming no requester, every cell inert for
// a spreadsheet, only to a signed-in member.
func TestDownloadTheAuditTrail(t *testing.T) {
	d := newDesk(t)
	r := d.add("PR-TRAL-AAAA-AAAA-AAAA", 10, request.InProgress, request.Deletion, request.OptOutSale)
	r.Requester = request.Identity{Name: "Ada Lovelace", Email: "ada@example.com"}
	d.store.put(r)
	seedTrail(d, r)
	require.NoError(t, d.store.AppendEvent(context.Background(), request.Event{RequestID: r.ID, At: d.now, Actor: "team:alice",
		Action: request.ActionNote, Reason: "=HYPERLINK(\"https://evil.example\")"}))
	h, auth, _ := newConsole(t, d)

	anonymous := newBrowser(t, h, "desk.example")
	w := anonymous.do("GET", "/console/requests/"+r.ID+"/trail.csv", nil)
	assert.NotEqual(t, http.StatusOK, w.Code, "not without signing in")
	assert.NotContains(t, w.Body.String(), "erasure-proof")

	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	page := b.do("GET", "/console/requests/"+r.ID, nil)
	assert.Contains(t, page.Body.String(), `<a href="../requests/PR-TRAL-AAAA-AAAA-AAAA/trail.csv">Download the audit trail (CSV)</a>`)

	w = b.do("GET", "/console/requests/"+r.ID+"/trail.csv", nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "text/csv; charset=utf-8", w.Header().Get("Content-Type"))
	assert.Equal(t, `attachment; filename="privacy-request-PR-TRAL-AAAA-AAAA-AAAA-trail.csv"`, w.Header().Get("Content-Disposition"))
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	body := w.Body.String()
	for _, personal := range []string{"Ada", "ada@example.com"} {
		assert.NotContains(t, body, personal, "the record names no requester")
	}
	cr := csv.NewReader(strings.NewReader(body))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	require.NoError(t, err)
	assert.Equal(t, []string{"request", r.ID}, rows[0])
	assert.Equal(t, []string{"kinds", "deletion; opt-out-sale"}, rows[1])
	assert.Contains(t, rows, []string{"downloaded", d.now.UTC().Format(time.RFC3339), "by team:alice"})
	assert.Contains(t, rows, []string{"at", "actor", "action", "meaning", "reason", "details"})
	var proof, note []string
	for _, row := range rows {
		if len(row) == 6 && row[2] == request.ActionErasureProof {
			proof = row
		}
		if len(row) == 6 && row[2] == request.ActionNote {
			note = row
		}
	}
	require.NotNil(t, proof, body)
	assert.Equal(t, "system:accounts", proof[1])
	assert.Equal(t, "the system no longer finds the person", proof[4])
	assert.Equal(t, "found: false; system: accounts", proof[5])
	require.NotNil(t, note)
	assert.Equal(t, `'=HYPERLINK("https://evil.example")`, note[4], "a typed note cannot run as a formula")

	w = b.do("GET", "/console/requests/PR-NONE-ZZZZ-ZZZZ-ZZZZ/trail.csv", nil)
	assert.Equal(t, http.StatusNotFound, w.Code)
}
