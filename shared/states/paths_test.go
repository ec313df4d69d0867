package states

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustJSON(t testing.TB, s string) any {
	t.Helper()
	v, err := Decode([]byte(s))
	require.NoError(t, err)
	return v
}

func asJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := Encode(v)
	require.NoError(t, err)
	return string(b)
}

func TestOptionalPathUnmarshal(t *testing.T) {
	type state struct {
		InputPath  OptionalPath
		ResultPath OptionalPath
	}
	tests := []struct {
		name    string
		json    string
		want    OptionalPath
		wantErr string
	}{
		{name: "absent", json: `{}`, want: OptionalPath{}},
		{name: "null", json: `{"InputPath": null}`, want: OptionalPath{Present: true, Null: true}},
		{name: "path", json: `{"InputPath": "$.a.b"}`, want: OptionalPath{Present: true, Path: "$.a.b"}},
		{name: "context path", json: `{"InputPath": "$$.Execution.Input"}`, want: OptionalPath{Present: true, Path: "$$.Execution.Input"}},
		{name: "number", json: `{"InputPath": 3}`, wantErr: "string or null"},
		{name: "object", json: `{"InputPath": {}}`, wantErr: "string or null"},
		{name: "not a path", json: `{"InputPath": "a.b"}`, wantErr: "starts with $"},
		{name: "bad syntax", json: `{"InputPath": "$.a[?"}`, wantErr: "invalid path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s state
			err := json.Unmarshal([]byte(tt.json), &s)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, s.InputPath)
			assert.Equal(t, OptionalPath{}, s.ResultPath)
		})
	}
}

func TestOptionalPathMarshalRoundTrip(t *testing.T) {
	for _, p := range []OptionalPath{{}, {Present: true, Null: true}, {Present: true, Path: "$.x"}} {
		b, err := json.Marshal(p)
		require.NoError(t, err)
		var back OptionalPath
		require.NoError(t, json.Unmarshal(b, &back))
		if !p.Present {
			assert.Equal(t, OptionalPath{Present: true, Path: "$"}, back) // absent means "$"
			continue
		}
		assert.Equal(t, p, back)
	}
}

func TestValidateReferencePath(t *testing.T) {
	for _, ok := range []string{"$", "$.a", "$.a[0].b", "$['a b']", "$$.Execution.Input.items", "$.delivery-partner"} {
		assert.NoError(t, ValidateReferencePath(ok), ok)
	}
	for _, bad := range []string{"a", "$.a[*]", "$..a", "$.a[0:1]", "$.a[?@.x]", "$.a['b','c']", "$$.a[*]"} {
		assert.Error(t, ValidateReferencePath(bad), bad)
	}
	// Only the input can be written.
	assert.Error(t, OptionalPath{Present: true, Path: "$$.Execution.Input"}.ValidateReference())
	assert.NoError(t, OptionalPath{Present: true, Null: true}.ValidateReference())
	assert.NoError(t, OptionalPath{}.ValidateReference())
}

func TestQueryPath(t *testing.T) {
	input := mustJSON(t, `{"a": {"b": [1, 2, 3], "c": null}, "items": [{"n": 1, "ok": true}, {"n": 5, "ok": false}, {"n": 10, "ok": true}], "big": 12345678901234567890, "delivery-partner": "UQS"}`)
	ctx := mustJSON(t, `{"Execution": {"Id": "arn:exec", "Input": {"x": 1}}, "Map": {"Item": {"Index": 2}}}`)
	tests := []struct {
		path    string
		want    string
		wantErr string
	}{
		{path: "$", want: asJSON(t, input)},
		{path: "$.a.b", want: `[1,2,3]`},
		{path: "$.a.b[1]", want: `2`},
		{path: "$.a.b[-1]", want: `3`},
		{path: "$.a.c", want: `null`},
		{path: "$['a']['b'][0]", want: `1`},
		{path: "$.delivery-partner", want: `"UQS"`},
		{path: "$.big", want: `12345678901234567890`}, // numbers keep their text
		{path: "$.items[*].n", want: `[1,5,10]`},
		{path: "$.items[?(@.n > 2)].n", want: `[5,10]`},
		{path: "$.items[?@.ok == true].n", want: `[1,10]`},
		{path: "$..n", want: `[1,5,10]`},
		{path: "$.a.b[0:2]", want: `[1,2]`},
		{path: "$.items[?(@.n > 100)]", want: `[]`}, // an indefinite path may match nothing
		{path: "$$.Execution.Id", want: `"arn:exec"`},
		{path: "$$.Map.Item.Index", want: `2`},
		{path: "$$", want: asJSON(t, ctx)},
		{path: "$.missing", wantErr: "States.Runtime: the JSONPath $.missing could not be found in the input"},
		{path: "$.a.b[7]", wantErr: "could not be found"},
		{path: "$$.Nope", wantErr: "could not be found in the context object"},
		{path: "a", wantErr: "States.Runtime"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := QueryPath(tt.path, input, ctx)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, asJSON(t, got))
		})
	}
}

func TestApplyResultPath(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		path    OptionalPath
		result  string
		want    string
		wantErr string
	}{
		{name: "absent replaces", input: `{"a":1}`, path: OptionalPath{}, result: `{"r":1}`, want: `{"r":1}`},
		{name: "dollar replaces", input: `{"a":1}`, path: OptionalPath{Present: true, Path: "$"}, result: `2`, want: `2`},
		{name: "null keeps input", input: `{"a":1}`, path: OptionalPath{Present: true, Null: true}, result: `2`, want: `{"a":1}`},
		{name: "new field", input: `{"a":1}`, path: OptionalPath{Present: true, Path: "$.b"}, result: `2`, want: `{"a":1,"b":2}`},
		{name: "deep new field", input: `{"a":1}`, path: OptionalPath{Present: true, Path: "$.x.y.z"}, result: `true`, want: `{"a":1,"x":{"y":{"z":true}}}`},
		{name: "array element", input: `{"a":[1,2,3]}`, path: OptionalPath{Present: true, Path: "$.a[1]"}, result: `"two"`, want: `{"a":[1,"two",3]}`},
		{name: "bracketed name", input: `{}`, path: OptionalPath{Present: true, Path: "$['task result']"}, result: `1`, want: `{"task result":1}`},
		{name: "dashed name", input: `{}`, path: OptionalPath{Present: true, Path: "$.error-info"}, result: `{"Error":"E"}`, want: `{"error-info":{"Error":"E"}}`},
		{name: "into a string", input: `"foo"`, path: OptionalPath{Present: true, Path: "$.x"}, result: `1`, wantErr: ErrResultPathMatchFailure},
		{name: "through an array", input: `{"master":{"detail":[1,2,3]}}`, path: OptionalPath{Present: true, Path: "$.master.detail.a"}, result: `1`, wantErr: ErrResultPathMatchFailure},
		{name: "index out of range", input: `{"a":[1]}`, path: OptionalPath{Present: true, Path: "$.a[3]"}, result: `1`, wantErr: ErrResultPathMatchFailure},
		{name: "wildcard is not a reference path", input: `{"a":[1]}`, path: OptionalPath{Present: true, Path: "$.a[*]"}, result: `1`, wantErr: ErrResultPathMatchFailure},
		{name: "context object cannot be written", input: `{}`, path: OptionalPath{Present: true, Path: "$$.x"}, result: `1`, wantErr: ErrResultPathMatchFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := mustJSON(t, tt.input)
			got, err := ApplyResultPath(tt.path, input, mustJSON(t, tt.result))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, statesErrorName(err), err.Error())
				return
			}
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, asJSON(t, got))
			assert.JSONEq(t, tt.input, asJSON(t, input), "the input must not change")
		})
	}
}

func TestApplyInputAndOutputPath(t *testing.T) {
	input := mustJSON(t, `{"a":{"b":1},"c":[1,2]}`)
	tests := []struct {
		name string
		path OptionalPath
		want string
	}{
		{name: "absent", path: OptionalPath{}, want: `{"a":{"b":1},"c":[1,2]}`},
		{name: "null", path: OptionalPath{Present: true, Null: true}, want: `{}`},
		{name: "path", path: OptionalPath{Present: true, Path: "$.a"}, want: `{"b":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ApplyInputPath(tt.path, input, nil)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, asJSON(t, got))
			got, err = ApplyOutputPath(tt.path, input, nil)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, asJSON(t, got))
		})
	}
	_, err := ApplyInputPath(OptionalPath{Present: true, Path: "$.nope"}, input, nil)
	require.Error(t, err)
	assert.Equal(t, ErrRuntime, statesErrorName(err))
	assert.Contains(t, err.Error(), "InputPath")
}

func TestApplyPayloadTemplate(t *testing.T) {
	input := mustJSON(t, `{"requestId":"r-1","kinds":["access","deletion"],"n":3}`)
	ctx := mustJSON(t, `{"Execution":{"Name":"exec-1"},"Task":{"Token":"tok"}}`)
	env := &Env{NewUUID: func() string { return "00000000-0000-4000-8000-000000000000" }}
	tests := []struct {
		name    string
		tmpl    string
		want    string
		wantErr string
	}{
		{name: "static", tmpl: `{"a":1,"b":[true,null],"c":{"d":"e"}}`, want: `{"a":1,"b":[true,null],"c":{"d":"e"}}`},
		{name: "paths and context", tmpl: `{"id.$":"$.requestId","token.$":"$$.Task.Token","all.$":"$"}`, want: `{"id":"r-1","token":"tok","all":{"requestId":"r-1","kinds":["access","deletion"],"n":3}}`},
		{name: "nested objects and arrays", tmpl: `{"Payload":{"id.$":"$.requestId","list":[{"k.$":"$.kinds[0]"},"plain"]}}`, want: `{"Payload":{"id":"r-1","list":[{"k":"access"},"plain"]}}`},
		{name: "intrinsic", tmpl: `{"count.$":"States.ArrayLength($.kinds)","uuid.$":"States.UUID()"}`, want: `{"count":2,"uuid":"00000000-0000-4000-8000-000000000000"}`},
		{name: "plain key ending in $ sign only", tmpl: `{"price$":"$.n"}`, want: `{"price$":"$.n"}`},
		{name: "path matches nothing", tmpl: `{"x.$":"$.missing"}`, wantErr: ErrRuntime},
		{name: "value not a string", tmpl: `{"x.$":1}`, wantErr: ErrRuntime},
		{name: "value neither path nor intrinsic", tmpl: `{"x.$":"hello"}`, wantErr: ErrRuntime},
		{name: "intrinsic failure", tmpl: `{"x.$":"States.ArrayLength($.n)"}`, wantErr: ErrIntrinsicFailure},
		{name: "two fields give one name", tmpl: `{"x":1,"x.$":"$.n"}`, wantErr: ErrRuntime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := mustJSON(t, tt.tmpl)
			got, err := ApplyPayloadTemplate(tmpl, input, ctx, env)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, statesErrorName(err), err.Error())
				return
			}
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, asJSON(t, got))
			assert.JSONEq(t, tt.tmpl, asJSON(t, tmpl), "the template must not change")
		})
	}
}

func TestValidatePayloadTemplate(t *testing.T) {
	tests := []struct {
		tmpl    string
		wantErr string
	}{
		{tmpl: `{"a":1,"b.$":"$.x","c":{"d.$":"$$.Execution.Id"},"e":[{"f.$":"States.Format('{}', $.y)"}]}`},
		{tmpl: `{"a.$":"$.x[?"}`, wantErr: `field "a.$": invalid path`},
		{tmpl: `{"a.$":"States.Nope()"}`, wantErr: "unknown intrinsic function"},
		{tmpl: `{"a.$":"States.Format('x'"}`, wantErr: "missing )"},
		{tmpl: `{"a.$":"hello"}`, wantErr: `unknown intrinsic function "hello"`},
		{tmpl: `{"a.$":7}`, wantErr: "must be a path or an intrinsic function, got a number"},
		{tmpl: `{"n":{"a":1,"a.$":"$.x"}}`, wantErr: `n: fields "a" and "a.$" both give "a"`},
		{tmpl: `{"l":[1,{"a.$":"$.x["}]}`, wantErr: `l: [1]: field "a.$"`},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			err := ValidatePayloadTemplate(mustJSON(t, tt.tmpl))
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestApplyPayloadTemplateNamesTheField(t *testing.T) {
	_, err := ApplyPayloadTemplate(mustJSON(t, `{"Payload":{"requestId.$":"$.request"}}`), mustJSON(t, `{}`), nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"requestId.$"`)
	assert.Contains(t, err.Error(), "$.request")
}

func TestDefaultUUIDIsVersion4(t *testing.T) {
	got, err := EvalIntrinsic("States.UUID()", nil, nil, nil)
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, got)
	other, err := EvalIntrinsic("States.UUID()", nil, nil, &Env{})
	require.NoError(t, err)
	assert.NotEqual(t, got, other)
}

// A typical Task template: ten keys, paths into the input and the context
// object, one intrinsic and a nested object.
func BenchmarkApplyPayloadTemplate(b *testing.B) {
	tmpl := mustJSON(b, `{
		"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:send-mail",
		"requestId.$": "$.requestId",
		"kind.$": "$.kind",
		"receivedAt.$": "$.receivedAt",
		"dueAt.$": "$.clock.dueAt",
		"systems.$": "$.systems",
		"taskToken.$": "$$.Task.Token",
		"execution.$": "$$.Execution.Id",
		"subject.$": "States.Format('Your request {} was received', $.requestId)",
		"options": {"expedited.$": "$.expedited", "template": "ack"}
	}`)
	input := mustJSON(b, `{"requestId":"r-123","kind":"deletion","receivedAt":"2026-11-28T12:00:00Z","clock":{"dueAt":"2027-01-12T12:00:00Z"},"systems":["accounts","billing","support"],"expedited":true}`)
	ctx := mustJSON(b, `{"Execution":{"Id":"arn:aws:states:us-east-1:123456789012:execution:desk:r-123"},"Task":{"Token":"token-1"}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ApplyPayloadTemplate(tmpl, input, ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzQueryPath(f *testing.F) {
	for _, p := range []string{
		"$", "$.a.b", "$.a[0]", "$['a b'][1]", "$.a[*].c", "$..c", "$.a[?(@.n > 1)]", "$.a[1:3]",
		"$$.Map.Item.Value", "$.delivery-partner", `$.store\.book`, `$.foo\@bar.baz\[\[.\?pretty`, "$.", "$[", "$.a[",
	} {
		f.Add(p)
	}
	input := mustJSON(f, `{"a": [{"c": 1, "n": 2}, {"c": [3], "n": 0}], "a b": [0, 1], "delivery-partner": "x"}`)
	f.Fuzz(func(t *testing.T, path string) {
		if _, err := QueryPath(path, input, input); err != nil {
			assert.Equal(t, ErrRuntime, statesErrorName(err))
		}
		p := OptionalPath{Present: true, Path: path}
		if p.ValidateReference() == nil {
			_, err := ApplyResultPath(p, input, "r")
			if err != nil {
				assert.Equal(t, ErrResultPathMatchFailure, statesErrorName(err))
			}
		}
	})
}

func ExampleApplyResultPath() {
	input, _ := Decode([]byte(`{"master":{"detail":[1,2,3]}}`))
	out, _ := ApplyResultPath(OptionalPath{Present: true, Path: "$.master.result.sum"}, input, json.Number("6"))
	b, _ := Encode(out)
	fmt.Println(string(b))
	// Output: {"master":{"detail":[1,2,3],"result":{"sum":6}}}
}
