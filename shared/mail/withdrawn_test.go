package mail_test

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// oneLine folds a part's line breaks, inline tags and HTML's escapes, so a
// sentence is found whichever line it was wrapped on.
func oneLine(s string) string {
	s = inlineTag.ReplaceAllString(s, "")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

var inlineTag = regexp.MustCompile(`</?strong>`)

// The withdrawal notice says, in the request's language, that the request
// is withdrawn and closed with nothing more done; what of it stands (an
// opt-out carried out and its date, one begun, one stopped; data already
// deleted, by system); that a new request may be made on the form in its
// language; and carries the status link — each in the text and the HTML.
func TestTheWithdrawalNoticeSaysWhatStands(t *testing.T) {
	at := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	optOutAt := time.Date(2026, 11, 5, 15, 0, 0, 0, time.UTC)
	const link = "https://privacy.example/status?t=AbC"
	const form = "https://privacy.example/"
	type sentence struct{ en, es string }
	var (
		closed = sentence{"Your privacy request PR-1, received on Monday, November 2, 2026, was withdrawn. It is closed, and we will do nothing more for it.",
			"Su solicitud de privacidad PR-1, recibida el lunes, 2 de noviembre de 2026, fue retirada. Está cerrada y no haremos nada más con ella."}
		optOutDone = sentence{"We carried out your opt-out on Thursday, November 5, 2026, before the request was withdrawn. It stands: withdrawing the request does not undo it.",
			"Llevamos a cabo su exclusión el jueves, 5 de noviembre de 2026, antes de que se retirara la solicitud. Sigue vigente: retirar la solicitud no la deshace."}
		optOutBegun = sentence{"We had begun carrying out your opt-out before the request was withdrawn: what was already done in our systems stands, and the rest is stopped.",
			"Habíamos empezado a llevar a cabo su exclusión antes de que se retirara la solicitud: lo que ya se hizo en nuestros sistemas sigue vigente, y el resto se detuvo."}
		optOutStopped = sentence{"Your opt-out had not been carried out when the request was withdrawn: it is stopped with the rest.",
			"Su exclusión no se había llevado a cabo cuando se retiró la solicitud: se detuvo junto con lo demás."}
		erased = sentence{"Before it was withdrawn, 2 of our systems had already deleted your data. A deletion cannot be undone.",
			"Antes de que se retirara, 2 de nuestros sistemas ya habían eliminado sus datos. Una eliminación no se puede deshacer."}
		asked = sentence{"Before it was withdrawn, one of our systems had been asked to delete your data, which they do on their own schedule: that cannot be stopped.",
			"Antes de que se retirara, se había pedido a uno de nuestros sistemas que eliminara sus datos, lo que hacen según su propio calendario: eso no se puede detener."}
		again = sentence{"If you want any of this after all, you are welcome to make a new request",
			"Si después de todo desea algo de esto, puede hacer una nueva solicitud"}
		statusLink = sentence{"See where your request stands", "Consulte en qué punto está su solicitud"}
	)
	mixed := []request.Kind{request.Deletion, request.OptOutSale}
	cases := []struct {
		name       string
		n          mail.WithdrawalNotice
		want, not  []sentence
		subjectIn  sentence
		formInLang bool
	}{
		{"nothing done", mail.WithdrawalNotice{Kinds: []request.Kind{request.Deletion}},
			[]sentence{closed, again}, []sentence{optOutDone, optOutBegun, optOutStopped, erased, statusLink}, sentence{}, false},
		{"an opt-out carried out stands", mail.WithdrawalNotice{Kinds: mixed, OptOutDone: optOutAt, OptOutsBegun: true, StatusLink: link, FormURL: form},
			[]sentence{closed, optOutDone, again, statusLink}, []sentence{optOutBegun, optOutStopped, erased}, sentence{}, true},
		{"an opt-out begun", mail.WithdrawalNotice{Kinds: mixed, OptOutsBegun: true},
			[]sentence{closed, optOutBegun}, []sentence{optOutDone, optOutStopped}, sentence{}, false},
		{"an opt-out not carried out is stopped", mail.WithdrawalNotice{Kinds: mixed},
			[]sentence{closed, optOutStopped}, []sentence{optOutDone, optOutBegun}, sentence{}, false},
		{"no opt-out asked: none is mentioned", mail.WithdrawalNotice{Kinds: []request.Kind{request.Deletion}, OptOutDone: optOutAt, OptOutsBegun: true},
			nil, []sentence{optOutDone, optOutBegun, optOutStopped}, sentence{}, false},
		{"data already deleted cannot be undone", mail.WithdrawalNotice{Kinds: []request.Kind{request.Deletion}, Erased: []string{"crm", "support-desk"}},
			[]sentence{closed, erased}, []sentence{asked}, sentence{}, false},
		{"a deletion accepted unproven cannot be stopped, and no system is named", mail.WithdrawalNotice{Kinds: []request.Kind{request.Deletion},
			Erased: []string{"crm", "support-desk"}, Asked: []string{"google-analytics"}},
			[]sentence{closed, erased, asked}, []sentence{{"google-analytics", "google-analytics"}, {"crm", "crm"}}, sentence{}, false},
	}
	for _, c := range cases {
		for _, lang := range []string{"en", "es"} {
			t.Run(c.name+" "+lang, func(t *testing.T) {
				n := c.n
				n.RequestID, n.ReceivedAt, n.TeamAddress, n.Language = "PR-1", at, "privacy@example.com", lang
				m, err := mail.RenderWithdrawalNotice("ana@example.org", n)
				require.NoError(t, err)
				pick := func(s sentence) string {
					if lang == "es" {
						return s.es
					}
					return s.en
				}
				assert.Equal(t, pick(sentence{"Your privacy request PR-1 is withdrawn", "Su solicitud de privacidad PR-1 fue retirada"}), m.Subject)
				assert.Equal(t, lang, m.Headers["Content-Language"])
				for part, body := range map[string]string{"text": oneLine(m.Text), "html": oneLine(m.HTML)} {
					for _, s := range c.want {
						assert.Contains(t, body, pick(s), part)
					}
					for _, s := range c.not {
						assert.NotContains(t, body, pick(s), part)
					}
					if c.formInLang {
						want := form
						if lang == "es" {
							want = form + "?lang=es"
						}
						assert.Contains(t, body, want, part)
					}
				}
			})
		}
	}
}

// TestTheWithdrawalNoticeCountsTheOptOuts: a request with two opt-outs is
// told of "your opt-outs", in both languages.
func TestTheWithdrawalNoticeCountsTheOptOuts(t *testing.T) {
	n := mail.WithdrawalNotice{RequestID: "PR-1", Kinds: []request.Kind{request.OptOutSale, request.OptOutMarketing},
		ReceivedAt: time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC), OptOutDone: time.Date(2026, 11, 5, 15, 0, 0, 0, time.UTC),
		TeamAddress: "privacy@example.com"}
	m, err := mail.RenderWithdrawalNotice("ada@example.com", n)
	require.NoError(t, err)
	for _, part := range []string{strings.Join(strings.Fields(m.Text), " "), m.HTML} {
		assert.Contains(t, part, "We carried out your opt-outs on")
		assert.Contains(t, part, "They stand: withdrawing the request does not undo them.")
	}
	n.Language = "es"
	m, err = mail.RenderWithdrawalNotice("ada@example.com", n)
	require.NoError(t, err)
	assert.Contains(t, strings.Join(strings.Fields(m.Text), " "), "Llevamos a cabo sus exclusiones el")
	assert.Contains(t, m.HTML, "Siguen vigentes: retirar la solicitud no las deshace.")
}
