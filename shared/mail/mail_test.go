package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

const team = "privacy@productionflow.example"

// ack builds the acknowledgement of a deletion request received on
// Christmas Eve 2026, with its real clocks.
func ack(t *testing.T) mail.Acknowledgement {
	t.Helper()
	cal, err := clock.New("")
	require.NoError(t, err)
	received := time.Date(2026, 12, 24, 14, 5, 0, 0, time.UTC) // 9:05 AM in New York
	kinds := []request.Kind{request.Deletion, request.AccessCategories}
	return mail.Acknowledgement{
		RequestID:   "REQ-7Q2M4K",
		Name:        "Dana Smith",
		Kinds:       kinds,
		ReceivedAt:  received,
		Due:         cal.Deadlines(received, kinds, request.Normal),
		TeamAddress: team,
		FormURL:     "https://privacy.productionflow.example/",
		Location:    cal.Location(),
	}
}

func wantAutoHeaders(t *testing.T, m mail.Message) {
	t.Helper()
	wantHeaders(t, m, "en")
}

// wantHeaders checks the header fields of requester mail: machine-sent, and
// written in lang.
func wantHeaders(t *testing.T, m mail.Message, lang string) {
	t.Helper()
	assert.Equal(t, map[string]string{
		"Auto-Submitted":           "auto-generated",
		"X-Auto-Response-Suppress": "All",
		"Content-Language":         lang,
	}, m.Headers)
}

func TestRenderAcknowledgement(t *testing.T) {
	m, err := mail.RenderAcknowledgement("dana@example.com", ack(t))
	require.NoError(t, err)

	assert.Equal(t, []string{"dana@example.com"}, m.To)
	assert.Equal(t, []string{team}, m.ReplyTo, "replies go to the team")
	assert.Equal(t, "We received your privacy request REQ-7Q2M4K", m.Subject)
	wantAutoHeaders(t, m)

	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		t.Run(part, func(t *testing.T) {
			require.NotEmpty(t, body)
			assert.Contains(t, body, "REQ-7Q2M4K")
			assert.NotContains(t, body, "Dana Smith", "no requester text to an unproven address")
			assert.Contains(t, body, "on Thursday, December 24, 2026 at 9:05 AM EST", "receipt in the business zone")
			assert.Contains(t, body, request.Deletion.Title())
			assert.Contains(t, body, request.AccessCategories.Title())
			assert.Contains(t, body, "link to confirm that it is you")
			// 24 Dec 2026 + 45 calendar days.
			assert.Contains(t, body, "Sunday, February 7, 2027")
			assert.Contains(t, body, "extend this once, by up to 45 days")
			assert.Contains(t, body, "and why")
			assert.Contains(t, body, team)
			assert.Contains(t, body, "sent automatically")
			assert.NotContains(t, body, "Opt-outs need no confirmation", "no opt-out was asked")
			assert.NotContains(t, body, "with priority")
		})
	}
	assert.Contains(t, m.HTML, `<a href="mailto:privacy@productionflow.example">`)
	assert.Contains(t, m.HTML, `<a href="https://privacy.productionflow.example/">`)
	assert.True(t, strings.HasPrefix(m.HTML, "<!DOCTYPE html>"))
	for _, line := range strings.Split(m.Text, "\n") {
		assert.LessOrEqual(t, len([]rune(line)), 78, "plain text lines stay readable: %q", line)
	}
}

func TestRenderAcknowledgementVariants(t *testing.T) {
	cal, err := clock.New("")
	require.NoError(t, err)
	received := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC) // Monday 9:00 AM in New York

	tests := []struct {
		name     string
		kinds    []request.Kind
		edit     func(*mail.Acknowledgement)
		want     []string
		wantNot  []string
		wantSubj string
	}{
		{
			name:  "with an opt-out of sale the opt-out date is given too",
			kinds: []request.Kind{request.AccessSpecific, request.OptOutSale},
			want: []string{
				"Thursday, January 14, 2027", // 30 Nov + 45
				"Opt-outs need no confirmation",
				"Monday, December 21, 2026", // 15 business days
			},
		},
		{
			name:    "only opt-outs: no identity check, no 45-day answer",
			kinds:   []request.Kind{request.OptOutMarketing},
			want:    []string{"Opt-outs need no confirmation", "Monday, December 14, 2026"},
			wantNot: []string{"link to confirm", "extend this once"},
		},
		{
			name:  "expedited",
			kinds: []request.Kind{request.ChildData},
			edit:  func(a *mail.Acknowledgement) { a.Expedited = true },
			want:  []string{"handled with priority", request.ChildData.Title()},
		},
		{
			name:    "no name, no form",
			kinds:   []request.Kind{request.Correction},
			edit:    func(a *mail.Acknowledgement) { a.Name = ""; a.FormURL = "" },
			want:    []string{"Hello,"},
			wantNot: []string{"Hello ,", "our form"},
		},
		{
			name:     "a request ID with a line break cannot add a header line to the subject",
			kinds:    []request.Kind{request.Deletion},
			edit:     func(a *mail.Acknowledgement) { a.RequestID = "REQ-1\r\nBcc: someone@example.com" },
			wantSubj: "We received your privacy request REQ-1 Bcc: someone@example.com",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mail.Acknowledgement{
				RequestID: "REQ-V", Name: "Sam", Kinds: tt.kinds, ReceivedAt: received,
				Due:         cal.Deadlines(received, tt.kinds, request.Normal),
				TeamAddress: team, FormURL: "https://privacy.productionflow.example/", Location: cal.Location(),
			}
			if tt.edit != nil {
				tt.edit(&a)
			}
			m, err := mail.RenderAcknowledgement("sam@example.com", a)
			require.NoError(t, err)
			wantAutoHeaders(t, m)
			for _, body := range []string{m.Text, m.HTML} {
				for _, s := range tt.want {
					assert.Contains(t, body, s)
				}
				for _, s := range tt.wantNot {
					assert.NotContains(t, body, s)
				}
			}
			if tt.wantSubj != "" {
				assert.Equal(t, tt.wantSubj, m.Subject)
			}
			assert.NotContains(t, m.Subject, "\r")
			assert.NotContains(t, m.Subject, "\n")
		})
	}
}

// TestRequesterValuesEscaped feeds hostile names through the acknowledgement,
// which goes to an address nobody has proven control of yet: the name is
// not written anywhere in it (a phisher could otherwise make the desk mail
// their words, links included, to anyone), and the subject and headers
// stay the desk's own.
func TestRequesterValuesEscaped(t *testing.T) {
	tests := []struct {
		name  string
		given string
		trace string // a part of the name that must appear nowhere
	}{
		{
			name:  "script tag",
			given: `<script>alert("x")</script>`,
			trace: "alert",
		},
		{
			name:  "phishing text with a link",
			given: "<b>x</b> your account will be deleted; to stop it log in at https://evil.example/login",
			trace: "evil.example",
		},
		{
			name:  "ampersand",
			given: "Tom & Jerry",
			trace: "Jerry",
		},
		{
			name:  "quotes",
			given: `Dana "DJ" O'Brien`,
			trace: "Brien",
		},
		{
			name:  "CR/LF header injection",
			given: "Eve\r\nBcc: attacker@example.com\r\n\r\n<b>hi</b>",
			trace: "attacker@example.com",
		},
		{
			name:  "unicode",
			given: "Zoë Ñandú 山田太郎 🙂",
			trace: "山田",
		},
		{
			name:  "bidirectional override and NUL",
			given: "Mallory\u202Egpj.exe\x00\x1b[31m",
			trace: "Mallory",
		},
		{
			name:  "invalid UTF-8",
			given: "Bad\xff\xfeName",
			trace: "Bad",
		},
		{
			name:  "HTML comment and attribute breakout",
			given: `--><img src=x onerror=alert(1)>`,
			trace: "onerror",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ack(t)
			a.Name = tt.given
			m, err := mail.RenderAcknowledgement("dana@example.com", a)
			require.NoError(t, err)

			assert.Contains(t, m.Text, "Hello,\n")
			assert.Contains(t, m.HTML, "<p>Hello,</p>")
			assert.NotContains(t, m.Text, tt.trace, "the name is not in the mail")
			assert.NotContains(t, m.HTML, tt.trace, "the name is not in the mail")
			assert.NotContains(t, m.Text, "\r")
			assert.NotContains(t, m.Text, "\x00")
			assert.NotContains(t, m.Text, "\u202E")
			assert.NotContains(t, m.Text, "Bcc: attacker@example.com\n")

			assert.Equal(t, "We received your privacy request REQ-7Q2M4K", m.Subject, "the name never goes into the subject")
			wantAutoHeaders(t, m)
			assert.Equal(t, []string{"dana@example.com"}, m.To)
		})
	}
}

func TestRenderRefusesBadRecipient(t *testing.T) {
	for _, to := range []string{"", "  ", "dana@example.com\r\nBcc: x@example.com", "dana@example.com\n", "da\x00na@example.com"} {
		t.Run(to, func(t *testing.T) {
			_, err := mail.RenderAcknowledgement(to, ack(t))
			require.ErrorIs(t, err, mail.ErrRecipient)
			assert.NotContains(t, err.Error(), "dana", "errors may be logged: no address in them")

			_, err = mail.RenderOptOutConfirmation(to, mail.OptOutConfirmation{RequestID: "R", Kinds: []request.Kind{request.OptOutSale}})
			require.ErrorIs(t, err, mail.ErrRecipient)
		})
	}
}

func TestRenderOptOutConfirmation(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	received := time.Date(2027, 1, 1, 4, 30, 0, 0, time.UTC) // 11:30 PM on 31 December in New York

	tests := []struct {
		name    string
		in      mail.OptOutConfirmation
		want    []string
		wantNot []string
	}{
		{
			name: "sale",
			in:   mail.OptOutConfirmation{Kinds: []request.Kind{request.OptOutSale}},
			want: []string{request.OptOutSale.Title(), "within 15 business days"},
			wantNot: []string{
				"marketing email promptly", "Global Privacy Control",
			},
		},
		{
			name:    "marketing",
			in:      mail.OptOutConfirmation{Kinds: []request.Kind{request.OptOutMarketing}},
			want:    []string{request.OptOutMarketing.Title(), "marketing email promptly", "within 10 business days"},
			wantNot: []string{"selling or sharing"},
		},
		{
			name: "Global Privacy Control signal alone",
			in:   mail.OptOutConfirmation{GPC: true},
			want: []string{"Global Privacy Control", request.OptOutSale.Title(), "within 15 business days"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.in
			c.RequestID = "REQ-OPT1"
			c.ReceivedAt = received
			c.TeamAddress = team
			c.Location = ny
			m, err := mail.RenderOptOutConfirmation("pat@example.com", c)
			require.NoError(t, err)
			assert.Equal(t, "Your opt-out is recorded (request REQ-OPT1)", m.Subject)
			assert.Equal(t, []string{"pat@example.com"}, m.To)
			wantAutoHeaders(t, m)
			for _, body := range []string{m.Text, m.HTML} {
				require.NotEmpty(t, body)
				assert.Contains(t, body, "REQ-OPT1")
				assert.Contains(t, body, "Thursday, December 31, 2026 at 11:30 PM EST")
				assert.Contains(t, body, "sent automatically")
				for _, s := range tt.want {
					assert.Contains(t, body, s)
				}
				for _, s := range tt.wantNot {
					assert.NotContains(t, body, s)
				}
			}
		})
	}
}

// TestDatesInBusinessZone: a deadline that comes back from storage in UTC
// (23:59:59 in New York is 04:59:59 the next day in UTC) is still written
// as its New York date.
func TestDatesInBusinessZone(t *testing.T) {
	a := ack(t)
	a.Due.Response = a.Due.Response.UTC()
	a.ReceivedAt = a.ReceivedAt.UTC()
	m, err := mail.RenderAcknowledgement("dana@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "We will answer by Sunday, February 7, 2027.")
	assert.Contains(t, m.Text, "at 9:05 AM EST")

	a.Location = nil // each date in the zone it carries
	m, err = mail.RenderAcknowledgement("dana@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "We will answer by Monday, February 8, 2027.")
	assert.Contains(t, m.Text, "at 2:05 PM UTC")
}
