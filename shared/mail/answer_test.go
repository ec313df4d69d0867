package mail_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

func TestRenderAnswer(t *testing.T) {
	received := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	base := mail.Answer{
		RequestID: "PR-AAAA-BBBB-CCCC-DDDD", Kinds: []request.Kind{request.Deletion}, ReceivedAt: received,
		Systems: []mail.AnswerSystem{
			{Title: "Payment processor", Outcome: mail.OutcomeErased},
			{Title: "Analytics", Outcome: mail.OutcomeErasedAsk},
			{Title: "Credit <b>checks</b>", Outcome: mail.OutcomeWithheld},
		},
		Withheld:      []mail.AnswerHold{{System: "Credit <b>checks</b>", Category: "invoices", Reason: "Financial records\r\nBcc: x@evil.example", Law: "26 U.S.C. § 6001", Until: "7 years"}},
		NotApplicable: []string{"Newsletter list"},
		TeamAddress:   "privacy@productionflow.example",
		Location:      time.UTC,
	}
	tests := []struct {
		name     string
		change   func(a *mail.Answer)
		subject  string
		text     []string
		notText  []string
		html     []string
		language string
	}{
		{
			name:    "deletion in English",
			subject: "Your privacy request PR-AAAA-BBBB-CCCC-DDDD is done",
			text: []string{"Payment processor: deleted; we checked afterwards", "Analytics: deletion requested",
				"Credit <b>checks</b>, invoices: Financial records Bcc: x@evil.example (26 U.S.C. § 6001) Kept until: 7 years.",
				"Newsletter list"},
			notText:  []string{"download"},
			html:     []string{"Credit &lt;b&gt;checks&lt;/b&gt;", "What we kept, and why"},
			language: "en",
		},
		{
			name:     "deletion in Spanish",
			change:   func(a *mail.Answer) { a.Language = "es-MX" },
			subject:  "Su solicitud de privacidad PR-AAAA-BBBB-CCCC-DDDD está completada",
			text:     []string{"Payment processor: eliminados; lo comprobamos después", "Lo que conservamos, y por qué", "Se conserva hasta: 7 years."},
			html:     []string{"Lo que conservamos"},
			language: "es",
		},
		{
			name: "access with a link",
			change: func(a *mail.Answer) {
				a.Kinds = []request.Kind{request.AccessCategories}
				a.Systems = []mail.AnswerSystem{{Title: "Customer accounts", Outcome: mail.OutcomeExported}}
				a.Withheld = nil
				a.Link = "https://privacy.productionflow.example/download?t=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE"
				a.LinkExpires = received.Add(7 * 24 * time.Hour)
			},
			subject: "Your privacy request PR-AAAA-BBBB-CCCC-DDDD is done",
			text: []string{"https://privacy.productionflow.example/download?t=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE",
				"works until Monday, November 9, 2026", "a copy of your data is in the download below", "write to\nus for a new one"},
			notText:  []string{"What we kept"},
			html:     []string{`href="https://privacy.productionflow.example/download?t=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE"`, "Download button"},
			language: "en",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := base
			if tt.change != nil {
				tt.change(&a)
			}
			m, err := mail.RenderAnswer("jane@example.com", a)
			require.NoError(t, err)
			assert.Equal(t, tt.subject, m.Subject)
			assert.Equal(t, []string{"privacy@productionflow.example"}, m.ReplyTo)
			assert.Equal(t, tt.language, m.Headers[mail.HeaderContentLanguage])
			for _, w := range tt.text {
				assert.Contains(t, m.Text, w)
			}
			for _, w := range tt.notText {
				assert.NotContains(t, m.Text, w)
			}
			for _, w := range tt.html {
				assert.Contains(t, m.HTML, w)
			}
			assert.NotContains(t, m.HTML, "<b>checks")
		})
	}
	_, err := mail.RenderAnswer("jane@example.com\r\nBcc: x@evil.example", base)
	assert.ErrorIs(t, err, mail.ErrRecipient)
}

func TestRenderAttention(t *testing.T) {
	m, err := mail.RenderAttention("privacy@productionflow.example", mail.Attention{
		RequestID: "PR-AAAA-BBBB-CCCC-DDDD", Done: 3,
		Failed: []mail.AttentionItem{{System: "support-desk", Action: "erase", Error: "ErasureNotProvenError", Cause: "erasure not proven"}},
	})
	require.NoError(t, err)
	assert.Equal(t, "Privacy request PR-AAAA-BBBB-CCCC-DDDD needs attention: 1 system(s) failed", m.Subject)
	assert.Contains(t, m.Text, "support-desk (erase): ErasureNotProvenError: erasure not proven")
	assert.Contains(t, m.Text, "3 system step(s) succeeded")
}
