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

// TestAnAcknowledgementSaysAnOptOutCameFromGPC: a request with more than
// opt-outs, one of which the browser's Global Privacy Control signal
// asked, is acknowledged with the same words the opt-out confirmation
// has for it, in both languages; without the signal, none.
func TestAnAcknowledgementSaysAnOptOutCameFromGPC(t *testing.T) {
	received := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	a := mail.Acknowledgement{RequestID: "PR-1", Kinds: []request.Kind{request.Deletion, request.OptOutSale}, GPC: true,
		ReceivedAt: received, Due: request.Due{Response: received.Add(45 * 24 * time.Hour), OptOut: received.Add(21 * 24 * time.Hour)},
		TeamAddress: "privacy@example.com"}
	m, err := mail.RenderAcknowledgement("ada@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, strings.Join(strings.Fields(m.Text), " "), "Your browser sent a Global Privacy Control signal. We treat it as a request to opt out of the sale or sharing of your personal data.")
	assert.Contains(t, m.HTML, "Your browser sent a Global Privacy Control signal.")
	a.Language = "es"
	m, err = mail.RenderAcknowledgement("ada@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, strings.Join(strings.Fields(m.Text), " "), "Su navegador envió una señal de Control Global de Privacidad")
	a.Language, a.GPC = "", false
	m, err = mail.RenderAcknowledgement("ada@example.com", a)
	require.NoError(t, err)
	assert.NotContains(t, m.Text, "Global Privacy Control")
}
