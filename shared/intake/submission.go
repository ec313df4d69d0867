// Package intake turns what a requester sends — a web form or an email —
// into a stored request, once, and acknowledges it.
package intake

import (
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Field limits. Everything from the public is bounded.
const (
	MaxName     = 200
	MaxEmail    = 254
	MaxPhone    = 40
	MaxAddress  = 500
	MaxCompany  = 200
	MaxDetails  = 4000
	MaxSourceID = 128
	// MaxAccount bounds a child's account ID or username.
	MaxAccount = 128
	// MaxCorrections is how many items one correction request may list.
	MaxCorrections = 10
	// MaxCorrectionItem bounds the name of the piece of data to correct;
	// MaxCorrectionValue what it says now and what it should say.
	MaxCorrectionItem  = 200
	MaxCorrectionValue = 500
)

// Relationships a requester can declare.
var Relationships = []string{"customer", "former-customer", "supplier", "job-applicant", "website-visitor", "employee", "other"}

// States are the two-letter codes accepted as a state of residence, plus
// "outside-us".
var States = strings.Fields(`AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP outside-us`)

// ValidSourceID reports whether id can be a request's source ID (a form
// submission ID or an SES messageId): 8 to 128 of A-Z a-z 0-9 . _ @ < > + = -.
// A loop, not a regular expression compiled at every cold start.
func ValidSourceID(id string) bool {
	return len(id) >= 8 && len(id) <= 128 && onlyBytes(id, func(c byte) bool {
		return isAlnum(c) || strings.IndexByte("._@<>+=-", c) >= 0
	})
}

// validPhone reports whether p reads as a phone number: 5 to 40 of
// 0-9, space, ( ) + . -.
func validPhone(p string) bool {
	return len(p) >= 5 && len(p) <= 40 && onlyBytes(p, func(c byte) bool {
		return c >= '0' && c <= '9' || strings.IndexByte(" ()+.-", c) >= 0
	})
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// onlyBytes reports whether every byte of s passes ok.
func onlyBytes(s string, ok func(byte) bool) bool {
	for i := range len(s) {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// Submission is a request as the requester sent it, before it is stored.
type Submission struct {
	SourceID  string // the form's submission ID or the SES messageId
	Channel   request.Channel
	Kinds     []request.Kind
	Requester request.Identity
	Agent     *request.Agent
	Details   string
	// Subject is the child a child's-data request is about (nil otherwise).
	Subject *request.Subject
	// Corrections list what a correction request asks us to correct.
	Corrections []request.CorrectionItem
	Declaration bool // the signed declaration that specific pieces and portability need
	GPC         bool // a Sec-GPC: 1 header came with it
	Priority    request.Priority
	Regulation  string
	Language    string // "es" or "en": as triage read the mail, or the form's language; "" (English) for JSON
}

// FieldErrors maps a field name to what is wrong with it, in words a
// requester understands.
type FieldErrors map[string]string

func (fe FieldErrors) Error() string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "invalid request: " + strings.Join(keys, ", ")
}

// Validate checks every field and returns all problems at once, or nil,
// in the submission's language.
func (s *Submission) Validate() FieldErrors {
	fe := FieldErrors{}
	w := wordsIn(s.Language)
	if s.Channel != request.Web && s.Channel != request.Email {
		fe["channel"] = w.channel
	}
	if !ValidSourceID(s.SourceID) {
		fe["submissionId"] = w.submissionID
	}
	if len(s.Kinds) == 0 {
		fe["kinds"] = w.noKinds
	}
	seen := map[request.Kind]bool{}
	for _, k := range s.Kinds {
		if !k.Valid() || (k == request.Unclear && s.Channel == request.Web) {
			fe["kinds"] = fmt.Sprintf(w.unknownKindf, truncate(string(k), 40))
			break
		}
		if seen[k] {
			fe["kinds"] = w.kindTwice
			break
		}
		seen[k] = true
	}
	id := &s.Requester
	w.singleLine(fe, "name", id.Name, MaxName, s.Channel == request.Web)
	if msg := w.checkEmail(id.Email); msg != "" {
		fe["email"] = msg
	}
	w.singleLine(fe, "phone", id.Phone, MaxPhone, false)
	if _, bad := fe["phone"]; !bad && id.Phone != "" && !validPhone(id.Phone) {
		fe["phone"] = w.phone
	}
	w.multiLine(fe, "address", id.Address, MaxAddress)
	w.singleLine(fe, "company", id.Company, MaxCompany, false)
	if id.Relationship != "" && !slices.Contains(Relationships, id.Relationship) {
		fe["relationship"] = w.relationship
	}
	if id.State != "" && !slices.Contains(States, id.State) {
		fe["state"] = w.state
	}
	if s.Agent != nil {
		w.singleLine(fe, "agentName", s.Agent.Name, MaxName, true)
		if strings.TrimSpace(s.Agent.Email) == "" {
			fe["agentEmail"] = w.agentEmailEmpty
		} else if msg := w.checkEmail(s.Agent.Email); msg != "" {
			fe["agentEmail"] = msg
		} else if s.Channel == request.Web && request.NormalizeEmail(s.Agent.Email) == request.NormalizeEmail(id.Email) {
			// One address for both: the person would be taken for the
			// agent, and the agent for the person asked to confirm.
			fe["agentEmail"] = w.agentOwnEmail
		}
	}
	w.multiLine(fe, "details", s.Details, MaxDetails)
	s.validateSubject(fe, w, seen[request.ChildData])
	s.validateCorrections(fe, w, seen[request.Correction])
	// A copy of the data itself (specific pieces, or portability: specific
	// pieces in a portable format) needs the higher verification, which the
	// form asks as the signed declaration. Mail has no such box: see
	// docs/web-form.md.
	if !s.Declaration && s.Channel == request.Web {
		switch {
		case seen[request.AccessSpecific]:
			fe["declaration"] = w.declaration
		case seen[request.Portability]:
			fe["declaration"] = w.declarationPortability
		}
	}
	if s.Priority != "" && s.Priority != request.Normal && s.Priority != request.Expedited {
		fe["priority"] = w.priority
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// validateSubject checks the child's identifiers: required on the web
// form when child-data is chosen (an email address or an account, at
// least), refused with any other choice.
func (s *Submission) validateSubject(fe FieldErrors, w *words, childData bool) {
	c := s.Subject
	if c == nil || (c.Name == "" && c.Email == "" && c.Account == "") {
		if childData && s.Channel == request.Web {
			fe["childEmail"] = w.childMissing
		}
		return
	}
	if !childData {
		fe["child"] = w.childWithoutKind
		return
	}
	w.singleLine(fe, "childName", c.Name, MaxName, false)
	w.singleLine(fe, "childAccount", c.Account, MaxAccount, false)
	if c.Email == "" && c.Account == "" && s.Channel == request.Web {
		fe["childEmail"] = w.childNameOnly
	}
	if c.Email != "" {
		switch msg := w.checkEmail(c.Email); {
		case msg == w.emailLike:
			fe["childEmail"] = w.childEmailLike
		case msg != "":
			fe["childEmail"] = msg
		case request.NormalizeEmail(c.Email) == request.NormalizeEmail(s.Requester.Email):
			fe["childEmail"] = w.childOwnEmail
		}
	}
}

// validateCorrections checks the items to correct: on the web form at least
// one complete item (which data, and what it should be) when correction is
// chosen, none with any other choice. Blank rows are not items.
func (s *Submission) validateCorrections(fe FieldErrors, w *words, correction bool) {
	if len(s.Corrections) > MaxCorrections {
		fe["corrections"] = fmt.Sprintf(w.tooManyCorrectionsf, MaxCorrections)
		return
	}
	items := 0
	for i, c := range s.Corrections {
		if blankCorrection(c) {
			continue
		}
		items++
		if !correction {
			continue
		}
		prefix := fmt.Sprintf("corrections[%d].", i)
		w.singleLine(fe, prefix+"item", c.Item, MaxCorrectionItem, true)
		w.multiLine(fe, prefix+"wrong", c.Wrong, MaxCorrectionValue)
		w.multiLine(fe, prefix+"right", c.Right, MaxCorrectionValue)
		if _, bad := fe[prefix+"right"]; !bad && c.Right == "" {
			fe[prefix+"right"] = w.correctionRight
		}
		if _, bad := fe[prefix+"item"]; bad && c.Item == "" {
			fe[prefix+"item"] = w.correctionItem
		}
	}
	switch {
	case items > 0 && !correction:
		fe["corrections"] = w.correctionsWithoutKind
	case items == 0 && correction && s.Channel == request.Web:
		fe["corrections"] = w.correctionsMissing
	}
}

func blankCorrection(c request.CorrectionItem) bool {
	return c.Item == "" && c.Wrong == "" && c.Right == ""
}

// CheckEmail says what is wrong with v as the address the desk writes to
// (one plain address on a domain with a dot), or "" when it is usable.
func CheckEmail(v string) string { return english.checkEmail(v) }

func (w *words) checkEmail(v string) string {
	switch {
	case strings.TrimSpace(v) == "":
		return w.emailEmpty
	case len(v) > MaxEmail:
		return fmt.Sprintf(w.emailTooLongf, MaxEmail)
	case strings.ContainsAny(v, "\r\n"):
		return w.emailOneLine
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != strings.TrimSpace(v) {
		return w.emailLike
	}
	// A domain with a dot, as a name: an address literal (a@[127.0.0.1])
	// has dots too, and mail is not written to one.
	if domain := a.Address[strings.LastIndexByte(a.Address, '@')+1:]; !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") {
		return w.emailLike
	}
	return ""
}

func (w *words) singleLine(fe FieldErrors, field, v string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		fe[field] = w.required
	case !utf8.ValidString(v):
		fe[field] = w.plainText
	case utf8.RuneCountInString(v) > max:
		fe[field] = fmt.Sprintf(w.atMostf, max)
	case strings.ContainsAny(v, "\r\n"):
		fe[field] = w.oneLine
	case hasControl(v, false):
		fe[field] = w.control
	}
}

func (w *words) multiLine(fe FieldErrors, field, v string, max int) {
	switch {
	case !utf8.ValidString(v):
		fe[field] = w.plainText
	case utf8.RuneCountInString(v) > max:
		fe[field] = fmt.Sprintf(w.atMostf, max)
	case hasControl(v, true):
		fe[field] = w.control
	}
}

func hasControl(v string, newlines bool) bool {
	for _, r := range v {
		if r == '\n' || r == '\r' || r == '\t' {
			if newlines || r == '\t' {
				continue
			}
			return true
		}
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// normalize trims fields and fills defaults; it runs before Validate.
func (s *Submission) normalize() {
	id := &s.Requester
	for _, f := range []*string{&id.Name, &id.Email, &id.Phone, &id.Company, &id.Relationship, &id.State} {
		*f = strings.TrimSpace(*f)
	}
	id.Address = strings.TrimSpace(id.Address)
	s.Details = strings.TrimSpace(s.Details)
	if s.Agent != nil {
		s.Agent.Name = strings.TrimSpace(s.Agent.Name)
		s.Agent.Email = strings.TrimSpace(s.Agent.Email)
	}
	if c := s.Subject; c != nil {
		c.Name, c.Email, c.Account = strings.TrimSpace(c.Name), strings.TrimSpace(c.Email), strings.TrimSpace(c.Account)
		if c.Name == "" && c.Email == "" && c.Account == "" {
			s.Subject = nil
		}
	}
	for i := range s.Corrections {
		c := &s.Corrections[i]
		c.Item, c.Wrong, c.Right = strings.TrimSpace(c.Item), strings.TrimSpace(c.Wrong), strings.TrimSpace(c.Right)
	}
	if s.Agent != nil {
		// The signal is the agent's browser's preference, not the
		// consumer's: it opts nobody out of anything.
		s.GPC = false
	}
	if s.GPC && !slices.Contains(s.Kinds, request.OptOutSale) {
		s.Kinds = append(s.Kinds, request.OptOutSale)
	}
	if s.Priority == "" {
		s.Priority = request.Normal
	}
	if slices.Contains(s.Kinds, request.ChildData) {
		s.Priority = request.Expedited
	}
}

// corrections are the items to store: the submission's without blank rows
// (the form offers more rows than most people fill).
func (s *Submission) corrections() []request.CorrectionItem {
	var out []request.CorrectionItem
	for _, c := range s.Corrections {
		if !blankCorrection(c) {
			out = append(out, c)
		}
	}
	return out
}
