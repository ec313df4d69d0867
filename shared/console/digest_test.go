package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/request"
)

func TestDigest(t *testing.T) {
	ctx := context.Background()
	const team = "privacy@productionflow.example"

	t.Run("nothing to say: no mail", func(t *testing.T) {
		d := newDesk(t)
		// Open, but nothing overdue, due within 7 days, to triage or failed.
		d.add("PR-CALM-AAAA-AAAA-AAAA", 2, request.InProgress, request.Deletion)
		d.add("PR-DONE-FFFF-FFFF-FFFF", 60, request.Completed, request.Deletion)
		dg := &console.Digest{Desk: d.Service, Mail: d.mail, To: team}
		res, err := dg.Send(ctx)
		require.NoError(t, err)
		assert.False(t, res.Sent)
		assert.Equal(t, 1, res.Counts.Open)
		assert.Empty(t, d.mail.sent, "no mail on a quiet day")

		empty := newDesk(t)
		res, err = (&console.Digest{Desk: empty.Service, Mail: empty.mail, To: team}).Send(ctx)
		require.NoError(t, err)
		assert.False(t, res.Sent)
		assert.Empty(t, empty.mail.sent, "no mail with no open request")
	})

	t.Run("counts and lists, no personal data", func(t *testing.T) {
		d := newDesk(t)
		seedWork(d) // 1 overdue, 2 due in 7 days, 1 to triage, 1 needing attention, 1 closed
		dg := &console.Digest{Desk: d.Service, Mail: d.mail, To: team, ConsoleURL: "https://desk.example/console/"}
		res, err := dg.Send(ctx)
		require.NoError(t, err)
		require.True(t, res.Sent)
		assert.Equal(t, console.Counts{Open: 5, Overdue: 1, DueSoon: 2, Triage: 1, Attention: 1}, res.Counts)
		require.Len(t, d.mail.sent, 1)
		m := d.mail.sent[0]
		assert.Equal(t, []string{team}, m.To)
		assert.Equal(t, "Privacy desk, Tue Dec 1: 1 overdue, 2 due in 7 days, 1 to triage, 1 need attention", m.Subject)
		section := func(title string) string {
			_, rest, ok := strings.Cut(m.Text, title)
			require.True(t, ok, "the mail has %q", title)
			before, _, _ := strings.Cut(rest, "\n\n")
			return before
		}
		over := section("Overdue: 1")
		assert.Contains(t, over, "PR-LATE-AAAA-AAAA-AAAA  5 days overdue: response due")
		soon := section("Due in the next 7 days: 2")
		assert.Contains(t, soon, "PR-TDAY-BBBB-BBBB-BBBB  due today")
		assert.Contains(t, soon, "PR-SOON-DDDD-DDDD-DDDD  5 days left")
		assert.NotContains(t, soon, "PR-LATE")
		assert.Contains(t, section("Waiting for triage (unclear mail): 1"), "PR-UNCL-CCCC-CCCC-CCCC")
		assert.Contains(t, section("Needs attention (a step failed, or mail to the requester bounced): 1"), "PR-SOON-DDDD-DDDD-DDDD")
		assert.NotContains(t, m.Text, "PR-DONE", "closed requests are not open work")
		assert.Contains(t, m.HTML, `href="https://desk.example/console/"`)
		for _, r := range d.store.requests {
			for _, personal := range []string{r.Requester.Email, r.Requester.Name} {
				assert.NotContains(t, m.Text+m.HTML+m.Subject, personal, "no personal data")
			}
		}
	})

	t.Run("an expedited request is marked so", func(t *testing.T) {
		d := newDesk(t)
		seedWork(d)
		r := d.store.requests["PR-LATE-AAAA-AAAA-AAAA"]
		r.Priority = request.Expedited
		d.store.put(r)
		_, err := (&console.Digest{Desk: d.Service, Mail: d.mail, To: team}).Send(ctx)
		require.NoError(t, err)
		require.Len(t, d.mail.sent, 1)
		assert.Regexp(t, `PR-LATE-AAAA-AAAA-AAAA .*\n.*, expedited; status`, d.mail.sent[0].Text)
		assert.Equal(t, 1, strings.Count(d.mail.sent[0].Text, "expedited"), "only that one")
	})

	t.Run("a mail that fails is an error, to be retried", func(t *testing.T) {
		d := newDesk(t)
		seedWork(d)
		d.mail.fail = 1
		res, err := (&console.Digest{Desk: d.Service, Mail: d.mail, To: team}).Send(ctx)
		require.Error(t, err)
		assert.False(t, res.Sent)
	})
}
