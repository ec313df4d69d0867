package states

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/theory/jsonpath"
	"github.com/theory/jsonpath/spec"
)

// Env carries the sources of randomness the intrinsic functions use. A nil
// *Env, or a nil field, falls back to crypto/rand.
type Env struct {
	// NewUUID returns a new random (version 4) UUID for States.UUID.
	NewUUID func() string
	// RandomInt returns an integer in [lo, hi) for States.MathRandom without
	// a seed. hi > lo is guaranteed.
	RandomInt func(lo, hi int64) int64
}

func (e *Env) uuid() string {
	if e != nil && e.NewUUID != nil {
		return e.NewUUID()
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("states: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (e *Env) randomInt(lo, hi int64) int64 {
	if e != nil && e.RandomInt != nil {
		return e.RandomInt(lo, hi)
	}
	n, err := rand.Int(rand.Reader, new(big.Int).Sub(big.NewInt(hi), big.NewInt(lo)))
	if err != nil {
		panic("states: crypto/rand failed: " + err.Error())
	}
	return lo + n.Int64()
}

// OptionalPath is a path field (InputPath, OutputPath, ResultPath) that can
// be absent (the zero value), JSON null, or a path string.
type OptionalPath struct {
	Present bool   // the field was in the definition
	Null    bool   // the field was JSON null
	Path    string // the path, when Present and not Null
}

// UnmarshalJSON accepts null or a string that parses as a path.
func (p *OptionalPath) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		*p = OptionalPath{Present: true, Null: true}
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("path must be a string or null, got %s", data)
	}
	if _, err := compilePath(s); err != nil {
		return err
	}
	*p = OptionalPath{Present: true, Path: s}
	return nil
}

// MarshalJSON renders the path back as it was read; an absent path renders
// as the default "$".
func (p OptionalPath) MarshalJSON() ([]byte, error) {
	switch {
	case p.Null:
		return []byte("null"), nil
	case !p.Present:
		return json.Marshal("$")
	}
	return json.Marshal(p.Path)
}

// ValidateReference reports whether p, when it is a path, is a reference
// path that can be written: a single node of the input, as ResultPath
// requires.
func (p OptionalPath) ValidateReference() error {
	if !p.Present || p.Null {
		return nil
	}
	_, err := parseReferencePath(p.Path)
	return err
}

// ValidateReferencePath reports whether path is a reference path that can
// be read: a single node of the input, or of the context object with "$$"
// (ItemsPath, SecondsPath, TimestampPath, TimeoutSecondsPath and the like).
func ValidateReferencePath(path string) error {
	_, err := compileReference(path)
	return err
}

// compiled is a parsed path: whether it reads the context object, and the
// query itself.
type compiled struct {
	ctx      bool
	path     *jsonpath.Path
	singular bool
	simple   bool      // only member names and indexes: walk steps directly
	steps    []refStep // when simple
}

// simpleSteps lists the steps of a singular query made only of member
// names and array indexes.
func simpleSteps(p *jsonpath.Path) ([]refStep, bool) {
	var steps []refStep
	for _, seg := range p.Query().Segments() {
		for _, sel := range seg.Selectors() {
			switch v := sel.(type) {
			case spec.Name:
				steps = append(steps, refStep{name: string(v)})
			case spec.Index:
				steps = append(steps, refStep{index: int(v), isIdx: true})
			default:
				return nil, false
			}
		}
	}
	return steps, true
}

// walkSteps follows simple steps through v.
func walkSteps(v any, steps []refStep) (any, bool) {
	for _, st := range steps {
		if st.isIdx {
			arr, ok := v.([]any)
			if !ok {
				return nil, false
			}
			i := st.index
			if i < 0 {
				i += len(arr)
			}
			if i < 0 || i >= len(arr) {
				return nil, false
			}
			v = arr[i]
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[st.name]; !ok {
			return nil, false
		}
	}
	return v, true
}

var pathCache sync.Map // string → compiled

// compilePath parses an ASL path, once: "$..." addresses the input, "$$..."
// the context object.
func compilePath(s string) (compiled, error) {
	if c, ok := pathCache.Load(s); ok {
		return c.(compiled), nil
	}
	if !strings.HasPrefix(s, "$") {
		return compiled{}, fmt.Errorf("invalid path %q: a path starts with $", s)
	}
	expr, ctx := s, false
	if strings.HasPrefix(s, "$$") {
		expr, ctx = s[1:], true
	}
	p, err := jsonpath.Parse(expr)
	if err != nil {
		// ASL paths follow Jayway JsonPath, which accepts names in dot
		// notation that RFC 9535 does not ("$.delivery-partner",
		// "$.store\.book"); rewrite those in bracket notation.
		rewritten, ok := bracketNames(expr)
		if !ok {
			return compiled{}, fmt.Errorf("invalid path %q: %v", s, err)
		}
		var err2 error
		if p, err2 = jsonpath.Parse(rewritten); err2 != nil {
			return compiled{}, fmt.Errorf("invalid path %q: %v", s, err)
		}
	}
	c := compiled{ctx: ctx, path: p, singular: p.Query().Singular() != nil}
	if c.singular {
		c.steps, c.simple = simpleSteps(p)
	}
	pathCache.Store(s, c)
	return c, nil
}

// bracketNames rewrites each dot-notation member name of a path as a
// bracketed, quoted name: "$.a-b.c\\.d[0]" becomes "$['a-b']['c.d'][0]". A
// backslash in a dotted name makes the next character literal. Bracket
// segments are copied as they are. ok is false if the path cannot be read.
func bracketNames(path string) (string, bool) {
	if !strings.HasPrefix(path, "$") {
		return "", false
	}
	var b strings.Builder
	b.WriteByte('$')
	i := 1
	for i < len(path) {
		switch path[i] {
		case '[':
			// Copy a bracket segment, honouring quotes and nesting.
			start, depth := i, 0
			var quote byte
		segment:
			for ; i < len(path); i++ {
				c := path[i]
				if quote != 0 {
					if c == '\\' {
						i++
					} else if c == quote {
						quote = 0
					}
					continue
				}
				switch c {
				case '\'', '"':
					quote = c
				case '[':
					depth++
				case ']':
					depth--
				}
				if depth == 0 {
					break segment
				}
			}
			if i >= len(path) {
				return "", false
			}
			i++
			b.WriteString(path[start:i])
		case '.':
			i++
			if i < len(path) && path[i] == '.' {
				b.WriteString("..")
				i++
				if i < len(path) && path[i] == '[' {
					continue
				}
			}
			var name strings.Builder
			for i < len(path) && path[i] != '.' && path[i] != '[' {
				if path[i] == '\\' {
					i++
					if i >= len(path) {
						return "", false
					}
				}
				name.WriteByte(path[i])
				i++
			}
			if name.Len() == 0 {
				return "", false
			}
			if name.String() == "*" {
				b.WriteString("[*]")
				continue
			}
			b.WriteString("['")
			for _, r := range name.String() {
				switch {
				case r == '\'' || r == '\\':
					b.WriteByte('\\')
					b.WriteRune(r)
				case r < 0x20:
					fmt.Fprintf(&b, "\\u%04x", r)
				default:
					b.WriteRune(r)
				}
			}
			b.WriteString("']")
		default:
			return "", false
		}
	}
	return b.String(), true
}

// refStep is one step of a reference path: a member name or an array index.
type refStep struct {
	name  string
	index int
	isIdx bool
}

// parseReferencePath parses a reference path: "$" followed by member names
// and array indexes only, so that it names exactly one node.
func parseReferencePath(s string) ([]refStep, error) {
	c, err := compileReference(s)
	if err != nil {
		return nil, err
	}
	if c.ctx {
		return nil, fmt.Errorf("invalid reference path %q: the context object cannot be written", s)
	}
	return c.steps, nil
}

// compileReference parses a reference path that may read the input or the
// context object.
func compileReference(s string) (compiled, error) {
	c, err := compilePath(s)
	if err != nil {
		return compiled{}, err
	}
	if !c.simple {
		return compiled{}, fmt.Errorf("invalid reference path %q: it must name a single node (no wildcards, filters, slices or ..)", s)
	}
	return c, nil
}

// QueryPath evaluates an ASL path: "$..." on input, "$$..." on the context
// object. A definite path returns the single value it names; an indefinite
// path (wildcards, filters, slices, descendants) returns an array of the
// matches. A definite path that matches nothing is a States.Runtime error.
func QueryPath(path string, input, ctx any) (any, error) {
	c, err := compilePath(path)
	if err != nil {
		return nil, Errorf(ErrRuntime, "%v", err)
	}
	doc := input
	where := "input"
	if c.ctx {
		doc, where = ctx, "context object"
	}
	if c.simple {
		v, ok := walkSteps(doc, c.steps)
		if !ok {
			return nil, Errorf(ErrRuntime, "the JSONPath %s could not be found in the %s", path, where)
		}
		return v, nil
	}
	nodes := c.path.Select(doc)
	if c.singular {
		if len(nodes) == 0 {
			return nil, Errorf(ErrRuntime, "the JSONPath %s could not be found in the %s", path, where)
		}
		return nodes[0], nil
	}
	out := make([]any, len(nodes))
	copy(out, nodes)
	return out, nil
}

// ApplyInputPath selects a state's effective input. An absent InputPath
// passes the input through; a null InputPath gives an empty object.
func ApplyInputPath(p OptionalPath, input, ctx any) (any, error) {
	return applySelectPath("InputPath", p, input, ctx)
}

// ApplyOutputPath selects a state's output. An absent OutputPath passes the
// output through; a null OutputPath gives an empty object.
func ApplyOutputPath(p OptionalPath, output, ctx any) (any, error) {
	return applySelectPath("OutputPath", p, output, ctx)
}

func applySelectPath(field string, p OptionalPath, v, ctx any) (any, error) {
	switch {
	case !p.Present:
		return v, nil
	case p.Null:
		return map[string]any{}, nil
	}
	out, err := QueryPath(p.Path, v, ctx)
	if err != nil {
		return nil, Errorf(ErrRuntime, "%s: %s", field, errorCause(err))
	}
	return out, nil
}

// ApplyResultPath combines a state's input with its result. Absent or "$"
// gives the result; null discards the result and keeps the input; any other
// reference path writes the result into a copy of the input, creating
// objects on the way. The input is never modified.
func ApplyResultPath(p OptionalPath, input, result any) (any, error) {
	switch {
	case !p.Present:
		return result, nil
	case p.Null:
		return input, nil
	}
	steps, err := parseReferencePath(p.Path)
	if err != nil {
		return nil, Errorf(ErrResultPathMatchFailure, "ResultPath: %v", err)
	}
	out, err := setPath(input, steps, result)
	if err != nil {
		return nil, Errorf(ErrResultPathMatchFailure, "ResultPath %s: %v", p.Path, err)
	}
	return out, nil
}

// setPath returns a copy of doc with value stored at steps. Only the
// containers on the way are copied; everything else is shared.
func setPath(doc any, steps []refStep, value any) (any, error) {
	if len(steps) == 0 {
		return value, nil
	}
	st := steps[0]
	if st.isIdx {
		arr, ok := doc.([]any)
		if !ok {
			return nil, fmt.Errorf("cannot index [%d] into %s", st.index, jsonTypeName(doc))
		}
		i := st.index
		if i < 0 {
			i += len(arr)
		}
		if i < 0 || i >= len(arr) {
			return nil, fmt.Errorf("index [%d] is out of range for an array of %d", st.index, len(arr))
		}
		child, err := setPath(arr[i], steps[1:], value)
		if err != nil {
			return nil, err
		}
		cp := make([]any, len(arr))
		copy(cp, arr)
		cp[i] = child
		return cp, nil
	}
	var obj map[string]any
	switch v := doc.(type) {
	case map[string]any:
		obj = v
	case nil:
		// A missing member on the way is created as an object.
	default:
		return nil, fmt.Errorf("cannot set field %q in %s", st.name, jsonTypeName(doc))
	}
	child, err := setPath(obj[st.name], steps[1:], value)
	if err != nil {
		return nil, err
	}
	cp := make(map[string]any, len(obj)+1)
	for k, v := range obj {
		cp[k] = v
	}
	cp[st.name] = child
	return cp, nil
}

// ApplyPayloadTemplate evaluates a payload template (Parameters,
// ItemSelector, ResultSelector): each key ending in ".$" takes the value of
// its path (on input, or "$$" on the context object) or intrinsic function
// under the key without ".$"; nested objects and arrays are processed the
// same way; other values are copied as they are.
func ApplyPayloadTemplate(tmpl any, input, ctx any, env *Env) (any, error) {
	return applyTemplate(tmpl, input, ctx, env)
}

func applyTemplate(tmpl any, input, ctx any, env *Env) (any, error) {
	switch t := tmpl.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, v := range t {
			name, dynamic := strings.CutSuffix(k, ".$")
			if !dynamic {
				nv, err := applyTemplate(v, input, ctx, env)
				if err != nil {
					return nil, err
				}
				out[k] = nv
				continue
			}
			if _, dup := t[name]; dup {
				return nil, Errorf(ErrRuntime, "fields %q and %q both give %q", name, k, name)
			}
			expr, ok := v.(string)
			if !ok {
				return nil, Errorf(ErrRuntime, "the value of field %q must be a path or an intrinsic function, got %s", k, jsonTypeName(v))
			}
			nv, err := evalDynamic(k, expr, input, ctx, env)
			if err != nil {
				return nil, err
			}
			out[name] = nv
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, v := range t {
			nv, err := applyTemplate(v, input, ctx, env)
			if err != nil {
				return nil, err
			}
			out[i] = nv
		}
		return out, nil
	default:
		return tmpl, nil
	}
}

// ValidatePayloadTemplate checks a payload template when a definition is
// loaded: every ".$" field holds a valid path or a well-formed intrinsic
// function, and no two fields give the same name once ".$" is dropped.
func ValidatePayloadTemplate(tmpl any) error {
	switch t := tmpl.(type) {
	case map[string]any:
		for k, v := range t {
			name, dynamic := strings.CutSuffix(k, ".$")
			if !dynamic {
				if err := ValidatePayloadTemplate(v); err != nil {
					return fmt.Errorf("%s: %w", k, err)
				}
				continue
			}
			if _, dup := t[name]; dup {
				return fmt.Errorf("fields %q and %q both give %q", name, k, name)
			}
			expr, ok := v.(string)
			if !ok {
				return fmt.Errorf("field %q must be a path or an intrinsic function, got %s", k, jsonTypeName(v))
			}
			switch {
			case strings.HasPrefix(expr, "$"):
				if _, err := compilePath(expr); err != nil {
					return fmt.Errorf("field %q: %v", k, err)
				}
			default:
				if _, err := parseIntrinsic(expr); err != nil {
					return fmt.Errorf("field %q: intrinsic function %s: %v", k, expr, err)
				}
			}
		}
	case []any:
		for i, v := range t {
			if err := ValidatePayloadTemplate(v); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
	}
	return nil
}

func evalDynamic(field, expr string, input, ctx any, env *Env) (any, error) {
	switch {
	case strings.HasPrefix(expr, "$"):
		v, err := QueryPath(expr, input, ctx)
		if err != nil {
			return nil, Errorf(ErrRuntime, "field %q: %s", field, errorCause(err))
		}
		return v, nil
	case strings.HasPrefix(expr, "States."):
		return EvalIntrinsic(expr, input, ctx, env)
	}
	return nil, Errorf(ErrRuntime, "the value of field %q must be a path or an intrinsic function, got %q", field, expr)
}

func errorCause(err error) string {
	if e, ok := err.(*Error); ok {
		return e.Cause
	}
	return err.Error()
}

// jsonTypeName names a value's JSON type for error messages.
func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number, float64, int, int64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}
