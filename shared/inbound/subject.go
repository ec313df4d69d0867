package inbound

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Limits on what describe keeps of the text: the team reads the whole
// message in the request's details, so these are pointers, not the record.
const (
	MaxChildName      = 100 // runes of a child's name
	MaxCorrectionText = 500 // runes of the message kept as the correction's description
	maxAddress        = 254
)

// CorrectionItemFromMail is the Item of the one correction taken from a
// message: the message itself says what is wrong and what it should be.
const CorrectionItemFromMail = request.CorrectionInWords

// childName finds a name right after "my son/daughter/child/kid" or "mi
// hijo/hija" (optionally "named", "called", "llamado/a", a comma or a
// colon between): one to four capitalised words on the same line.
var childName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i:\b(?:my (?:son|daughter|child|kid|stepson|stepdaughter)|mi (?:hijo|hija|hijastro|hijastra)))[,:]?[ \t]+(?:(?i:named|called|llamad[oa])[ \t]+)?(\p{Lu}[\p{L}'’-]*(?:[ \t]+\p{Lu}[\p{L}'’-]*){0,3})`)
})

// notNames are capitalised words that may follow "my son" without being
// his name; a name stops before them.
var notNames = map[string]bool{
	"i": true, "he": true, "she": true, "is": true, "has": true, "was": true, "and": true, "who": true,
	"the": true, "his": true, "her": true, "please": true, "y": true, "es": true, "tiene": true,
	"que": true, "el": true, "la": true, "su": true, "por": true, "favor": true,
}

// addressInText finds an email address written in running text.
var addressInText = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)
})

// describe fills Child and Corrections from the text the writer wrote
// (quoted replies and signatures left out), for the kinds triage read.
// ours are the desk's addresses, never the child's.
func describe(res *Result, ours []string) {
	body := stripQuoted(res.Text, res.Subject)
	if slices.Contains(res.Kinds, request.ChildData) {
		res.Child = child(body, res, ours)
	}
	if slices.Contains(res.Kinds, request.Correction) {
		text := oneLineText(body, MaxCorrectionText)
		if text == "" {
			text = oneLineText(res.Subject, MaxCorrectionText)
		}
		if text != "" {
			res.Corrections = []request.CorrectionItem{{Item: CorrectionItemFromMail, Right: text}}
		}
	}
}

// child reads the child's name and address from body; nil when neither is
// stated.
func child(body string, res *Result, ours []string) *request.Subject {
	var c request.Subject
	if m := childName().FindStringSubmatch(body); m != nil {
		var words []string
		for _, w := range strings.Fields(m[1]) {
			if notNames[strings.ToLower(w)] {
				break
			}
			words = append(words, w)
		}
		c.Name = oneLineText(strings.Join(words, " "), MaxChildName)
	}
	not := append([]string{res.From.Address}, ours...)
	if res.ReplyTo != nil {
		not = append(not, res.ReplyTo.Address)
	}
	for _, a := range addressInText().FindAllString(body, 20) {
		a = strings.TrimRight(a, ".-")
		if len(a) > maxAddress || slices.ContainsFunc(not, func(o string) bool { return strings.EqualFold(strings.TrimSpace(o), a) }) {
			continue
		}
		if p, err := mail.ParseAddress(a); err != nil || p.Address != a {
			continue
		}
		c.Email = a
		break
	}
	if c == (request.Subject{}) {
		return nil
	}
	return &c
}

// oneLineText is s on one line without control characters, at most max
// runes.
func oneLineText(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > max {
		s = strings.TrimSpace(string([]rune(s)[:max]))
	}
	return s
}

// OwnText is what the writer of the message wrote: its text without quoted
// replies, signature or control characters, on one line. Personal data:
// it goes to the privacy team only, never to a log line.
func OwnText(res *Result) string {
	return oneLineText(stripQuoted(res.Text, res.Subject), len(res.Text))
}
