package inbound

import (
	"maps"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Triage works on normalised text: lower case, accents removed, every run of
// characters that is not a letter or digit turned into one space, with a
// space at each end. A phrase matches when " phrase " occurs, which gives
// word-boundary matching for free ("deleted" does not match "delete", so
// inflections are listed). Phrases match within one sentence; a line break
// followed by a lower-case letter only wraps a sentence, it does not end
// one. A kind named only under a negation ("please do not delete my
// account") is not asked for: see negations below.

type rule struct {
	kind    request.Kind
	phrases []string
}

// rules, in the order kinds are reported. Access has two kinds:
//   - AccessSpecific when the writer asks for the data itself: "specific
//     pieces", "a copy of my data", "all the data you hold", "copia de mis
//     datos".
//   - AccessCategories when the writer asks what kinds of data are held or
//     names the right to know: "categories", "what data do you have", "what
//     personal information you have collected", "right to know", "qué datos
//     tienen", and for a bare "access" or "acceso", which the desk answers
//     with categories and offers specific pieces. "What (personal)
//     information" counts only with a verb of holding or collecting: "what
//     information you need" is no request.
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
		"what information you collect", "what information do you collect", "what information you collected",
		"what information have you collected", "what personal information you have",
		"what personal information do you have", "what personal information you hold",
		"what personal information do you hold", "what personal information you collect",
		"what personal information do you collect", "what personal information you collected",
		"what personal information have you collected", "what personal information you store",
		"what personal information do you store", "what personal information you sell",
		"what personal information do you sell", "what personal information you share",
		"what personal information do you share", "what info you have", "what info do you have",
		"what personal info you have", "what personal info do you have",
		"what you have on me", "what you have about me",
		"what you hold on me", "what you hold about me", "what do you have on me", "what do you have about me",
		"which data", "what data", "right to know", "right of access", "access my data",
		"access to my", "access request", "subject access", "dsar", "access",
		"acceso", "acceder", "que datos", "cuales datos", "que informacion tienen",
		"que informacion personal tienen", "que informacion personal tiene", "que informacion personal han",
		"que informacion personal recopilan", "que informacion personal recopilaron",
		"que informacion personal recogen", "que informacion personal guardan",
		"que informacion personal almacenan", "que informacion personal tratan",
		"que informacion personal poseen", "que informacion personal de mi", "que informacion personal sobre mi",
		"derecho a saber", "derecho de acceso", "categorias",
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
	body := unwrap(stripQuoted(res.Text, res.Subject))

	m := reading{asked: map[request.Kind]bool{}, negated: map[request.Kind]bool{}}
	var kept strings.Builder // normalised sentences that count
	for _, sentence := range sentences(res.Subject + "\n" + body) {
		s := normalise(sentence)
		if containsAny(s, disclaimers) {
			continue
		}
		kept.WriteString(s)
		m.read(sentence)
	}
	all := kept.String()
	found := maps.Clone(m.asked)
	// Deletion cannot be undone: named under a negation anywhere in the mail
	// ("please do not delete my account"), it is not read from the mail at
	// all, whatever else the mail says; nor is a child's data, whose request
	// is a deletion.
	if m.negated[request.Deletion] {
		delete(found, request.Deletion)
		delete(found, request.ChildData)
	}
	// "Remove me" in mail about a mailing list asks to unsubscribe, not to
	// erase; "remove my data" or any other deletion word still means erase.
	if found[request.Deletion] && !m.strongDeletion && containsAny(all, listWords) {
		delete(found, request.Deletion)
		found[request.OptOutMarketing] = true
	}
	// A request for the data itself includes its categories; report the
	// stronger kind only, unless categories were asked for in their own words.
	if found[request.AccessSpecific] && !m.categoriesNamed {
		delete(found, request.AccessCategories)
	}
	// In mail about a child's data the deletion words are about the child
	// ("please delete my son's account"): the writer's own data is deleted
	// only when a sentence asks for it too ("and delete my own account as
	// well").
	if found[request.ChildData] && !m.ownDeletion {
		delete(found, request.Deletion)
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
	// Mail about a child is expedited, even when it asks for nothing the
	// desk can do without the team.
	if m.asked[request.ChildData] {
		res.Priority = request.Expedited
	}
	res.Language = language(all)
}

// reading is what the sentences of a mail name, kind by kind: asked for, or
// named under a negation.
type reading struct {
	asked, negated  map[request.Kind]bool
	categoriesNamed bool // categories asked for in their own words
	strongDeletion  bool // a deletion word other than a bare "remove"
	ownDeletion     bool // a sentence asks to delete the writer's own data too
}

// read adds what one sentence names.
func (m *reading) read(sentence string) {
	deletes, own := false, false
	for _, clause := range clauses(sentence) {
		tokens := strings.Fields(normalise(clause))
		direct, wished := negatedAt(tokens)
		for _, f := range phrasesIn(tokens, direct, wished) {
			if f.negated {
				m.negated[f.kind] = true
				continue
			}
			m.asked[f.kind] = true
			switch f.kind {
			case request.AccessCategories:
				m.categoriesNamed = m.categoriesNamed || !genericAccess[f.phrase]
			case request.Deletion:
				deletes = true
				m.strongDeletion = m.strongDeletion || !weakRemove[f.phrase]
			}
		}
		for i := range tokens {
			if prefixAny(tokens[i:], ownPhrases) > 0 && !direct[i] {
				own = true
			}
		}
	}
	m.ownDeletion = m.ownDeletion || (deletes && own)
}

// phraseAt is a kind's phrase found in a clause.
type phraseAt struct {
	kind    request.Kind
	phrase  string
	negated bool
}

// phrasesIn lists the kinds' phrases in a clause, in order, each negated
// when a negation governs it (see negatedAt), when "nothing" follows it
// ("please delete nothing") or when an earlier phrase of the same kind in
// the clause was negated ("do not delete my account or remove my data").
// A negation before them does not negate asks, and negates a child's
// phrase only right before it ("not my son's"): "I don't want my son to
// use your app" is still about a child.
func phrasesIn(tokens []string, direct, wished []bool) []phraseAt {
	var out []phraseAt
	negatedKind := map[request.Kind]bool{} // since the last break
	for i := range tokens {
		if breakAt(tokens, i) {
			clear(negatedKind)
		}
		for _, f := range byFirstWord()[tokens[i]] {
			n := prefixLen(tokens[i:], f.phrase)
			if n == 0 {
				continue
			}
			switch {
			case f.kind == request.ChildData:
				f.negated = direct[i]
			case asks[f.phrase]:
				f.negated = negatedKind[f.kind]
			default:
				f.negated = direct[i] || wished[i] || negatedKind[f.kind] ||
					(i+n < len(tokens) && tokens[i+n] == "nothing")
			}
			negatedKind[f.kind] = negatedKind[f.kind] || f.negated
			out = append(out, f)
		}
	}
	return out
}

// byFirstWord holds the rules' phrases by their first word.
var byFirstWord = sync.OnceValue(func() map[string][]phraseAt {
	m := map[string][]phraseAt{}
	for _, r := range rules {
		for _, p := range r.phrases {
			w, _, _ := strings.Cut(p, " ")
			m[w] = append(m[w], phraseAt{kind: r.kind, phrase: p})
		}
	}
	return m
})

// negations govern the words after them, in normalised form ("don't" is
// "don t"): "do not delete", "never delete", "no borren", "without
// deleting", "cancel my deletion request".
var negations = []string{
	"not", "never", "no", "don t", "dont", "doesn t", "doesnt", "isn t", "isnt", "aren t",
	"wouldn t", "wouldnt", "shouldn t", "shouldnt", "won t", "without", "instead of", "rather than",
	"cancel", "cancelled", "canceled", "withdraw", "changed my mind",
	"nunca", "sin", "en lugar de", "en vez de", "cancelar", "cancelen", "anular", "anulen",
}

// states are negations that report what has not happened or cannot: "has
// not been deleted" and "you haven't deleted it" complain that a deletion
// is still owed, and "if you can't delete it" asks for it. A state governs
// a phrase only past a determiner ("this wasn't a deletion request") or
// through a verb of asking ("I did not ask you to delete it").
var states = []string{
	"was not", "were not", "has not", "have not", "had not", "did not", "can not", "could not",
	"still not", "wasn t", "wasnt", "weren t", "hasn t", "hasnt", "haven t", "havent", "hadn t",
	"didn t", "didnt", "can t", "cant", "couldn t", "couldnt",
}

// wishes are verbs of wanting or asking: a negation right before one
// governs the wishReach words after it ("I don't want you to delete
// anything", "I am not asking for deletion", "no quiero que borren mis
// datos").
var wishes = []string{
	"want", "wanna", "wish", "need", "ask", "asking", "asked", "request", "requesting", "requested",
	"like", "mean", "intend", "plan", "looking", "trying", "expect", "authorize", "authorise",
	"agree", "allow", "let", "send", "give", "provide",
	"quiero", "queremos", "quisiera", "deseo", "deseamos", "pido", "pedimos", "solicito",
	"solicitamos", "necesito", "necesitamos", "es necesario", "hace falta", "autorizo", "envien",
	"den",
}

const wishReach = 8

// fillers may stand between a negation and what it governs: "not to be
// deleted", "never ever delete", "no los borren", "cancel my deletion",
// "not my son's". So may determiners, which also let a state govern.
var (
	fillers = map[string]bool{
		"to": true, "be": true, "been": true, "ever": true, "really": true, "actually": true,
		"even": true, "necessarily": true, "yet": true, "my": true, "the": true, "this": true,
		"that": true, "any": true, "me": true, "lo": true, "la": true, "los": true, "las": true,
		"le": true, "les": true, "se": true, "nos": true, "mi": true, "mis": true, "el": true,
	}
	determiners = map[string]bool{"a": true, "an": true, "about": true, "for": true}
)

// conditions before a negation make it no negation of an ask: "if you
// don't delete my data I will complain", "why don't you delete it", "si no
// borran mis datos". Only conditionSkip words may stand between.
var (
	conditions    = map[string]bool{"if": true, "unless": true, "why": true, "si": true}
	conditionSkip = map[string]bool{
		"you": true, "u": true, "they": true, "ustedes": true, "usted": true, "ellos": true,
		"still": true, "do": true, "does": true, "did": true, "just": true, "simply": true,
	}
)

// breaks start a new thought, where a negation's reach ends as it does at
// a comma ("I don't have an account but delete any data you hold"). "and"
// and "y" break when a new ask follows ("and I want it deleted", "and send
// me a copy", "y borren mis datos"): a deletion negated before it is still
// negated in the mail.
var (
	breaks = map[string]bool{
		"but": true, "so": true, "please": true, "however": true, "instead": true, "although": true,
		"though": true, "pero": true, "sino": true, "favor": true, "aunque": true, "entonces": true,
	}
	afterAnd = map[string]bool{
		"i": true, "please": true, "want": true, "would": true, "also": true, "need": true,
		"ask": true, "request": true, "wish": true, "delete": true,
		"erase": true, "remove": true, "send": true, "stop": true, "tell": true, "give": true,
		"correct": true, "update": true, "unsubscribe": true,
		"quiero": true, "quisiera": true, "deseo": true, "necesito": true, "solicito": true,
		"pido": true, "tambien": true, "por": true, "borren": true,
		"eliminen": true, "envien": true, "manden": true, "corrijan": true, "actualicen": true,
		"denme": true, "digan": true,
	}
)

// asks name their kind however a negation before them reads: "do not sell"
// and "no vender" are the opt-out of sale ("Do Not Sell or Share My
// Personal Information" is the CCPA's own wording), and "I don't want your
// newsletter" or "I do not want you selling my data" ask to opt out. Only
// a negated phrase of the same kind before them in the clause negates them
// ("do not unsubscribe me from the newsletter").
var asks = map[string]bool{
	"do not sell": true, "don t sell": true, "dont sell": true, "do not share": true,
	"don t share": true, "dont share": true, "sale of my": true, "sharing of my": true,
	"selling my": true, "sharing my": true, "no vender": true, "no vendan": true, "no venda": true,
	"no compartir": true, "no compartan": true, "venta de mis": true, "que no vendan": true,
	"no more emails": true, "marketing": true, "newsletter": true, "newsletters": true,
	"mailing list": true, "promotional": true, "no quiero recibir": true, "publicidad": true,
	"correos promocionales": true, "boletin": true,
}

// ownPhrases, in a sentence that asks for deletion, ask for the writer's
// own data too in mail about a child ("and delete my own account as well",
// "y también los míos"), unless negated ("not my own").
var ownPhrases = []string{
	"my own", "and mine", "mine too", "mine as well", "as well as mine", "me too", "me as well",
	"both of us", "and my account", "and my data", "and my information", "and my personal",
	"my account too", "my account as well", "my data too", "my data as well",
	"my information too", "my information as well", "my account and my", "my data and my",
	"my information and my",
	"mis propios", "mis propias", "mi propio", "mi propia", "y los mios", "y las mias", "y la mia",
	"y el mio", "tambien los mios", "tambien las mias", "tambien la mia", "tambien el mio",
	"y mis datos", "y mi cuenta", "mis datos tambien", "mi cuenta tambien", "tambien mis datos",
	"tambien mi cuenta", "mi cuenta y la de", "mis datos y los de",
}

// negatedAt marks the tokens of a clause that a negation governs. direct:
// the word right after it, past fillers ("do not delete", "not to be
// deleted", "no los borren", "not my son's"); after a state only past a
// determiner. wished: up to wishReach words after a verb of wanting or
// asking right after a negation or state ("I don't want my data deleted"),
// up to a break. A negation after a condition governs nothing.
func negatedAt(tokens []string) (direct, wished []bool) {
	direct, wished = make([]bool, len(tokens)), make([]bool, len(tokens))
	for i := 0; i < len(tokens); {
		n, state := prefixAny(tokens[i:], states), true
		if n == 0 {
			n, state = prefixAny(tokens[i:], negations), false
		}
		if n == 0 {
			i++
			continue
		}
		if conditional(tokens[:i]) {
			i += n
			continue
		}
		k, governs := i+n, !state
		for ; k < len(tokens); k++ {
			direct[k] = direct[k] || governs
			if determiners[tokens[k]] {
				governs = true
			} else if !fillers[tokens[k]] {
				break
			}
		}
		if k < len(tokens) {
			if v := prefixAny(tokens[k:], wishes); v > 0 {
				for j := k + v; j < len(tokens) && j <= k+v+wishReach && !breakAt(tokens, j); j++ {
					wished[j] = true
				}
			}
		}
		i += n
	}
	return direct, wished
}

// conditional reports whether a negation after before is part of a
// condition or a question ("if you don't", "why don't you", "si no", "por
// qué no").
func conditional(before []string) bool {
	i := len(before) - 1
	for i >= 0 && conditionSkip[before[i]] {
		i--
	}
	return i >= 0 && (conditions[before[i]] || (before[i] == "que" && i > 0 && before[i-1] == "por"))
}

func breakAt(tokens []string, i int) bool {
	if breaks[tokens[i]] {
		return true
	}
	return (tokens[i] == "and" || tokens[i] == "y") && i+1 < len(tokens) && afterAnd[tokens[i+1]]
}

// prefixLen is how many tokens phrase covers at the start of tokens; 0
// when it is not there.
func prefixLen(tokens []string, phrase string) int {
	n := 0
	for phrase != "" {
		var w string
		w, phrase, _ = strings.Cut(phrase, " ")
		if n >= len(tokens) || tokens[n] != w {
			return 0
		}
		n++
	}
	return n
}

// prefixAny is prefixLen of the first of phrases at the start of tokens.
func prefixAny(tokens []string, phrases []string) int {
	for _, p := range phrases {
		if n := prefixLen(tokens, p); n > 0 {
			return n
		}
	}
	return 0
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

// unwrap joins lines that wrap a sentence: a line break, and the
// indentation after it, followed by a lower-case letter becomes a space
// ("Please do not\ndelete my account" is one sentence).
func unwrap(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for {
		line, rest, ok := strings.Cut(text, "\n")
		b.WriteString(strings.TrimSuffix(line, "\r"))
		if !ok {
			return b.String()
		}
		if r, _ := utf8.DecodeRuneInString(strings.TrimLeft(rest, " \t")); unicode.IsLower(r) {
			b.WriteByte(' ')
		} else {
			b.WriteByte('\n')
		}
		text = rest
	}
}

// clauses splits a sentence where a negation's reach ends: at commas,
// colons, brackets and dashes ("I'm not sure, please delete my data").
func clauses(sentence string) []string {
	return strings.FieldsFunc(sentence, func(r rune) bool {
		switch r {
		case ',', ':', '(', ')', '—', '–':
			return true
		}
		return false
	})
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
