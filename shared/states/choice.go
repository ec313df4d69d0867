package states

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// ChoiceRule is one rule of a Choice state: a Boolean expression (And, Or,
// Not) or a data-test expression (Variable and one comparison operator).
// Variable and the operand of a ...Path operator are reference paths. A
// top-level rule has a Next; the caller checks that it is set. Rules nested
// inside And, Or and Not must not have one.
type ChoiceRule struct {
	Next string

	bool     string // "And", "Or" or "Not"; empty for a data test
	children []*ChoiceRule

	variable string
	op       *choiceOp
	operand  any       // the literal operand (string, float64, bool)
	opPath   string    // the operand path of a ...Path operator
	ts       time.Time // a Timestamp operator's literal
	pattern  []patternPart
}

// operand types of the comparison operators.
type valueType int

const (
	typeString valueType = iota
	typeNumber
	typeBoolean
	typeTimestamp
)

// comparison outcomes an operator accepts: -1 less, 0 equal, 1 greater.
type choiceOp struct {
	name    string
	typ     valueType
	accepts [3]bool // indexed by compare result + 1
	path    bool    // the operand is a path
	test    func(v any, present bool) bool
	matches bool // StringMatches
}

var choiceOps = map[string]*choiceOp{}

func init() {
	cmp := map[string][3]bool{
		"Equals":            {false, true, false},
		"LessThan":          {true, false, false},
		"GreaterThan":       {false, false, true},
		"LessThanEquals":    {true, true, false},
		"GreaterThanEquals": {false, true, true},
	}
	types := map[string]valueType{"String": typeString, "Numeric": typeNumber, "Timestamp": typeTimestamp}
	for prefix, typ := range types {
		for suffix, acc := range cmp {
			name := prefix + suffix
			choiceOps[name] = &choiceOp{name: name, typ: typ, accepts: acc}
			choiceOps[name+"Path"] = &choiceOp{name: name + "Path", typ: typ, accepts: acc, path: true}
		}
	}
	eq := cmp["Equals"]
	choiceOps["BooleanEquals"] = &choiceOp{name: "BooleanEquals", typ: typeBoolean, accepts: eq}
	choiceOps["BooleanEqualsPath"] = &choiceOp{name: "BooleanEqualsPath", typ: typeBoolean, accepts: eq, path: true}
	choiceOps["StringMatches"] = &choiceOp{name: "StringMatches", typ: typeString, matches: true}

	tests := map[string]func(v any, present bool) bool{
		"IsPresent":   func(_ any, present bool) bool { return present },
		"IsNull":      func(v any, present bool) bool { return present && v == nil },
		"IsString":    func(v any, present bool) bool { _, ok := v.(string); return present && ok },
		"IsNumeric":   func(v any, present bool) bool { _, ok := jsonFloat(v); return present && ok },
		"IsBoolean":   func(v any, present bool) bool { _, ok := v.(bool); return present && ok },
		"IsTimestamp": func(v any, present bool) bool { _, ok := toTimestamp(v); return present && ok },
	}
	for name, fn := range tests {
		choiceOps[name] = &choiceOp{name: name, typ: typeBoolean, test: fn}
	}
}

// UnmarshalJSON parses a Choice rule, checking operator names and operand
// types.
func (r *ChoiceRule) UnmarshalJSON(data []byte) error {
	rule, err := parseChoiceRule(data, false)
	if err != nil {
		return err
	}
	*r = *rule
	return nil
}

func parseChoiceRule(data []byte, nested bool) (*ChoiceRule, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("a choice rule must be a JSON object")
	}
	r := &ChoiceRule{}
	if raw, ok := fields["Next"]; ok {
		if nested {
			return nil, fmt.Errorf("a rule nested in And, Or or Not must not have Next")
		}
		if err := json.Unmarshal(raw, &r.Next); err != nil || r.Next == "" {
			return nil, fmt.Errorf("Next must be a non-empty string")
		}
	}

	var bools, ops []string
	for k := range fields {
		switch k {
		case "Next", "Variable", "Comment", "Assign":
		case "And", "Or", "Not":
			bools = append(bools, k)
		default:
			if _, ok := choiceOps[k]; !ok {
				return nil, fmt.Errorf("unknown field %q in a choice rule", k)
			}
			ops = append(ops, k)
		}
	}
	sort.Strings(bools)
	sort.Strings(ops)
	switch {
	case len(bools)+len(ops) == 0:
		return nil, fmt.Errorf("a choice rule needs a comparison operator or And, Or, Not")
	case len(bools)+len(ops) > 1:
		return nil, fmt.Errorf("a choice rule must have exactly one of And, Or, Not or a comparison operator, got %s", strings.Join(append(bools, ops...), ", "))
	case len(bools) == 1:
		if _, ok := fields["Variable"]; ok {
			return nil, fmt.Errorf("a %s rule must not have Variable", bools[0])
		}
		return r, r.parseBoolean(bools[0], fields[bools[0]])
	}
	return r, r.parseDataTest(ops[0], fields)
}

func (r *ChoiceRule) parseBoolean(name string, raw json.RawMessage) error {
	r.bool = name
	if name == "Not" {
		child, err := parseChoiceRule(raw, true)
		if err != nil {
			return fmt.Errorf("Not: %w", err)
		}
		r.children = []*ChoiceRule{child}
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || len(items) == 0 {
		return fmt.Errorf("%s must be a non-empty array of choice rules", name)
	}
	for i, item := range items {
		child, err := parseChoiceRule(item, true)
		if err != nil {
			return fmt.Errorf("%s[%d]: %w", name, i, err)
		}
		r.children = append(r.children, child)
	}
	return nil
}

func (r *ChoiceRule) parseDataTest(name string, fields map[string]json.RawMessage) error {
	rawVar, ok := fields["Variable"]
	if !ok {
		return fmt.Errorf("a %s rule needs Variable", name)
	}
	if err := json.Unmarshal(rawVar, &r.variable); err != nil {
		return fmt.Errorf("Variable must be a path string")
	}
	if _, err := compileReference(r.variable); err != nil {
		return fmt.Errorf("Variable: %v", err)
	}
	op := choiceOps[name]
	r.op = op
	operand, err := Decode(fields[name])
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	switch {
	case op.test != nil:
		b, ok := operand.(bool)
		if !ok {
			return fmt.Errorf("%s must be true or false, got %s", name, jsonTypeName(operand))
		}
		r.operand = b
	case op.path:
		s, ok := operand.(string)
		if !ok {
			return fmt.Errorf("%s must be a path string, got %s", name, jsonTypeName(operand))
		}
		if _, err := compileReference(s); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		r.opPath = s
	case op.matches:
		s, ok := operand.(string)
		if !ok {
			return fmt.Errorf("%s must be a string, got %s", name, jsonTypeName(operand))
		}
		p, err := compilePattern(s)
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		r.pattern = p
	default:
		switch op.typ {
		case typeString:
			s, ok := operand.(string)
			if !ok {
				return fmt.Errorf("%s must be a string, got %s", name, jsonTypeName(operand))
			}
			r.operand = s
		case typeNumber:
			f, ok := jsonFloat(operand)
			if !ok {
				return fmt.Errorf("%s must be a number, got %s", name, jsonTypeName(operand))
			}
			r.operand = f
		case typeBoolean:
			b, ok := operand.(bool)
			if !ok {
				return fmt.Errorf("%s must be true or false, got %s", name, jsonTypeName(operand))
			}
			r.operand = b
		case typeTimestamp:
			t, ok := toTimestamp(operand)
			if !ok {
				return fmt.Errorf("%s must be an RFC 3339 timestamp such as 2016-03-14T01:59:00Z, got %s", name, describeValue(operand))
			}
			r.ts = t
		}
	}
	return nil
}

// Eval reports whether the rule matches input (the Choice state's effective
// input). A Variable or operand path that matches nothing is a
// States.Runtime error, except for IsPresent, which is then false.
func (r *ChoiceRule) Eval(input any) (bool, error) {
	return r.EvalContext(input, nil)
}

// EvalContext is Eval with the context object, for Variable and ...Path
// operands that begin with "$$".
func (r *ChoiceRule) EvalContext(input, ctx any) (bool, error) {
	switch r.bool {
	case "And":
		for _, c := range r.children {
			ok, err := c.EvalContext(input, ctx)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case "Or":
		for _, c := range r.children {
			ok, err := c.EvalContext(input, ctx)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case "Not":
		ok, err := r.children[0].EvalContext(input, ctx)
		return !ok && err == nil, err
	}
	if r.op == nil {
		return false, Errorf(ErrRuntime, "empty choice rule")
	}

	v, err := QueryPath(r.variable, input, ctx)
	present := err == nil
	if r.op.test != nil {
		if !present && r.op.name != "IsPresent" {
			return false, Errorf(ErrRuntime, "%s: Variable %s: %s", r.op.name, r.variable, errorCause(err))
		}
		return r.op.test(v, present) == r.operand.(bool), nil
	}
	if !present {
		return false, Errorf(ErrRuntime, "%s: Variable %s: %s", r.op.name, r.variable, errorCause(err))
	}
	if r.op.matches {
		s, ok := v.(string)
		return ok && matchPattern(r.pattern, s), nil
	}

	var other any
	if r.op.path {
		other, err = QueryPath(r.opPath, input, ctx)
		if err != nil {
			return false, Errorf(ErrRuntime, "%s: %s", r.op.name, errorCause(err))
		}
	}
	c, ok := r.compare(v, other)
	if !ok {
		return false, nil // values of the wrong type never match
	}
	return r.op.accepts[c+1], nil
}

// compare orders v against the operand (a literal, or other for a ...Path
// operator). ok is false when either value is not of the operator's type.
func (r *ChoiceRule) compare(v, other any) (int, bool) {
	switch r.op.typ {
	case typeString:
		a, ok := v.(string)
		if !ok {
			return 0, false
		}
		b, ok := r.operand.(string)
		if r.op.path {
			b, ok = other.(string)
		}
		if !ok {
			return 0, false
		}
		return strings.Compare(a, b), true
	case typeNumber:
		a, ok := jsonFloat(v)
		if !ok {
			return 0, false
		}
		b, ok := r.operand.(float64)
		if r.op.path {
			b, ok = jsonFloat(other)
		}
		if !ok {
			return 0, false
		}
		switch {
		case a < b:
			return -1, true
		case a > b:
			return 1, true
		}
		return 0, true
	case typeBoolean:
		a, ok := v.(bool)
		if !ok {
			return 0, false
		}
		b, ok := r.operand.(bool)
		if r.op.path {
			b, ok = other.(bool)
		}
		if !ok || a != b {
			return 1, ok // BooleanEquals only accepts 0
		}
		return 0, true
	case typeTimestamp:
		a, ok := toTimestamp(v)
		if !ok {
			return 0, false
		}
		b := r.ts
		if r.op.path {
			if b, ok = toTimestamp(other); !ok {
				return 0, false
			}
		}
		return a.Compare(b), true
	}
	return 0, false
}

// jsonFloat reads a JSON number.
func jsonFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// toTimestamp reads a timestamp as the specification defines it: RFC 3339
// with an uppercase T and an uppercase Z or a numeric offset.
func toTimestamp(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok || len(s) < len("2006-01-02T15:04:05Z") || s[10] != 'T' {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// patternPart is a literal run of text or, when star is set, a "*" wildcard.
type patternPart struct {
	star bool
	text string
}

// compilePattern reads a StringMatches pattern: "*" matches any run of
// characters, "\*" is a literal star and "\\" a literal backslash.
func compilePattern(s string) ([]patternPart, error) {
	var parts []patternPart
	var lit bytes.Buffer
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, patternPart{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return nil, fmt.Errorf("open escape \\ in %q: only \\* and \\\\ are allowed", s)
			}
			i++
			lit.WriteByte(s[i])
		case '*':
			flush()
			if len(parts) == 0 || !parts[len(parts)-1].star {
				parts = append(parts, patternPart{star: true})
			}
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return parts, nil
}

// matchPattern matches s against a compiled pattern. Literal runs are
// matched greedily left to right; the last run must end the string unless a
// star follows it.
func matchPattern(parts []patternPart, s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i, p := range parts {
		if p.star {
			continue
		}
		last := i == len(parts)-1
		afterStar := i > 0 && parts[i-1].star
		switch {
		case !afterStar && last:
			return s == p.text
		case !afterStar:
			if !strings.HasPrefix(s, p.text) {
				return false
			}
			s = s[len(p.text):]
		case last:
			return strings.HasSuffix(s, p.text)
		default:
			j := strings.Index(s, p.text)
			if j < 0 {
				return false
			}
			s = s[j+len(p.text):]
		}
	}
	// All parts consumed: the string must be used up unless the pattern
	// ends with a star (or is empty and s is empty).
	if len(parts) > 0 && parts[len(parts)-1].star {
		return true
	}
	return s == ""
}
