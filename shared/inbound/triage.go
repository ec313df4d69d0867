package inbound

import (
	"strings"
	"sync"
	"unicode"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Triage works on normalised text: lower case, accents removed, every run of
// characters that is not a letter or digit turned into one space, with a
// space at each end. A phrase matches when " phrase " occurs, which gives
// word-boundary matching for free ("deleted" does not match "delete", so
// inflections are listed). Phrases match within one sentence.

type rule struct {
	kind    request.Kind
	phrases []string
}

// rules, in the order kinds are reported. Access has two kinds:
//   - AccessSpecific when the writer asks for the data itself: "specific
//     pieces", "a copy of my data", "all the data you hold", "copia de mis
//     datos".
//   - AccessCategories when the writer asks what kinds of data are held or
//     names the right to know: "categories", "what data do you have", "right
//     to know", "qué datos tienen", and for a bare "access" or "acceso",
//     which the desk answers with categories and offers specific pieces.
var rules = []rule{
	{request.AccessSpecific, []string{
		"specific pieces", "specific piece", "copy of my data", "copy of my personal",
		"copy of my information", "copy of all my", "copy of the data", "copy of the personal",
		"copy of the information", "copies of my", "all the data you hold", "all data you hold",
		"copy of what you have", "copy of what you hold",
		"all the personal data you hold", "all the information you hold", "send me my data",
		"copia de mis datos", "copia de todos mis datos", "copia de mi informacion",
		"datos concretos", "datos especificos", "piezas especificas",
	}},
	{request.AccessCategories, []string{
		"categories", "category of", "what data do you have", "what data you have",
		"what data do you hold", "what data you hold", "what personal data", "what information do you have",
		"what information you have", "what information do you hold", "what do you know about me",
		"what you have on me", "what you have about me",
		"what you hold on me", "what you hold about me", "what do you have on me", "what do you have about me",
		"which data", "what data", "right to know", "right of access", "access my data",
		"access to my", "access request", "subject access", "dsar", "access",
		"acceso", "acceder", "que datos", "cuales datos", "que informacion tienen",
		"que informacion tienen", "derecho a saber", "derecho de acceso", "categorias",
	}},
	{request.Deletion, []string{
		"delete", "deleted", "deleting", "deletion", "erase", "erased", "erasure",
		"remove my data", "remove my information", "remove my personal", "remove my account",
		"remove all my", "remove me from your database", "remove me from your systems",
		"remove me from your records", "remove",
		"removed", "removal", "forget me", "right to be forgotten", "close my account",
		"borrar", "borren", "borre", "borrado", "borrar mis", "eliminar", "eliminen", "elimine",
		"eliminacion", "suprimir", "supriman", "supresion", "derecho al olvido", "olvidenme",
	}},
	{request.Correction, []string{
		"correct my", "correct the", "correct it", "correct this", "correction", "corrections",
		"rectify", "rectification", "update my", "update the", "please update", "is wrong",
		"are wrong", "incorrect", "inaccurate", "out of date", "outdated",
		"corregir", "corrijan", "corrija", "correccion", "rectificar", "rectifiquen",
		"rectificacion", "actualizar mis", "actualicen", "es incorrecto", "es incorrecta",
	}},
	{request.Portability, []string{
		"portability", "port my", "export", "exported", "machine readable", "download my data",
		"transfer my data", "portabilidad", "exportar", "exporten", "formato legible por maquina",
	}},
	{request.OptOutSale, []string{
		"do not sell", "don t sell", "dont sell", "do not share", "don t share", "dont share",
		"opt out of sale", "opt out of the sale", "opt out of selling", "opt out of sharing",
		"opt out of the sharing", "stop selling", "stop sharing", "sale of my", "sharing of my",
		"selling my", "sharing my", "no vender", "no vendan", "no venda", "no compartir", "no compartan",
		"venta de mis", "que no vendan", "exclusion de la venta",
	}},
	{request.OptOutMarketing, []string{
		"unsubscribe", "unsubscribed", "stop emails", "stop emailing", "stop sending", "stop the emails",
		"no more emails", "marketing", "newsletter", "newsletters", "mailing list", "promotional",
		"opt out of emails", "darse de baja", "darme de baja", "dar de baja", "denme de baja",
		"de baja", "no quiero recibir", "publicidad", "correos promocionales", "boletin",
	}},
	{request.ChildData, []string{
		"a child", "my child", "my children", "my son", "my daughter", "my kid", "my kids",
		"under 18", "under the age of 18", "under age 18", "is a minor", "minor child",
		"menor de edad", "menores de edad", "mi hijo", "mi hija", "mis hijos", "mis hijas", "un menor",
		"una menor", "menor de 18",
	}},
}

// listWords mark a message as being about marketing mail; in such a
// message a bare "remove" means unsubscribe, not erase my data.
var listWords = []string{
	"mailing list", "email list", "newsletter", "newsletters", "marketing", "your list",
	"promotional", "these emails", "your emails", "lista de correo", "boletin", "publicidad",
}

var agentPhrases = []string{
	"on behalf of", "authorized agent", "authorised agent", "i represent", "we represent",
	"acting for", "acting on behalf", "power of attorney", "as the agent", "as their agent",
	"en nombre de", "en representacion de", "agente autorizado", "represento a", "poder notarial",
}

// Language markers: frequent words that are not also frequent in the other language.
var esWords = []string{"de", "la", "que", "el", "mis", "datos", "por", "favor", "quiero", "solicito",
	"los", "las", "del", "para", "con", "una", "mi", "su", "gracias", "hola", "nombre", "informacion"}
var enWords = []string{"the", "my", "to", "and", "please", "data", "i", "you", "of", "is", "for",
	"want", "your", "me", "thanks", "hello", "information", "name", "request"}

// triage fills Kinds, Priority, Regulation, Agent and Language from Subject
// and Text.
func triage(res *Result) {
	body := stripQuoted(res.Text, res.Subject)

	found := map[request.Kind]bool{}
	categoriesNamed, strongDeletion := false, false
	var kept strings.Builder // normalised sentences that count
	for _, sentence := range sentences(res.Subject + "\n" + body) {
		s := normalise(sentence)
		if containsAny(s, disclaimers) {
			continue
		}
		kept.WriteString(s)
		for _, r := range rules {
			for _, p := range r.phrases {
				if !strings.Contains(s, " "+p+" ") {
					continue
				}
				found[r.kind] = true
				if r.kind == request.AccessCategories && !genericAccess[p] {
					categoriesNamed = true
				}
				if r.kind == request.Deletion && !weakRemove[p] {
					strongDeletion = true
				}
				break
			}
		}
	}
	all := kept.String()
	// "Remove me" in mail about a mailing list asks to unsubscribe, not to
	// erase; "remove my data" or any other deletion word still means erase.
	if found[request.Deletion] && !strongDeletion && containsAny(all, listWords) {
		delete(found, request.Deletion)
		found[request.OptOutMarketing] = true
	}
	// A request for the data itself includes its categories; report the
	// stronger kind only, unless categories were asked for in their own words.
	if found[request.AccessSpecific] && !categoriesNamed {
		delete(found, request.AccessCategories)
	}
	for _, r := range rules {
		if found[r.kind] {
			res.Kinds = append(res.Kinds, r.kind)
		}
	}
	if len(res.Kinds) == 0 {
		res.Kinds = []request.Kind{request.Unclear}
	}

	res.Agent = containsAny(all, agentPhrases)
	triageSubject(res)
	if found[request.ChildData] {
		res.Priority = request.Expedited
	}
	res.Language = language(all)
}

// genericAccess words ask for access without saying what; alone they mean
// categories, next to a specific-pieces phrase they add nothing.
var genericAccess = map[string]bool{
	"access": true, "access my data": true, "access to my": true, "access request": true,
	"subject access": true, "dsar": true, "right of access": true,
	"acceso": true, "acceder": true, "derecho de acceso": true,
	"what you have on me": true, "what you have about me": true, "what you hold on me": true, "what you hold about me": true,
	"what do you have on me": true, "what do you have about me": true,
}

// triageSubject marks mail whose subject says "CCPA Request" (or the Spanish
// "Solicitud CCPA") as expedited under the CCPA.
func triageSubject(res *Result) {
	subject := normalise(res.Subject)
	if strings.Contains(subject, " ccpa request ") || strings.Contains(subject, " solicitud ccpa ") {
		res.Regulation = "CCPA"
		res.Priority = request.Expedited
	}
}

// weakRemove are deletion words that, alone, may mean "take me off the list".
var weakRemove = map[string]bool{"remove": true, "removed": true, "removal": true}

func language(norm string) string {
	es, en := 0, 0
	for _, w := range esWords {
		es += strings.Count(norm, " "+w+" ")
	}
	for _, w := range enWords {
		en += strings.Count(norm, " "+w+" ")
	}
	if es > en {
		return "es"
	}
	return "en"
}

func containsAny(norm string, phrases []string) bool {
	for _, p := range phrases {
		if strings.Contains(norm, " "+p+" ") {
			return true
		}
	}
	return false
}

// replyMarkers start the quoted original in replies from clients that do
// not prefix quoted lines with ">". Everything from such a marker on is the
// earlier message (often our own, which lists every choice) and is ignored —
// unless the subject says the mail is a forward, because then what follows
// the marker is the request being passed on.
var replyMarkers = []string{
	"-----original message-----", "-----mensaje original-----",
}

var forwardSubjects = []string{"fw:", "fwd:", "rv:", "reenviar:", "tr:", "wg:"}

// disclaimers mark boilerplate sentences: corporate footers say "if you are
// not the intended recipient, please delete this email", which is no request.
var disclaimers = []string{
	"intended recipient", "intended only for", "confidential", "privileged",
	"destinatario", "confidencial", "sent on behalf of",
}

// stripQuoted drops what the writer did not write for us: lines quoted with
// ">", Gmail's "On ... wrote:" lead-in, the quoted original after an
// Outlook marker ("-----Original Message-----", an underscore rule or a
// "From:" line followed by "Sent:"), and everything after the "-- "
// signature delimiter. Forwarded content is kept when the subject says the
// mail is a forward.
func stripQuoted(text, subject string) string {
	forward := containsPrefix(strings.ToLower(strings.TrimSpace(subject)), forwardSubjects)
	lines := strings.Split(text, "\n")
	var b strings.Builder
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, ">") {
			continue
		}
		if strings.TrimRight(line, "\r") == "-- " {
			break
		}
		lt := strings.ToLower(t)
		if !forward && isQuoteStart(lt, lines, i) {
			break
		}
		if (strings.HasPrefix(lt, "on ") && strings.HasSuffix(lt, "wrote:")) ||
			(strings.HasPrefix(lt, "el ") && strings.HasSuffix(lt, "escribió:")) {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func isQuoteStart(lt string, lines []string, i int) bool {
	if containsPrefix(lt, replyMarkers) {
		return true
	}
	next := func(k int) string {
		if i+k < len(lines) {
			return strings.ToLower(strings.TrimSpace(lines[i+k]))
		}
		return ""
	}
	if len(lt) >= 10 && strings.Trim(lt, "_") == "" {
		n := next(1)
		return strings.HasPrefix(n, "from:") || strings.HasPrefix(n, "de:")
	}
	if strings.HasPrefix(lt, "from:") || strings.HasPrefix(lt, "de:") {
		for k := 1; k <= 2; k++ {
			if n := next(k); strings.HasPrefix(n, "sent:") || strings.HasPrefix(n, "enviado:") {
				return true
			}
		}
	}
	return false
}

func containsPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// sentences splits on line breaks and sentence punctuation.
func sentences(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool {
		switch r {
		case '\n', '.', '!', '?', ';', '¿', '¡':
			return true
		}
		return false
	})
}

// normalise lowers, removes accents, and collapses everything that is not a
// letter or digit to single spaces, with a space at each end.
func normalise(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(' ')
	space := true
	for _, r := range s {
		r = fold(unicode.ToLower(r))
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

// fold maps accented Latin letters to their base letter.
func fold(r rune) rune {
	if r < 0xC0 || r > 0x17F {
		return r
	}
	if m, ok := foldMap()[r]; ok {
		return m
	}
	return r
}

var foldMap = sync.OnceValue(func() map[rune]rune {
	m := map[rune]rune{}
	for base, accented := range map[rune]string{
		'a': "àáâãäåāăą", 'c': "çćĉċč", 'e': "èéêëēĕėęě", 'i': "ìíîïĩīĭįı",
		'n': "ñńņňŉ", 'o': "òóôõöøōŏő", 'u': "ùúûüũūŭůűų", 'y': "ýÿŷ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
})
