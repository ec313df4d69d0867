package mail

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// The languages requester mail is written in. Each message carries its
// language in a Content-Language header.
const (
	English = "en"
	Spanish = "es"

	HeaderContentLanguage = "Content-Language"
)

// language maps a requested language to one the templates are written in:
// Spanish for "es" and its regional forms ("es-MX", "es_US"), English for
// everything else, the empty string included.
func language(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == Spanish || strings.HasPrefix(s, Spanish+"-") || strings.HasPrefix(s, Spanish+"_") {
		return Spanish
	}
	return English
}

// formIn is the request form at raw (FORM_URL) as a mail in language lang
// links it: Spanish mail links the Spanish form, raw with lang=es in its
// query, which the form reads first (pages.Choose); English mail links raw,
// which shows the form in English unless the browser prefers Spanish. A
// raw address that does not parse is left as it is. Every mail that offers
// the form takes its link from here.
func formIn(lang, raw string) string {
	raw = clean(raw)
	if lang != Spanish || raw == "" {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set("lang", Spanish)
	u.RawQuery = q.Encode()
	return u.String()
}

// kindTitle is a kind in plain words in language lang.
func kindTitle(k request.Kind, lang string) string {
	if lang != Spanish {
		return k.Title()
	}
	switch k {
	case request.AccessCategories:
		return "Saber qué categorías de datos personales tenemos de usted"
	case request.AccessSpecific:
		return "Obtener una copia de los datos personales concretos que tenemos de usted"
	case request.Deletion:
		return "Eliminar sus datos personales"
	case request.Correction:
		return "Corregir datos personales inexactos"
	case request.Portability:
		return "Recibir sus datos en un formato portátil y legible por máquina"
	case request.OptOutSale:
		return "No permitir la venta ni el intercambio de sus datos personales"
	case request.OptOutMarketing:
		return "Dejar de recibir correos electrónicos publicitarios"
	case request.ChildData:
		return "Eliminar los datos de un menor de 18 años"
	case request.Unclear:
		return "Una solicitud que necesitamos que nos aclare"
	}
	return k.Title()
}

func titlesIn(kinds []request.Kind, lang string) []string {
	out := make([]string, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, clean(kindTitle(k, lang)))
	}
	return out
}

var (
	diasSemana = [...]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"}
	meses      = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
		"agosto", "septiembre", "octubre", "noviembre", "diciembre"}
)

// fecha writes a date in Spanish words, as in "lunes, 11 de enero de 2027".
func fecha(t time.Time) string {
	return string(appendFecha(make([]byte, 0, 48), t))
}

func appendFecha(b []byte, t time.Time) []byte {
	b = append(b, diasSemana[t.Weekday()]...)
	b = append(b, ", "...)
	b = strconv.AppendInt(b, int64(t.Day()), 10)
	b = append(b, " de "...)
	b = append(b, meses[t.Month()-1]...)
	b = append(b, " de "...)
	return strconv.AppendInt(b, int64(t.Year()), 10)
}

// fechaHora writes a date and time in Spanish, on a 12-hour clock as is
// usual in Latin America and the US: "jueves, 24 de diciembre de 2026 a las
// 9:05 a. m. EST" ("a la 1:30 p. m." for one o'clock).
func fechaHora(t time.Time) string {
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	at := " a las "
	if h == 1 {
		at = " a la "
	}
	meridiem := " a. m. "
	if t.Hour() >= 12 {
		meridiem = " p. m. "
	}
	b := append(appendFecha(make([]byte, 0, 72), t), at...)
	b = strconv.AppendInt(b, int64(h), 10)
	b = append(b, ':', byte('0'+t.Minute()/10), byte('0'+t.Minute()%10))
	b = append(b, meridiem...)
	return string(t.AppendFormat(b, "MST"))
}
