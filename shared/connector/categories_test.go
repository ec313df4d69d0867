package connector_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

const scannedYAML = `systems:
  - name: paper-files
    title: Paper files
    owner: clerk@productionflow.com
    categories: [contact, orders]
    actions:
      export:
        kind: manual
        task: Scan the person's folder and upload it.
        dueIn: 72h
`

// TestACategoriesRequestsExportAsksWhichKindsAreHeld: for a request that
// asks only which categories are held, the owner's export task asks them
// to tick the kinds of data the system holds — no file, no record leaves
// the system — in the mail and on the task page; a request for a copy
// still asks for the file.
func TestACategoriesRequestsExportAsksWhichKindsAreHeld(t *testing.T) {
	ctx := context.Background()
	m, h, fm, _, answers, _ := manualRig(t)
	reg := loadRegistry(t, scannedYAML)
	sys, _ := reg.Lookup("paper-files")
	h.Registry = reg
	h.Requests = &fakeRequests{kinds: map[string][]request.Kind{
		"req-cats": {request.AccessCategories, request.Deletion},
		"req-copy": {request.AccessCategories, request.AccessSpecific},
	}}
	require.NoError(t, m.Send(ctx, sys, task(sys, "req-cats", system.Export), connector.Subject{Email: "ada@example.com", Exports: true, CategoriesOnly: true}))
	require.NoError(t, m.Send(ctx, sys, task(sys, "req-copy", system.Export), connector.Subject{Email: "ada@example.com", Exports: true}))
	require.Len(t, fm.sent, 2)
	assert.Contains(t, fm.sent[0].Text, "This request asks only which kinds of data the system holds about the person, not a copy: on the task page, tick each kind it holds (no file is needed)")
	assert.Contains(t, fm.sent[0].HTML, "Say which kinds of data the system holds</a>")
	assert.NotContains(t, fm.sent[0].Text, "Upload what the system holds")
	assert.Contains(t, fm.sent[0].Text, "What to do: export. Look the person up in the system and say which kinds of data it holds about them: no copy and no file.")
	assert.NotContains(t, fm.sent[0].Text, "Scan the person's folder", "the registry's words are for a copy")
	assert.Contains(t, fm.sent[1].Text, "Scan the person's folder and upload it.")
	assert.Contains(t, fm.sent[1].Text, "Upload what the system holds about the person (JSON or CSV)")

	tokenOf := func(i int) string {
		u, err := url.Parse(linkRE.FindString(fm.sent[i].Text))
		require.NoError(t, err)
		return u.Query().Get("t")
	}
	cats, copyTok := tokenOf(0), tokenOf(1)

	code, page := get(h, cats)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, page, `<input type="checkbox" name="held" value="contact" id="held-contact">`)
	assert.Contains(t, page, `<label for="held-orders">orders</label>`)
	assert.Contains(t, page, "No file is needed, and no record leaves the system.")
	assert.NotContains(t, page, `type="file"`)
	assert.Contains(t, page, "How: Look the person up in the system and say which kinds of data it holds about them")
	assert.NotContains(t, page, "Scan the person")

	code, page = get(h, cats+"&lang=es")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, page, "marque cada tipo que tiene. No hace falta ningún archivo")
	assert.Contains(t, page, `<input type="checkbox" name="held" value="orders" id="held-orders">`)

	code, page = get(h, copyTok)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, page, `type="file"`)
	assert.NotContains(t, page, `name="held"`)

	for _, bad := range []struct {
		name string
		form url.Values
		want string
	}{
		{"nothing ticked", url.Values{"outcome": {"done"}}, "Tick each kind of data the system holds"},
		{"a kind the system does not declare", url.Values{"outcome": {"done"}, "held": {"contact", "health"}}, "Tick each kind of data the system holds"},
		{"ticked and holds nothing", url.Values{"outcome": {"nothing-held"}, "held": {"contact"}}, `You chose "holds nothing" and also ticked kinds of data`},
	} {
		t.Run(bad.name, func(t *testing.T) {
			bad.form.Set("t", cats)
			code, page := postForm(h, bad.form)
			assert.Equal(t, http.StatusBadRequest, code)
			assert.Contains(t, page, bad.want)
		})
	}
	code, page = postFile(t, h, url.Values{"t": {cats}, "outcome": {"done"}, "held": {"contact"}}, "scan.csv", "a\nb\n")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, page, "This request needs no file")
	assert.Empty(t, answers.answers, "nothing recorded, the link still works")

	code, _ = postForm(h, url.Values{"t": {cats}, "outcome": {"done"}, "held": {"orders", "contact"}})
	require.Equal(t, http.StatusOK, code)
	require.Len(t, answers.answers, 1)
	assert.Equal(t, []string{"orders", "contact"}, answers.answers[0].Held)
	assert.Nil(t, answers.answers[0].Upload)

	code, page = postForm(h, url.Values{"t": {copyTok}, "outcome": {"done"}, "held": {"contact"}})
	assert.Equal(t, http.StatusBadRequest, code, "a copy's page offers no boxes")
	assert.Contains(t, page, "Please choose one answer")
}

// get opens the task page of raw.
func get(h http.Handler, raw string) (int, string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/tasks/confirm?t="+raw, nil))
	return rec.Code, rec.Body.String()
}
