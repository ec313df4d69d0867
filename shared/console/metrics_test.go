package console_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// years serves ReceivedBetween from a fixed list.
type years []request.Request

func (y years) ReceivedBetween(_ context.Context, from, to time.Time) ([]request.Request, error) {
	var out []request.Request
	for _, r := range y {
		if !r.ReceivedAt.Before(from) && r.ReceivedAt.Before(to) {
			out = append(out, r)
		}
	}
	return out, nil
}

// TestMetricsPages serves the metrics page and its CSV to a signed-in
// member, and neither to anyone else. (The figures themselves are checked
// against a seeded table in shared/dynamo's TestYearlyMetrics.)
func TestMetricsPages(t *testing.T) {
	d := newDesk(t)
	day := func(m time.Month, dd int) time.Time { return time.Date(2026, m, dd, 12, 0, 0, 0, time.UTC) }
	denied := request.Request{ID: "PR-DENY", Kinds: []request.Kind{request.Deletion}, Status: request.Denied, ReceivedAt: day(3, 1), ClosedAt: day(3, 11)}
	_ = d.store.AppendEvent(context.Background(), request.Event{RequestID: denied.ID, At: day(3, 11), Action: request.StatusAction(request.Denied),
		Data: map[string]string{"reason.deletion": mail.DenySecurity}})
	yearly := &console.Yearly{Trails: d.store, Location: time.UTC, Years: years{
		{ID: "PR-DONE", Kinds: []request.Kind{request.Deletion}, Status: request.Completed, ReceivedAt: day(2, 1), ClosedAt: day(2, 21)},
		denied,
	}}
	auth := &fakeAuth{now: authNow}
	h := console.New(console.Config{Auth: auth, Sessions: fakeSessions{}, Desk: d.Service, Metrics: yearly, Group: "privacy-team",
		AuthNow: func() time.Time { return authNow }, Entropy: &counter{}})

	stranger := newBrowser(t, h, "desk.example")
	assert.Equal(t, http.StatusSeeOther, stranger.do("GET", "/console/metrics.csv?year=2026", nil).Code, "no session: sign in first")

	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	page := b.do("GET", "/console/metrics?year=2026", nil)
	require.Equal(t, http.StatusOK, page.Code, page.Body.String())
	body := page.Body.String()
	assert.Contains(t, body, "Requests received in 2026")
	assert.Contains(t, body, `<th scope="row">deletion</th><td>2</td><td>1</td><td>1</td><td>0</td><td>0</td><td>15.0</td><td>15.0</td>`)
	assert.Contains(t, body, mail.DenialReasonWords(mail.DenySecurity, ""))
	assert.Contains(t, body, `href="./metrics.csv?year=2026"`)

	csv := b.do("GET", "/console/metrics.csv?year=2026", nil)
	require.Equal(t, http.StatusOK, csv.Code)
	assert.Equal(t, "text/csv; charset=utf-8", csv.Header().Get("Content-Type"))
	assert.Equal(t, "year,kind,received,complied_in_whole_or_part,denied,withdrawn,open,answered,median_days_to_respond,mean_days_to_respond\n"+
		"2026,deletion,2,1,1,0,0,2,15.0,15.0\n\nyear,kind,denial_reason,denied\n2026,deletion,security,1\n", csv.Body.String())

	assert.Equal(t, http.StatusBadRequest, b.do("GET", "/console/metrics?year=twenty", nil).Code)
	empty := b.do("GET", "/console/metrics?year=2025", nil)
	assert.Contains(t, empty.Body.String(), "No request was received in 2025.")
}

// TestAnUnverifiedRequestsOptOutsCountAsDone: the opt-outs of a request
// closed unverified needed no verification and were carried out on their
// own (their opt-out:done event): the yearly metrics count them complied
// with, not denied as unverifiable; one not yet carried out is open.
func TestAnUnverifiedRequestsOptOutsCountAsDone(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	day := func(m time.Month, dd int) time.Time { return time.Date(2026, m, dd, 12, 0, 0, 0, time.UTC) }
	kinds := []request.Kind{request.AccessCategories, request.OptOutMarketing}
	done := request.Request{ID: "PR-UNV1", Kinds: kinds, Status: request.Unverified, ReceivedAt: day(4, 1), ClosedAt: day(4, 9)}
	pending := request.Request{ID: "PR-UNV2", Kinds: kinds, Status: request.Unverified, ReceivedAt: day(4, 2), ClosedAt: day(4, 10)}
	require.NoError(t, d.store.AppendEvent(ctx, request.Event{RequestID: done.ID, At: day(4, 3), Action: request.ActionOptOutDone, Once: request.ActionOptOutDone}))
	m, err := (&console.Yearly{Trails: d.store, Location: time.UTC, Years: years{done, pending}}).Metrics(ctx, 2026)
	require.NoError(t, err)
	by := map[request.Kind]console.KindMetrics{}
	for _, km := range m.Kinds {
		by[km.Kind] = km
	}
	assert.Equal(t, 2, by[request.AccessCategories].Denied, "what needed the verification was refused")
	assert.Equal(t, 2, by[request.AccessCategories].ByReason[mail.DenyUnverifiable])
	optOut := by[request.OptOutMarketing]
	assert.Equal(t, 1, optOut.Complied, "carried out")
	assert.Equal(t, 1, optOut.Open, "not carried out yet")
	assert.Zero(t, optOut.Denied)
	assert.Equal(t, 1, optOut.Answered)
	assert.Equal(t, 2.0, optOut.MedianDays, "days to its opt-out:done, not to the closing")
}

// TestMetricsNameTheOtherReasonForTheTeam: a denial for "other" is listed
// as such, not in the words the requester's notice opens with.
func TestMetricsNameTheOtherReasonForTheTeam(t *testing.T) {
	km := console.KindMetrics{Kind: request.Deletion, ByReason: map[string]int{mail.DenyOther: 2, mail.DenySecurity: 1}}
	words := map[string]string{}
	for _, rc := range km.Reasons() {
		words[rc.Reason] = rc.Words
	}
	assert.Equal(t, "Another reason, in the team's own words to the requester", words[mail.DenyOther])
	assert.Equal(t, mail.DenialReasonWords(mail.DenySecurity, ""), words[mail.DenySecurity])
}
