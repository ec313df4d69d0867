package mail_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/pages"
	"github.com/productionflow/privacy-desk/shared/request"
)

const form = "https://privacy.productionflow.example/"

// spanish renders each requester message in Spanish for a request received
// on Monday 30 November 2026 at 9:00 AM in New York, with its real clocks.
func spanish(t *testing.T, name string) mail.Message {
	t.Helper()
	cal, err := clock.New("")
	require.NoError(t, err)
	loc := cal.Location()
	received := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	kinds := []request.Kind{request.Deletion, request.OptOutSale}
	due := cal.Deadlines(received, kinds, request.Normal)
	const id = "PR-ABCD-EFGH-JKLM-NPQR"
	var m mail.Message
	switch name {
	case "acknowledgement":
		m, err = mail.RenderAcknowledgement("lucia@example.com", mail.Acknowledgement{
			RequestID: id, Name: "Lucía Fernández", Kinds: kinds, ReceivedAt: received, Due: due, Expedited: true,
			TeamAddress: team, FormURL: form, Location: loc, Language: "es",
		})
	case "optout":
		m, err = mail.RenderOptOutConfirmation("lucia@example.com", mail.OptOutConfirmation{
			RequestID: id, Kinds: []request.Kind{request.OptOutSale, request.OptOutMarketing}, ReceivedAt: received,
			GPC: true, TeamAddress: team, Location: loc, Language: "es",
		})
	case "unclear":
		m, err = mail.RenderUnclearReply("lucia@example.com", mail.UnclearReply{
			RequestID: id, Name: "Lucía Fernández", ReceivedAt: received,
			Due:         cal.Deadlines(received, []request.Kind{request.Unclear}, request.Normal),
			TeamAddress: team, FormURL: form, Location: loc, Language: "es",
		})
	case "agent":
		m, err = mail.RenderAgentAcknowledgement("vega@example.com", mail.AgentAcknowledgement{
			RequestID: id, Name: "Despacho Legal Vega", Kinds: []request.Kind{request.Deletion}, ReceivedAt: received,
			Due: due, Expedited: true, TeamAddress: team, FormURL: form, Location: loc, Language: "es",
		})
	case "unreadable":
		m, err = mail.RenderUnreadableReply("lucia@example.com", mail.UnreadableReply{
			Name: "Lucía Fernández", TeamAddress: team, FormURL: form, Language: "es",
		})
	default:
		t.Fatalf("no message %q", name)
	}
	require.NoError(t, err)
	return m
}

func TestRenderInSpanish(t *testing.T) {
	const (
		received = "lunes, 30 de noviembre de 2026 a las 9:00 a. m. EST"
		answerBy = "jueves, 14 de enero de 2027"    // 30 Nov + 45 calendar days
		optOutBy = "lunes, 21 de diciembre de 2026" // 15 business days
		id       = "PR-ABCD-EFGH-JKLM-NPQR"
	)
	tests := []struct {
		name    string
		subject string
		want    []string
		wantNot []string
	}{
		{
			name:    "acknowledgement",
			subject: "Recibimos su solicitud de privacidad " + id,
			want: []string{
				id, "Hola:", "Recibimos su solicitud el", received,
				"Usted nos pidió", "Eliminar sus datos personales",
				"No permitir la venta ni el intercambio de sus datos personales",
				"un enlace para confirmar que fue", "Le responderemos a más tardar el",
				answerBy, "una sola vez", "45 días", "le explicaremos el motivo",
				"no requieren confirmación", optOutBy, "con prioridad", "nuestro formulario", team,
			},
		},
		{
			name:    "optout",
			subject: "Registramos su solicitud de exclusión (solicitud " + id + ")",
			want: []string{
				id, "Hola:", "Registramos su solicitud de exclusión el", received,
				"No permitir la venta ni el intercambio de sus datos personales",
				"Dejar de recibir correos electrónicos publicitarios",
				"Control Global de Privacidad", "15 días hábiles", "10 días hábiles",
				"no necesita hacer nada más", team,
			},
		},
		{
			name:    "unclear",
			subject: "Su mensaje a nuestro equipo de privacidad: ¿qué desea que hagamos? (solicitud " + id + ")",
			want: []string{
				id, "Hola:", "Recibimos su mensaje", received,
				"no pudimos determinar qué desea", "Estas son las solicitudes que puede hacer",
				"Saber qué categorías de datos personales tenemos de usted",
				"Eliminar los datos de un menor de 18 años", "nuestro formulario",
				"Le responderemos a más tardar el", answerBy,
			},
			wantNot: []string{"Una solicitud que necesitamos que nos aclare"},
		},
		{
			name:    "agent",
			subject: "Recibimos la solicitud de privacidad que envió en nombre de otra persona " + id,
			want: []string{
				id, "Hola:", "en nombre de otra", received,
				"Eliminar sus datos personales", "autorización por escrito",
				"confirme su identidad directamente", "Responderemos a la persona a la que representa", answerBy,
				"con prioridad", team,
			},
			wantNot: []string{"fue usted quien hizo esta solicitud"},
		},
		{
			// No request is opened from unreadable mail: no ID, no date.
			name:    "unreadable",
			subject: "No pudimos leer su mensaje a nuestro equipo de privacidad",
			want: []string{
				"Hola:", "No pudimos leer su mensaje", "demasiado grande", form, team,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := spanish(t, tt.name)
			assert.Equal(t, tt.subject, m.Subject)
			assert.Equal(t, []string{team}, m.ReplyTo)
			wantHeaders(t, m, "es")
			assert.Contains(t, m.HTML, `<html lang="es">`)
			for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
				t.Run(part, func(t *testing.T) {
					for _, s := range tt.want {
						assert.Contains(t, body, s)
					}
					for _, s := range tt.wantNot {
						assert.NotContains(t, body, s)
					}
					assert.Contains(t, body, "enviado automáticamente")
					// Nothing of the English text, dates or titles is left.
					for _, english := range []string{"Hello", "We ", "Request ID", "January", "Monday", "Thursday", "Delete your"} {
						assert.NotContains(t, body, english)
					}
				})
			}
			for _, line := range strings.Split(m.Text, "\n") {
				assert.LessOrEqual(t, len([]rune(line)), 78, "plain text lines stay readable: %q", line)
			}
		})
	}
}

// TestSpanishByDefaultNever: without a language, or with one the desk does
// not write, mail is the English it always was.
func TestSpanishByDefaultNever(t *testing.T) {
	for _, lang := range []string{"", "en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			a := ack(t)
			a.Language = lang
			m, err := mail.RenderAcknowledgement("dana@example.com", a)
			require.NoError(t, err)
			assert.Equal(t, "We received your privacy request REQ-7Q2M4K", m.Subject)
			wantHeaders(t, m, "en")
			assert.Contains(t, m.Text, "We will answer by Sunday, February 7, 2027.")
			assert.Contains(t, m.HTML, `<html lang="en">`)
		})
	}
}

// TestRequesterValuesEscapedInSpanish: the Spanish templates keep the
// English ones' guarantees for what a requester typed.
func TestRequesterValuesEscapedInSpanish(t *testing.T) {
	names := []struct {
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
			name:  "CR/LF header injection",
			given: "Eva\r\nBcc: atacante@example.com\r\n\r\n<b>hola</b>",
			trace: "atacante@example.com",
		},
		{
			name:  "attribute breakout",
			given: `"><img src=x onerror=alert(1)>`,
			trace: "onerror",
		},
		{
			name:  "bidirectional override, NUL and accents",
			given: "José Ñúñez\u202Egpj.exe\x00",
			trace: "Ñúñez",
		},
	}
	render := map[string]func(name string) (mail.Message, error){
		"acknowledgement": func(name string) (mail.Message, error) {
			a := ack(t)
			a.Name, a.Language = name, "es"
			return mail.RenderAcknowledgement("dana@example.com", a)
		},
		"unclear": func(name string) (mail.Message, error) {
			return mail.RenderUnclearReply("dana@example.com", mail.UnclearReply{
				RequestID: "REQ-7Q2M4K", Name: name, TeamAddress: team, Language: "es"})
		},
		"agent": func(name string) (mail.Message, error) {
			return mail.RenderAgentAcknowledgement("dana@example.com", mail.AgentAcknowledgement{
				RequestID: "REQ-7Q2M4K", Name: name, Kinds: []request.Kind{request.Deletion}, TeamAddress: team, Language: "es"})
		},
		"unreadable": func(name string) (mail.Message, error) {
			return mail.RenderUnreadableReply("dana@example.com", mail.UnreadableReply{Name: name, TeamAddress: team, Language: "es"})
		},
	}
	for msgName, fn := range render {
		for _, tt := range names {
			t.Run(msgName+"/"+tt.name, func(t *testing.T) {
				m, err := fn(tt.given)
				require.NoError(t, err)
				assert.Contains(t, m.Text, "Hola:\n")
				assert.Contains(t, m.HTML, "<p>Hola:</p>")
				assert.NotContains(t, m.Text, tt.trace, "the name is not in the mail")
				assert.NotContains(t, m.HTML, tt.trace, "the name is not in the mail")
				for _, bad := range []string{"\r", "\x00", "\u202E"} {
					assert.NotContains(t, m.Text, bad)
				}
				assert.NotContains(t, m.Text, "Bcc: atacante@example.com\n")
				assert.NotContains(t, m.Subject, "Eva", "the name never goes into the subject")
				assert.NotContains(t, m.Subject, "<")
				wantHeaders(t, m, "es")
				assert.Equal(t, []string{"dana@example.com"}, m.To)
			})
		}
	}
	t.Run("a request ID with a line break cannot add a header line to the subject", func(t *testing.T) {
		a := ack(t)
		a.RequestID, a.Language = "REQ-1\r\nBcc: alguien@example.com", "es"
		m, err := mail.RenderAcknowledgement("dana@example.com", a)
		require.NoError(t, err)
		assert.Equal(t, "Recibimos su solicitud de privacidad REQ-1 Bcc: alguien@example.com", m.Subject)
	})
	t.Run("a bad recipient is refused in Spanish too", func(t *testing.T) {
		a := ack(t)
		a.Language = "es"
		_, err := mail.RenderAcknowledgement("dana@example.com\r\nBcc: x@example.com", a)
		require.ErrorIs(t, err, mail.ErrRecipient)
	})
}

// TestSpanishMailLinksTheSpanishForm: every mail that offers the request
// form (the agent's acknowledgement does not) links, in Spanish, the address the form answers in Spanish (its
// lang query, which pages.Choose reads before the browser's preference),
// and in English the plain form, in both parts.
func TestSpanishMailLinksTheSpanishForm(t *testing.T) {
	received := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	due := request.Due{Response: received.AddDate(0, 0, 45)}
	render := map[string]func(lang, form string) (mail.Message, error){
		"acknowledgement": func(lang, form string) (mail.Message, error) {
			return mail.RenderAcknowledgement("lucia@example.com", mail.Acknowledgement{RequestID: "PR-1", Kinds: []request.Kind{request.Deletion},
				ReceivedAt: received, Due: due, TeamAddress: team, FormURL: form, Language: lang})
		},
		"unclear": func(lang, form string) (mail.Message, error) {
			return mail.RenderUnclearReply("lucia@example.com", mail.UnclearReply{RequestID: "PR-1", ReceivedAt: received, Due: due,
				TeamAddress: team, FormURL: form, Language: lang})
		},
		"unreadable": func(lang, form string) (mail.Message, error) {
			return mail.RenderUnreadableReply("lucia@example.com", mail.UnreadableReply{TeamAddress: team, FormURL: form, Language: lang})
		},
		"unverified": func(lang, form string) (mail.Message, error) {
			return mail.RenderUnverified("lucia@example.com", mail.Unverified{RequestID: "PR-1", Kinds: []request.Kind{request.Deletion},
				ReceivedAt: received, Days: 7, TeamAddress: team, FormURL: form, Language: lang})
		},
	}
	tests := []struct {
		lang, form, want string
	}{
		{"es", form, form + "?lang=es"},
		{"es-MX", "https://privacy.productionflow.example/requests/?src=mail#form", "https://privacy.productionflow.example/requests/?lang=es&src=mail#form"},
		{"en", form, form},
		{"", form, form},
	}
	formLink := regexp.MustCompile(`https://privacy\.productionflow\.example/[^\s"<,]*`)
	for name, r := range render {
		for _, tt := range tests {
			t.Run(name+"/"+tt.lang, func(t *testing.T) {
				m, err := r(tt.lang, tt.form)
				require.NoError(t, err)
				for part, body := range map[string]string{"text": m.Text, "html": strings.ReplaceAll(m.HTML, "&amp;", "&")} {
					links := formLink.FindAllString(body, -1)
					require.NotEmpty(t, links, part)
					for _, l := range links {
						assert.Equal(t, tt.want, l, part)
					}
				}
				page := httptest.NewRequest(http.MethodGet, tt.want, nil)
				assert.Equal(t, pages.Language(tt.lang), pages.Choose(page, ""), "the form the link opens is in the mail's language")
			})
		}
	}
}
