package inbound

import (
	"slices"
	"strings"
	"unicode"
)

// What a deletion word acts on. "Delete", "erase", "remove", "borren",
// "eliminen", "quiten"… say nothing of what they delete: "please delete
// the duplicate invoice" is no erasure of the person, and a deletion
// cannot be undone. Such a word asks to erase the person only when its
// object is the person ("me", "me borren"), their account or profile
// ("my account", "the account associated with this email"), all their
// data ("my data", "everything you have about me", "any records you hold
// on me"), or a child of theirs; "it" or "them" only when the sentence
// before named the person's account or data, and nothing else since. The
// noun ("deletion", "right to erasure", "solicitud de eliminación") names
// the request itself, unless an "of" says of what.

// accountHeads are an account of the person's, whatever the determiner
// ("my", "the", "this", "my ProductionFlow"); userHeads, only with a
// possessive ("my user", "mi usuario"), for "remove the second user".
var (
	accountHeads = set("account", "accounts", "acount", "profile", "profiles", "membership", "cuenta", "cuentas", "perfil")
	userHeads    = set("user", "usuario", "login")
	// dataHeads are the person's data with a word that makes it theirs or
	// all of it (possessives), or a tail that does ("you have on me").
	dataHeads = set("data", "information", "info", "pii", "records", "details", "stuff", "trace", "traces", "datos",
		"informacion", "registros", "rastro")
	childHeads = set("son", "daughter", "child", "kid", "kids", "children", "hijo", "hija", "hijos", "hijas")
	wholeHeads = set("everything", "todo")
	emailHeads = set("email", "correo", "e")
	// accountParts are parts of an account, not the account: "my account
	// number", "my account's saved card".
	accountParts = set("number", "numbers", "s", "settings", "setting", "balance", "name", "password", "card", "cards",
		"history", "page", "picture", "photo", "email", "address", "status", "type", "id", "plan", "numero",
		"configuracion", "saldo", "nombre", "contrasena", "historial", "foto")
	// associated start what ties data to the person ("the data associated
	// with my account").
	associated = set("associated", "linked", "tied", "connected", "related", "asociados", "asociadas", "asociado",
		"asociada", "vinculados", "vinculado", "vinculada", "relacionados")
	// yours say a "from …" is the company's: "from your records", "de sus
	// sistemas".
	// ownersWords keep a "that …" after an object the person's: "that
	// you hold", "that belongs to me", "que tienen sobre mí".
	ownersWords = set("you", "me", "us", "tienen", "tengan", "guardan", "mi")
	// theirTail in the tail of an object make it the person's: "all the info you
	// have on him", "everything you hold about me".
	theirTail = set("me", "us", "mi", "him", "her", "them")
	// didIt are Spanish first-person pasts that lose to a command once
	// their accent is gone: "borré" (I deleted) is not "borre" (delete).
	didIt = set("borré", "eliminé", "quité", "suprimí")
	// nounRequest follow a deletion noun that names the request: "deletion
	// request", "solicitud de eliminación".
	nounRequest = set("request", "solicitud", "petition", "peticion", "form", "formulario")
	// modalAsks make a "deleted" asked for: "should be removed", "needs to
	// be deleted".
	modalAsks    = set("should", "must", "need", "needs", "to")
	askingStarts = set("can", "could", "will", "would", "please")
	// adverbial "de" says how, not of what: "de forma permanente".
	adverbial = set("forma", "manera", "modo", "inmediato", "una")
	// placeWords say where an object is: "from", "in", "on"…
	placeWords = set("from", "in", "on", "at", "de", "del", "en")
	// exceptWords leave part of an object out: "everything except my account".
	exceptWords = set("except", "besides", "excepto", "salvo", "menos")
	yours       = set("your", "su", "sus", "all", "todos", "todas", "every")
	possessives = set("my", "all", "any", "every", "our", "his", "her", "their", "personal", "mis", "mi", "todos", "toda",
		"todas", "cualquier", "personales", "sus", "su", "nuestros", "nuestra")
	// objectFillers may follow an object without changing it.
	objectFillers = set("please", "now", "asap", "immediately", "permanently", "completely", "entirely", "fully", "too", "also",
		"forever", "today", "thanks", "thank", "ya", "completamente", "definitivamente", "tambien", "gracias",
		"favor", "por", "inmediatamente", "yet", "already", "still", "personal", "personales", "lo", "pls", "plz",
		"thx")
	// holds are the words of "that you have on me", "you hold about us",
	// "que tienen sobre mí": a tail that keeps the object the person's.
	holds = set("file", "record", "still", "him", "her", "them", "you", "have", "hold", "keep", "store", "stored", "collected", "gathered", "process", "processed",
		"retain", "own", "on", "about", "of", "me", "us", "that", "which", "concerning", "regarding", "related",
		"relating", "to", "associated", "with", "linked", "tied", "connected", "this", "email", "address", "my",
		"que", "tienen", "tengan", "guardan", "conservan", "han", "recopilado", "sobre", "mi", "de", "mí", "este",
		"correo", "asociados", "asociada", "asociado", "asociadas", "vinculados", "vinculada", "a", "y", "all",
		"may", "might", "any", "kind", "in", "your", "systems", "database", "files", "the", "at",
		"su", "sus", "base", "sistemas", "en")
	// places are where a "from …" may take everything of the person
	// from: the company's systems, not "my cart" or "the invoice".
	places = set("database", "databases", "system", "systems", "records", "files", "servers", "site", "website",
		"platform", "company", "service", "services", "app", "everywhere", "lists", "base", "sistemas", "registros",
		"archivos", "servidores", "sitio", "plataforma", "empresa", "servicio", "servicios", "todo", "everything",
		"productionflow")
	// ends end an object ("remove the charge and let me know", "remove
	// the hold on my account").
	ends = set("i", "we", "without", "along", "except", "besides", "excepto", "salvo", "menos", "yo", "sin", "and", "from", "because", "since", "as", "so", "but", "or", "if", "when", "then", "which", "that",
		"on", "in", "at", "for", "to", "with", "under", "off", "associated", "linked", "registered", "tied",
		"connected", "belonging", "y", "porque", "pero", "o", "si", "cuando", "que", "en", "con", "para",
		"asociada", "asociado", "asociados", "vinculada", "vinculado", "registrada", "registrado")
	// restore says a past "deleted" is a complaint, not a request: "I
	// deleted it by mistake", "someone removed my account, restore it";
	// asking says "why" or "who" is of one: "Why was my account deleted?"
	// (but "why haven't you deleted my account yet?" asks).
	restore = set("restore", "recover", "back", "reactivate", "reinstate", "undo", "mistake", "accidentally",
		"accident", "recuperar", "restaurar", "error")
	asking = set("why", "who", "someone", "somebody", "quien")
	notYet = set("not", "t", "yet", "still", "no", "todavia", "aun")
	// pastSteps are what "deleted" follows in a request ("is deleted",
	// "to be removed", "completely erased"); pastAsks start its object
	// ("I want my account deleted", "make sure my data is erased").
	pastSteps = set("is", "are", "be", "been", "being", "was", "were", "should", "must", "can", "could", "will",
		"would", "to", "get", "gets", "got", "all", "completely", "permanently", "fully", "entirely", "not", "still",
		"yet", "has", "had", "have", "t", "never", "already")
	pastAsks = set("want", "like", "need", "have", "get", "wish", "sure", "ensure", "request", "requesting",
		"requested", "asking", "ask", "please", "and", "but")
	// startWords may start an object at the start of its sentence ("my
	// data should be removed").
	startWords = set("my", "all", "our", "the", "this", "any", "can", "could", "will", "would", "mi", "mis", "todos",
		"toda", "la", "los", "su", "sus")
	// owned are what make an account named before an "it" the person's.
	owned = set("my", "an", "our", "his", "her", "their", "mi", "una", "su", "nuestra")
	// pronounThings are other things an "it" or "them" may stand for, or
	// where a posting is: named after the person's account or data, the
	// pronoun is theirs ("my account was charged twice. Please remove
	// it": the charge; "I found my data on your website": a posting).
	pronounThings = set("charge", "charges", "invoice", "invoices", "card", "order", "orders", "address", "photo",
		"picture", "post", "posts", "item", "items", "fee", "payment", "subscription", "message", "comment",
		"review", "number", "cart", "listing", "charged", "billed", "website", "site", "forum", "page", "internet",
		"online", "google", "cargo", "factura", "tarjeta", "pedido", "direccion", "foto", "publicacion", "comentario",
		"suscripcion", "cobraron", "sitio", "pagina", "foro", "charges", "photos", "pictures", "cards", "addresses",
		"messages", "comments", "reviews", "files", "documents", "uploaded", "posted", "cargos", "facturas", "fotos",
		"pedidos", "duplicada", "duplicado", "duplicate")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// tellsWhatHappened reports whether a sentence (raw, and its normalised
// words) tells of a deletion rather than asks one: it asks for something
// back ("Borré mi cuenta por error, ¿la pueden recuperar?"), or the writer
// did it ("Ya eliminé mi cuenta": without its accent, "elimine" asks).
func tellsWhatHappened(sentence string, words []string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return restore[w] }) ||
		slices.ContainsFunc(strings.FieldsFunc(strings.ToLower(sentence), func(r rune) bool { return !unicode.IsLetter(r) }),
			func(w string) bool { return didIt[w] })
}

// actsOnPerson reports whether the deletion word phrase at tokens[at] (of
// a clause of the sentence whose normalised words are flat) asks to erase
// the person, from what it acts on; prev is the sentence before,
// normalised, for an "it".
func actsOnPerson(tokens []string, at int, phrase, prev string, flat []string) bool {
	switch phrase {
	case "quitenme", "saquenme":
		// the person, in the word itself: "quítenme de su base de datos",
		// not "del grupo de WhatsApp"
		_, _, person := objectOf(append([]string{"me"}, tokens[at+1:]...), prev, flat)
		return person
	case "borrenla", "borrenlo", "borrenlos", "borrenlas", "eliminenla", "eliminenlo", "eliminenlos", "eliminenlas":
		return pronounStandsForPerson(prev, flat)
	case "deleted", "removed", "erased":
		return pastOnPerson(tokens, at, flat, prev)
	case "deletion", "erasure", "removal", "eliminacion", "borrado", "supresion":
		// The request itself ("deletion request", "right to erasure",
		// "solicitud de eliminación"), unless an "of" says of what.
		rest := tokens[at+1:]
		if len(rest) == 0 || nounRequest[rest[0]] || objectFillers[rest[0]] || ends[rest[0]] && rest[0] != "de" && rest[0] != "del" {
			return true // "deletion request", "right to erasure", "a request for deletion under the CCPA"
		}
		if rest[0] != "of" && rest[0] != "de" {
			return false // "deletion policy", "the deletion process", "eliminación del cargo"
		}
		rest = rest[1:]
		if len(rest) > 0 && (rest[0] == "data" || rest[0] == "datos" || rest[0] == "personal") {
			return true // "deletion of data", "eliminación de datos"
		}
		return objectOnPerson(rest, prev, flat)
	}
	if at > 0 && (tokens[at-1] == "me" || tokens[at-1] == "nos") {
		return true // "quiero que me borren", "les pido que me eliminen"
	}
	if at > 0 && (tokens[at-1] == "la" || tokens[at-1] == "lo" || tokens[at-1] == "los" || tokens[at-1] == "las") &&
		at > 1 && tokens[at-2] == "que" {
		return pronounStandsForPerson(prev, flat) // "quiero que la eliminen"
	}
	return objectOnPerson(tokens[at+1:], prev, flat)
}

// objectOnPerson reads the words after a deletion word: its object up to
// an end word, then what follows.
func objectOnPerson(rest []string, prev string, sentence []string) bool {
	object, after, person := objectOf(rest, prev, sentence)
	if !person && len(object) > 0 && len(after) > 1 && (after[0] == "and" || after[0] == "y") {
		// "my subscription and account", "mi usuario y todos mis datos"
		_, _, person = objectOf(after[1:], prev, sentence)
	}
	return person
}

// objectOf splits rest into a deletion word's object and what follows,
// and says whether the object is the person.
func objectOf(rest []string, prev string, sentence []string) (object, after []string, person bool) {
	// "Please"/"por favor" and "any and all" do not end an object.
	for len(rest) > 0 && (rest[0] == "please" || rest[0] == "kindly" || rest[0] == "por" || rest[0] == "favor") {
		rest = rest[1:]
	}
	end := len(rest)
	for i := 0; i < len(rest); i++ {
		w := rest[i]
		if w == "and" && i > 0 && (rest[i-1] == "any" || rest[i-1] == "each") {
			continue // "any and all"
		}
		if w == "on" && i+1 < len(rest) && (theirTail[rest[i+1]] || rest[i+1] == "file" || rest[i+1] == "record") {
			continue // "any data you have on me", "everything you have on file about me"
		}
		if (w == "de" || w == "del") && (i == 0 || !(dataHeads[rest[i-1]] || accountHeads[rest[i-1]])) {
			end = i // "la tarjeta de mi cuenta": a card; "los datos de mi hija": the data
			break
		}
		if ends[w] {
			end = i
			break
		}
	}
	object, after = rest[:end], rest[end:]
	if len(object) == 0 {
		return object, after, false
	}
	switch object[0] {
	case "me", "us", "myself", "ourselves":
		// "remove me from your database"; not "from this thread", "as
		// admin of the workspace", "del grupo".
		return object, after, len(after) == 0 || !(placeWords[after[0]] || after[0] == "as") ||
			places[last(after)] || slices.ContainsFunc(after, func(w string) bool { return yours[w] })
	case "it", "them", "this", "that", "these", "those":
		if len(object) == 1 || objectFillers[object[1]] {
			if len(after) > 1 && after[0] == "from" && !places[last(after)] {
				return object, after, false // "please remove it from my account": a thing in the account
			}
			return object, after, pronounStandsForPerson(prev, sentence)
		}
	}
	if len(after) > 0 && (after[0] == "that" || after[0] == "which" || after[0] == "que") &&
		!slices.ContainsFunc(after[1:], func(w string) bool { return ownersWords[w] }) {
		return object, after, false // "any information that is wrong": not all of it
	}
	return object, after, headIsPerson(object, after)
}

// headIsPerson finds the head of object (its last word but objectFillers and a
// "you have on me" tail) and says whether it is the person's account, all
// their data, or a child of theirs.
func headIsPerson(object, after []string) bool {
	// An account named by its address ("delete the account
	// jo@example.com") keeps what follows it; not a part of the account
	// ("my account number", "my account's saved card").
	if len(after) > 0 && exceptWords[after[0]] {
		return false // "everything except my account": not all of it
	}
	// "The data of my son Leo", "all traces of me": of whom. Data of
	// anything else ("all records of my late payment", "los datos del
	// pedido") is not the person's; "mis datos de su sistema" is.
	if i := slices.IndexFunc(object, func(w string) bool { return w == "of" || w == "de" || w == "del" }); i > 0 &&
		i+1 < len(object) && (dataHeads[object[i-1]] || accountHeads[object[i-1]]) {
		whom := object[i+1:]
		switch {
		case adverbial[whom[0]]:
			object = object[:i] // "mi cuenta de forma permanente": the account
		case whom[0] == "me" || whom[0] == "us" || whom[0] == "mi" || (len(whom) > 1 && owned[whom[0]] && childHeads[whom[1]]):
			return true
		case object[i] != "de":
			return false
		default:
			object, after = object[:i], object[i:]
		}
	}
	// "from your systems", "de su base de datos", "in your records":
	// everything of the person; "from my cart", "from the family plan",
	// "in my review", "del pedido": not.
	fromPlace := len(after) == 0 || !placeWords[after[0]] ||
		(after[0] != "del" && (places[last(after)] || slices.ContainsFunc(after, func(w string) bool { return yours[w] })))
	if k := slices.IndexFunc(object, func(w string) bool { return accountHeads[w] }); k >= 0 &&
		!slices.ContainsFunc(object[k+1:], func(w string) bool { return accountParts[w] || pronounThings[w] }) {
		return fromPlace
	}
	for len(object) > 1 && objectFillers[object[len(object)-1]] {
		object = object[:len(object)-1]
	}
	// The head is the last word before a tail of holds words ("all data
	// you have about me"); the tail that names "me" makes it theirs.
	h := len(object) - 1
	for h > 0 && holds[object[h]] && !accountHeads[object[h]] && !dataHeads[object[h]] && !emailHeads[object[h]] {
		h--
	}
	head, before, tail := object[h], object[:h], object[h+1:]
	theirs := slices.ContainsFunc(before, func(w string) bool { return possessives[w] }) ||
		slices.ContainsFunc(tail, func(w string) bool { return theirTail[w] }) ||
		// "the data associated with my account", "los datos asociados a mi cuenta"
		(len(after) > 1 && associated[after[0]] && slices.ContainsFunc(after, func(w string) bool { return owned[w] || w == "this" || w == "este" }))
	switch {
	case userHeads[head], childHeads[head]:
		return theirs
	case dataHeads[head]:
		return theirs && fromPlace
	case emailHeads[head] || (head == "address" && h > 0 && object[h-1] == "email"):
		// "delete my email address from your records": the person, as
		// the systems know them; "delete my email" alone may be a mail.
		return len(after) > 0 && (after[0] == "from" || after[0] == "de") && fromPlace
	case wholeHeads[head] && len(before) == 0:
		return fromPlace // "everything"; "everything from my cart" is not
	}
	return false
}

// pastOnPerson reads a "deleted", "removed" or "erased": a request ("I
// want my account deleted", "make sure my data is erased", "I would like to
// be removed") only when the sentence asks, never a complaint ("why was my
// account deleted?", "I deleted it by mistake").
func pastOnPerson(tokens []string, at int, sentence []string, prev string) bool {
	has := func(words map[string]bool) bool {
		return slices.ContainsFunc(sentence, func(w string) bool { return words[w] })
	}
	if (has(asking) && !has(notYet)) || at > 0 && writers[tokens[at-1]] && tokens[at-1] != "to" {
		return false // "I deleted my account last year but I still get emails"
	}
	if has(notYet) && objectOnPerson(tokens[at+1:], prev, sentence) {
		return true // "haven't you deleted my account yet"; not "the update erased my profile"
	}
	before := tokens[:at]
	n := len(before)
	if n > 0 && (before[n-1] == "me" || before[n-1] == "us" || before[n-1] == "myself") {
		return true // "have me removed"
	}
	toBe := n >= 2 && before[n-2] == "to" && before[n-1] == "be"
	stripped := n
	for n > 0 && pastSteps[before[n-1]] {
		n--
	}
	// "should be removed", "has still not been deleted": asked; "was
	// deleted", "got deleted": told.
	asks := slices.ContainsFunc(before[n:stripped], func(w string) bool { return modalAsks[w] || notYet[w] }) ||
		len(before) > 0 && askingStarts[before[0]] // "can my account be deleted?"
	if toBe && slices.ContainsFunc(before[:n], func(w string) bool { return w == "i" || w == "we" }) && n > 0 && pastAsks[before[n-1]] {
		return true // "I would like to be removed"
	}
	start := -1
	for i := n - 1; i >= 0; i-- {
		if pastAsks[before[i]] {
			start = i + 1
			break
		}
	}
	if start < 0 {
		if n == 0 || !startWords[before[0]] || !asks {
			return false // "why was my account deleted", "my account was deleted": no request
		}
		start = 0 // "my data should be removed"
	}
	object := before[start:n]
	if len(object) > 0 && (object[0] == "that" || object[0] == "que") {
		object = object[1:] // "I would like to request that my account be deleted"
	}
	for i, w := range object {
		if ends[w] && !(w == "on" && i+1 < len(object) && object[i+1] == "me") {
			object = object[:i] // "the hold on my account": the hold
			break
		}
	}
	if len(object) == 0 {
		return false
	}
	if object[0] == "it" || object[0] == "them" {
		return pronounStandsForPerson(prev, sentence)
	}
	return headIsPerson(object, nil)
}

// pronounStandsForPerson reports whether an "it" or "them" stands for the
// person's account or data: the sentence before names one (an account of
// theirs, their data), and no other thing (a charge, an invoice…) since.
func pronounStandsForPerson(prev string, sentence []string) bool {
	words := append(strings.Fields(prev), sentence...)
	named := false
	for i, w := range words {
		switch {
		case pronounThings[w]:
			return false // "my account was charged twice. Please remove it": the charge
		case accountHeads[w] && i > 0 && owned[words[i-1]], dataHeads[w] && i > 0 && possessives[words[i-1]]:
			named = true
		}
	}
	return named
}

func last(words []string) string {
	if len(words) == 0 {
		return ""
	}
	return words[len(words)-1]
}

// bareAt reports whether the deletion word at tokens[at] has no object:
// nothing after it but fillers ("Request to delete", "CCPA Request -
// Delete", "Request to be deleted").
func bareAt(tokens []string, at int) bool {
	if participles[tokens[at]] && (at == 0 || tokens[at-1] != "be") {
		return false // "My account was deleted!" tells; "Request to be deleted" asks
	}
	for _, w := range tokens[at+1:] {
		if !objectFillers[w] {
			return false
		}
	}
	return true
}

// supposes are words that make what follows a supposition when the
// writer is its subject: "if I delete my account", "before I decide
// whether to delete it", "si borro mi cuenta".
var (
	supposes  = set("if", "before", "whether", "once", "unless", "when", "si", "antes", "cuando")
	writers   = set("i", "we", "to", "yo")
	questions = set("does", "do", "is", "are", "should", "how", "what", "will", "would", "can", "could")
)

// supposedAt reports whether the deletion word at tokens[at] (of a clause;
// first says the clause starts its sentence) is in a supposition or a
// question rather than asked: "If I delete my account, will I get a
// refund?", "Should I delete my account or deactivate it?", "How do I
// delete my account?", "Will my data be deleted if I close my account?".
// "If you cannot delete it, tell me" and "Will you delete my account?"
// still ask.
func supposedAt(tokens []string, at int, first bool) bool {
	for i := 0; i+1 < len(tokens) && i < at; i++ {
		if supposes[tokens[i]] && writers[tokens[i+1]] {
			return true
		}
		if tokens[i] == "how" && i+1 < at && (tokens[i+1] == "to" || tokens[i+1] == "do" || tokens[i+1] == "can" || tokens[i+1] == "long") {
			return true
		}
	}
	if !first || len(tokens) < 2 || at == 0 || !questions[tokens[0]] {
		return false
	}
	if tokens[0] == "will" || tokens[0] == "would" {
		return tokens[1] != "you" // "will you delete my account?" asks
	}
	if tokens[0] == "can" || tokens[0] == "could" {
		// "can I delete my account?" asks how; "can you", "can I have my
		// data deleted?" ask us
		return (tokens[1] == "i" || tokens[1] == "we") && !(len(tokens) > 2 && (tokens[2] == "have" || tokens[2] == "get"))
	}
	if len(tokens) > 2 && tokens[1] == "it" && tokens[2] == "possible" {
		return false // "is it possible to delete my account?" asks us
	}
	return tokens[1] != "not" && tokens[1] != "t" // "do not delete" is a negation, read as such
}
