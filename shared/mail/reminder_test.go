package mail_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

func TestRenderDeadlineReminder(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	due := time.Date(2027, 1, 14, 23, 59, 59, 0, ny)
	base := mail.DeadlineReminder{
		RequestID: "PR-ABCD-EFGH-IJKL-MNOP", Clock: "response", ClockTitle: "the answer to the request (45 calendar days)",
		Due: due, Kinds: []request.Kind{request.Deletion, request.OptOutSale},
		Priority: request.Normal, Channel: request.Web, Status: request.InProgress, Location: ny,
	}
	tests := []struct {
		name    string
		edit    func(*mail.DeadlineReminder)
		subject string
		want    []string
		notWant []string
	}{
		{
			name: "reminder",
			edit: func(d *mail.DeadlineReminder) {
				d.Now = time.Date(2026, 12, 30, 14, 0, 0, 0, time.UTC)
				d.BusinessDaysLeft = 10
			},
			subject: "Reminder: response of PR-ABCD-EFGH-IJKL-MNOP is due Thu Jan 14",
			want:    []string{"Thursday, January 14, 2027 at 11:59 PM EST", "10 business day(s), 15 calendar day(s)", "deletion, opt-out-sale", "in-progress", "web", "normal"},
		},
		{
			name: "final, expedited",
			edit: func(d *mail.DeadlineReminder) {
				d.Final = true
				d.Priority = request.Expedited
				d.Now = time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC)
				d.BusinessDaysLeft = 4
			},
			subject: "[expedited] Final reminder: response of PR-ABCD-EFGH-IJKL-MNOP is due Thu Jan 14",
			want:    []string{"Final reminder", "4 business day(s), 3 calendar day(s)"},
		},
		{
			name:    "missed",
			edit:    func(d *mail.DeadlineReminder) { d.Missed = true; d.Now = time.Date(2027, 1, 15, 5, 0, 0, 0, time.UTC) },
			subject: "Deadline missed: response of PR-ABCD-EFGH-IJKL-MNOP was due Thu Jan 14",
			want:    []string{"has passed", "Late by:    1 calendar day(s)"},
			notWant: []string{"Days left"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := base
			tt.edit(&d)
			m, err := mail.RenderDeadlineReminder("privacy@productionflow.example", d)
			require.NoError(t, err)
			assert.Equal(t, []string{"privacy@productionflow.example"}, m.To)
			assert.Equal(t, tt.subject, m.Subject)
			assert.Equal(t, "auto-generated", m.Headers[mail.HeaderAutoSubmitted])
			for _, w := range tt.want {
				assert.Contains(t, m.Text, w)
			}
			for _, w := range tt.notWant {
				assert.NotContains(t, m.Text, w)
			}
			assert.Contains(t, m.HTML, "PR-ABCD-EFGH-IJKL-MNOP")
			assert.NotContains(t, m.HTML, "http", "the team mail carries no links")
			// The hourly sweep sends reminders (shared/deadline.Sweep); there is
			// no per-request deadline watch any more.
			for _, body := range []string{m.Text, m.HTML} {
				assert.Contains(t, body, "(hourly deadline sweep)")
				assert.NotContains(t, body, "deadline watch")
			}
		})
	}

	// A late sweep comes to a reminder after its deadline: no "is close"
	// with days left can be written for it, nor "late by" before it.
	for _, tt := range []struct {
		name          string
		final, missed bool
		now           time.Time
	}{
		{"final reminder after the deadline", true, false, time.Date(2027, 1, 15, 5, 0, 0, 0, time.UTC)},
		{"reminder after the deadline", false, false, time.Date(2027, 1, 15, 18, 0, 0, 0, time.UTC)},
		{"missed at the deadline's last second", false, true, due},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := base
			d.Final, d.Missed, d.Now = tt.final, tt.missed, tt.now
			m, err := mail.RenderDeadlineReminder("privacy@productionflow.example", d)
			require.ErrorIs(t, err, mail.ErrReminderTime)
			assert.Empty(t, m.Text)
		})
	}

	t.Run("unusable team address", func(t *testing.T) {
		_, err := mail.RenderDeadlineReminder("team@example.com\r\nBcc: x@example.com", base)
		assert.ErrorIs(t, err, mail.ErrRecipient)
	})
}
