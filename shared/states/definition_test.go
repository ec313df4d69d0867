package states

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRejectsBadDefinitions(t *testing.T) {
	tests := []struct {
		name string
		def  string
		want string // part of the error
	}{
		{"unknown Next", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`, `state "A": Next "B" names no state`},
		{"missing Next and End", `{"StartAt":"A","States":{"A":{"Type":"Pass"},"B":{"Type":"Succeed"}}}`, `state "A": needs Next or End: true`},
		{"both Next and End", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B","End":true},"B":{"Type":"Succeed"}}}`, `state "A": has both Next and End`},
		{"unreachable state", `{"StartAt":"A","States":{"A":{"Type":"Succeed"},"B":{"Type":"Succeed"}}}`, `state "B": unreachable from StartAt "A"`},
		{"no terminal state", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}}`, `no terminal state`},
		{"StartAt names no state", `{"StartAt":"X","States":{"A":{"Type":"Succeed"}}}`, `StartAt "X" names no state`},
		{"bad field type", `{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":"ten","End":true}}}`, `state "A": field Seconds: expected int`},
		{"unknown field", `{"StartAt":"A","States":{"A":{"Type":"Pass","Nxt":"B","End":true}}}`, `state "A": json: unknown field "Nxt"`},
		{"field of another type", `{"StartAt":"A","States":{"A":{"Type":"Pass","Resource":"x","End":true}}}`, `state "A": field Resource is not allowed in a Pass state`},
		{"unknown type", `{"StartAt":"A","States":{"A":{"Type":"Sleep","End":true}}}`, `state "A": unknown Type "Sleep"`},
		{"Choice Default unknown", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"D"}],"Default":"Nowhere"},"D":{"Type":"Succeed"}}}`, `state "C": Default "Nowhere" names no state`},
		{"Choice rule Next unknown", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"Nowhere"}],"Default":"D"},"D":{"Type":"Succeed"}}}`, `state "C": Choices[0].Next "Nowhere" names no state`},
		{"Catch Next unknown", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Nowhere"}],"End":true}}}`, `state "T": Catch[0].Next "Nowhere" names no state`},
		{"States.ALL not alone", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["States.ALL","X"]}],"End":true}}}`, `States.ALL must appear alone`},
		{"States.ALL not last", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["X"]}],"End":true}}}`, `States.ALL must be in the last entry`},
		{"negative MaxAttempts", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["X"],"MaxAttempts":-1}],"End":true}}}`, `Retry[0].MaxAttempts must not be negative`},
		{"bad jitter", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["X"],"JitterStrategy":"SOME"}],"End":true}}}`, `JitterStrategy must be FULL or NONE`},
		{"unsupported resource", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","End":true}}}`, `state "T": Resource "arn:aws:states:::sqs:sendMessage" is not supported`},
		{"heartbeat not below timeout", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":10,"HeartbeatSeconds":10,"End":true}}}`, `HeartbeatSeconds must be smaller than TimeoutSeconds`},
		{"Wait with two forms", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true}}}`, `state "W": needs exactly one of`},
		{"Wait with a bad timestamp", `{"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"tomorrow","End":true}}}`, `Timestamp "tomorrow" is not an RFC 3339 time`},
		{"Fail with Error and ErrorPath", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"X","ErrorPath":"$.e"}}}`, `has both Error and ErrorPath`},
		{"Parallel branch is checked", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Missing"}}}]}}}`, `state "A" (in state "P" branch 0): Next "Missing" names no state`},
		{"Map processor is checked", `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass"}}}}}}`, `state "A" (in state "M" item processor): needs Next or End: true`},
		{"older Iterator is checked", `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"Iterator":{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"B":{"Type":"Succeed"}}}}}}`, `state "B" (in state "M" item processor): unreachable`},
		{"Map without processor", `{"StartAt":"M","States":{"M":{"Type":"Map","End":true}}}`, `state "M": ItemProcessor is missing`},
		{"distributed Map", `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemReader":{},"ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}}}}`, `distributed Map`},
		{"bad ResultPath", `{"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":"$.a[*]","End":true}}}`, `state "A": ResultPath`},
		{"bad Parameters path", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"not a path"},"End":true}}}`, `state "A": Parameters:`},
		{"bad SecondsPath", `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.a[*]","End":true}}}`, `state "W": SecondsPath:`},
		{"not JSON", `{"StartAt":`, `definition:`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.def), nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestSubstitutions(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"${Fn}","Parameters":{"FunctionName":"${Name}"},"End":true}}}`
	d, err := Parse([]byte(def), map[string]string{"Fn": "arn:aws:lambda:us-east-1:123456789012:function:Send", "Name": `quote"d`})
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:lambda:us-east-1:123456789012:function:Send", d.States["T"].Resource)
	assert.Equal(t, map[string]any{"FunctionName": `quote"d`}, d.States["T"].Parameters)

	_, err = Parse([]byte(def), map[string]string{"Fn": "x"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "definition substitutions missing for [Name]")
}

func TestParseAcceptsTheExample(t *testing.T) {
	d, err := Parse(rtReadFile(t, "testdata/desk-flow.asl.json"), map[string]string{
		"VerifyFunction": "verify", "EraseFunction": "erase", "AnswerFunction": "answer",
	})
	require.NoError(t, err)
	assert.Equal(t, "RouteByKind", d.StartAt)
	assert.Len(t, d.States, 6)
}
