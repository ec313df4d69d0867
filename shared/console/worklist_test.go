package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/request"
)

// seedWork stores five open requests and a closed one: received 50, 44,
// 30, 3 and 1 days ago.
func seedWork(d *desk) {
	d.add("PR-LATE-AAAA-AAAA-AAAA", 50, request.InProgress, request.Deletion)        // response 5 days overdue
	d.add("PR-TDAY-BBBB-BBBB-BBBB", 45, request.Verifying, request.AccessCategories) // response due today
	unclear := d.add("PR-UNCL-CCCC-CCCC-CCCC", 3, request.Acknowledged, request.Unclear)
	unclear.Channel = request.Email
	d.store.put(unclear)
	d.add("PR-SOON-DDDD-DDDD-DDDD", 40, request.InProgress, request.Portability) // response in 5 days
	d.add("PR-OPTO-EEEE-EEEE-EEEE", 1, request.InProgress, request.OptOutSale)   // opt-out in 15 business days
	d.add("PR-DONE-FFFF-FFFF-FFFF", 60, request.Completed, request.Deletion)
	d.store.requests["PR-SOON-DDDD-DDDD-DDDD"].Attention = request.ActionNeedsAttention
}

func ids(rows []console.Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

func TestWorkList(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	seedWork(d)

	wl, err := d.WorkList(ctx, console.Filter{})
	require.NoError(t, err)
	assert.Equal(t, []string{"PR-LATE-AAAA-AAAA-AAAA", "PR-TDAY-BBBB-BBBB-BBBB", "PR-SOON-DDDD-DDDD-DDDD", "PR-OPTO-EEEE-EEEE-EEEE", "PR-UNCL-CCCC-CCCC-CCCC"},
		ids(wl.Rows), "open requests only, the nearest deadline first: overdue at the top")
	assert.Equal(t, console.Counts{Open: 5, Overdue: 1, DueSoon: 2, Triage: 1, Attention: 1}, wl.Counts)
	late := wl.Rows[0]
	assert.True(t, late.Overdue)
	assert.Equal(t, -5, late.DaysLeft)
	assert.Equal(t, "response", late.Clock)
	assert.Equal(t, 0, wl.Rows[1].DaysLeft)
	assert.False(t, wl.Rows[1].Overdue, "due today is not overdue until the day ends")
	assert.Equal(t, "opt-out", wl.Rows[3].Clock)
	assert.Equal(t, "response", wl.Rows[4].Clock, "acknowledged: the answer's clock")
	assert.Equal(t, 1, d.store.queries["open-work"], "one query of the open-work index")

	for name, tt := range map[string]struct {
		f    console.Filter
		want []string
	}{
		"by status":       {console.Filter{Status: request.Verifying}, []string{"PR-TDAY-BBBB-BBBB-BBBB"}},
		"by kind":         {console.Filter{Kind: request.Unclear}, []string{"PR-UNCL-CCCC-CCCC-CCCC"}},
		"by channel":      {console.Filter{Channel: request.Email}, []string{"PR-UNCL-CCCC-CCCC-CCCC"}},
		"by priority":     {console.Filter{Priority: request.Expedited}, nil},
		"needs attention": {console.Filter{Attention: true}, []string{"PR-SOON-DDDD-DDDD-DDDD"}},
	} {
		t.Run(name, func(t *testing.T) {
			wl, err := d.WorkList(ctx, tt.f)
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids(wl.Rows))
			assert.Equal(t, 5, wl.Counts.Open, "the counts are over every open request")
		})
	}
}

func TestFind(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	seedWork(d)
	tests := []struct {
		q    string
		want []string
		err  error
	}{
		{"PR-DONE-FFFF-FFFF-FFFF", []string{"PR-DONE-FFFF-FFFF-FFFF"}, nil},
		{"  pr-late-aaaa-aaaa-aaaa ", []string{"PR-LATE-AAAA-AAAA-AAAA"}, nil},
		{"pr-none-zzzz-zzzz-zzzz", nil, nil},
		{"PR-DONE-FFFF-FFFF-FFFF@example.com", []string{"PR-DONE-FFFF-FFFF-FFFF"}, nil},
		{"nobody@example.com", nil, nil},
		{"lovelace", nil, console.ErrQuery},
		{"", nil, console.ErrQuery},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			rows, err := d.Find(ctx, tt.q)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids(rows))
		})
	}
	assert.Zero(t, d.store.queries["open-work"], "a search reads the index of addresses, not the open work")
}

func TestWorkListPage(t *testing.T) {
	d := newDesk(t)
	seedWork(d)
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")

	w := b.do("GET", "/console/", nil)
	require.Equal(t, http.StatusOK, w.Code)
	body := w.Body.String()
	assert.Contains(t, body, "<strong>1</strong> overdue")
	assert.Contains(t, body, "<strong>2</strong> due in the next 7 days")
	assert.Contains(t, body, "<strong>1</strong> waiting for triage")
	assert.Contains(t, body, "<strong>1</strong> need attention")
	assert.Regexp(t, `(?s)PR-LATE-AAAA-AAAA-AAAA.*class="overdue">5 days overdue</span>.*PR-TDAY.*due today.*PR-SOON.*5 days left`, body)
	assert.NotContains(t, body, "PR-DONE", "closed requests are not work")
	assert.NotContains(t, body, "@example.com", "the list shows no personal data")
	assert.Contains(t, body, `<a href="./requests/PR-LATE-AAAA-AAAA-AAAA">`)
	for _, label := range []string{`<label for="status">`, `<label for="kind">`, `<label for="channel">`, `<label for="priority">`, `<label for="attention">`, `<label for="q">`} {
		assert.Contains(t, body, label, "every filter is labelled")
	}

	w = b.do("GET", "/console/?kind=unclear&channel=email&status=bogus", nil)
	body = w.Body.String()
	assert.Contains(t, body, "PR-UNCL-CCCC-CCCC-CCCC")
	assert.NotContains(t, body, "PR-LATE-AAAA")
	assert.Contains(t, body, `<option value="unclear" selected>`)

	t.Run("find by email: a POST with the CSRF token", func(t *testing.T) {
		token := csrf(t, body)
		w := b.do("POST", "/console/find", url.Values{"csrf": {token}, "q": {"pr-done-ffff-ffff-ffff@EXAMPLE.com"}})
		require.Equal(t, http.StatusOK, w.Code)
		assert.Regexp(t, regexp.MustCompile(`(?s)Search results.*PR-DONE-FFFF-FFFF-FFFF.*closed`), w.Body.String())

		w = b.do("POST", "/console/find", url.Values{"csrf": {"wrong"}, "q": {"pr-done-ffff-ffff-ffff@example.com"}})
		assert.Equal(t, http.StatusForbidden, w.Code)
		assert.NotContains(t, w.Body.String(), "PR-DONE")

		w = b.do("POST", "/console/find", url.Values{"csrf": {token}, "q": {"Ada"}})
		assert.Contains(t, w.Body.String(), "Search by a request ID (PR-…) or by the requester&#39;s exact email address.")
	})
}
