package system

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// ErrShape is the class of expansions that would change where a call goes:
// another scheme, host or port, another number of path segments or query
// parameters, or a segment that is empty or a dot segment.
var ErrShape = errors.New("URL shape changed")

// part is a literal piece of a template or a placeholder.
type part struct {
	literal     string
	placeholder Identifier // set when the part is a placeholder
}

type queryParam struct {
	key   string
	value []part
}

// URLTemplate is a parsed URL template. The scheme, host, port and the number
// of path segments are fixed; placeholders stand only inside path segments
// and query values.
type URLTemplate struct {
	raw      string
	scheme   string
	host     string // host[:port]
	segments [][]part
	query    []queryParam
}

// TemplateOptions relax template checks for tests and local runs.
type TemplateOptions struct {
	// AllowLocalHTTP accepts http:// for 127.0.0.1, ::1 and localhost only.
	AllowLocalHTTP bool
}

// ParseURLTemplate checks and parses a URL template.
func ParseURLTemplate(raw string, opts TemplateOptions) (*URLTemplate, error) {
	if raw == "" {
		return nil, errors.New("URL is empty")
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, fmt.Errorf("URL %q has no scheme", raw)
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	if strings.ContainsAny(scheme, "{}") || strings.ContainsAny(authority, "{}") {
		return nil, fmt.Errorf("URL %q has a placeholder in the scheme, host or port", raw)
	}
	if strings.Contains(authority, "@") {
		return nil, fmt.Errorf("URL %q carries user info", raw)
	}
	if authority == "" {
		return nil, fmt.Errorf("URL %q has no host", raw)
	}
	if strings.Contains(rest, "#") {
		return nil, fmt.Errorf("URL %q has a fragment", raw)
	}
	switch scheme {
	case "https":
	case "http":
		host := authority
		if h, _, err := net.SplitHostPort(authority); err == nil {
			host = h
		}
		if !opts.AllowLocalHTTP || !(host == "127.0.0.1" || host == "localhost" || host == "::1") {
			return nil, fmt.Errorf("URL %q is not https", raw)
		}
	default:
		return nil, fmt.Errorf("URL %q is not https", raw)
	}
	t := &URLTemplate{raw: raw, scheme: scheme, host: authority}
	pathPart, queryPart, _ := strings.Cut(rest[end:], "?")
	if pathPart == "" {
		pathPart = "/"
	}
	for _, seg := range strings.Split(pathPart, "/")[1:] {
		parts, err := splitPlaceholders(seg)
		if err != nil {
			return nil, fmt.Errorf("URL %q: %w", raw, err)
		}
		t.segments = append(t.segments, parts)
	}
	if queryPart != "" {
		for _, kv := range strings.Split(queryPart, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if strings.ContainsAny(k, "{}") {
				return nil, fmt.Errorf("URL %q has a placeholder in a query key", raw)
			}
			parts, err := splitPlaceholders(v)
			if err != nil {
				return nil, fmt.Errorf("URL %q: %w", raw, err)
			}
			t.query = append(t.query, queryParam{key: k, value: parts})
		}
	}
	// The template itself, with sample values, must parse to its own shape.
	sample := map[Identifier]string{}
	for _, id := range Identifiers {
		sample[id] = "x"
	}
	if _, err := t.Expand(sample); err != nil {
		return nil, fmt.Errorf("URL %q: %w", raw, err)
	}
	return t, nil
}

// splitPlaceholders cuts s into literals and {identifier} placeholders.
func splitPlaceholders(s string) ([]part, error) {
	var parts []part
	for s != "" {
		open := strings.IndexByte(s, '{')
		close := strings.IndexByte(s, '}')
		if open < 0 {
			if close >= 0 {
				return nil, errors.New("unbalanced '}'")
			}
			parts = append(parts, part{literal: s})
			break
		}
		if close >= 0 && close < open {
			return nil, errors.New("unbalanced '}'")
		}
		if open > 0 {
			parts = append(parts, part{literal: s[:open]})
		}
		rel := strings.IndexByte(s[open:], '}')
		if rel < 0 {
			return nil, errors.New("unbalanced '{'")
		}
		name := Identifier(s[open+1 : open+rel])
		if !slices.Contains(Identifiers, name) {
			return nil, fmt.Errorf("unknown placeholder {%s} (allowed: %s)", name, identifierList())
		}
		parts = append(parts, part{placeholder: name})
		s = s[open+rel+1:]
	}
	return parts, nil
}

// fill joins parts, each placeholder replaced by its value passed through
// escape. A placeholder without a value is an error naming the placeholder,
// never a value.
func fill(parts []part, values map[Identifier]string, escape func(string) string) (string, error) {
	var b strings.Builder
	for _, p := range parts {
		if p.placeholder == "" {
			b.WriteString(p.literal)
			continue
		}
		v, ok := values[p.placeholder]
		if !ok || v == "" {
			return "", fmt.Errorf("no value for {%s}", p.placeholder)
		}
		b.WriteString(escape(v))
	}
	return b.String(), nil
}

func hasPlaceholder(parts []part) bool {
	for _, p := range parts {
		if p.placeholder != "" {
			return true
		}
	}
	return false
}

func identifierList() string {
	names := make([]string, len(Identifiers))
	for i, id := range Identifiers {
		names[i] = "{" + string(id) + "}"
	}
	return strings.Join(names, ", ")
}

// Placeholders lists the identifiers the template uses.
func (t *URLTemplate) Placeholders() []Identifier {
	var ids []Identifier
	add := func(parts []part) {
		for _, p := range parts {
			if p.placeholder != "" && !slices.Contains(ids, p.placeholder) {
				ids = append(ids, p.placeholder)
			}
		}
	}
	for _, s := range t.segments {
		add(s)
	}
	for _, q := range t.query {
		add(q.value)
	}
	return ids
}

// Host is the fixed host[:port] of every expansion.
func (t *URLTemplate) Host() string { return t.host }

// String is the template as written.
func (t *URLTemplate) String() string { return t.raw }

// Expand substitutes the identifiers, path-escaped in path segments and
// query-escaped in query values, then parses the result and checks that the
// scheme, host, port, number of path segments and query keys are those of the
// template. Any difference is an ErrShape error; the error never contains
// the values.
func (t *URLTemplate) Expand(values map[Identifier]string) (*url.URL, error) {
	var b strings.Builder
	b.WriteString(t.scheme + "://" + t.host)
	for _, seg := range t.segments {
		b.WriteByte('/')
		s, err := fill(seg, values, url.PathEscape)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrShape, err)
		}
		if hasPlaceholder(seg) {
			// A segment built from a value may not vanish or climb.
			if dec, err := url.PathUnescape(s); err != nil || dec == "" || dec == "." || dec == ".." {
				return nil, fmt.Errorf("%w: a path segment would be empty or a dot segment", ErrShape)
			}
		}
		b.WriteString(s)
	}
	for i, q := range t.query {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(q.key)
		if len(q.value) == 0 {
			continue
		}
		b.WriteByte('=')
		s, err := fill(q.value, values, url.QueryEscape)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrShape, err)
		}
		b.WriteString(s)
	}
	u, err := url.Parse(b.String())
	if err != nil {
		return nil, fmt.Errorf("%w: expanded URL does not parse", ErrShape)
	}
	if u.Scheme != t.scheme || u.Host != t.host || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("%w: scheme, host or port differs from the template", ErrShape)
	}
	if got := strings.Count(u.EscapedPath(), "/"); got != len(t.segments) {
		return nil, fmt.Errorf("%w: %d path segments, template has %d", ErrShape, got, len(t.segments))
	}
	if got := strings.Count(u.RawQuery, "&") + 1; u.RawQuery != "" && got != len(t.query) || u.RawQuery == "" && len(t.query) != 0 {
		return nil, fmt.Errorf("%w: query parameters differ from the template", ErrShape)
	}
	return u, nil
}
