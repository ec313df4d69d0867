package states

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEvalIntrinsic(t *testing.T) {
	input := mustJSON(t, `{
		"name": "Ada", "n": 3, "half": 1.5, "flag": true, "nothing": null,
		"obj": {"a": 1}, "arr": [1, "x", {"a": 1}, [2], null, 1.0],
		"csv": "a,,b;c", "b64": "aGVsbG8=", "tmpl": "Hi {}!", "json": "[1, {\"k\": \"v\"}]"
	}`)
	ctx := mustJSON(t, `{"Execution": {"Name": "e-1"}}`)
	tests := []struct {
		expr    string
		want    string
		wantErr string // part of the cause
	}{
		// States.Format
		{expr: `States.Format('Hello, {}', $.name)`, want: `"Hello, Ada"`},
		{expr: `States.Format('{} {} {} {}', $.n, $.flag, $.nothing, 'x')`, want: `"3 true null x"`},
		{expr: `States.Format('\{\} is literal, {} is not', $.name)`, want: `"{} is literal, Ada is not"`},
		{expr: `States.Format('back\\slash \'quoted\'')`, want: `"back\\slash 'quoted'"`},
		{expr: `States.Format($.tmpl, $.name)`, want: `"Hi Ada!"`},
		{expr: `States.Format('run {}', $$.Execution.Name)`, want: `"run e-1"`},
		{expr: `States.Format('{}', $.half)`, want: `"1.5"`},
		{expr: `States.Format( 'spaces {}' ,  $.n )`, want: `"spaces 3"`},
		{expr: `States.Format('{}')`, wantErr: "more {} than"},
		{expr: `States.Format('x', 1)`, wantErr: "has 0 {} but 1"},
		{expr: `States.Format('{}', $.arr)`, wantErr: "cannot format an array"},
		{expr: `States.Format('a { b')`, wantErr: "unescaped"},
		{expr: `States.Format()`, wantErr: "got no arguments"},
		{expr: `States.Format(1)`, wantErr: "must be a string"},
		// JSON
		{expr: `States.StringToJson($.json)`, want: `[1,{"k":"v"}]`},
		{expr: `States.StringToJson('{"a": 1}')`, want: `{"a":1}`},
		{expr: `States.StringToJson($.name)`, wantErr: "not JSON"},
		{expr: `States.StringToJson($.n)`, wantErr: "must be a string"},
		{expr: `States.JsonToString($.obj)`, want: `"{\"a\":1}"`},
		{expr: `States.JsonToString($.name)`, want: `"\"Ada\""`},
		{expr: `States.JsonToString($.obj, $.obj)`, wantErr: "takes 1 argument"},
		// Arrays
		{expr: `States.Array()`, want: `[]`},
		{expr: `States.Array(1, 'two', true, false, null, $.obj, States.Array(3))`, want: `[1,"two",true,false,null,{"a":1},[3]]`},
		{expr: `States.ArrayPartition($.arr, 4)`, want: `[[1,"x",{"a":1},[2]],[null,1.0]]`},
		{expr: `States.ArrayPartition(States.Array(), 2)`, want: `[]`},
		{expr: `States.ArrayPartition($.arr, 1.5)`, wantErr: "must be an integer"},
		{expr: `States.ArrayPartition($.obj, 2)`, wantErr: "must be an array"},
		{expr: `States.ArrayContains($.arr, $.obj)`, want: `true`},
		{expr: `States.ArrayContains($.arr, 'y')`, want: `false`},
		{expr: `States.ArrayContains($.arr, States.Array(2))`, want: `true`},
		{expr: `States.ArrayRange(5, 1, -2)`, want: `[5,3,1]`},
		{expr: `States.ArrayRange(1, 1, 3)`, want: `[1]`},
		{expr: `States.ArrayRange(1, 0, 1)`, want: `[]`},
		{expr: `States.ArrayRange(0, 999, 1)`, want: encodeRange(0, 999)},
		{expr: `States.ArrayRange(0, 1000, 1)`, wantErr: "more than 1000"},
		{expr: `States.ArrayRange(1, 2)`, wantErr: "takes 3 argument"},
		{expr: `States.ArrayRange(-9223372036854775808, 9223372036854775807, 1)`, wantErr: "more than 1000"},
		{expr: `States.ArrayRange(9223372036854775807, -9223372036854775808, -9223372036854775808)`, want: `[9223372036854775807,-1]`},
		{expr: `States.ArrayGetItem($.arr, 1)`, want: `"x"`},
		{expr: `States.ArrayGetItem($.arr, 6)`, wantErr: "out of range"},
		{expr: `States.ArrayGetItem($.arr, -1)`, wantErr: "out of range"},
		{expr: `States.ArrayLength($.arr)`, want: `6`},
		{expr: `States.ArrayLength($.name)`, wantErr: "must be an array"},
		{expr: `States.ArrayUnique(States.Array(1, 1.0, 'a', 'a', $.obj, $.obj, null, null))`, want: `[1,"a",{"a":1},null]`},
		// Encoding and hashing
		{expr: `States.Base64Encode('hello')`, want: `"aGVsbG8="`},
		{expr: `States.Base64Decode($.b64)`, want: `"hello"`},
		{expr: `States.Base64Decode('%%%')`, wantErr: "not Base64"},
		{expr: `States.Base64Encode($.n)`, wantErr: "must be a string"},
		{expr: `States.Hash('input data', 'MD5')`, want: `"812f45842bc6d66ee14572ce20db8e86"`},
		{expr: `States.Hash('abc', 'SHA-256')`, want: `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`},
		{expr: `States.Hash('abc', 'SHA-384')`, want: `"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"`},
		{expr: `States.Hash('abc', 'SHA-512')`, want: `"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"`},
		{expr: `States.Hash('abc', 'SHA-3')`, wantErr: "unknown algorithm"},
		// Objects and maths
		{expr: `States.JsonMerge($.obj, States.StringToJson('{"b": 2, "a": 3}'), false)`, want: `{"a":3,"b":2}`},
		{expr: `States.JsonMerge($.obj, $.obj, true)`, wantErr: "deep merge is not supported"},
		{expr: `States.JsonMerge($.obj, $.arr, false)`, wantErr: "must be an object"},
		{expr: `States.MathAdd(1, 2)`, want: `3`},
		{expr: `States.MathAdd($.n, -10)`, want: `-7`},
		{expr: `States.MathAdd(1.0, 2)`, want: `3`},
		{expr: `States.MathAdd($.half, 1)`, wantErr: "must be an integer"},
		{expr: `States.MathAdd('1', 1)`, wantErr: "must be an integer"},
		{expr: `States.MathRandom(1, 2)`, want: `1`},
		{expr: `States.MathRandom(5, 5)`, wantErr: "must be greater"},
		// Strings and UUIDs
		{expr: `States.StringSplit($.csv, ',;')`, want: `["a","b","c"]`},
		{expr: `States.StringSplit('This.is+a,test=string', '.+,=')`, want: `["This","is","a","test","string"]`},
		{expr: `States.StringSplit('abc', '')`, wantErr: "must not be empty"},
		{expr: `States.UUID(1)`, wantErr: "takes 0 argument"},
		// Syntax
		{expr: `States.Nope()`, wantErr: `unknown intrinsic function "States.Nope"`},
		{expr: `States.Format('x'`, wantErr: "missing )"},
		{expr: `States.Format('x) `, wantErr: "unterminated string"},
		{expr: `States.Format('\n')`, wantErr: `invalid escape \n`},
		{expr: `States.Format('x\`, wantErr: "open escape"},
		{expr: `States.Array(1,)`, wantErr: "unexpected character"},
		{expr: `States.Array(1 2)`, wantErr: "expected , or )"},
		{expr: `States.Array(yes)`, wantErr: `unexpected "yes"`},
		{expr: `States.Array(1) trailing`, wantErr: "unexpected text"},
		{expr: `States.Array(--1)`, wantErr: "invalid number"},
		{expr: `States.Array($.a[0)`, wantErr: "invalid path"},
		{expr: `States.Array($.a[0`, wantErr: "unbalanced"},
		{expr: `States.Array($.missing)`, wantErr: "could not be found"},
		{expr: `States.Array`, wantErr: "expected ("},
		{expr: ``, wantErr: "expected an intrinsic function name"},
	}
	env := &Env{RandomInt: func(lo, hi int64) int64 { return lo }}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, err := EvalIntrinsic(tt.expr, input, ctx, env)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, ErrIntrinsicFailure, statesErrorName(err))
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, asJSON(t, got))
		})
	}
}

func encodeRange(lo, hi int) string {
	parts := make([]string, 0, hi-lo+1)
	for i := lo; i <= hi; i++ {
		parts = append(parts, strconv.Itoa(i))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func TestEvalIntrinsicFormatFromPathHasNoEscapes(t *testing.T) {
	// A template read from the input is used as it is: a backslash there is
	// an ordinary character and {} is still a placeholder.
	got, err := EvalIntrinsic(`States.Format($.t, 'x')`, mustJSON(t, `{"t": "a\\b {}"}`), nil, nil)
	require.NoError(t, err)
	assert.Equal(t, `a\b x`, got)
}

func TestMathRandom(t *testing.T) {
	t.Run("seeded is repeatable and in range", func(t *testing.T) {
		first, err := EvalIntrinsic(`States.MathRandom(1, 999, 42)`, nil, nil, nil)
		require.NoError(t, err)
		for range 5 {
			again, err := EvalIntrinsic(`States.MathRandom(1, 999, 42)`, nil, nil, nil)
			require.NoError(t, err)
			assert.Equal(t, first, again)
		}
		n, ok := jsonInt(first)
		require.True(t, ok)
		assert.GreaterOrEqual(t, n, int64(1))
		assert.Less(t, n, int64(999))
	})
	t.Run("unseeded uses the injected source", func(t *testing.T) {
		var gotLo, gotHi int64
		env := &Env{RandomInt: func(lo, hi int64) int64 { gotLo, gotHi = lo, hi; return hi - 1 }}
		got, err := EvalIntrinsic(`States.MathRandom($.start, $.end)`, mustJSON(t, `{"start": 1, "end": 999}`), nil, env)
		require.NoError(t, err)
		assert.Equal(t, "998", asJSON(t, got))
		assert.Equal(t, []int64{1, 999}, []int64{gotLo, gotHi})
	})
	t.Run("default source stays in range", func(t *testing.T) {
		for range 50 {
			got, err := EvalIntrinsic(`States.MathRandom(-3, 3)`, nil, nil, nil)
			require.NoError(t, err)
			n, _ := jsonInt(got)
			assert.True(t, n >= -3 && n < 3, "got %d", n)
		}
	})
}

func TestEvalIntrinsicDoesNotChangeInput(t *testing.T) {
	const text = `{"arr": [3, 1, 3], "obj": {"a": 1}, "b": {"a": 2}}`
	input := mustJSON(t, text)
	for _, expr := range []string{
		`States.ArrayUnique($.arr)`,
		`States.ArrayPartition($.arr, 2)`,
		`States.JsonMerge($.obj, $.b, false)`,
		`States.Array($.arr, $.obj)`,
	} {
		_, err := EvalIntrinsic(expr, input, nil, nil)
		require.NoError(t, err, expr)
	}
	assert.JSONEq(t, text, asJSON(t, input))
}

func TestIntrinsicNestingLimit(t *testing.T) {
	expr := "States.Array(1)"
	for range 9 {
		expr = "States.Array(" + expr + ")"
	}
	_, err := EvalIntrinsic(expr, nil, nil, nil) // ten calls deep
	require.NoError(t, err)
	_, err = EvalIntrinsic("States.Array("+expr+")", nil, nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nested")
}

func FuzzEvalIntrinsic(f *testing.F) {
	seeds := []string{
		`States.Format('Hello, {}', $.name)`,
		`States.Format('\{\} {} \'x\' \\', $.n)`,
		`States.StringToJson($.json)`,
		`States.JsonToString($.obj)`,
		`States.Array('Foo', 2020, $.obj, null, true, -1.5e3)`,
		`States.ArrayPartition($.arr, 2)`,
		`States.ArrayContains($.arr, $.n)`,
		`States.ArrayRange(1, 9, 2)`,
		`States.ArrayGetItem($.arr, 1)`,
		`States.ArrayLength($.arr)`,
		`States.ArrayUnique($.arr)`,
		`States.Base64Encode($.name)`,
		`States.Base64Decode('aGVsbG8=')`,
		`States.Hash($.name, 'SHA-256')`,
		`States.JsonMerge($.obj, $.obj, false)`,
		`States.MathRandom(1, 10, 3)`,
		`States.MathAdd($.n, -1)`,
		`States.StringSplit('a,b', ',')`,
		`States.UUID()`,
		`States.Array($.arr[?(@ > 1)], $['obj'], $$.Execution.Name, $..a)`,
		`States.Format('{}.{}', States.ArrayGetItem(States.StringSplit('1.2', '.'), 0), States.ArrayGetItem(States.StringSplit('1.2', '.'), 1))`,
		`States.Format('x`,
		`States.Array(((`,
	}
	// Every intrinsic in the specification cases seeds the corpus too.
	var specCases []struct{ Template map[string]any }
	data, err := os.ReadFile(filepath.Join("testdata", "spec", "intrinsics.json"))
	require.NoError(f, err)
	require.NoError(f, json.Unmarshal(data, &specCases))
	for _, c := range specCases {
		for _, v := range c.Template {
			if expr, ok := v.(string); ok {
				seeds = append(seeds, expr)
			}
		}
	}
	for _, s := range seeds {
		f.Add(s)
	}
	input := mustJSON(f, `{"name": "Ada", "n": 2, "arr": [1, 2, 3], "obj": {"a": 1}, "json": "{\"a\": [1]}"}`)
	ctx := mustJSON(f, `{"Execution": {"Name": "e"}}`)
	env := &Env{NewUUID: func() string { return "u" }, RandomInt: func(lo, _ int64) int64 { return lo }}
	f.Fuzz(func(t *testing.T, expr string) {
		v, err := EvalIntrinsic(expr, input, ctx, env)
		if err != nil {
			assert.Equal(t, ErrIntrinsicFailure, statesErrorName(err))
			return
		}
		_, err = Encode(v)
		assert.NoError(t, err)
	})
}
