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

func TestRenderExtensionNotice(t *testing.T) {
	cal, err := clock.New("")
	require.NoError(t, err)
	received := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	due := cal.Deadlines(received, []request.Kind{request.Deletion}, request.Normal)
	n := mail.ExtensionNotice{RequestID: "PR-ABCD-EFGH-JKLM-NPQR", Kinds: []request.Kind{request.Deletion}, ReceivedAt: received,
		Reason: "Our billing system\r\nanswers <slowly>.", AnswerBy: due.Extended, TeamAddress: team, Location: cal.Location()}

	m, err := mail.RenderExtensionNotice("ada@example.com", n)
	require.NoError(t, err)
	assert.Equal(t, []string{"ada@example.com"}, m.To)
	assert.Equal(t, "We need more time to answer your privacy request PR-ABCD-EFGH-JKLM-NPQR", m.Subject)
	assert.Contains(t, m.Text, "Why we need more time: Our billing system answers <slowly>.", "one line, no control characters")
	assert.Contains(t, m.HTML, "Our billing system answers &lt;slowly&gt;.", "escaped in HTML")
	// 90 days from Monday, November 30, 2026, the end of that day in New York.
	assert.Contains(t, m.Text, "answer you by Sunday, February 28, 2027.")
	assert.Contains(t, m.Text, "Delete your personal data")
	assert.Equal(t, []string{team}, m.ReplyTo)

	n.Language = "es"
	m, err = mail.RenderExtensionNotice("ada@example.com", n)
	require.NoError(t, err)
	assert.Equal(t, "es", m.Headers[mail.HeaderContentLanguage])
	assert.True(t, strings.HasPrefix(m.Subject, "Necesitamos más tiempo"))
	assert.Contains(t, m.Text, "Le responderemos a más tardar el domingo, 28 de febrero de 2027.")
	assert.Contains(t, m.HTML, `<html lang="es">`)

	_, err = mail.RenderExtensionNotice("ada@example.com\r\nBcc: x@example.com", n)
	assert.ErrorIs(t, err, mail.ErrRecipient)
}

func TestRenderDenialNotice(t *testing.T) {
	received := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	n := mail.DenialNotice{RequestID: "PR-ABCD-EFGH-JKLM-NPQR", ReceivedAt: received, TeamAddress: team, Location: time.UTC,
		Items: []mail.DenialItem{
			{Kind: request.AccessSpecific, Reason: mail.DenyUnverifiable},
			{Kind: request.Deletion, Reason: mail.DenyOther, Detail: "We keep <invoices> for 7 years."},
		}}
	m, err := mail.RenderDenialNotice("ada@example.com", n)
	require.NoError(t, err)
	assert.Contains(t, m.Subject, "PR-ABCD-EFGH-JKLM-NPQR")
	assert.Contains(t, m.Text, "Get a copy of the specific pieces of personal data we hold about you\n    "+mail.DenialReasonWords(mail.DenyUnverifiable, "en"))
	assert.Contains(t, m.Text, "Delete your personal data\n    For the reason we explain below.\n    We keep <invoices> for 7 years.")
	assert.Contains(t, m.HTML, "We keep &lt;invoices&gt; for 7 years.")
	assert.Contains(t, m.Text, "We have closed the request.")

	n.Language = "es"
	m, err = mail.RenderDenialNotice("ada@example.com", n)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "Eliminar sus datos personales")
	assert.Contains(t, m.Text, mail.DenialReasonWords(mail.DenyUnverifiable, "es"))
	assert.Contains(t, m.Text, "Cerramos la solicitud.")

	for _, r := range mail.DenialReasons {
		assert.NotEmpty(t, mail.DenialReasonWords(r, "en"), r)
		assert.NotEmpty(t, mail.DenialReasonWords(r, "es"), r)
		assert.NotEqual(t, mail.DenialReasonWords(r, "en"), mail.DenialReasonWords(r, "es"), r)
	}
	assert.Empty(t, mail.DenialReasonWords("made-up", "en"))
}

// TestSecurityDenialSaysWhatTheKindRisks: a deletion refused for security
// is not told that "disclosing" its data would be a risk (nothing is
// disclosed in a deletion): its words are the deletion's security
// exception; a request to know keeps the disclosure words.
func TestSecurityDenialSaysWhatTheKindRisks(t *testing.T) {
	m, err := mail.RenderDenialNotice("ada@example.com", mail.DenialNotice{RequestID: "PR-1", ReceivedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC),
		Items:       []mail.DenialItem{{Kind: request.Deletion, Reason: mail.DenySecurity}, {Kind: request.AccessSpecific, Reason: mail.DenySecurity}},
		TeamAddress: "privacy@productionflow.example", Location: time.UTC})
	require.NoError(t, err)
	assert.Contains(t, m.Text, "help ensure the security and integrity")
	assert.Equal(t, 1, strings.Count(m.Text, "Disclosing it"), "only for the request to know")
	for _, k := range request.Kinds {
		for _, lang := range []string{"", "es"} {
			assert.NotEmpty(t, mail.DenialReasonWordsFor(mail.DenySecurity, k, lang), "%s %s", k, lang)
		}
	}
}
