package states

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Limits from the Step Functions service quotas for intrinsic functions.
const (
	maxIntrinsicDepth   = 10    // nested intrinsic calls in one field
	maxArrayRangeItems  = 1000  // States.ArrayRange result size
	maxBase64InputChars = 10000 // States.Base64Encode/Decode input
	maxHashInputChars   = 10000 // States.Hash stringified input
)

// EvalIntrinsic evaluates an intrinsic function expression such as
// "States.Format('Hello, {}', $.name)" against the input and context object.
// Any failure, including a malformed expression, is a
// States.IntrinsicFailure error.
func EvalIntrinsic(expr string, input, ctx any, env *Env) (any, error) {
	call, err := parseIntrinsic(expr)
	if err != nil {
		return nil, Errorf(ErrIntrinsicFailure, "%s: %v", expr, err)
	}
	v, err := call.eval(input, ctx, env)
	if err != nil {
		return nil, Errorf(ErrIntrinsicFailure, "%s: %v", expr, err)
	}
	return v, nil
}

// argKind tells what an intrinsic argument is in the source text.
type argKind int

const (
	argLiteral argKind = iota // string, number, boolean or null
	argPath                   // "$..." or "$$..."
	argCall                   // nested intrinsic function
)

type intrinsicArg struct {
	kind  argKind
	value any    // the literal's value
	raw   string // a string literal as written, escapes kept (States.Format)
	isStr bool   // the literal is a string
	path  string
	call  *intrinsicCall
}

type intrinsicCall struct {
	name string
	fn   intrinsicFunc
	args []intrinsicArg
}

var intrinsicCache sync.Map // expression → *intrinsicCall

func parseIntrinsic(expr string) (*intrinsicCall, error) {
	if c, ok := intrinsicCache.Load(expr); ok {
		return c.(*intrinsicCall), nil
	}
	p := &intrinsicParser{src: expr}
	p.skipSpace()
	call, err := p.call(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, p.errorf("unexpected text after the closing parenthesis")
	}
	intrinsicCache.Store(expr, call)
	return call, nil
}

// intrinsicParser is a small recursive-descent parser over the expression
// text:
//
//	call := name "(" [ arg { "," arg } ] ")"
//	arg  := 'string' | number | true | false | null | path | call
type intrinsicParser struct {
	src string
	pos int
}

func (p *intrinsicParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *intrinsicParser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
}

func (p *intrinsicParser) call(depth int) (*intrinsicCall, error) {
	if depth >= maxIntrinsicDepth {
		return nil, p.errorf("more than %d nested intrinsic functions", maxIntrinsicDepth)
	}
	start := p.pos
	for p.pos < len(p.src) && isNameByte(p.src[p.pos]) {
		p.pos++
	}
	name := p.src[start:p.pos]
	if name == "" {
		return nil, p.errorf("expected an intrinsic function name")
	}
	fn, ok := intrinsicFuncs[name]
	if !ok {
		return nil, fmt.Errorf("unknown intrinsic function %q", name)
	}
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return nil, p.errorf("expected ( after %s", name)
	}
	p.pos++
	c := &intrinsicCall{name: name, fn: fn}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
		return c, nil
	}
	for {
		p.skipSpace()
		arg, err := p.arg(depth)
		if err != nil {
			return nil, err
		}
		c.args = append(c.args, arg)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil, p.errorf("missing ) to close %s", name)
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ')':
			p.pos++
			return c, nil
		default:
			return nil, p.errorf("expected , or ) in the arguments of %s", name)
		}
	}
}

func (p *intrinsicParser) arg(depth int) (intrinsicArg, error) {
	if p.pos >= len(p.src) {
		return intrinsicArg{}, p.errorf("missing argument")
	}
	c := p.src[p.pos]
	switch {
	case c == '\'':
		return p.stringLit()
	case c == '$':
		return p.pathArg()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case isNameByte(c):
		// A keyword or a nested call.
		start := p.pos
		for p.pos < len(p.src) && isNameByte(p.src[p.pos]) {
			p.pos++
		}
		word := p.src[start:p.pos]
		if p.pos < len(p.src) && p.src[p.pos] == '(' {
			p.pos = start
			call, err := p.call(depth + 1)
			if err != nil {
				return intrinsicArg{}, err
			}
			return intrinsicArg{kind: argCall, call: call}, nil
		}
		switch word {
		case "true":
			return intrinsicArg{kind: argLiteral, value: true}, nil
		case "false":
			return intrinsicArg{kind: argLiteral, value: false}, nil
		case "null":
			return intrinsicArg{kind: argLiteral, value: nil}, nil
		}
		p.pos = start
		return intrinsicArg{}, p.errorf("unexpected %q: arguments are 'strings', numbers, true, false, null, paths or intrinsic functions", word)
	}
	return intrinsicArg{}, p.errorf("unexpected character %q", c)
}

// stringLit reads a '...' literal. Only \' \{ \} and \\ are escapes.
func (p *intrinsicParser) stringLit() (intrinsicArg, error) {
	p.pos++ // opening quote
	start := p.pos
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '\'':
			raw := p.src[start:p.pos]
			p.pos++
			return intrinsicArg{kind: argLiteral, value: b.String(), raw: raw, isStr: true}, nil
		case '\\':
			if p.pos+1 >= len(p.src) {
				return intrinsicArg{}, p.errorf("open escape \\ at the end of a string")
			}
			n := p.src[p.pos+1]
			if n != '\'' && n != '{' && n != '}' && n != '\\' {
				return intrinsicArg{}, p.errorf("invalid escape \\%c: only \\' \\{ \\} and \\\\ are allowed", n)
			}
			b.WriteByte(n)
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return intrinsicArg{}, p.errorf("unterminated string")
}

// pathArg reads a path up to the next top-level comma, parenthesis or space.
// Brackets, parentheses and quotes inside the path are balanced so that
// filters and quoted names may hold those characters.
func (p *intrinsicParser) pathArg() (intrinsicArg, error) {
	start := p.pos
	depth := 0
	var quote byte
scan:
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case quote != 0:
			if c == '\\' {
				p.pos++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			if depth == 0 {
				return intrinsicArg{}, p.errorf("unexpected quote in path")
			}
			quote = c
		case c == '[' || c == '(':
			depth++
		case c == ']' || c == ')':
			if depth == 0 {
				break scan
			}
			depth--
		case c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if depth == 0 {
				break scan
			}
		}
		p.pos++
	}
	if quote != 0 || depth != 0 {
		return intrinsicArg{}, p.errorf("unbalanced brackets or quotes in path")
	}
	path := p.src[start:min(p.pos, len(p.src))]
	if _, err := compilePath(path); err != nil {
		return intrinsicArg{}, err
	}
	return intrinsicArg{kind: argPath, path: path}, nil
}

func (p *intrinsicParser) number() (intrinsicArg, error) {
	start := p.pos
	for p.pos < len(p.src) && strings.IndexByte("+-0123456789.eE", p.src[p.pos]) >= 0 {
		p.pos++
	}
	text := p.src[start:p.pos]
	if !json.Valid([]byte(text)) {
		return intrinsicArg{}, fmt.Errorf("invalid number %q", text)
	}
	return intrinsicArg{kind: argLiteral, value: json.Number(text)}, nil
}

// argValue is an evaluated argument; raw and literal support States.Format's
// escaped braces in a literal template.
type argValue struct {
	v       any
	raw     string
	literal bool
}

func (c *intrinsicCall) eval(input, ctx any, env *Env) (any, error) {
	args := make([]argValue, len(c.args))
	for i, a := range c.args {
		switch a.kind {
		case argLiteral:
			args[i] = argValue{v: a.value, raw: a.raw, literal: a.isStr}
		case argPath:
			v, err := QueryPath(a.path, input, ctx)
			if err != nil {
				return nil, fmt.Errorf("argument %d of %s: %s", i+1, c.name, errorCause(err))
			}
			args[i] = argValue{v: v}
		case argCall:
			v, err := a.call.eval(input, ctx, env)
			if err != nil {
				return nil, err
			}
			args[i] = argValue{v: v}
		}
	}
	v, err := c.fn(args, env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	return v, nil
}

type intrinsicFunc func(args []argValue, env *Env) (any, error)

var intrinsicFuncs map[string]intrinsicFunc

func init() {
	intrinsicFuncs = map[string]intrinsicFunc{
		"States.Format":         fnFormat,
		"States.StringToJson":   fnStringToJSON,
		"States.JsonToString":   fnJSONToString,
		"States.Array":          fnArray,
		"States.ArrayPartition": fnArrayPartition,
		"States.ArrayContains":  fnArrayContains,
		"States.ArrayRange":     fnArrayRange,
		"States.ArrayGetItem":   fnArrayGetItem,
		"States.ArrayLength":    fnArrayLength,
		"States.ArrayUnique":    fnArrayUnique,
		"States.Base64Encode":   fnBase64Encode,
		"States.Base64Decode":   fnBase64Decode,
		"States.Hash":           fnHash,
		"States.JsonMerge":      fnJSONMerge,
		"States.MathRandom":     fnMathRandom,
		"States.MathAdd":        fnMathAdd,
		"States.StringSplit":    fnStringSplit,
		"States.UUID":           fnUUID,
	}
}

func wantArgs(args []argValue, n int) error {
	if len(args) != n {
		return fmt.Errorf("takes %d argument(s), got %d", n, len(args))
	}
	return nil
}

func argString(args []argValue, i int) (string, error) {
	s, ok := args[i].v.(string)
	if !ok {
		return "", fmt.Errorf("argument %d must be a string, got %s", i+1, jsonTypeName(args[i].v))
	}
	return s, nil
}

func argArray(args []argValue, i int) ([]any, error) {
	a, ok := args[i].v.([]any)
	if !ok {
		return nil, fmt.Errorf("argument %d must be an array, got %s", i+1, jsonTypeName(args[i].v))
	}
	return a, nil
}

func argObject(args []argValue, i int) (map[string]any, error) {
	m, ok := args[i].v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("argument %d must be an object, got %s", i+1, jsonTypeName(args[i].v))
	}
	return m, nil
}

// argInt returns an integer argument; numbers with a zero fraction
// ("4.0") count as integers.
func argInt(args []argValue, i int) (int64, error) {
	n, ok := jsonInt(args[i].v)
	if !ok {
		return 0, fmt.Errorf("argument %d must be an integer, got %s", i+1, describeValue(args[i].v))
	}
	return n, nil
}

func jsonInt(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		f, err := n.Float64()
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, false
		}
		return int64(f), true
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return 0, false
		}
		return int64(n), true
	}
	return 0, false
}

func intValue(i int64) json.Number { return json.Number(strconv.FormatInt(i, 10)) }

// describeValue names a value's type and, for scalars, the value itself.
func describeValue(v any) string {
	switch x := v.(type) {
	case json.Number:
		return "the number " + x.String()
	case string:
		return strconv.Quote(x)
	}
	return jsonTypeName(v)
}

func fnFormat(args []argValue, _ *Env) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("takes a template and one argument per {}, got no arguments")
	}
	tmpl, err := argString(args, 0)
	if err != nil {
		return nil, err
	}
	// A literal template keeps its escapes so that \{ and \} stay literal
	// braces; a template read from a path has no escapes.
	text, escapes := tmpl, false
	if args[0].literal {
		text, escapes = args[0].raw, true
	}
	var b strings.Builder
	next := 1
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case escapes && c == '\\' && i+1 < len(text):
			i++
			b.WriteByte(text[i])
		case c == '{' && i+1 < len(text) && text[i+1] == '}':
			if next >= len(args) {
				return nil, fmt.Errorf("the template has more {} than the %d argument(s) given", len(args)-1)
			}
			s, err := formatValue(args[next].v)
			if err != nil {
				return nil, fmt.Errorf("argument %d: %w", next+1, err)
			}
			b.WriteString(s)
			next++
			i++
		case escapes && (c == '{' || c == '}'):
			return nil, fmt.Errorf("unescaped %q in the template: write \\%c", c, c)
		default:
			b.WriteByte(c)
		}
	}
	if next != len(args) {
		return nil, fmt.Errorf("the template has %d {} but %d argument(s) follow it", next-1, len(args)-1)
	}
	return b.String(), nil
}

// formatValue renders a value for States.Format: strings without quotes,
// numbers, booleans and null as in JSON; arrays and objects are refused.
func formatValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case nil:
		return "null", nil
	case bool:
		return strconv.FormatBool(x), nil
	case json.Number:
		return x.String(), nil
	case map[string]any, []any:
		return "", fmt.Errorf("cannot format %s: only strings, numbers, booleans and null", jsonTypeName(v))
	}
	b, err := Encode(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func fnStringToJSON(args []argValue, _ *Env) (any, error) {
	if err := wantArgs(args, 1); err != nil {
		return nil, err
	}
	s, err := argString(args, 0)
	if err != nil {
		return nil, err
	}
	v, err := Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("the string is not JSON: %v", err)
	}
	return v, nil
}

func fnJSONToString(args []argValue, _ *Env) (any, error) {
	if err := wantArgs(args, 1); err != nil {
		return nil, err
	}
	b, err := Encode(args[0].v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func fnArray(args []argValue, _ *Env) (any, error) {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a.v
	}
	return out, nil
}

func fnArrayPartition(args []argValue, _ *Env) (any, error) {
	if err := wantArgs(args, 2); err != nil {
		return nil, err
	}
	arr, err := argArray(args, 0)
	if err != nil {
		return nil, err
	}
	size, err := argInt(args, 1)
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, fmt.Errorf("the chunk size must be a positive integer, got %d", size)
	}
	out := make([]any, 0, (int64(len(arr))+size-1)/size)
	for start := 0; start < len(arr); start += int(size) {
		end := min(start+int(size), len(arr))
		chunk := make([]any, end-start)
		copy(chunk, arr[start:end])
		out = append(out, chunk)
	}
	return out, nil
}

func fnArrayContains(args []argValue, _ *Env) (any, error) {
	if err := wantArgs(args, 2); err != nil {
		return nil, err
	}
	arr, err := argArray(args, 0)
	if err != nil {
		return nil, err
	}
	for _, v := range arr {
		if jsonEqual(v, args[1].v) {
			return true, nil
		}
	}
	return false, nil
}

func fnArrayRange(args []argValue, _ *Env) (any, error) {
	if err := wantArgs(args, 3); err != nil {
		return nil, err
	}
	var n [3]int64
	for i := range n {
		v, err := argInt(args, i)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	start, end, step := n[0], n[1], n[2]
	if step == 0 {
		return nil, fmt.Errorf("the step must not be zero")
	}
	// Unsigned differences cannot overflow for any pair of int64 values.
	var count uint64
	if step > 0 && end >= start || step < 0 && end <= start {
		diff, stride := uint64(end-start), uint64(step)
		if step < 0 {
			diff, stride = uint64(start-end), uint64(-(step+1))+1
		}
		if diff/stride >= maxArrayRangeItems {
			return nil, fmt.Errorf("the range has more than %d items", maxArrayRangeItems)
		}
		count = diff/stride + 1
	}
	out := make([]any, count)
	for i := range out {
		out[i] = intValue(start + int64(i)*step)
	}
	return out, nil
}

func fnArrayGetItem(args []argValue, _ *Env) (any, error) {
	if err := wantArgs(args, 2); err != nil {
		return nil, err
	}
	arr, err := argArray(args, 0)
	if err != nil {
		return nil, err
	}
	i, err := argInt(args, 1)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= int64(len(arr)) {
		return nil, fmt.Errorf("index %d is out of range for an array of %d", i, len(arr))
	}
	return arr[i], nil
}

func fnArrayLength(args []argValue, _ *Env) (any, error) {
	if err := wantArgs(args, 1); err != nil {
		return nil, err
	}
	arr, err := argArray(args, 0)
	if err != nil {
		return nil, err
	}
	return intValue(int64(len(arr))), nil
}

func fnArrayUnique(args []argValue, _ *Env) (any, error) {
	if err := wantArgs(args, 1); err != nil {
		return nil, err
	}
	arr, err := argArray(args, 0)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(arr))
next:
	for _, v := range arr {
		for _, seen := range out {
			if jsonEqual(v, seen) {
				continue next
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func fnBase64Encode(args []argValue, _ *Env) (any, error) {
	if err := wantArgs(args, 1); err != nil {
		return nil, err
	}
	s, err := argString(args, 0)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(s) > maxBase64InputChars {
		return nil, fmt.Errorf("the input has more than %d characters", maxBase64InputChars)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func fnBase64Decode(args []argValue, _ *Env) (any, error) {
	if err := wantArgs(args, 1); err != nil {
		return nil, err
	}
	s, err := argString(args, 0)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(s) > maxBase64InputChars {
		return nil, fmt.Errorf("the input has more than %d characters", maxBase64InputChars)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("the input is not Base64: %v", err)
	}
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("the decoded data is not UTF-8 text")
	}
	return string(b), nil
}

var hashAlgorithms = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

func fnHash(args []argValue, _ *Env) (any, error) {
	if err := wantArgs(args, 2); err != nil {
		return nil, err
	}
	// A string is hashed as it is; any other value as its JSON text.
	data, ok := args[0].v.(string)
	if !ok {
		b, err := Encode(args[0].v)
		if err != nil {
			return nil, err
		}
		data = string(b)
	}
	if utf8.RuneCountInString(data) > maxHashInputChars {
		return nil, fmt.Errorf("the input has more than %d characters", maxHashInputChars)
	}
	alg, err := argString(args, 1)
	if err != nil {
		return nil, err
	}
	newHash, ok := hashAlgorithms[alg]
	if !ok {
		return nil, fmt.Errorf("unknown algorithm %q: use MD5, SHA-1, SHA-256, SHA-384 or SHA-512", alg)
	}
	h := newHash()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fnJSONMerge(args []argValue, _ *Env) (any, error) {
	if err := wantArgs(args, 3); err != nil {
		return nil, err
	}
	a, err := argObject(args, 0)
	if err != nil {
		return nil, err
	}
	b, err := argObject(args, 1)
	if err != nil {
		return nil, err
	}
	deep, ok := args[2].v.(bool)
	if !ok {
		return nil, fmt.Errorf("argument 3 must be a boolean, got %s", jsonTypeName(args[2].v))
	}
	if deep {
		return nil, fmt.Errorf("deep merge is not supported: argument 3 must be false")
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out, nil
}

func fnMathRandom(args []argValue, env *Env) (any, error) {
	if len(args) != 2 && len(args) != 3 {
		return nil, fmt.Errorf("takes 2 or 3 arguments (start, end[, seed]), got %d", len(args))
	}
	start, err := argInt(args, 0)
	if err != nil {
		return nil, err
	}
	end, err := argInt(args, 1)
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, fmt.Errorf("the end %d must be greater than the start %d", end, start)
	}
	if len(args) == 3 {
		seed, err := argInt(args, 2)
		if err != nil {
			return nil, err
		}
		r := rand.New(rand.NewPCG(uint64(seed), 0))
		return intValue(start + r.Int64N(end-start)), nil
	}
	return intValue(env.randomInt(start, end)), nil
}

func fnMathAdd(args []argValue, _ *Env) (any, error) {
	if err := wantArgs(args, 2); err != nil {
		return nil, err
	}
	a, err := argInt(args, 0)
	if err != nil {
		return nil, err
	}
	b, err := argInt(args, 1)
	if err != nil {
		return nil, err
	}
	sum := a + b
	if (a > 0 && b > 0 && sum < 0) || (a < 0 && b < 0 && sum >= 0) {
		return nil, fmt.Errorf("the sum overflows")
	}
	return intValue(sum), nil
}

func fnStringSplit(args []argValue, _ *Env) (any, error) {
	if err := wantArgs(args, 2); err != nil {
		return nil, err
	}
	s, err := argString(args, 0)
	if err != nil {
		return nil, err
	}
	delims, err := argString(args, 1)
	if err != nil {
		return nil, err
	}
	if delims == "" {
		return nil, fmt.Errorf("the delimiter must not be empty")
	}
	// Every character of the second argument is a delimiter; empty pieces
	// are dropped.
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) })
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func fnUUID(args []argValue, env *Env) (any, error) {
	if err := wantArgs(args, 0); err != nil {
		return nil, err
	}
	return env.uuid(), nil
}

// jsonEqual compares two JSON values; numbers compare by value.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		fx, err1 := x.Float64()
		fy, err2 := y.Float64()
		return err1 == nil && err2 == nil && fx == fy
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	return false
}
