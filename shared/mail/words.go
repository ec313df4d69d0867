package mail

import (
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Language is the language a page or message for a request in language s
// is written in: Spanish for "es" and its regional forms, English for
// anything else.
func Language(s string) string { return language(s) }

// KindTitle is kind k in plain words in language lang, as the mail says it.
func KindTitle(k request.Kind, lang string) string { return kindTitle(k, lang) }

// SpanishDate writes a date in Spanish words: "lunes, 11 de enero de 2027".
func SpanishDate(t time.Time) string { return fecha(t) }

// SpanishDateTime writes a date and time in Spanish words: "sábado, 5 de
// diciembre de 2026 a las 8:06 a. m. EST".
func SpanishDateTime(t time.Time) string { return fechaHora(t) }
