package states

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Definition is a parsed, validated state machine.
type Definition struct {
	Comment        string
	StartAt        string
	TimeoutSeconds int
	States         map[string]*State
}

// Machine is a set of states with a start state: the top level of a
// definition, a Parallel branch or a Map item processor.
type Machine struct {
	StartAt string            `json:"StartAt"`
	States  map[string]*State `json:"States"`
	Comment string            `json:"Comment,omitempty"`
	// ProcessorConfig is only read on a Map ItemProcessor.
	ProcessorConfig *struct {
		Mode          string `json:"Mode"`
		ExecutionType string `json:"ExecutionType,omitempty"`
	} `json:"ProcessorConfig,omitempty"`
}

// Retrier is one Retry entry.
type Retrier struct {
	ErrorEquals     []string `json:"ErrorEquals"`
	IntervalSeconds *int     `json:"IntervalSeconds"`
	MaxAttempts     *int     `json:"MaxAttempts"`
	BackoffRate     *float64 `json:"BackoffRate"`
	MaxDelaySeconds *int     `json:"MaxDelaySeconds"`
	JitterStrategy  string   `json:"JitterStrategy"`
	Comment         string   `json:"Comment"`
}

// Catcher is one Catch entry.
type Catcher struct {
	ErrorEquals []string     `json:"ErrorEquals"`
	ResultPath  OptionalPath `json:"ResultPath"`
	Next        string       `json:"Next"`
	Comment     string       `json:"Comment"`
}

// State is one state of any type; the fields a type does not use stay zero.
type State struct {
	Name string `json:"-"`

	Type       string       `json:"Type"`
	Comment    string       `json:"Comment"`
	Next       string       `json:"Next"`
	End        bool         `json:"End"`
	InputPath  OptionalPath `json:"InputPath"`
	OutputPath OptionalPath `json:"OutputPath"`
	ResultPath OptionalPath `json:"ResultPath"`

	Parameters     any       `json:"Parameters"`
	ResultSelector any       `json:"ResultSelector"`
	Result         any       `json:"Result"`
	Retry          []Retrier `json:"Retry"`
	Catch          []Catcher `json:"Catch"`

	// Task
	Resource             string `json:"Resource"`
	TimeoutSeconds       *int   `json:"TimeoutSeconds"`
	TimeoutSecondsPath   string `json:"TimeoutSecondsPath"`
	HeartbeatSeconds     *int   `json:"HeartbeatSeconds"`
	HeartbeatSecondsPath string `json:"HeartbeatSecondsPath"`
	Credentials          any    `json:"Credentials"`

	// Choice
	Choices []ChoiceRule `json:"Choices"`
	Default string       `json:"Default"`

	// Wait
	Seconds       *int   `json:"Seconds"`
	Timestamp     string `json:"Timestamp"`
	SecondsPath   string `json:"SecondsPath"`
	TimestampPath string `json:"TimestampPath"`

	// Fail
	Error     string `json:"Error"`
	ErrorPath string `json:"ErrorPath"`
	Cause     string `json:"Cause"`
	CausePath string `json:"CausePath"`

	// Parallel
	Branches []*Machine `json:"Branches"`

	// Map
	ItemsPath          OptionalPath `json:"ItemsPath"`
	ItemSelector       any          `json:"ItemSelector"`
	ItemProcessor      *Machine     `json:"ItemProcessor"`
	Iterator           *Machine     `json:"Iterator"`
	MaxConcurrency     *int         `json:"MaxConcurrency"`
	MaxConcurrencyPath string       `json:"MaxConcurrencyPath"`
	ItemReader         any          `json:"ItemReader"`
	ResultWriter       any          `json:"ResultWriter"`
	ItemBatcher        any          `json:"ItemBatcher"`
	Label              string       `json:"Label"`

	// present records which fields the definition spelled out, for the
	// per-type field checks.
	present map[string]bool

	timestamp time.Time // parsed Timestamp
	usesCtx   bool      // some path or template reads the context object ($$)
}

// readsContext reports whether a template or path mentions "$$".
func readsContext(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(v, "$$")
	case map[string]any:
		for _, e := range v {
			if readsContext(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if readsContext(e) {
				return true
			}
		}
	}
	return false
}

func (s *State) computeUsesCtx() {
	paths := []string{s.InputPath.Path, s.OutputPath.Path, s.ItemsPath.Path, s.SecondsPath, s.TimestampPath,
		s.ErrorPath, s.CausePath, s.TimeoutSecondsPath, s.HeartbeatSecondsPath, s.MaxConcurrencyPath}
	for _, p := range paths {
		if strings.Contains(p, "$$") {
			s.usesCtx = true
			return
		}
	}
	// Choice rules keep their paths to themselves: assume they may read $$.
	s.usesCtx = s.Type == "Choice" || readsContext(s.Parameters) || readsContext(s.ResultSelector) || readsContext(s.ItemSelector)
}

// processor returns a Map state's item processor (ItemProcessor or the
// older Iterator).
func (s *State) processor() *Machine {
	if s.ItemProcessor != nil {
		return s.ItemProcessor
	}
	return s.Iterator
}

// UnmarshalJSON decodes a state with numbers kept as json.Number and
// unknown fields rejected.
func (s *State) UnmarshalJSON(data []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return fmt.Errorf("a state must be a JSON object")
	}
	type plain State
	var p plain
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return cleanJSONError(err)
	}
	*s = State(p)
	s.present = make(map[string]bool, len(fields))
	for k := range fields {
		s.present[k] = true
	}
	return nil
}

// cleanJSONError turns encoding/json's messages into ones naming the field.
func cleanJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	return err
}

var substitutionRE = regexp.MustCompile(`\$\{([A-Za-z0-9_.:/+=@-]+)\}`)

// Substitute replaces each ${Name} in a definition with its value, as
// CloudFormation's DefinitionSubstitutions does. An unknown name is an error.
func Substitute(definition []byte, subs map[string]string) ([]byte, error) {
	var missing []string
	out := substitutionRE.ReplaceAllFunc(definition, func(m []byte) []byte {
		name := string(m[2 : len(m)-1])
		v, ok := subs[name]
		if !ok {
			missing = append(missing, name)
			return m
		}
		// Values land inside JSON strings: escape them as JSON would.
		enc, _ := json.Marshal(v)
		return enc[1 : len(enc)-1]
	})
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("definition substitutions missing for %v", missing)
	}
	return out, nil
}

// Parse applies substitutions to a definition, decodes it and validates it.
func Parse(definition []byte, subs map[string]string) (*Definition, error) {
	data, err := Substitute(definition, subs)
	if err != nil {
		return nil, err
	}
	var top struct {
		Comment        string                     `json:"Comment"`
		StartAt        string                     `json:"StartAt"`
		TimeoutSeconds *int                       `json:"TimeoutSeconds"`
		Version        string                     `json:"Version"`
		QueryLanguage  string                     `json:"QueryLanguage"`
		States         map[string]json.RawMessage `json:"States"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("definition: %w", cleanJSONError(err))
	}
	if top.QueryLanguage != "" && top.QueryLanguage != "JSONPath" {
		return nil, fmt.Errorf("definition: QueryLanguage %q is not supported (only JSONPath)", top.QueryLanguage)
	}
	states, err := decodeStates(top.States, "")
	if err != nil {
		return nil, err
	}
	d := &Definition{Comment: top.Comment, StartAt: top.StartAt, States: states}
	if top.TimeoutSeconds != nil {
		if *top.TimeoutSeconds <= 0 {
			return nil, fmt.Errorf("definition: TimeoutSeconds must be positive")
		}
		d.TimeoutSeconds = *top.TimeoutSeconds
	}
	if err := validateMachine(&Machine{StartAt: d.StartAt, States: d.States}, ""); err != nil {
		return nil, err
	}
	return d, nil
}

// decodeStates decodes each state on its own, so an error names the state.
func decodeStates(raw map[string]json.RawMessage, scope string) (map[string]*State, error) {
	states := make(map[string]*State, len(raw))
	for name, r := range raw {
		st := new(State)
		if err := json.Unmarshal(r, st); err != nil {
			return nil, fmt.Errorf("state %s: %w", qualify(scope, name), err)
		}
		st.Name = name
		states[name] = st
	}
	return states, nil
}

func qualify(scope, name string) string {
	if scope == "" {
		return fmt.Sprintf("%q", name)
	}
	return fmt.Sprintf("%q (in %s)", name, scope)
}

// UnmarshalJSON decodes a nested machine, naming the failing state.
func (m *Machine) UnmarshalJSON(data []byte) error {
	var raw struct {
		StartAt         string                     `json:"StartAt"`
		States          map[string]json.RawMessage `json:"States"`
		Comment         string                     `json:"Comment"`
		ProcessorConfig *struct {
			Mode          string `json:"Mode"`
			ExecutionType string `json:"ExecutionType,omitempty"`
		} `json:"ProcessorConfig"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return cleanJSONError(err)
	}
	states, err := decodeStates(raw.States, "")
	if err != nil {
		return err
	}
	*m = Machine{StartAt: raw.StartAt, States: states, Comment: raw.Comment, ProcessorConfig: raw.ProcessorConfig}
	return nil
}
