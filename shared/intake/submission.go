// Package intake turns what a requester sends — a web form or an email —
// into a stored request, once, and acknowledges it.
package intake

import (
	"fmt"
	"net/mail"
	"regexp"
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

var (
	sourceIDPattern = regexp.MustCompile(`^[A-Za-z0-9._@<>+=-]{8,128}$`)
	phonePattern    = regexp.MustCompile(`^[0-9 ()+.\-]{5,40}$`)
)

// ValidSourceID reports whether id can be a request's source ID (a form
// submission ID or an SES messageId).
func ValidSourceID(id string) bool { return sourceIDPattern.MatchString(id) }

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
	Declaration bool // the signed declaration that specific pieces need
	GPC         bool // a Sec-GPC: 1 header came with it
	Priority    request.Priority
	Regulation  string
	Language    string // "es" or "en" as triage read the mail; "" (English) for the web form
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

// Validate checks every field and returns all problems at once, or nil.
func (s *Submission) Validate() FieldErrors {
	fe := FieldErrors{}
	if s.Channel != request.Web && s.Channel != request.Email {
		fe["channel"] = "Unknown channel."
	}
	if !sourceIDPattern.MatchString(s.SourceID) {
		fe["submissionId"] = "The form's submission ID is missing or malformed; reload the form and try again."
	}
	if len(s.Kinds) == 0 {
		fe["kinds"] = "Choose at least one request."
	}
	seen := map[request.Kind]bool{}
	for _, k := range s.Kinds {
		if !k.Valid() || (k == request.Unclear && s.Channel == request.Web) {
			fe["kinds"] = fmt.Sprintf("%q is not a request we know.", truncate(string(k), 40))
			break
		}
		if seen[k] {
			fe["kinds"] = "Each request can be chosen once."
			break
		}
		seen[k] = true
	}
	id := &s.Requester
	singleLine(fe, "name", id.Name, MaxName, s.Channel == request.Web)
	if msg := CheckEmail(id.Email); msg != "" {
		fe["email"] = msg
	}
	singleLine(fe, "phone", id.Phone, MaxPhone, false)
	if _, bad := fe["phone"]; !bad && id.Phone != "" && !phonePattern.MatchString(id.Phone) {
		fe["phone"] = "Use digits, spaces and + ( ) - . only."
	}
	multiLine(fe, "address", id.Address, MaxAddress)
	singleLine(fe, "company", id.Company, MaxCompany, false)
	if id.Relationship != "" && !slices.Contains(Relationships, id.Relationship) {
		fe["relationship"] = "Choose one of the listed relationships."
	}
	if id.State != "" && !slices.Contains(States, id.State) {
		fe["state"] = "Choose a US state or \"outside the US\"."
	}
	if s.Agent != nil {
		singleLine(fe, "agentName", s.Agent.Name, MaxName, true)
		if msg := CheckEmail(s.Agent.Email); msg != "" {
			fe["agentEmail"] = msg
		}
	}
	multiLine(fe, "details", s.Details, MaxDetails)
	s.validateSubject(fe, seen[request.ChildData])
	s.validateCorrections(fe, seen[request.Correction])
	if seen[request.AccessSpecific] && !s.Declaration && s.Channel == request.Web {
		fe["declaration"] = "Specific pieces of data need the signed declaration: tick the box to confirm it."
	}
	if s.Priority != "" && s.Priority != request.Normal && s.Priority != request.Expedited {
		fe["priority"] = "Unknown priority."
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// validateSubject checks the child's identifiers: required on the web
// form when child-data is chosen (an email address or an account, at
// least), refused with any other choice.
func (s *Submission) validateSubject(fe FieldErrors, childData bool) {
	c := s.Subject
	if c == nil || (c.Name == "" && c.Email == "" && c.Account == "") {
		if childData && s.Channel == request.Web {
			fe["childEmail"] = "Give the child's email address or their account or username with us, or both: we look for the child's data with them."
		}
		return
	}
	if !childData {
		fe["child"] = "The child's details go with \"Delete a child's data\": choose it, or leave them empty."
		return
	}
	singleLine(fe, "childName", c.Name, MaxName, false)
	singleLine(fe, "childAccount", c.Account, MaxAccount, false)
	if c.Email == "" && c.Account == "" && s.Channel == request.Web {
		fe["childEmail"] = "Give the child's email address or their account or username with us, or both: a name alone is not enough to find the child's data."
	}
	if c.Email != "" {
		switch msg := CheckEmail(c.Email); {
		case msg != "":
			fe["childEmail"] = strings.Replace(msg, "Enter an email address", "Enter the child's email address", 1)
		case request.NormalizeEmail(c.Email) == request.NormalizeEmail(s.Requester.Email):
			fe["childEmail"] = "This is your own email address. Give the child's address here (or leave it empty and give their account); we write to you at yours."
		}
	}
}

// validateCorrections checks the items to correct: on the web form at least
// one complete item (which data, and what it should be) when correction is
// chosen, none with any other choice. Blank rows are not items.
func (s *Submission) validateCorrections(fe FieldErrors, correction bool) {
	if len(s.Corrections) > MaxCorrections {
		fe["corrections"] = fmt.Sprintf("List at most %d items to correct; tell us the rest in the details.", MaxCorrections)
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
		singleLine(fe, prefix+"item", c.Item, MaxCorrectionItem, true)
		multiLine(fe, prefix+"wrong", c.Wrong, MaxCorrectionValue)
		multiLine(fe, prefix+"right", c.Right, MaxCorrectionValue)
		if _, bad := fe[prefix+"right"]; !bad && c.Right == "" {
			fe[prefix+"right"] = "Tell us what it should say."
		}
		if _, bad := fe[prefix+"item"]; bad && c.Item == "" {
			fe[prefix+"item"] = "Tell us which piece of data is wrong, e.g. \"postal address\"."
		}
	}
	switch {
	case items > 0 && !correction:
		fe["corrections"] = "Items to correct go with \"Correct your data\": choose it, or leave them empty."
	case items == 0 && correction && s.Channel == request.Web:
		fe["corrections"] = "Tell us at least one piece of data that is wrong and what it should be."
	}
}

func blankCorrection(c request.CorrectionItem) bool {
	return c.Item == "" && c.Wrong == "" && c.Right == ""
}

// CheckEmail says what is wrong with v as the address the desk writes to
// (one plain address on a domain with a dot), or "" when it is usable.
func CheckEmail(v string) string {
	switch {
	case strings.TrimSpace(v) == "":
		return "Enter your email address: we write to you there."
	case len(v) > MaxEmail:
		return fmt.Sprintf("An email address has at most %d characters.", MaxEmail)
	case strings.ContainsAny(v, "\r\n"):
		return "An email address is a single line."
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != strings.TrimSpace(v) || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@')+1:], ".") {
		return "Enter an email address like name@example.com."
	}
	return ""
}

func singleLine(fe FieldErrors, field, v string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		fe[field] = "This field is required."
	case !utf8.ValidString(v):
		fe[field] = "Use plain text."
	case utf8.RuneCountInString(v) > max:
		fe[field] = fmt.Sprintf("Use at most %d characters.", max)
	case strings.ContainsAny(v, "\r\n"):
		fe[field] = "Use a single line."
	case hasControl(v, false):
		fe[field] = "Remove the control characters."
	}
}

func multiLine(fe FieldErrors, field, v string, max int) {
	switch {
	case !utf8.ValidString(v):
		fe[field] = "Use plain text."
	case utf8.RuneCountInString(v) > max:
		fe[field] = fmt.Sprintf("Use at most %d characters.", max)
	case hasControl(v, true):
		fe[field] = "Remove the control characters."
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
