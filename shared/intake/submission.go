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
	if msg := checkEmail(id.Email); msg != "" {
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
		if msg := checkEmail(s.Agent.Email); msg != "" {
			fe["agentEmail"] = msg
		}
	}
	multiLine(fe, "details", s.Details, MaxDetails)
	if seen[request.Correction] && strings.TrimSpace(s.Details) == "" && s.Channel == request.Web {
		fe["details"] = "Tell us which information is wrong and what it should be."
	}
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

func checkEmail(v string) string {
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
