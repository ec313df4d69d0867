package inbound

import (
	"maps"
	"slices"
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
// account") is not asked for: see negations below. A deletion the desk
// cannot read with confidence makes the whole mail unclear: see denials.

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
		"remove my data", "remove my information", "remove my personal",
		"remove me from your database", "remove me from your systems",
		"remove me from your records", "remove",
		"removed", "removal", "forget me", "right to be forgotten", "close my account",
		"borrar", "borren", "borre", "borrado", "borrar mis", "eliminar", "eliminen", "elimine",
		"eliminacion", "suprimir", "supriman", "supresion", "derecho al olvido", "olvidenme",
		"quitar", "quiten", "quite", "quitenme", "saquenme", "borrenme", "eliminenme",
		"borrenla", "borrenlo", "borrenlos", "borrenlas", "eliminenla", "eliminenlo", "eliminenlos", "eliminenlas",
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
	// A reply's subject ("Re: We could not read your message") quotes the
	// mail it answers, most often the desk's own: the safety net leaves
	// its negations out, as triage leaves out quoted lines.
	quoted := 0
	if containsPrefix(strings.ToLower(strings.TrimSpace(res.Subject)), replySubjects) {
		quoted = len(sentences(res.Subject))
	}
	subjectSentences := len(sentences(res.Subject))
	for i, sentence := range sentences(res.Subject + "\n" + body) {
		s := normalise(sentence)
		if containsAny(s, disclaimers) {
			continue
		}
		kept.WriteString(s)
		m.quoted = i < quoted
		m.inSubject = i < subjectSentences
		m.read(sentence)
		if i >= subjectSentences {
			m.prev = s // never the subject line: "it" is of the body
		}
	}
	all := kept.String()
	found := maps.Clone(m.asked)
	// "Remove me" in mail about a mailing list asks to unsubscribe, not to
	// erase; "remove my data" or any other deletion word still means erase.
	if (found[request.Deletion] || m.doubted) && !m.strongDeletion && containsAny(all, listWords) {
		delete(found, request.Deletion)
		m.doubted = false
		found[request.OptOutMarketing] = true
	}
	// Deletion cannot be undone, and the desk never guesses about one. In
	// doubt (see read), or asked for in one place and negated or refused in
	// another ("delete my account. Do not delete it before I get the
	// copy"), it makes the whole mail unclear: the person is asked what
	// they want and the team triages it. Only ever negated ("please do not
	// delete my account, I only want a copy"), it is not read at all; nor
	// is a child's data, whose request is a deletion.
	unclear := m.doubted || (found[request.Deletion] && (m.negated[request.Deletion] || m.refused))
	// A bare "remove" that acts on nothing of the person or all their data
	// ("please remove the duplicate charge from my account") is no
	// deletion the desk can read: unclear, the person is asked.
	if found[request.Deletion] && !m.definiteDeletion && !m.removeSaid && !(m.subjectBare && !m.bodyOther) {
		unclear = true
	}
	if m.negated[request.Deletion] && !found[request.Deletion] {
		delete(found, request.ChildData)
	}
	// A request for the data itself includes its categories; report the
	// stronger kind only, unless categories were asked for in their own words.
	if found[request.AccessSpecific] && !m.categoriesNamed {
		delete(found, request.AccessCategories)
	}
	// In mail about a child's data the deletion words are about the child
	// ("please delete my son's account"). A request acts on one person, the
	// child: a mail that also asks to delete the writer's own data ("and
	// delete my own account as well", "please delete my account") is
	// unclear, and the team splits it.
	if found[request.ChildData] {
		unclear = unclear || (found[request.Deletion] && m.ownDeletion)
		// A child's-data request erases the child's data: a mail that
		// names a child but asks no deletion ("My daughter uses your app.
		// What data do you collect about children?", "I'd like a copy of
		// my son's data") is unclear, and still expedited.
		unclear = unclear || !found[request.Deletion]
		delete(found, request.Deletion)
	}
	// The safety net, on top of all the above: a deletion or a child's
	// data stands only when every negation (not, n't, never, no, none,
	// nothing, neither, nor, without; no, nunca, jamás, nada, ni, sin) and
	// every retraction (cancel, ignore, disregard, withdraw, stop, "second
	// thought", "take that back", "changed my mind", "never mind") anywhere
	// in the mail reads as harmless (see refusalAt). Any other makes the
	// whole mail unclear: a false unclear costs the team a look, a wrong
	// deletion cannot be undone.
	if (found[request.Deletion] || found[request.ChildData]) && m.unexcused {
		unclear = true
	}
	for _, r := range rules {
		if found[r.kind] && !unclear {
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
// named under a negation; and whether a deletion is in doubt.
type reading struct {
	asked, negated  map[request.Kind]bool
	categoriesNamed bool // categories asked for in their own words
	strongDeletion  bool // a deletion word other than a bare "remove", asked or in doubt
	removeSaid      bool // a bare deletion word asked acts on the person or all their data (actsOnPerson)
	// subjectBare: the subject asks a deletion word with no object ("CCPA
	// Request - Delete"); bodyOther: the body asks one of something else.
	subjectBare, bodyOther bool
	inSubject              bool   // the sentence read is of the subject line
	definiteDeletion       bool   // a deletion phrase asked that names what it deletes (not in needsObject)
	ownDeletion            bool   // a sentence asks to delete the writer's own data too
	doubted                bool   // a sentence names a deletion next to a negation the desk cannot place
	refused                bool   // a sentence without deletion words says no, never mind or keep
	unexcused              bool   // a negation or retraction the desk cannot read as harmless (see refusalAt)
	quoted                 bool   // the sentence read is a reply's subject, left out of unexcused
	prev                   string // the sentence read before, normalised, for what "it" stands for
}

// read adds what one sentence names. A deletion it names is asked for only
// when every denial in the sentence is placed away from it: in an earlier
// stretch of the sentence (a clause, or part of one after a break), where
// it governs a word of its own ("I'm not sure, please delete my data").
// A denial in the same stretch as the deletion words ("don't you dare
// delete my account", "under no circumstances should you delete it"),
// after them ("delete my data, not my account", "deletion is not
// wanted"), or ending its stretch with nothing governed ("do not, under
// any circumstances, delete my account", "never, ever delete it") puts the
// deletion in doubt; so does a "keep" or "never mind" beside it. The
// denials that read as no negation are not counted: see excused.
func (m *reading) read(sentence string) {
	// What the sentence tells rather than asks ("Borré mi cuenta por
	// error"), and its words, are read once for every deletion word in it.
	words := strings.Fields(normalise(sentence))
	told := tellsWhatHappened(sentence, words)
	var (
		stretch     int      // the current stretch's number, across the clauses
		asked       []int    // the stretches where a deletion is asked for
		denied      []mark   // the denials that count
		tokenCount  int      // the sentence's tokens
		denialWords int      // of them, denial or bare words
		own         bool     // the writer's own data named, not negated
		strong      bool     // an asked deletion word other than a bare "remove"
		said        bool     // an asked bare deletion word acts on the person (actsOnPerson)
		bareAsk     bool     // the subject asks a deletion word with no object ("Request to delete")
		supposed    bool     // a deletion word in a question or a supposition ("if I delete my account")
		other       bool     // the body asks a deletion word of something else
		definite    bool     // an asked deletion phrase that names what it deletes ("remove my data", "forget me")
		refuses     bool     // a keep or a retraction in the sentence
		flat        []string // the sentence's tokens, clause after clause
		deletes     []int    // where deletion words start in flat, asked or negated
		listed      []int    // where each list-excused refusal ends in flat
	)
	for _, clause := range clauses(sentence) {
		tokens := strings.Fields(normalise(clause))
		offset := len(flat)
		flat = append(flat, tokens...)
		direct, wished := negatedAt(tokens)
		stretches := make([]int, len(tokens))
		for i := range tokens {
			if i == 0 || breakAt(tokens, i) {
				stretch++
			}
			stretches[i] = stretch
		}
		found := deletedNotAsked(phrasesIn(tokens, direct, wished))
		for _, f := range found {
			if f.kind == request.Deletion {
				deletes = append(deletes, offset+f.at)
			}
		}
		// The safety net (see triage): every negation or retraction
		// marker, wherever it stands, is harmless or not.
		for i := 0; i < len(tokens); {
			n, e := refusalAt(tokens, i, found)
			switch {
			case n == 0:
				i++
				continue
			case e == noExcuse:
				m.unexcused = m.unexcused || !m.quoted
			case e == listExcuse:
				listed = append(listed, offset+i+n)
			}
			i += n
		}
		for _, f := range found {
			if f.negated {
				m.negated[f.kind] = true
				continue
			}
			switch f.kind {
			case request.AccessCategories:
				m.categoriesNamed = m.categoriesNamed || !genericAccess[f.phrase]
			case request.Deletion:
				// decided once the whole sentence is read
				asked = append(asked, stretches[f.at])
				// "If I delete my account, will I get a refund?", "Should I
				// delete my account?": a question, not a request.
				supposed = supposed || supposedAt(tokens, f.at, len(flat) == len(tokens))
				strong = strong || !weakRemove[f.phrase]
				definite = definite || !needsObject[f.phrase]
				if needsObject[f.phrase] {
					switch {
					case !told && actsOnPerson(tokens, f.at, f.phrase, m.prev, words):
						said = true
					case m.inSubject && bareAt(tokens, f.at):
						bareAsk = true // "Subject: Request to delete"
					case !m.inSubject:
						other = true
					}
				}
				continue
			}
			m.asked[f.kind] = true
		}
		for _, d := range denialsIn(tokens, found) {
			d.stretch = stretches[d.at]
			denied = append(denied, d)
		}
		for i := range tokens {
			if ownAt(tokens, i) && !direct[i] {
				own = true
			}
			if keeps[tokens[i]] && !direct[i] && !wished[i] && i+1 < len(tokens) && kept[tokens[i+1]] {
				refuses = true
			}
			if prefixAny(tokens[i:], retractions) > 0 {
				refuses = true
			}
			if bare[tokens[i]] || isDenial(tokens, i) {
				denialWords++
			}
		}
		tokenCount += len(tokens)
	}
	for _, end := range listed {
		if deletionListed(flat, end, deletes) {
			m.unexcused = m.unexcused || !m.quoted
		}
	}
	doubt := refuses
	for _, d := range denied {
		for _, a := range asked {
			if a <= d.stretch || !d.governs {
				doubt = true
			}
		}
	}
	switch {
	case len(asked) > 0 && (doubt || supposed):
		m.doubted = true
		m.strongDeletion = m.strongDeletion || strong
	case len(asked) > 0:
		m.asked[request.Deletion] = true
		m.strongDeletion = m.strongDeletion || strong
		m.removeSaid = m.removeSaid || said
		m.subjectBare = m.subjectBare || bareAsk
		m.bodyOther = m.bodyOther || other
		m.definiteDeletion = m.definiteDeletion || definite
		m.ownDeletion = m.ownDeletion || own
	case refuses, len(denied) > 0 && denialWords == tokenCount:
		// "Keep my account.", "Never mind.", "No.", "Please don't."
		m.refused = true
	}
}

// phraseAt is a kind's phrase found in a clause, at token at.
type phraseAt struct {
	kind    request.Kind
	phrase  string
	negated bool
	at      int
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
			f.at = i
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
// "please delete my account", "y también los míos"), unless negated ("not
// my own"). "My son's account" is not "my account".
var ownPhrases = []string{
	"my own", "mine", "myself", "me too", "me as well", "and me", "both of us",
	"delete me", "erase me", "remove me", "forget me",
	"my account", "my accounts", "my data", "my information", "my personal", "my profile",
	"my details", "my records", "my info",
	"mis propios", "mis propias", "mi propio", "mi propia", "los mios", "las mias", "la mia",
	"el mio", "mis datos", "mi cuenta", "mi informacion", "mi perfil", "borrenme", "eliminenme",
	"olvidenme",
}

// ownDetails name the writer too, unless they only introduce themselves
// ("my email is ..."): "erase everything you hold about me", "what you
// have on me", "remove my email address".
var ownDetails = []string{
	"about me", "on me", "my email", "my emails", "my e mail", "my address", "my phone",
	"my number", "my name", "my contact", "my history", "my order", "my orders", "my photos",
	"my messages", "my login", "my username", "my subscription", "my payment", "my card",
	"mi correo", "mi email", "mi e mail", "mi direccion", "mi telefono", "mi nombre",
	"mis correos", "mis fotos", "mis mensajes",
}

// ownAt reports whether tokens[i] starts naming the writer's own data (see
// ownPhrases and ownDetails).
func ownAt(tokens []string, i int) bool {
	if prefixAny(tokens[i:], ownPhrases) > 0 {
		return true
	}
	n := prefixAny(tokens[i:], ownDetails)
	if n == 0 {
		return false
	}
	k := i + n
	for k < len(tokens) && (tokens[k] == "address" || tokens[k] == "number") {
		k++
	}
	return k >= len(tokens) || !introduces[tokens[k]]
}

// introduces follow a detail that only introduces the writer: "my email is
// ...", "mi correo es ...".
var introduces = map[string]bool{"is": true, "was": true, "es": true, "era": true}

// denials are the words that may refuse a deletion wherever they stand in
// its sentence, n't in any contraction ("don t", "didn t", "ain t")
// included. Unlike negations they are not tied to the words right after
// them: a sentence that names a deletion and holds one the desk cannot
// place away from it puts the deletion in doubt (see read).
var denials = []string{
	"not", "never", "no", "nothing", "none", "nobody", "neither", "nor", "without", "cannot",
	"dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "hasnt", "havent", "hadnt",
	"wont", "wouldnt", "shouldnt", "couldnt", "cant", "mustnt", "neednt", "instead of", "rather than",
	"nunca", "jamas", "nada", "ningun", "ninguno", "ninguna", "ni", "tampoco", "sin",
	"en lugar de", "en vez de",
}

// keeps, before what is kept, restrict or refuse a deletion beside them
// ("delete my account but keep my order history"); in a sentence of their
// own they refuse one asked elsewhere ("Keep my account."). Negated they
// ask the same as the deletion ("don't keep my data"); "keep me posted"
// keeps nothing.
var (
	keeps = map[string]bool{
		"keep": true, "retain": true, "conserve": true, "conserven": true, "conservar": true,
		"mantengan": true, "mantener": true, "guarden": true,
	}
	kept = map[string]bool{
		"my": true, "the": true, "this": true, "that": true, "it": true, "all": true,
		"everything": true, "our": true, "any": true, "some": true, "mi": true, "mis": true,
		"la": true, "el": true, "los": true, "las": true, "lo": true, "su": true, "sus": true,
		"todo": true, "todos": true,
	}
)

// retractions take back what was asked ("Never mind.", "I changed my
// mind.").
var retractions = []string{
	"never mind", "nevermind", "disregard", "scratch that", "changed my mind", "change my mind",
	"olvidenlo", "olviden lo", "no importa", "cambie de opinion", "cambiado de opinion",
}

// bare words may stand with a denial in a sentence that says no and
// nothing else ("No.", "Please don't do that!", "Actually, no.", "Please
// don't go ahead").
var bare = map[string]bool{
	"please": true, "i": true, "do": true, "you": true, "it": true, "that": true, "this": true,
	"oh": true, "wait": true, "actually": true, "yet": true, "proceed": true, "go": true,
	"ahead": true, "with": true, "por": true, "favor": true, "lo": true, "eso": true,
	"todavia": true, "aun": true, "sigan": true, "hagan": true,
}

// mark is a denial in a sentence: its token in the clause, its stretch,
// and whether it governs a word of its own before its stretch ends.
type mark struct {
	at, stretch int
	governs     bool
}

// denialsIn lists the denials in a clause that count (see excused), with
// whether each governs a word other than a filler before its stretch
// ends: "do not," and "never, ever" govern nothing.
func denialsIn(tokens []string, found []phraseAt) []mark {
	var out []mark
	for i := 0; i < len(tokens); {
		n := denialLen(tokens, i)
		if n == 0 {
			i++
			continue
		}
		if !excused(tokens, i, n, found) {
			d := mark{at: i}
			for k := i + n; k < len(tokens) && (k == i+n || !breakAt(tokens, k)); k++ {
				if !fillers[tokens[k]] && !determiners[tokens[k]] {
					d.governs = true
					break
				}
			}
			out = append(out, d)
		}
		i += n
	}
	return out
}

// denialLen is how many tokens a denial or a state covers at tokens[i]; 0
// when there is none.
func denialLen(tokens []string, i int) int {
	if n := prefixAny(tokens[i:], states); n > 0 {
		return n
	}
	if n := prefixAny(tokens[i:], denials); n > 0 {
		return n
	}
	if i+1 < len(tokens) && tokens[i+1] == "t" && strings.HasSuffix(tokens[i], "n") {
		return 2
	}
	return 0
}

// isDenial reports whether tokens[i] is part of a denial.
func isDenial(tokens []string, i int) bool {
	return denialLen(tokens, i) > 0 || (tokens[i] == "t" && i > 0 && strings.HasSuffix(tokens[i-1], "n"))
}

// excused denials read as no negation of a deletion: in a condition or a
// question ("if you can't delete it", "why haven't you deleted it"); in a
// complaint that it is still owed ("has still not been deleted", "aún no
// han borrado"), unless the writer hopes it was not done ("please confirm
// it has not been deleted"); in or before an opt-out, which is asked in
// negative words ("do not sell", "don't send me any more newsletters");
// before "forget to", "hesitate to" ("don't forget to delete my data"); in
// insistence ("without delay", "no exceptions", "sin demora"); in
// a reason for the deletion ("I no longer use it", "ya no la uso"); on a
// keep ("don't keep my data"), on contact ("don't email me") or on whose
// data it is not ("not my son's", "not my own").
func excused(tokens []string, i, n int, found []phraseAt) bool {
	return excuseOf(tokens, i, n, found) != noExcuse
}

// excuse is how a denial or a retraction reads as harmless (see excused
// and refusalAt).
type excuse int

const (
	noExcuse excuse = iota
	// fixedExcuse: harmless whatever follows it (a condition, a complaint,
	// a reason, insistence, "don't forget to", whose data it is not).
	fixedExcuse
	// listExcuse: harmless for the opt-out, contact or keep it governs,
	// but a negation reaches every item of a list ("don't sell, share or
	// delete my data"): a deletion word after it in its sentence, before
	// a break, undoes the excuse (see deletionListed).
	listExcuse
)

// excuseOf classifies the denial of n tokens at tokens[i] (see excused).
func excuseOf(tokens []string, i, n int, found []phraseAt) excuse {
	if conditional(tokens[:i]) {
		return fixedExcuse
	}
	if optOutAt(tokens, i, n, found) {
		return listExcuse
	}
	if complaint(tokens, i, n) {
		return fixedExcuse
	}
	k := i + n
	for k < len(tokens) && !whoseAt(tokens, k) && (fillers[tokens[k]] || reasonSkip[tokens[k]]) {
		k++
	}
	if k >= len(tokens) {
		return noExcuse
	}
	switch next := tokens[k]; {
	case whoseAt(tokens, k):
		return fixedExcuse
	case keeps[next], contact[next]:
		return listExcuse
	case esReasons[next], insistence[next]:
		return fixedExcuse
	case reminders[next]:
		if next == "olviden" || (k+1 < len(tokens) && tokens[k+1] == "to") {
			return fixedExcuse
		}
	case reasons[next]:
		if subject(tokens[:i]) {
			return fixedExcuse
		}
	}
	return noExcuse
}

// optOutAt reports whether the n tokens at tokens[i] are part of an
// opt-out ("do not sell", "stop sending") or come before one within
// wishReach words, in the same stretch ("I don't want any more
// newsletters", "cancel the newsletter").
func optOutAt(tokens []string, i, n int, found []phraseAt) bool {
	for _, f := range found {
		if asks[f.phrase] || f.kind == request.OptOutSale || f.kind == request.OptOutMarketing {
			if end := f.at + len(strings.Fields(f.phrase)); f.at <= i && i < end ||
				f.at >= i+n && f.at <= i+n+wishReach && !breakBetween(tokens, i+n, f.at) {
				return true
			}
		}
	}
	return false
}

// refusalAt finds a refusal marker at tokens[i], a denial (see denials and
// states) or a retraction (see retractionMarks), and says how it reads as
// harmless; n is 0 when there is none. A denial is harmless when excused
// (a condition, a complaint, an opt-out, a reason, insistence, "don't
// forget to", "don't email me", "don't keep", whose data it is not) or when
// it tells how a child's data was taken ("without my permission"). A
// retraction is harmless only in a condition or an opt-out ("stop
// sending me newsletters", "cancel the newsletter"). Everything else is
// not: "Under no circumstances, delete my account", "Actually, cancel
// that", "I'm not sure, please delete my data".
func refusalAt(tokens []string, i int, found []phraseAt) (n int, e excuse) {
	if n = denialLen(tokens, i); n > 0 {
		e = excuseOf(tokens, i, n, found)
		if e == noExcuse && (tokens[i] == "without" || tokens[i] == "sin") && permissionAt(tokens, i+n) {
			e = fixedExcuse
		}
		return n, e
	}
	if n = prefixAny(tokens[i:], retractionMarks); n > 0 {
		switch {
		case conditional(tokens[:i]):
			e = fixedExcuse
		case optOutAt(tokens, i, n, found):
			e = listExcuse
		case cancelsService(tokens, i, n):
			e = fixedExcuse
		}
	}
	return n, e
}

// cancelsService reports whether the retraction of n tokens at tokens[i]
// is a "cancel" of the person's account or subscription, not of what
// they asked: "Please cancel my account and delete all my data".
func cancelsService(tokens []string, i, n int) bool {
	if !strings.HasPrefix(tokens[i], "cancel") || i+n+1 >= len(tokens) {
		return false
	}
	owner, thing := tokens[i+n], tokens[i+n+1]
	if k := i + n + 2; k < len(tokens) && (nounRequest[tokens[k]] || needsObject[tokens[k]]) {
		return false // "cancel my account deletion": the request taken back
	}
	return (owner == "my" || owner == "mi" || owner == "the" || owner == "la") &&
		(accountHeads[thing] || thing == "subscription" || thing == "subscriptions" || thing == "plan" ||
			thing == "suscripcion" || thing == "membresia")
}

// deletionListed reports whether a deletion word (starting at one of
// deletes) follows position from in flat, the sentence's tokens, before a
// break: the list a negation reaches runs across commas ("don't sell,
// share or delete my data", "do not sell or delete it") and ends at
// "but", "please" or "and" starting a new ask ("don't sell my data and
// delete it").
func deletionListed(flat []string, from int, deletes []int) bool {
	for k := from; k < len(flat); k++ {
		if breakAt(flat, k) {
			return false
		}
		if slices.Contains(deletes, k) {
			return true
		}
	}
	return false
}

// permissionAt reports whether tokens[k] names what was not given when a
// child's data was taken: "without my permission", "without asking me",
// "sin mi consentimiento".
func permissionAt(tokens []string, k int) bool {
	for k < len(tokens) && permissionSkip[tokens[k]] {
		k++
	}
	return k < len(tokens) && permission[tokens[k]]
}

var (
	// retractionMarks take back what was asked, for the safety net
	// (see refusalAt).
	retractionMarks = []string{
		"cancel", "cancels", "cancelled", "canceled", "cancelling", "canceling", "cancellation",
		"ignore", "ignored", "disregard", "withdraw", "withdraws", "withdrawn", "withdrawing", "withdrew",
		"stop", "second thought", "second thoughts", "take that back", "take it back",
		"taking that back", "take back", "changed my mind", "change my mind", "never mind",
		"nevermind", "scratch that",
		"cancelar", "cancelen", "cancele", "cancelo", "anular", "anulen", "anule", "ignoren",
		"ignorar", "olvidenlo", "olviden lo", "cambie de opinion", "cambiado de opinion",
		"retiro", "retirar", "pensandolo bien",
	}
	permission = map[string]bool{
		"permission": true, "consent": true, "knowledge": true, "approval": true,
		"authorisation": true, "authorization": true, "asking": true, "telling": true,
		"permiso": true, "consentimiento": true, "conocimiento": true, "autorizacion": true,
		"preguntarme": true, "avisarme": true, "preguntar": true, "avisar": true,
	}
	permissionSkip = map[string]bool{
		"my": true, "our": true, "your": true, "his": true, "her": true, "their": true, "any": true,
		"the": true, "parental": true, "prior": true, "mi": true, "su": true, "sus": true,
		"nuestro": true, "nuestra": true,
	}
)

// complaint reports whether the state at tokens[i] complains that a
// deletion is still owed: a state, then only words like "been" or "yet",
// then the deletion's participle ("has still not been deleted", "you
// haven't deleted it"), or "no han borrado"; but not when the writer
// hopes it was not done ("please confirm my account has not been
// deleted"), nor "was not to be deleted".
func complaint(tokens []string, i, n int) bool {
	k := i + n
	switch {
	case prefixAny(tokens[i:], states) > 0:
	case tokens[i] == "no" && k < len(tokens) && spanishPerfect[tokens[k]]:
		k++
	default:
		return false
	}
	for k < len(tokens) && owedSkip[tokens[k]] {
		k++
	}
	if k >= len(tokens) || !participles[tokens[k]] {
		return false
	}
	for _, w := range tokens[:i] {
		if hopes[w] {
			return false
		}
	}
	return true
}

// whoseAt reports whether tokens[k] starts naming whose data it is: the
// writer's ("my own", "mine", "los míos", a last "me") or a child's ("my
// son").
func whoseAt(tokens []string, k int) bool {
	return prefixAny(tokens[k:], whose) > 0 || prefixAny(tokens[k:], childPhrases()) > 0 ||
		(tokens[k] == "me" && k == len(tokens)-1)
}

// breakBetween reports whether a stretch ends between tokens from and to.
func breakBetween(tokens []string, from, to int) bool {
	for k := from; k <= to && k < len(tokens); k++ {
		if breakAt(tokens, k) {
			return true
		}
	}
	return false
}

// subject reports whether before ends with the writer as subject ("I",
// "we"), past auxiliaries: "I no longer use it", "we don't need it".
func subject(before []string) bool {
	i := len(before) - 1
	for i >= 0 && auxiliaries[before[i]] {
		i--
	}
	return i >= 0 && (before[i] == "i" || before[i] == "we")
}

var (
	// whose data a denial says it is not: "not my own", "no los míos".
	whose = []string{"my own", "mine", "myself", "los mios", "las mias", "la mia", "el mio", "mios", "mias"}
	// contact verbs: "don't email me" asks not to be contacted.
	contact = map[string]bool{
		"email": true, "e": true, "mail": true, "contact": true, "call": true, "text": true,
		"message": true, "spam": true, "bother": true, "write": true, "send": true, "receive": true, "recibir": true,
		"envien": true, "manden": true, "contacten": true, "llamen": true, "escriban": true,
	}
	reminders = map[string]bool{"forget": true, "hesitate": true, "fail": true, "olviden": true}
	// insistence: "without delay", "no exceptions", "no later than", "sin demora".
	insistence = map[string]bool{
		"delay": true, "undue": true, "further": true, "exception": true, "exceptions": true, "later": true,
		"demora": true, "dilacion": true, "excepcion": true, "excepciones": true, "falta": true,
	}
	// reasons the writer gives in their own name: "I no longer use it".
	reasons = map[string]bool{
		"use": true, "using": true, "used": true, "need": true, "needed": true, "have": true,
		"own": true, "shop": true, "visit": true, "remember": true, "recognise": true,
		"recognize": true, "sign": true, "signed": true, "agree": true, "agreed": true, "happy": true, "satisfied": true,
	}
	// Spanish reasons, whose verb names the writer: "ya no la uso".
	esReasons = map[string]bool{
		"uso": true, "utilizo": true, "necesito": true, "tengo": true, "recuerdo": true,
		"reconozco": true, "usamos": true, "necesitamos": true, "tenemos": true,
	}
	reasonSkip  = map[string]bool{"longer": true, "really": true, "even": true, "currently": true, "ya": true}
	auxiliaries = map[string]bool{
		"do": true, "did": true, "am": true, "m": true, "have": true, "ve": true, "will": true,
		"ll": true, "really": true, "just": true, "simply": true, "actually": true, "even": true,
	}
	participles = map[string]bool{
		"deleted": true, "erased": true, "removed": true, "borrado": true, "borrados": true,
		"borrada": true, "borradas": true, "eliminado": true, "eliminados": true, "eliminada": true,
		"eliminadas": true, "suprimido": true, "suprimidos": true,
	}
	spanishPerfect = map[string]bool{"han": true, "ha": true, "hayan": true, "habian": true, "habia": true}
	owedSkip       = map[string]bool{
		"been": true, "yet": true, "still": true, "fully": true, "completely": true, "even": true,
		"actually": true, "really": true, "ever": true, "todavia": true, "aun": true,
	}
	// hopes before a state make it no complaint: "please confirm it has
	// not been deleted" hopes it was not.
	hopes = map[string]bool{
		"sure": true, "ensure": true, "confirm": true, "check": true, "verify": true, "hope": true,
		"hoping": true, "whether": true, "asegurense": true, "confirmen": true, "comprueben": true,
	}
)

// childPhrases are the child's-data rule's phrases.
var childPhrases = sync.OnceValue(func() []string {
	for _, r := range rules {
		if r.kind == request.ChildData {
			return r.phrases
		}
	}
	return nil
})

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

// needsObject are the deletion words that say nothing of what they delete
// ("delete the duplicate invoice", "erase the old address"): a deletion
// of the person only when what they act on is the person or all their
// data (removeActsOnPerson).
var needsObject = func() map[string]bool {
	m := map[string]bool{"delete": true, "deleted": true, "deleting": true, "deletion": true,
		"erase": true, "erased": true, "erasure": true}
	for w := range weakRemove {
		m[w] = true
	}
	return m
}()

// weakRemove are deletion words that, alone, may mean "take me off the
// list", or act on something other than the person ("remove the charge",
// "eliminen el cargo"): a deletion only when what they act on is the
// person or all their data (removeActsOnPerson).
var weakRemove = map[string]bool{
	"remove": true, "removed": true, "removal": true,
	"borrar": true, "borren": true, "borre": true, "borrado": true, "eliminar": true, "eliminen": true, "elimine": true,
	"eliminacion": true, "quitar": true, "quiten": true, "quite": true, "quitenme": true, "saquenme": true,
	"borrenla": true, "borrenlo": true, "borrenlos": true, "borrenlas": true,
	"suprimir": true, "supriman": true, "suprima": true, "supresion": true,
	"eliminenla": true, "eliminenlo": true, "eliminenlos": true, "eliminenlas": true,
}

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

// replySubjects start the subject of a reply (see triage).
var replySubjects = []string{"re:", "aw:", "sv:", "antw:"}

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

// deletedNotAsked drops from found the access phrases that are what a
// deletion word right before them deletes: "please delete all data you
// hold about me", "the deletion of all the personal data you hold" ask
// no copy. ("Send me a copy of all data you hold, then delete it" does.)
func deletedNotAsked(found []phraseAt) []phraseAt {
	return slices.DeleteFunc(found, func(f phraseAt) bool {
		if f.kind != request.AccessSpecific && f.kind != request.AccessCategories {
			return false
		}
		return slices.ContainsFunc(found, func(d phraseAt) bool {
			end := d.at + len(strings.Fields(d.phrase))
			return d.kind == request.Deletion && !d.negated && d.at < f.at && f.at-end <= 2
		})
	})
}
