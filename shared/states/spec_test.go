package states

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Conformance cases written from the examples of the Amazon States Language
// specification (https://states-language.net/spec.html). Where the
// specification's printed example is wrong, the case says so in "note".

func readSpecFile(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "spec", name))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, v), name)
}

// jsonValue decodes raw JSON into the runtime's value form; absent → nil.
func jsonValue(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	if raw == nil {
		return nil
	}
	v, err := Decode(raw)
	require.NoError(t, err)
	return v
}

func assertJSON(t *testing.T, want json.RawMessage, got any) {
	t.Helper()
	b, err := Encode(got)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(b))
}

func statesErrorName(err error) string {
	var se *Error
	if errors.As(err, &se) {
		return se.Name
	}
	return ""
}

// ioCase runs a state's input and output processing around a result, as a
// Task or Pass state does.
type ioCase struct {
	Name           string
	Section        string
	Note           string
	Input          json.RawMessage
	Context        json.RawMessage
	InputPath      OptionalPath
	Parameters     json.RawMessage
	EffectiveInput json.RawMessage
	Result         json.RawMessage // absent: the effective input (as Pass does)
	ResultSelector json.RawMessage
	ResultPath     OptionalPath
	OutputPath     OptionalPath
	Output         json.RawMessage
	Error          string
}

func (c ioCase) run(t *testing.T) (effective, output any, err error) {
	input := jsonValue(t, c.Input)
	ctx := jsonValue(t, c.Context)
	env := &Env{NewUUID: func() string { return "ca4c1140-dcc1-40cd-ad05-7b4aa23df4a8" }}

	effective, err = ApplyInputPath(c.InputPath, input, ctx)
	if err != nil {
		return nil, nil, err
	}
	if c.Parameters != nil {
		if effective, err = ApplyPayloadTemplate(jsonValue(t, c.Parameters), effective, ctx, env); err != nil {
			return nil, nil, err
		}
	}
	result := effective
	if c.Result != nil {
		result = jsonValue(t, c.Result)
	}
	if c.ResultSelector != nil {
		if result, err = ApplyPayloadTemplate(jsonValue(t, c.ResultSelector), result, ctx, env); err != nil {
			return effective, nil, err
		}
	}
	combined, err := ApplyResultPath(c.ResultPath, input, result)
	if err != nil {
		return effective, nil, err
	}
	output, err = ApplyOutputPath(c.OutputPath, combined, ctx)
	return effective, output, err
}

func TestSpecInputOutputProcessing(t *testing.T) {
	var cases []ioCase
	readSpecFile(t, "io.json", &cases)
	require.NotEmpty(t, cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			before := jsonValue(t, c.Input)
			effective, output, err := c.run(t)
			if c.Error != "" {
				require.Error(t, err)
				assert.Equal(t, c.Error, statesErrorName(err), err.Error())
				return
			}
			require.NoError(t, err)
			if c.EffectiveInput != nil {
				assertJSON(t, c.EffectiveInput, effective)
			}
			if c.Output != nil {
				assertJSON(t, c.Output, output)
			}
			// The raw input must come through unchanged.
			assert.Equal(t, before, jsonValue(t, c.Input))
		})
	}
}

func TestSpecReferencePaths(t *testing.T) {
	type pathCase struct {
		Path  string
		Value json.RawMessage
	}
	var file struct {
		Values, Syntax struct {
			Input json.RawMessage
			Cases []pathCase
		}
		NotReference []string
	}
	readSpecFile(t, "refpaths.json", &file)

	for _, group := range []struct {
		name  string
		input json.RawMessage
		cases []pathCase
	}{
		{"values", file.Values.Input, file.Values.Cases},
		{"syntax", file.Syntax.Input, file.Syntax.Cases},
	} {
		input := jsonValue(t, group.input)
		for _, c := range group.cases {
			t.Run(group.name+"/"+c.Path, func(t *testing.T) {
				p := OptionalPath{Present: true, Path: c.Path}
				require.NoError(t, p.ValidateReference())
				if c.Value == nil {
					return
				}
				got, err := QueryPath(c.Path, input, nil)
				require.NoError(t, err)
				assertJSON(t, c.Value, got)
			})
		}
	}
	for _, path := range file.NotReference {
		t.Run("not a reference path/"+path, func(t *testing.T) {
			p := OptionalPath{Present: true, Path: path}
			assert.Error(t, p.ValidateReference())
		})
	}
}

func TestSpecIntrinsicFunctions(t *testing.T) {
	var cases []struct {
		Name     string
		Note     string
		Template json.RawMessage
		Input    json.RawMessage
		Output   json.RawMessage
		Error    string
	}
	readSpecFile(t, "intrinsics.json", &cases)
	require.NotEmpty(t, cases)
	env := &Env{NewUUID: func() string { return "ca4c1140-dcc1-40cd-ad05-7b4aa23df4a8" }}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			got, err := ApplyPayloadTemplate(jsonValue(t, c.Template), jsonValue(t, c.Input), nil, env)
			if c.Error != "" {
				require.Error(t, err)
				assert.Equal(t, c.Error, statesErrorName(err), err.Error())
				return
			}
			require.NoError(t, err)
			assertJSON(t, c.Output, got)
		})
	}
}

// chooseNext picks the Next of the first matching rule, else the default,
// else fails with States.NoChoiceMatched, as a Choice state does.
func chooseNext(rules []ChoiceRule, def string, input any) (string, error) {
	for i := range rules {
		ok, err := rules[i].Eval(input)
		if err != nil {
			return "", err
		}
		if ok {
			return rules[i].Next, nil
		}
	}
	if def == "" {
		return "", Errorf(ErrNoChoiceMatched, "no choice rule matched and there is no Default")
	}
	return def, nil
}

func TestSpecChoiceRules(t *testing.T) {
	var file struct {
		States []struct {
			Name    string
			Section string
			Choices []ChoiceRule
			Default string
			Cases   []struct {
				Input json.RawMessage
				Next  string
				Error string
			}
		}
	}
	readSpecFile(t, "choice.json", &file)
	require.NotEmpty(t, file.States)
	for _, st := range file.States {
		for _, c := range st.Cases {
			t.Run(st.Name+"/"+string(c.Input), func(t *testing.T) {
				next, err := chooseNext(st.Choices, st.Default, jsonValue(t, c.Input))
				if c.Error != "" {
					require.Error(t, err)
					assert.Equal(t, c.Error, statesErrorName(err), err.Error())
					return
				}
				require.NoError(t, err)
				assert.Equal(t, c.Next, next)
			})
		}
	}
}
