package mail_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/pages"
	"github.com/productionflow/privacy-desk/shared/request"
)

const verifyLink = "https://privacy.productionflow.example/verify?t=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE"

func TestRenderVerification(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	v := mail.Verification{
		RequestID: "PR-VRFY-0000-0000-0001", Kinds: []request.Kind{request.Deletion, request.AccessCategories},
		Link: verifyLink, ExpiresAt: time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC), TeamAddress: team, Location: ny,
	}
	tests := []struct {
		language string
		subject  string
		want     []string
	}{
		{"", "Please confirm your privacy request PR-VRFY-0000-0000-0001", []string{"works once, until Monday, December 7, 2026 at 10:00 AM EST", request.Deletion.Title(), "If you did not make this\nrequest, do nothing"}},
		{"es", "Confirme su solicitud de privacidad PR-VRFY-0000-0000-0001", []string{"hasta el lunes, 7 de diciembre de 2026 a las 10:00 a. m. EST", "Eliminar sus datos personales"}},
	}
	for _, tt := range tests {
		t.Run("language "+tt.language, func(t *testing.T) {
			v.Language = tt.language
			m, err := mail.RenderVerification("ana@example.org", v)
			require.NoError(t, err)
			assert.Equal(t, tt.subject, m.Subject)
			assert.NotContains(t, m.Subject, "?t=", "the token is only in the body")
			assert.Contains(t, m.Text, "\n"+verifyLink+"\n")
			assert.Contains(t, m.HTML, `href="`+verifyLink+`"`)
			for _, w := range tt.want {
				assert.Contains(t, m.Text, w)
			}
			assert.Equal(t, []string{team}, m.ReplyTo)
		})
	}
	t.Run("a link that is no URL is not made a link", func(t *testing.T) {
		v.Language = ""
		v.Link = "javascript:alert(1)"
		m, err := mail.RenderVerification("ana@example.org", v)
		require.NoError(t, err)
		assert.NotContains(t, m.HTML, `href="javascript:`)
	})
}

func TestRenderUnverified(t *testing.T) {
	u := mail.Unverified{
		RequestID: "PR-VRFY-0000-0000-0002", ReceivedAt: time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC), Days: 7,
		FormURL: "https://privacy.productionflow.example/", TeamAddress: team,
	}
	tests := []struct {
		name     string
		kinds    []request.Kind
		language string
		optOut   string
		offered  bool
	}{
		{"deletion", []request.Kind{request.Deletion}, "", "Do not sell or share my data", true},
		{"child's data", []request.Kind{request.ChildData}, "", "Do not sell or share my data", true},
		{"access", []request.Kind{request.AccessSpecific, request.Correction}, "", "Do not sell or share my data", false},
		{"deletion in Spanish", []request.Kind{request.Deletion}, "es", "no vendamos ni", true},
		{"deletion with the opt-out asked already", []request.Kind{request.Deletion, request.OptOutSale}, "", "Instead of deleting your data", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u.Kinds, u.Language = tt.kinds, tt.language
			m, err := mail.RenderUnverified("ana@example.org", u)
			require.NoError(t, err)
			assert.Contains(t, m.Subject, u.RequestID)
			formLink := u.FormURL
			if tt.language == "es" {
				formLink += "?lang=es" // the Spanish form (TestSpanishMailLinksTheSpanishForm)
			}
			assert.Contains(t, m.Text, formLink)
			assert.Contains(t, m.HTML, `href="`+formLink+`"`)
			assert.Equal(t, tt.offered, strings.Contains(m.Text, tt.optOut), m.Text)
			assert.Equal(t, tt.offered, strings.Contains(m.HTML, tt.optOut))
		})
	}
}

// TestRenderUnverifiedKeepsTheOptOutsApart: the opt-outs asked with a
// request that was never confirmed were carried out without the
// confirmation (verify TestWorkflowOptOutsAndMoreRunTheOptOutsAtOnce): the
// notice says so, and does not say nothing was done.
func TestRenderUnverifiedKeepsTheOptOutsApart(t *testing.T) {
	u := mail.Unverified{RequestID: "PR-VRFY-0000-0000-0004", ReceivedAt: time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC), Days: 7, TeamAddress: team,
		Kinds: []request.Kind{request.AccessCategories, request.OptOutMarketing}}
	for lang, words := range map[string][3]string{
		"en": {"We have done nothing with your data", "You also asked us to:", "closing this request does not undo it"},
		"es": {"No hicimos nada con sus datos", "También nos pidió:", "cerrar esta solicitud no lo deshace"},
	} {
		u.Language = lang
		m, err := mail.RenderUnverified("ana@example.org", u)
		require.NoError(t, err)
		for _, part := range []string{m.Text, m.HTML} {
			assert.NotContains(t, part, words[0], lang)
			assert.Contains(t, part, words[1], lang)
			assert.Contains(t, part, words[2], lang)
		}
		asked, also, _ := strings.Cut(m.Text, words[1])
		assert.NotContains(t, asked, mail.KindTitle(request.OptOutMarketing, lang), "the opt-out is not among what was not done")
		assert.Contains(t, also, mail.KindTitle(request.OptOutMarketing, lang))
	}
}

// TestAcknowledgementCarriesTheVerificationLink: with a link, the
// acknowledgement is the one mail — it carries the link and when it
// stops working, in both languages and both parts, and no longer promises
// a link by email; without one it still does. Opt-outs alone get no link.
func TestAcknowledgementCarriesTheVerificationLink(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	received := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	a := mail.Acknowledgement{
		RequestID: "PR-VRFY-0000-0000-0003", Kinds: []request.Kind{request.Deletion}, ReceivedAt: received,
		Due:         request.Due{Response: received.AddDate(0, 0, 45)},
		TeamAddress: team, Location: ny, VerifyLink: verifyLink, VerifyLinkUntil: received.Add(7 * 24 * time.Hour),
	}
	tests := []struct {
		language, until, promise, button string
	}{
		{"", "The link works once, until Monday, December 7, 2026 at 10:00 AM EST.", "We will email you a link", "Confirm my request"},
		{"es", "El enlace funciona una sola vez, hasta el lunes, 7 de diciembre de 2026 a las 10:00 a. m. EST.", "Le enviaremos por correo electrónico un enlace", "Confirmar mi solicitud"},
	}
	for _, tt := range tests {
		t.Run("language "+tt.language, func(t *testing.T) {
			a.Language = tt.language
			m, err := mail.RenderAcknowledgement("ana@example.org", a)
			require.NoError(t, err)
			assert.NotContains(t, m.Subject, "?t=", "the token is only in the body")
			assert.Contains(t, m.Text, "\n   "+verifyLink+"\n")
			assert.Contains(t, m.Text, tt.until)
			assert.Contains(t, m.HTML, `href="`+verifyLink+`"`)
			assert.Contains(t, m.HTML, tt.button)
			assert.NotContains(t, m.Text, tt.promise)
			assert.NotContains(t, m.HTML, tt.promise)

			without := a
			without.VerifyLink = ""
			m, err = mail.RenderAcknowledgement("ana@example.org", without)
			require.NoError(t, err)
			assert.Contains(t, m.Text, tt.promise)
			assert.NotContains(t, m.Text, "?t=")
		})
	}
	t.Run("only opt-outs: no link", func(t *testing.T) {
		oo := a
		oo.Language, oo.Kinds, oo.Due = "", []request.Kind{request.OptOutSale}, request.Due{OptOut: received.AddDate(0, 0, 21)}
		m, err := mail.RenderAcknowledgement("ana@example.org", oo)
		require.NoError(t, err)
		assert.NotContains(t, m.Text, verifyLink)
		assert.NotContains(t, m.HTML, verifyLink)
	})
}

// TestALateAcknowledgementSaysItIsLate: an acknowledgement sent after the
// answer date (the team named an unclear mail's kinds after it) does not
// promise that passed date, nor an extension, which must come before it;
// an opt-out date passed is owned likewise.
func TestALateAcknowledgementSaysItIsLate(t *testing.T) {
	received := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	a := mail.Acknowledgement{
		RequestID: "PR-LATE-0000-0000-0001", Kinds: []request.Kind{request.AccessCategories, request.OptOutMarketing}, ReceivedAt: received,
		Due:         request.Due{Response: received.AddDate(0, 0, 45), OptOut: received.AddDate(0, 0, 21)},
		TeamAddress: team, Location: time.UTC, Late: true, OptOutLate: true,
	}
	for lang, words := range map[string][4]string{
		"en": {"We should have answered by Thursday, January 14, 2027, and we are late", "If we need more time", "we are late, and act on it at once", "at the latest"},
		"es": {"Debimos responderle a más tardar el jueves, 14 de enero de 2027, y vamos con", "Si necesitamos más tiempo", "vamos con retraso, y la atendemos de inmediato", "a más tardar, el"},
	} {
		a.Language = lang
		m, err := mail.RenderAcknowledgement("ana@example.org", a)
		require.NoError(t, err)
		for _, part := range []string{m.Text, regexp.MustCompile(`<[^>]*>`).ReplaceAllString(m.HTML, "")} {
			part = strings.Join(strings.Fields(part), " ")
			assert.Contains(t, part, strings.Join(strings.Fields(words[0]), " "), lang)
			assert.NotContains(t, part, words[1], lang)
			assert.Contains(t, part, words[2], lang)
			assert.NotContains(t, part, words[3], lang)
		}
	}
}

// TestAnAcknowledgementAfterTheOptOutsWereDone: sent after the opt-outs
// were carried out (a resend after a late triage), it says so rather than
// that they are late or promising a passed date.
func TestAnAcknowledgementAfterTheOptOutsWereDone(t *testing.T) {
	received := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	a := mail.Acknowledgement{
		RequestID: "PR-DONE-0000-0000-0001", Kinds: []request.Kind{request.Deletion, request.OptOutSale}, ReceivedAt: received,
		Due:         request.Due{Response: received.AddDate(0, 0, 45), OptOut: received.AddDate(0, 0, 21)},
		TeamAddress: team, Location: time.UTC, OptOutLate: true, OptOutsDone: true,
	}
	for lang, done := range map[string]string{"en": "we have acted on yours already", "es": "ya atendimos la suya"} {
		a.Language = lang
		m, err := mail.RenderAcknowledgement("ana@example.org", a)
		require.NoError(t, err)
		for _, part := range []string{m.Text, m.HTML} {
			assert.Contains(t, part, done, lang)
			assert.NotContains(t, part, "late", lang)
			assert.NotContains(t, part, "retraso", lang)
		}
	}
}

// TestVerificationNamesThePagesButton: the verification mail tells the
// requester which button to press on the page its link opens, by the
// words the page's button shows, in each language and both parts.
func TestVerificationNamesThePagesButton(t *testing.T) {
	button := regexp.MustCompile(`<button type="submit">([^<]+)</button>`)
	for _, lang := range pages.Languages {
		t.Run(lang, func(t *testing.T) {
			var page bytes.Buffer
			require.NoError(t, pages.Execute(&page, "verify", pages.View{Lang: lang, Location: time.UTC,
				Data: pages.Verify{RequestID: "PR-VRFY-0000-0000-0004", Kinds: []request.Kind{request.Deletion}, Expires: time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC), Token: "tok"}}))
			found := button.FindAllStringSubmatch(page.String(), -1)
			require.Len(t, found, 1, "the page has one button")
			name := `"` + found[0][1] + `"`

			m, err := mail.RenderVerification("ana@example.org", mail.Verification{
				RequestID: "PR-VRFY-0000-0000-0004", Kinds: []request.Kind{request.Deletion}, Link: verifyLink,
				ExpiresAt: time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC), TeamAddress: team, Location: time.UTC, Language: lang,
			})
			require.NoError(t, err)
			for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
				for _, quoted := range regexp.MustCompile(`"[^"<>\n]*"`).FindAllString(body, -1) {
					if strings.Contains(quoted, "Confirm") {
						assert.Equal(t, name, quoted, "%s: the button the mail names", part)
					}
				}
				assert.Contains(t, body, name, part)
			}
		})
	}
}
