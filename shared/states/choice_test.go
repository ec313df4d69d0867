package states

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseRule(t *testing.T, text string) *ChoiceRule {
	t.Helper()
	var r ChoiceRule
	require.NoError(t, json.Unmarshal([]byte(text), &r), text)
	return &r
}

// choiceInput holds one value of each type plus a twin for the ...Path forms.
const choiceInput = `{
	"s": "b", "sA": "a", "sB": "b", "sC": "c",
	"n": 10, "n9": 9, "n10": 10.0, "n11": 11,
	"t": true, "f": false,
	"ts": "2026-11-28T12:00:00Z", "tsEarly": "2026-11-28T11:59:59.5Z", "tsSame": "2026-11-28T13:00:00+01:00", "tsLate": "2026-11-29T00:00:00Z",
	"null": null, "obj": {}, "arr": [1]
}`

func TestChoiceComparisons(t *testing.T) {
	input := mustJSON(t, choiceInput)
	type check struct {
		operand any  // literal operand, or a "$.x" path for ...Path
		want    bool // result for the variable
	}
	tests := []struct {
		op       string
		variable string
		checks   []check
	}{
		{"StringEquals", "$.s", []check{{"b", true}, {"a", false}, {"B", false}}},
		{"StringLessThan", "$.s", []check{{"c", true}, {"b", false}, {"a", false}}},
		{"StringGreaterThan", "$.s", []check{{"a", true}, {"b", false}, {"c", false}}},
		{"StringLessThanEquals", "$.s", []check{{"b", true}, {"c", true}, {"a", false}}},
		{"StringGreaterThanEquals", "$.s", []check{{"b", true}, {"a", true}, {"c", false}}},
		{"StringEqualsPath", "$.s", []check{{"$.sB", true}, {"$.sA", false}, {"$.n", false}}},
		{"StringLessThanPath", "$.s", []check{{"$.sC", true}, {"$.sB", false}}},
		{"StringGreaterThanPath", "$.s", []check{{"$.sA", true}, {"$.sC", false}}},
		{"StringLessThanEqualsPath", "$.s", []check{{"$.sB", true}, {"$.sA", false}}},
		{"StringGreaterThanEqualsPath", "$.s", []check{{"$.sB", true}, {"$.sC", false}}},
		{"StringEquals", "$.n", []check{{"10", false}}}, // a number is not a string

		{"NumericEquals", "$.n", []check{{10, true}, {10.0, true}, {9, false}}},
		{"NumericLessThan", "$.n", []check{{11, true}, {10, false}}},
		{"NumericGreaterThan", "$.n", []check{{9.5, true}, {10, false}}},
		{"NumericLessThanEquals", "$.n", []check{{10, true}, {9, false}}},
		{"NumericGreaterThanEquals", "$.n", []check{{10, true}, {11, false}}},
		{"NumericEqualsPath", "$.n", []check{{"$.n10", true}, {"$.n9", false}, {"$.s", false}}},
		{"NumericLessThanPath", "$.n", []check{{"$.n11", true}, {"$.n9", false}}},
		{"NumericGreaterThanPath", "$.n", []check{{"$.n9", true}, {"$.n11", false}}},
		{"NumericLessThanEqualsPath", "$.n", []check{{"$.n10", true}, {"$.n9", false}}},
		{"NumericGreaterThanEqualsPath", "$.n", []check{{"$.n10", true}, {"$.n11", false}}},
		{"NumericEquals", "$.s", []check{{10, false}}}, // a string is not a number
		{"NumericLessThan", "$.null", []check{{10, false}}},

		{"BooleanEquals", "$.t", []check{{true, true}, {false, false}}},
		{"BooleanEquals", "$.f", []check{{false, true}}},
		{"BooleanEqualsPath", "$.t", []check{{"$.t", true}, {"$.f", false}, {"$.s", false}}},
		{"BooleanEquals", "$.s", []check{{true, false}, {false, false}}},

		{"TimestampEquals", "$.ts", []check{{"2026-11-28T12:00:00Z", true}, {"2026-11-28T13:00:00+01:00", true}, {"2026-11-28T12:00:01Z", false}}},
		{"TimestampLessThan", "$.ts", []check{{"2026-11-28T12:00:00.001Z", true}, {"2026-11-28T12:00:00Z", false}}},
		{"TimestampGreaterThan", "$.ts", []check{{"2026-11-28T11:59:59Z", true}, {"2026-11-28T12:00:00Z", false}}},
		{"TimestampLessThanEquals", "$.ts", []check{{"2026-11-28T12:00:00Z", true}, {"2026-11-28T11:00:00Z", false}}},
		{"TimestampGreaterThanEquals", "$.ts", []check{{"2026-11-28T12:00:00Z", true}, {"2026-11-28T13:00:00Z", false}}},
		{"TimestampEqualsPath", "$.ts", []check{{"$.tsSame", true}, {"$.tsLate", false}, {"$.s", false}}},
		{"TimestampLessThanPath", "$.ts", []check{{"$.tsLate", true}, {"$.tsEarly", false}}},
		{"TimestampGreaterThanPath", "$.ts", []check{{"$.tsEarly", true}, {"$.tsLate", false}}},
		{"TimestampLessThanEqualsPath", "$.ts", []check{{"$.tsSame", true}, {"$.tsEarly", false}}},
		{"TimestampGreaterThanEqualsPath", "$.ts", []check{{"$.tsSame", true}, {"$.tsLate", false}}},
		{"TimestampEquals", "$.s", []check{{"2026-11-28T12:00:00Z", false}}},
		{"StringEquals", "$.ts", []check{{"2026-11-28T12:00:00Z", true}}}, // a timestamp is also a string

		{"StringMatches", "$.s", []check{{"*", true}, {"b", true}, {"b*", true}, {"*b", true}, {"a*", false}, {"", false}}},
	}
	for _, tt := range tests {
		for _, c := range tt.checks {
			operand, err := json.Marshal(c.operand)
			require.NoError(t, err)
			text := fmt.Sprintf(`{"Variable": %q, %q: %s, "Next": "X"}`, tt.variable, tt.op, operand)
			t.Run(text, func(t *testing.T) {
				r := parseRule(t, text)
				assert.Equal(t, "X", r.Next)
				got, err := r.Eval(input)
				require.NoError(t, err)
				assert.Equal(t, c.want, got)
			})
		}
	}
}

func TestChoiceTypeTests(t *testing.T) {
	input := mustJSON(t, choiceInput)
	variables := []string{"$.s", "$.n", "$.n10", "$.t", "$.f", "$.ts", "$.tsEarly", "$.tsSame", "$.null", "$.obj", "$.arr"}
	tests := []struct {
		op   string
		true []string // variables for which the test holds
	}{
		{"IsPresent", variables},
		{"IsNull", []string{"$.null"}},
		{"IsString", []string{"$.s", "$.ts", "$.tsEarly", "$.tsSame"}},
		{"IsNumeric", []string{"$.n", "$.n10"}},
		{"IsBoolean", []string{"$.t", "$.f"}},
		{"IsTimestamp", []string{"$.ts", "$.tsEarly", "$.tsSame"}},
	}
	for _, tt := range tests {
		for _, v := range variables {
			want := false
			for _, w := range tt.true {
				want = want || w == v
			}
			for _, expect := range []bool{true, false} {
				text := fmt.Sprintf(`{"Variable": %q, %q: %t}`, v, tt.op, expect)
				t.Run(text, func(t *testing.T) {
					got, err := parseRule(t, text).Eval(input)
					require.NoError(t, err)
					assert.Equal(t, want == expect, got)
				})
			}
		}
	}
	t.Run("IsPresent on a missing field", func(t *testing.T) {
		got, err := parseRule(t, `{"Variable": "$.missing", "IsPresent": false}`).Eval(input)
		require.NoError(t, err)
		assert.True(t, got)
		got, err = parseRule(t, `{"Variable": "$.missing", "IsPresent": true}`).Eval(input)
		require.NoError(t, err)
		assert.False(t, got)
	})
	t.Run("IsTimestamp refuses near misses", func(t *testing.T) {
		for _, s := range []string{"2026-11-28 12:00:00Z", "2026-11-28T12:00:00", "2026-11-28", "2026-11-28t12:00:00Z", "yesterday"} {
			got, err := parseRule(t, `{"Variable": "$.v", "IsTimestamp": true}`).Eval(map[string]any{"v": s})
			require.NoError(t, err)
			assert.False(t, got, s)
		}
	})
}

func TestChoiceBooleanExpressions(t *testing.T) {
	input := mustJSON(t, `{"a": 1, "b": "x"}`)
	tests := []struct {
		rule string
		want bool
	}{
		{`{"And": [{"Variable": "$.a", "NumericEquals": 1}, {"Variable": "$.b", "StringEquals": "x"}]}`, true},
		{`{"And": [{"Variable": "$.a", "NumericEquals": 1}, {"Variable": "$.b", "StringEquals": "y"}]}`, false},
		{`{"Or": [{"Variable": "$.a", "NumericEquals": 2}, {"Variable": "$.b", "StringEquals": "x"}]}`, true},
		{`{"Or": [{"Variable": "$.a", "NumericEquals": 2}, {"Variable": "$.b", "StringEquals": "y"}]}`, false},
		{`{"Not": {"Variable": "$.a", "NumericEquals": 2}}`, true},
		{`{"Not": {"Not": {"Variable": "$.a", "NumericEquals": 2}}}`, false},
		{`{"And": [{"Or": [{"Variable": "$.a", "IsString": true}, {"Variable": "$.a", "IsNumeric": true}]}, {"Not": {"Variable": "$.b", "IsNull": true}}]}`, true},
		// Evaluation stops once the outcome is known, so the missing
		// field in the second rule is never read.
		{`{"And": [{"Variable": "$.a", "NumericEquals": 2}, {"Variable": "$.missing", "NumericEquals": 1}]}`, false},
		{`{"Or": [{"Variable": "$.a", "NumericEquals": 1}, {"Variable": "$.missing", "NumericEquals": 1}]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			got, err := parseRule(t, tt.rule).Eval(input)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestChoiceContextObject(t *testing.T) {
	r := parseRule(t, `{"And": [{"Variable": "$$.Execution.Name", "StringMatches": "req-*"}, {"Variable": "$.retries", "NumericLessThanPath": "$$.State.RetryCount"}]}`)
	got, err := r.EvalContext(mustJSON(t, `{"retries": 1}`), mustJSON(t, `{"Execution": {"Name": "req-7"}, "State": {"RetryCount": 2}}`))
	require.NoError(t, err)
	assert.True(t, got)
	_, err = r.Eval(mustJSON(t, `{"retries": 1}`))
	require.Error(t, err, "without a context object $$ paths match nothing")
}

func TestChoiceRuntimeErrors(t *testing.T) {
	input := mustJSON(t, `{"a": 1}`)
	for _, rule := range []string{
		`{"Variable": "$.missing", "NumericEquals": 1}`,
		`{"Variable": "$.missing", "IsNull": true}`,
		`{"Variable": "$.a", "NumericEqualsPath": "$.missing"}`,
		`{"Not": {"Variable": "$.missing", "StringEquals": "x"}}`,
		`{"And": [{"Variable": "$.a", "NumericEquals": 1}, {"Variable": "$.missing", "NumericEquals": 1}]}`,
	} {
		t.Run(rule, func(t *testing.T) {
			got, err := parseRule(t, rule).Eval(input)
			require.Error(t, err)
			assert.False(t, got)
			assert.Equal(t, ErrRuntime, statesErrorName(err))
			assert.Contains(t, err.Error(), "$.missing")
		})
	}
}

func TestChoiceRuleParseErrors(t *testing.T) {
	tests := []struct {
		rule    string
		wantErr string
	}{
		{`[]`, "must be a JSON object"},
		{`{"Next": "X"}`, "needs a comparison operator"},
		{`{"Variable": "$.a", "StringEqual": "x", "Next": "X"}`, `unknown field "StringEqual"`},
		{`{"StringEquals": "x", "Next": "X"}`, "needs Variable"},
		{`{"Variable": "a", "StringEquals": "x"}`, "starts with $"},
		{`{"Variable": 1, "StringEquals": "x"}`, "Variable must be a path string"},
		{`{"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1}`, "exactly one"},
		{`{"Variable": "$.a", "StringEquals": 1}`, "StringEquals must be a string, got a number"},
		{`{"Variable": "$.a", "NumericEquals": "1"}`, "NumericEquals must be a number"},
		{`{"Variable": "$.a", "BooleanEquals": "true"}`, "BooleanEquals must be true or false"},
		{`{"Variable": "$.a", "TimestampEquals": "2026-11-28"}`, "RFC 3339 timestamp"},
		{`{"Variable": "$.a", "IsNull": "yes"}`, "IsNull must be true or false"},
		{`{"Variable": "$.a", "StringEqualsPath": "b"}`, "starts with $"},
		{`{"Variable": "$.a", "NumericEqualsPath": 3}`, "must be a path string"},
		{`{"Variable": "$.a[*]", "IsNull": true}`, "must name a single node"},
		{`{"Variable": "$.a", "StringEqualsPath": "$..b"}`, "must name a single node"},
		{`{"Variable": "$.a", "StringMatches": "a\\b"}`, "open escape"},
		{`{"Variable": "$.a", "StringMatches": "a\\"}`, "open escape"},
		{`{"Variable": "$.a", "StringEquals": "x", "Next": ""}`, "Next must be a non-empty string"},
		{`{"And": []}`, "non-empty array"},
		{`{"And": {}}`, "non-empty array"},
		{`{"And": [{"Variable": "$.a", "IsNull": true, "Next": "X"}]}`, "must not have Next"},
		{`{"Not": {"Variable": "$.a", "IsNull": true, "Next": "X"}}`, "must not have Next"},
		{`{"Not": [{"Variable": "$.a", "IsNull": true}]}`, "must be a JSON object"},
		{`{"Or": [{"Variable": "$.a", "Bogus": 1}]}`, `Or[0]: unknown field "Bogus"`},
		{`{"And": [{"Variable": "$.a", "IsNull": true}], "Variable": "$.a"}`, "must not have Variable"},
		{`{"And": [{"Variable": "$.a", "IsNull": true}], "Or": [{"Variable": "$.a", "IsNull": true}]}`, "exactly one"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			var r ChoiceRule
			err := json.Unmarshal([]byte(tt.rule), &r)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestStringMatches(t *testing.T) {
	tests := []struct {
		pattern string
		s       string
		want    bool
	}{
		{"foo*.log", "foo23.log", true},
		{"foo*.log", "foo.log", true},
		{"foo*.log", "foo23.txt", false},
		{"*.log", "zebra.log", true},
		{"*.log", ".log", true},
		{"*.log", "log", false},
		{"foo*.*", "foobar.zebra", true},
		{"foo*.*", "foobar", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "acb", false},
		{"a*a", "a", false},
		{"a*a", "aa", true},
		{"**", "", true},
		{"", "", true},
		{"", "x", false},
		{`\*`, "*", true},
		{`\*`, "x", false},
		{`a\*b`, "a*b", true},
		{`a\*b`, "aXb", false},
		{`\\*`, `\anything`, true},
		{`\\`, `\`, true},
		{"über*", "überall", true},
		{"?", "x", false}, // only * is special
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.s, func(t *testing.T) {
			parts, err := compilePattern(tt.pattern)
			require.NoError(t, err)
			assert.Equal(t, tt.want, matchPattern(parts, tt.s))
		})
	}
}
