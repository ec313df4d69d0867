package system

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/mail"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/theory/jsonpath"
	"gopkg.in/yaml.v3"
)

// ValidationError lists every mistake found in a registry file. Each problem
// names the system and the field.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "invalid systems registry:\n  " + strings.Join(e.Problems, "\n  ")
}

// Options change how a registry is checked.
type Options struct {
	Template TemplateOptions
	// Rebase maps production origins (https://api.stripe.com) to local base
	// URLs (http://127.0.0.1:4242): every call URL with that origin is
	// rebased at load, before validation. Only with Template.AllowLocalHTTP,
	// only to this machine (see CheckRebase); the local stack runs the one
	// production registry against its stand-ins this way.
	Rebase map[string]string
}

// LoadFile reads and validates a registry file.
func LoadFile(path string, opts Options) (*Registry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read systems registry: %w", err)
	}
	return Load(bytes.NewReader(b), opts)
}

// Load decodes a registry (unknown fields are errors) and validates it.
func Load(r io.Reader, opts Options) (*Registry, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var reg Registry
	if err := dec.Decode(&reg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ValidationError{Problems: []string{"registry is empty"}}
		}
		return nil, &ValidationError{Problems: []string{"decode: " + err.Error()}}
	}
	if err := reg.Validate(opts); err != nil {
		return nil, err
	}
	return &reg, nil
}

// Validate checks the whole registry and returns a *ValidationError listing
// every problem, or nil.
func (r *Registry) Validate(opts Options) error {
	var v validator
	v.opts = opts
	v.problems = r.rebase(opts)
	if len(r.Systems) == 0 {
		v.add("registry declares no systems")
	}
	seen := map[string]int{}
	for i := range r.Systems {
		s := &r.Systems[i]
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
			v.add("system %s: name: missing", name)
		} else if prev, dup := seen[s.Name]; dup {
			v.add("system %s: name: duplicate (also system #%d)", name, prev)
		} else {
			seen[s.Name] = i + 1
		}
		v.system(name, s)
		v.words(name, s, r.Categories)
	}
	v.categories(r.Categories)
	if len(v.problems) > 0 {
		return &ValidationError{Problems: v.problems}
	}
	return nil
}

type validator struct {
	opts     Options
	problems []string
}

func (v *validator) add(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

func (v *validator) system(name string, s *System) {
	if s.Owner == "" {
		v.add("system %s: owner: missing (an email address of the person who answers for it)", name)
	} else if a, err := mail.ParseAddress(s.Owner); err != nil || a.Address != s.Owner {
		v.add("system %s: owner: %q is not an email address", name, s.Owner)
	}
	if len(s.Categories) == 0 {
		v.add("system %s: categories: none declared", name)
	}
	cats := map[string]bool{}
	for _, c := range s.Categories {
		if cats[c] {
			v.add("system %s: categories: %q listed twice", name, c)
		}
		cats[c] = true
	}
	if len(s.Actions) == 0 {
		v.add("system %s: actions: none declared", name)
	}
	if s.Auth != nil {
		switch s.Auth.Source {
		case SecretsManager, SSM:
		default:
			v.add("system %s: auth.source: unknown secret source %q (use secretsmanager or ssm)", name, s.Auth.Source)
		}
		if s.Auth.Name == "" {
			v.add("system %s: auth.name: missing secret name", name)
		}
		if strings.ContainsAny(s.Auth.Header+s.Auth.Prefix, "\r\n") {
			v.add("system %s: auth: header or prefix contains a line break", name)
		}
	}
	captured := map[Identifier]bool{}
	for _, id := range s.Given {
		if !slices.Contains(Identifiers, id) {
			v.add("system %s: given: unknown identifier %q", name, id)
		}
		captured[id] = true
	}
	if m := s.Actions[Find]; m != nil {
		for _, c := range m.Calls {
			for id := range c.Capture {
				captured[id] = true
			}
		}
	}
	for _, a := range sortedActions(s.Actions) {
		field := "actions." + string(a)
		if !a.Valid() {
			v.add("system %s: %s: unknown action %q (known: %s)", name, field, a, actionList())
			continue
		}
		m := s.Actions[a]
		if m == nil {
			v.add("system %s: %s: empty", name, field)
			continue
		}
		v.method(name, field, s, a, m, cats, captured)
	}
	// The erase waits for the export of the same request (it would delete
	// what the copy sends): the desk orders the two within the automatic
	// round, and within the owners' tasks, not across them.
	if ex, er := s.Actions[Export], s.Actions[Erase]; ex != nil && er != nil && (ex.Kind == Manual) != (er.Kind == Manual) {
		v.add("system %s: actions.export is %s and actions.erase %s: make both owners' tasks (manual) or both automatic, so that the erase waits for the export", name, ex.Kind, er.Kind)
	}
	heldCats := map[string]bool{}
	for i, h := range s.Holds {
		field := fmt.Sprintf("holds[%d]", i)
		if h.Category == "" {
			v.add("system %s: %s.category: missing", name, field)
		} else if !cats[h.Category] {
			v.add("system %s: %s.category: %q is not a category the system holds", name, field, h.Category)
		}
		if heldCats[h.Category] {
			v.add("system %s: %s.category: %q held twice", name, field, h.Category)
		}
		heldCats[h.Category] = true
		if strings.TrimSpace(h.Reason) == "" {
			v.add("system %s: %s.reason: missing (the requester is told why data is kept)", name, field)
		}
	}
}

func (v *validator) method(name, field string, s *System, a Action, m *Method, cats map[string]bool, fromFind map[Identifier]bool) {
	switch m.Kind {
	case HTTP:
		if len(m.Calls) == 0 {
			v.add("system %s: %s: HTTP action without a URL (calls is empty)", name, field)
		}
		have := map[Identifier]bool{Email: true, EmailHash: true, Corrections: a == Correct}
		for _, id := range s.Given {
			have[id] = true
		}
		for id := range fromFind {
			if a != Find {
				have[id] = true
			}
		}
		for i, c := range m.Calls {
			v.call(name, fmt.Sprintf("%s.calls[%d]", field, i), c, cats, have)
			for id := range c.Capture {
				have[id] = true
			}
		}
	case Manual:
		if strings.TrimSpace(m.Task) == "" {
			v.add("system %s: %s.task: manual action without instructions for the owner", name, field)
		}
		if m.DueIn < 0 {
			v.add("system %s: %s.dueIn: negative", name, field)
		}
	case SESSuppression:
		if a != Suppress && a != Erase {
			v.add("system %s: %s.kind: sesSuppression only carries out suppress or erase", name, field)
		}
		switch m.Reason {
		case "", "BOUNCE", "COMPLAINT":
		default:
			v.add("system %s: %s.reason: %q (SES accepts BOUNCE or COMPLAINT)", name, field, m.Reason)
		}
	case "":
		v.add("system %s: %s.kind: missing (http, manual or sesSuppression)", name, field)
	default:
		v.add("system %s: %s.kind: unknown kind %q (http, manual or sesSuppression)", name, field, m.Kind)
	}
}

func (v *validator) call(name, field string, c Call, cats map[string]bool, have map[Identifier]bool) {
	switch c.Method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		v.add("system %s: %s.method: %q is not GET, POST, PUT, PATCH or DELETE", name, field, c.Method)
	}
	var used []Identifier
	if c.URL == "" {
		v.add("system %s: %s.url: HTTP action without a URL", name, field)
	} else if t, err := ParseURLTemplate(c.URL, v.opts.Template); err != nil {
		v.add("system %s: %s.url: %v", name, field, err)
	} else {
		used = append(used, t.Placeholders()...)
	}
	if ids, err := BodyPlaceholders(c.Body); err != nil {
		v.add("system %s: %s.body: %v", name, field, err)
	} else {
		used = append(used, ids...)
	}
	for _, id := range used {
		if !have[id] {
			v.add("system %s: %s: {%s} is neither given nor captured by an earlier call or by find", name, field, id)
		}
	}
	for k, val := range c.Headers {
		if strings.ContainsAny(k+val, "\r\n") {
			v.add("system %s: %s.headers.%s: contains a line break", name, field, k)
		}
		if strings.ContainsAny(val, "{}") {
			v.add("system %s: %s.headers.%s: placeholders are not allowed in headers", name, field, k)
		}
	}
	if c.Timeout != 0 && (c.Timeout < MinTimeout || c.Timeout > MaxTimeout) {
		v.add("system %s: %s.timeout: %s is out of range (%s to %s)", name, field, c.Timeout, MinTimeout, MaxTimeout)
	}
	for _, code := range append(slices.Clone(c.Success), c.NotFound...) {
		if code < 100 || code > 599 {
			v.add("system %s: %s: status %d is not an HTTP status", name, field, code)
		}
	}
	checkPath := func(f, p string) {
		if _, err := jsonpath.Parse(p); err != nil {
			v.add("system %s: %s.%s: invalid JSON path %q", name, field, f, p)
		}
	}
	if c.Found != "" {
		checkPath("found", c.Found)
	}
	for _, id := range sortedIdentifiers(c.Match) {
		if !slices.Contains(Identifiers, id) {
			v.add("system %s: %s.match: unknown identifier %q", name, field, id)
		} else if !have[id] {
			v.add("system %s: %s.match: {%s} is neither given nor captured by an earlier call or by find", name, field, id)
		}
		checkPath("match."+string(id), c.Match[id])
	}
	for id, p := range c.Capture {
		if !slices.Contains(Identifiers, id) {
			v.add("system %s: %s.capture: unknown identifier %q", name, field, id)
		}
		checkPath("capture."+string(id), p)
	}
	for cat, p := range c.Data {
		if !cats[cat] {
			v.add("system %s: %s.data: %q is not a category the system holds", name, field, cat)
		}
		checkPath("data."+cat, p)
	}
}

// BodyPlaceholders lists the placeholders used in the string values of a
// body template and checks that each is a known identifier.
func BodyPlaceholders(body any) ([]Identifier, error) {
	var ids []Identifier
	var walk func(any) error
	walk = func(x any) error {
		switch t := x.(type) {
		case string:
			if t == correctionsPlaceholder {
				ids = append(ids, Corrections)
				return nil
			}
			parts, err := splitPlaceholders(t)
			if err != nil {
				return err
			}
			for _, p := range parts {
				if p.placeholder != "" {
					ids = append(ids, p.placeholder)
				}
			}
		case map[string]any:
			for k, e := range t {
				if strings.ContainsAny(k, "{}") {
					return fmt.Errorf("placeholder in key %q", k)
				}
				if err := walk(e); err != nil {
					return err
				}
			}
		case []any:
			for _, e := range t {
				if err := walk(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return ids, walk(body)
}

// ExpandBody returns a copy of a body template with the placeholders in
// string values replaced by the values, ready to be JSON-encoded.
func ExpandBody(body any, values map[Identifier]string) (any, error) {
	switch t := body.(type) {
	case string:
		if t == correctionsPlaceholder {
			v, ok := values[Corrections]
			if !ok || v == "" {
				return nil, fmt.Errorf("no value for %s", correctionsPlaceholder)
			}
			return json.RawMessage(v), nil
		}
		parts, err := splitPlaceholders(t)
		if err != nil {
			return nil, err
		}
		// json.Marshal escapes the result; nothing else is needed here.
		return fill(parts, values, func(v string) string { return v })
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			x, err := ExpandBody(e, values)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			x, err := ExpandBody(e, values)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
	return body, nil
}

// categories checks the dictionary itself: every entry has both languages.
func (v *validator) categories(dict map[string]Words) {
	for _, id := range slices.Sorted(maps.Keys(dict)) {
		w := dict[id]
		if strings.TrimSpace(w.EN) == "" {
			v.add("categories.%s.en: missing (the category in plain English words)", id)
		}
		if strings.TrimSpace(w.ES) == "" {
			v.add("categories.%s.es: missing (the category in plain Spanish words)", id)
		}
	}
}

// words checks, in a registry that declares a categories dictionary, that
// the requester can be told about the system in plain words in English and
// Spanish: each category named, the Spanish of the system and of each hold.
func (v *validator) words(name string, s *System, dict map[string]Words) {
	if len(dict) == 0 {
		return
	}
	for _, c := range s.Categories {
		if _, ok := dict[c]; !ok {
			v.add("system %s: categories: %q has no entry in the registry's categories (its plain words in en and es)", name, c)
		}
	}
	if s.ES == nil {
		v.add("system %s: es: missing (the Spanish of title, description, sources, purposes and thirdParties)", name)
	} else {
		if s.Title != "" && strings.TrimSpace(s.ES.Title) == "" {
			v.add("system %s: es.title: missing", name)
		}
		if s.Description != "" && strings.TrimSpace(s.ES.Description) == "" {
			v.add("system %s: es.description: missing", name)
		}
		for _, l := range []struct {
			field  string
			en, es []string
		}{{"sources", s.Sources, s.ES.Sources}, {"purposes", s.Purposes, s.ES.Purposes}, {"thirdParties", s.ThirdParties, s.ES.ThirdParties}} {
			if len(l.en) != len(l.es) {
				v.add("system %s: es.%s: %d entries, the English has %d", name, l.field, len(l.es), len(l.en))
			}
		}
	}
	for i, h := range s.Holds {
		if h.ES == nil || strings.TrimSpace(h.ES.Reason) == "" {
			v.add("system %s: holds[%d].es.reason: missing (the reason in Spanish)", name, i)
		}
		if h.Law != "" && (h.ES == nil || strings.TrimSpace(h.ES.Law) == "") {
			v.add("system %s: holds[%d].es.law: missing (the law in Spanish)", name, i)
		}
		if h.Until != "" && (h.ES == nil || strings.TrimSpace(h.ES.Until) == "") {
			v.add("system %s: holds[%d].es.until: missing (how long, in Spanish)", name, i)
		}
	}
}

func actionList() string {
	names := make([]string, len(Actions))
	for i, a := range Actions {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

func sortedIdentifiers(m map[Identifier]string) []Identifier {
	keys := make([]Identifier, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortedActions(m map[Action]*Method) []Action {
	keys := make([]Action, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
