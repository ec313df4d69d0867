package connector_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/system"
)

const exportAndEraseYAML = `systems:
  - name: paper-archive
    title: Paper archive
    owner: archivist@productionflow.com
    categories: [contracts, invoices]
    actions:
      export: {kind: manual, task: Scan the signed contract., dueIn: 72h}
      erase: {kind: manual, task: Shred the signed contract., dueIn: 72h}
    holds:
      - category: invoices
        reason: Invoices are kept for tax.
`

// TestAnEraseTaskWaitsForTheExport: in a system whose export and erase
// are both owners' tasks, the erase task's mail says to answer the export
// first and lists what to keep in words; the export task's mail lists no
// holds (keeping is the erasure's business). An erasure answered done
// while the export is open is refused on the task page (409) in words,
// and its link still works.
func TestAnEraseTaskWaitsForTheExport(t *testing.T) {
	m, h, fm, _, answers, _ := manualRig(t)
	reg := loadRegistry(t, exportAndEraseYAML)
	sys, _ := reg.Lookup("paper-archive")
	h.Registry = reg
	m.CategoryTitle = func(id, _ string) string { return map[string]string{"invoices": "invoices we sent you"}[id] }
	ctx := context.Background()
	require.NoError(t, m.Send(ctx, sys, task(sys, "req-order", system.Export), connector.Subject{Email: "ada@example.com", Exports: true}))
	require.NoError(t, m.Send(ctx, sys, task(sys, "req-order", system.Erase), connector.Subject{Email: "ada@example.com", Exports: true}))
	require.NoError(t, m.Send(ctx, sys, task(sys, "req-delete-only", system.Erase), connector.Subject{Email: "ada@example.com"}))
	require.Len(t, fm.sent, 3)
	assert.NotContains(t, fm.sent[2].Text, "answer it first", "a deletion alone gives the owner no export task to answer first")
	export, erase := fm.sent[0], fm.sent[1]
	assert.NotContains(t, export.Text, "Keep ")
	assert.NotContains(t, export.Text, "answer it first")
	assert.Contains(t, erase.Text, "Keep invoices we sent you: Invoices are kept for tax.")
	assert.Contains(t, erase.Text, "If this request also gives you an export task in this system, answer it first: erasing deletes what the export sends.")
	assert.Contains(t, erase.HTML, "answer it first")

	u, err := url.Parse(linkRE.FindString(erase.Text))
	require.NoError(t, err)
	raw := u.Query().Get("t")
	// The task page says what the mail says: how, and what to keep.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/tasks/confirm?t="+raw, nil))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "<li>How: Shred the signed contract.</li>")
	assert.Contains(t, rec.Body.String(), "<li>Keep, under legal hold: invoices: Invoices are kept for tax.</li>")

	answers.err = connector.ErrExportFirst
	code, body := postForm(h, url.Values{"t": {raw}, "outcome": {"done"}})
	assert.Equal(t, http.StatusConflict, code)
	assert.Contains(t, body, "Answer this request's export task in this system first")
	answers.err = connector.ErrExportCannot
	code, body = postForm(h, url.Values{"t": {raw}, "outcome": {"done"}})
	assert.Equal(t, http.StatusConflict, code)
	assert.Contains(t, body, "was answered that it cannot be done", "its own reason, not 'answer it first'")
	answers.err = connector.ErrExportHeldNothing
	code, body = postForm(h, url.Values{"t": {raw}, "outcome": {"done"}})
	assert.Equal(t, http.StatusConflict, code)
	assert.Contains(t, body, "was answered that the system holds nothing about the person, so there is nothing to erase")
	answers.err = nil
	code, body = postForm(h, url.Values{"t": {raw}, "outcome": {"done"}})
	assert.Equal(t, http.StatusOK, code, "the link still works: %s", body[:min(len(body), 200)])
	assert.True(t, strings.Contains(body, "Thank you"))
}
