// Package system is the registry of downstream systems that hold personal
// data: who owns each one, which categories of data it holds, which privacy
// actions it supports and how each is carried out, and which categories are
// kept under a legal hold.
//
// The registry is declared in one YAML file (shared/system/systems.yaml), loaded once
// at cold start and validated as a whole: every mistake is reported, each
// with the system and the field it concerns.
package system

import (
	"errors"
	"slices"
	"strings"
	"time"
)

// Action is one privacy operation a system can carry out for a person.
type Action string

// The actions a system may support.
const (
	Find     Action = "find"
	Erase    Action = "erase"
	Export   Action = "export"
	Correct  Action = "correct"
	Suppress Action = "suppress"
	// OptOut stops selling or sharing the person's data. Only systems that
	// sell or share data (with an analytics provider, a factoring partner, a
	// credit bureau...) declare it.
	OptOut Action = "optOut"
)

// Actions lists every known action.
var Actions = []Action{Find, Erase, Export, Correct, Suppress, OptOut}

// Valid reports whether a is a known action.
func (a Action) Valid() bool { return slices.Contains(Actions, a) }

// Kind is how an action is carried out.
type Kind string

// Kinds of action.
const (
	HTTP Kind = "http" // calls to the system's API
	// Manual mails the system's owner a task with a single-use confirm link.
	Manual Kind = "manual"
	// SESSuppression puts the address on the SES v2 account suppression list
	// (PutSuppressedDestination).
	SESSuppression Kind = "sesSuppression"
)

// Identifier names a piece of the person's identity that may be substituted
// into a URL or body template. Only these may appear as {placeholders}.
type Identifier string

// The identifiers a template may use.
const (
	Email      Identifier = "email"      // the address, trimmed
	EmailHash  Identifier = "emailHash"  // hex SHA-256 of the lower-cased address
	CustomerID Identifier = "customerId" // an ID in a billing system, usually captured by find
	UserID     Identifier = "userId"     // an ID in a product or support system
	ClientID   Identifier = "clientId"   // an analytics client ID
	AccountID  Identifier = "accountId"  // an ID in the company's own accounts
)

// Corrections is the one structured placeholder: a body string that is
// exactly "{corrections}" becomes the list of items the requester asked to
// correct, each {"item","wrong","right"}. Only a correct action may use it,
// never in a URL or inside a longer string.
const Corrections Identifier = "corrections"

// correctionsPlaceholder is how Corrections is written in a body template.
const correctionsPlaceholder = "{" + string(Corrections) + "}"

// Identifiers lists every identifier a template may use.
var Identifiers = []Identifier{Email, EmailHash, CustomerID, UserID, ClientID, AccountID}

// SecretSource is where an auth secret is kept.
type SecretSource string

// Secret sources.
const (
	SecretsManager SecretSource = "secretsmanager"
	SSM            SecretSource = "ssm"
)

// ErrSecretMissing marks a secret that asking again will not produce: it
// does not exist, may not be read, has no string value, or its source is
// unknown or not configured. The secret store (*secret.Store) classifies;
// an action whose secret is missing fails for good, any other failure to
// read it is retried.
var ErrSecretMissing = errors.New("secret missing")

// Timeout bounds for an HTTP call.
const (
	DefaultTimeout = 10 * time.Second
	MinTimeout     = 500 * time.Millisecond
	MaxTimeout     = 60 * time.Second
)

// Registry is the validated set of systems.
type Registry struct {
	// Categories names each category of data in plain words, in English and
	// Spanish, for the answer and the access package. A registry that
	// declares it must name every category its systems hold, and give every
	// system and hold its Spanish words too.
	Categories map[string]Words `yaml:"categories"`
	Systems    []System         `yaml:"systems"`
}

// Words is one thing said in English and in Spanish.
type Words struct {
	EN string `yaml:"en"`
	ES string `yaml:"es"`
}

// In is the Spanish for lang "es" (or "es-…") when there is one, else the English.
func (w Words) In(lang string) string {
	if isSpanish(lang) && w.ES != "" {
		return w.ES
	}
	return w.EN
}

// Spanish is the Spanish of a system's words for the requester.
type Spanish struct {
	Title        string   `yaml:"title"`
	Description  string   `yaml:"description"`
	Sources      []string `yaml:"sources"`
	Purposes     []string `yaml:"purposes"`
	ThirdParties []string `yaml:"thirdParties"`
}

// HoldSpanish is the Spanish of a hold's reason, law and period.
type HoldSpanish struct {
	Reason string `yaml:"reason"`
	Law    string `yaml:"law"`
	Until  string `yaml:"until"`
}

// isSpanish reports whether lang is Spanish ("es", "es-MX"...).
func isSpanish(lang string) bool {
	lang = strings.ToLower(strings.TrimSpace(lang))
	return lang == "es" || strings.HasPrefix(lang, "es-") || strings.HasPrefix(lang, "es_")
}

// System is one downstream system that holds personal data.
type System struct {
	Name        string `yaml:"name"`
	Title       string `yaml:"title"` // plain-language name for the requester
	Owner       string `yaml:"owner"` // email of the person who answers for it
	Description string `yaml:"description"`
	// Categories of personal data held (they feed the right-to-know answer).
	Categories   []string `yaml:"categories"`
	Sources      []string `yaml:"sources"`      // where the data comes from
	Purposes     []string `yaml:"purposes"`     // why it is held
	ThirdParties []string `yaml:"thirdParties"` // who else receives it
	// Given lists identifiers besides email and emailHash that the request
	// itself carries for this system (e.g. a clientId the requester gave).
	Given   []Identifier       `yaml:"given"`
	Auth    *Auth              `yaml:"auth"`
	Actions map[Action]*Method `yaml:"actions"`
	Holds   []Hold             `yaml:"holds"`
	// ES is the Spanish of the words above that the requester reads.
	ES *Spanish `yaml:"es"`
}

// Auth names the secret that authenticates calls to a system's API and the
// header it goes in. The secret value itself never appears in config.
type Auth struct {
	Source SecretSource `yaml:"source"` // secretsmanager or ssm
	Name   string       `yaml:"name"`   // secret name / parameter name
	Header string       `yaml:"header"` // default Authorization
	Prefix string       `yaml:"prefix"` // e.g. "Bearer "
}

// HeaderName is the header the secret goes in.
func (a *Auth) HeaderName() string {
	if a.Header == "" {
		return "Authorization"
	}
	return a.Header
}

// Method says how one action is done.
type Method struct {
	Kind Kind `yaml:"kind"`
	// Calls are the HTTP requests, in order (kind http). A value captured by
	// one call may be used by the next.
	Calls []Call `yaml:"calls"`
	// Task is the instruction mailed to the owner (kind manual).
	Task string `yaml:"task"`
	// DueIn is how long the owner has for a manual task (default 10 days).
	DueIn time.Duration `yaml:"dueIn"`
	// Reason is the SES suppression reason, BOUNCE or COMPLAINT (kind sesSuppression).
	Reason string `yaml:"reason"`
}

// Call is one HTTP request of an action.
type Call struct {
	Method string `yaml:"method"`
	// URL is a template: the scheme, host, port and path shape are fixed; only
	// {identifier} placeholders in path segments or query values vary.
	URL     string            `yaml:"url"`
	Headers map[string]string `yaml:"headers"`
	// Body is a JSON body template; placeholders in string values are
	// substituted and the result is encoded as JSON.
	Body    any           `yaml:"body"`
	Timeout time.Duration `yaml:"timeout"`
	// Success lists the status codes that mean the call worked (default 200, 201, 202, 204).
	Success []int `yaml:"success"`
	// NotFound lists the status codes that mean the person is not there (e.g. 404).
	NotFound []int `yaml:"notFound"`
	// Found is a JSON path into a success response; the person is found when it
	// selects a non-empty value. Without it, a success status means found.
	Found string `yaml:"found"`
	// Match makes sure a found answer is about this person: each
	// identifier's JSON path must select exactly the value the call was made
	// with (an email compared without regard to case). A search API may
	// answer with someone else first; acting on that answer would export or
	// erase another person's data, so a mismatch fails the action.
	Match map[Identifier]string `yaml:"match"`
	// Capture reads identifiers for later calls from the response, by JSON path.
	Capture map[Identifier]string `yaml:"capture"`
	// Data maps a category of data to the JSON path that selects it (export).
	Data map[string]string `yaml:"data"`
}

// Hold keeps a category of data from erasure, with the legal reason shown to
// the requester.
type Hold struct {
	Category string `yaml:"category"`
	Reason   string `yaml:"reason"`
	Law      string `yaml:"law"`
	Until    string `yaml:"until"` // plain words: "7 years after the last invoice"
	// ES is the Spanish of the reason.
	ES *HoldSpanish `yaml:"es"`
}

// ReasonIn is the reason in lang ("es" for Spanish, else English).
func (h Hold) ReasonIn(lang string) string {
	if isSpanish(lang) && h.ES != nil && h.ES.Reason != "" {
		return h.ES.Reason
	}
	return h.Reason
}

// LawIn is the law in lang ("es" for Spanish, else English).
func (h Hold) LawIn(lang string) string {
	if isSpanish(lang) && h.ES != nil && h.ES.Law != "" {
		return h.ES.Law
	}
	return h.Law
}

// UntilIn is how long the data is kept, in lang ("es" for Spanish, else
// English).
func (h Hold) UntilIn(lang string) string {
	if isSpanish(lang) && h.ES != nil && h.ES.Until != "" {
		return h.ES.Until
	}
	return h.Until
}

// Lookup returns the system of that name.
func (r *Registry) Lookup(name string) (*System, bool) {
	for i := range r.Systems {
		if r.Systems[i].Name == name {
			return &r.Systems[i], true
		}
	}
	return nil, false
}

// Names lists the systems in file order.
func (r *Registry) Names() []string {
	names := make([]string, len(r.Systems))
	for i, s := range r.Systems {
		names[i] = s.Name
	}
	return names
}

// Supporting lists the systems that support action a, in file order.
func (r *Registry) Supporting(a Action) []string {
	var names []string
	for _, s := range r.Systems {
		if s.Supports(a) {
			names = append(names, s.Name)
		}
	}
	return names
}

// Supports reports whether the system can carry out a.
func (s *System) Supports(a Action) bool {
	m, ok := s.Actions[a]
	return ok && m != nil
}

// Held reports whether the system holds category c.
func (s *System) Held(c string) bool { return slices.Contains(s.Categories, c) }

// HoldOn returns the hold on category c, if any.
func (s *System) HoldOn(c string) (Hold, bool) {
	for _, h := range s.Holds {
		if h.Category == c {
			return h, true
		}
	}
	return Hold{}, false
}

// DisplayName is the title, or the name when there is none.
func (s *System) DisplayName() string {
	if s.Title != "" {
		return s.Title
	}
	return s.Name
}

// CategoryTitle names category id in plain words in lang ("es" for Spanish,
// else English). A category the registry does not name (only possible in a
// registry without a categories dictionary) is its ID with spaces for
// hyphens.
func (r *Registry) CategoryTitle(id, lang string) string {
	if w, ok := r.Categories[id]; ok && w.EN != "" {
		return w.In(lang)
	}
	return strings.ReplaceAll(id, "-", " ")
}

// TitleIn is the display name in lang ("es" for Spanish, else English).
func (s *System) TitleIn(lang string) string {
	if isSpanish(lang) && s.ES != nil && s.ES.Title != "" {
		return s.ES.Title
	}
	return s.DisplayName()
}

// DescriptionIn is the description in lang.
func (s *System) DescriptionIn(lang string) string {
	if isSpanish(lang) && s.ES != nil && s.ES.Description != "" {
		return s.ES.Description
	}
	return s.Description
}

// SourcesIn lists where the data comes from, in lang.
func (s *System) SourcesIn(lang string) []string {
	if isSpanish(lang) && s.ES != nil && len(s.ES.Sources) > 0 {
		return s.ES.Sources
	}
	return s.Sources
}

// PurposesIn lists why the data is held, in lang.
func (s *System) PurposesIn(lang string) []string {
	if isSpanish(lang) && s.ES != nil && len(s.ES.Purposes) > 0 {
		return s.ES.Purposes
	}
	return s.Purposes
}

// ThirdPartiesIn lists who else receives the data, in lang.
func (s *System) ThirdPartiesIn(lang string) []string {
	if isSpanish(lang) && s.ES != nil && len(s.ES.ThirdParties) > 0 {
		return s.ES.ThirdParties
	}
	return s.ThirdParties
}
