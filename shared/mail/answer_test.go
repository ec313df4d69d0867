package mail_test

import (
	"strings"
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
				"works until Monday, November 9, 2026", "a copy of your data is in the download below", "If the download fails, write to the privacy team", "again works in the same browser for 15 minutes; after that, or in another\nbrowser, it does not"},
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

func TestRenderAnswerNamesEachSystemOnce(t *testing.T) {
	a := mail.Answer{
		RequestID: "PR-AAAA-BBBB-CCCC-DDDD", Kinds: []request.Kind{request.Deletion, request.OptOutMarketing},
		ReceivedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Location: time.UTC, TeamAddress: "privacy@productionflow.example",
		Systems: []mail.AnswerSystem{
			{Title: "Newsletter list", Outcomes: []string{mail.OutcomeErased, mail.OutcomeSuppressed}},
			{Title: "Newsletter list", Outcome: mail.OutcomeSuppressed}, // a second line for the same system merges
			{Title: "Credit checks", Outcomes: []string{mail.OutcomeWithheld}},
			{Title: "Support", Outcomes: []string{mail.OutcomeNotFound}},
		},
		Withheld: []mail.AnswerHold{{System: "Credit checks", Category: "credit checks and credit decisions", Reason: "Credit decisions must be kept.", Law: "12 CFR 1002.12"}},
	}
	m, err := mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(m.Text, "Newsletter list:"), m.Text)
	assert.Contains(t, m.Text, "  - Newsletter list: deleted; we checked afterwards and it no longer holds your data; also you will get no more marketing mail\n")
	assert.Contains(t, m.Text, "  - Credit checks: kept under a legal hold (see below)\n")
	assert.Contains(t, m.Text, "  - Credit checks, credit checks and credit decisions: Credit decisions must be kept. (12 CFR 1002.12)")
	assert.Contains(t, m.Text, "  - Support: it held no data about you\n")
	assert.Equal(t, 1, strings.Count(m.HTML, "<strong>Newsletter list</strong>"))
	assert.Contains(t, m.HTML, "<li><strong>Newsletter list</strong>: deleted; we checked afterwards and it no longer holds your data; also you will get no more marketing mail</li>")

	a.Language = "es"
	a.Systems = []mail.AnswerSystem{{Title: "Lista del boletín", Outcomes: []string{mail.OutcomeErased, mail.OutcomeSuppressed}}}
	a.Withheld = []mail.AnswerHold{{System: "Consultas de crédito", Category: "consultas de crédito y decisiones de crédito", Reason: "Las decisiones de crédito deben conservarse.", Law: "12 CFR 1002.12"}}
	m, err = mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "  - Lista del boletín: eliminados; lo comprobamos después y ya no guarda sus datos; además, no recibirá más correo de marketing\n")
	assert.Contains(t, m.Text, "  - Consultas de crédito, consultas de crédito y decisiones de crédito: Las decisiones de crédito deben conservarse. (12 CFR 1002.12)")
	assert.Contains(t, m.HTML, "<li><strong>Lista del boletín</strong>: eliminados; lo comprobamos después y ya no guarda sus datos; además, no recibirá más correo de marketing</li>")
	assert.NotContains(t, m.Text, "deleted")

	// A system that deleted all but what its holds keep says so, in both
	// languages.
	a.Systems = []mail.AnswerSystem{{Title: "Pagos", Outcomes: []string{mail.OutcomeErasedKept}}}
	m, err = mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "  - Pagos: eliminados, salvo lo que la ley nos obliga a conservar (ver abajo); lo comprobamos después y no guarda nada más sobre usted\n")
	a.Language, a.Systems[0].Title = "", "Payments"
	m, err = mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.HTML, "<li><strong>Payments</strong>: deleted, but for what the law makes us keep (below); we checked afterwards and it holds nothing else about you</li>")
}

// TestRenderAnswerListsWhatWasCorrected: the corrections are listed only
// where a system corrected its record, escaped in HTML.
func TestRenderAnswerListsWhatWasCorrected(t *testing.T) {
	a := mail.Answer{
		RequestID: "PR-AAAA-BBBB-CCCC-DDDD", Kinds: []request.Kind{request.Correction},
		ReceivedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Location: time.UTC, TeamAddress: "privacy@productionflow.example",
		Systems:     []mail.AnswerSystem{{Title: "Customer accounts", Outcome: mail.OutcomeCorrected}},
		Corrections: []request.CorrectionItem{{Item: "Postal address", Wrong: "1 Old Rd", Right: "2 <New> St"}},
	}
	m, err := mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "  - Customer accounts: corrected as you asked (see below)\n")
	assert.Contains(t, m.Text, "What you asked us to correct:\n  - Postal address: \"1 Old Rd\", now \"2 <New> St\"\n")
	assert.Contains(t, m.HTML, "<li>Postal address: &ldquo;1 Old Rd&rdquo;, now &ldquo;2 &lt;New&gt; St&rdquo;</li>")

	a.Language = "es"
	m, err = mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "corregido como pidió (ver abajo)")
	assert.Contains(t, m.Text, "Lo que nos pidió corregir:")

	a.Language = ""
	a.Systems = []mail.AnswerSystem{{Title: "Customer accounts", Outcome: mail.OutcomeNotFound}}
	m, err = mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.NotContains(t, m.Text, "What you asked us to correct", "nothing was corrected: no list says it was")
}

// TestTheOptOutsAnswerSaysTheRestComesOnlyWhileItIsOpen: the answer to a
// mixed request's opt-outs says the rest is answered on its own only while
// that rest is open.
func TestTheOptOutsAnswerSaysTheRestComesOnlyWhileItIsOpen(t *testing.T) {
	a := mail.Answer{RequestID: "PR-AAAA-BBBB-CCCC-DDDD", Kinds: []request.Kind{request.OptOutSale}, ReceivedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC),
		Location: time.UTC, TeamAddress: "privacy@productionflow.example", OptOutsOnly: true, RestOpen: true}
	m, err := mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Equal(t, "The opt-outs of your privacy request PR-AAAA-BBBB-CCCC-DDDD are done", m.Subject)
	assert.Contains(t, m.HTML, "The rest of your request is answered on its own.")
	a.RestOpen = false
	m, err = mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.NotContains(t, m.Text+m.HTML, "answered on its own")
}

// TestAnswerToAParentSpeaksOfTheChild: the answer to a parent's request
// about their child's data says what was done with the child's data, not
// "your data"; the systems nothing was asked of are not said to hold
// nothing (they may hold personal data: the request is not carried out
// in them), nor to have no part in it (a correction's old value, say, may
// be in one).
func TestAnswerToAParentSpeaksOfTheChild(t *testing.T) {
	a := mail.Answer{
		RequestID: "PR-AAAA-BBBB-CCCC-DDDD", Kinds: []request.Kind{request.ChildData}, ReceivedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC),
		Systems: []mail.AnswerSystem{
			{Title: "Customer accounts", Outcome: mail.OutcomeErased},
			{Title: "Payment processor", Outcome: mail.OutcomeNotFound},
			{Title: "Newsletter list", Outcome: mail.OutcomeSuppressed},
		},
		NotApplicable: []string{"Website analytics"},
		TeamAddress:   "privacy@productionflow.example", Location: time.UTC, Child: true,
	}
	m, err := mail.RenderAnswer("sam@example.com", a)
	require.NoError(t, err)
	for _, part := range []string{m.Text, m.HTML} {
		assert.Contains(t, part, "it no longer holds the child")
		assert.Contains(t, part, "it held no data about the child")
		assert.Contains(t, part, "the child will get no more marketing mail")
		assert.NotContains(t, part, "your data")
		assert.NotContains(t, part, "about you")
		assert.NotContains(t, part, "hold nothing")
		assert.Contains(t, part, "Nothing was asked of these systems, in which this kind of request is")
		assert.NotContains(t, part, "no part")
	}
	a.Language = "es"
	m, err = mail.RenderAnswer("sam@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "ya no guarda los datos del menor")
	assert.Contains(t, m.Text, "no guardaba datos sobre el menor")
	assert.NotContains(t, m.Text, "sus datos")
	assert.Contains(t, m.Text, "No se pidió nada a estos sistemas, en los que este tipo de solicitud no")
	assert.NotContains(t, m.Text, "no intervienen")

	a.Child, a.Language = false, ""
	m, err = mail.RenderAnswer("ada@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "it no longer holds your data")
	assert.Contains(t, m.Text, "it held no data about you")
}
