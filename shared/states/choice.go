package states

import "fmt"

// ChoiceRule is one rule of a Choice state: a top-level rule has a Next; a
// nested rule (inside And, Or, Not) has none.
type ChoiceRule struct {
	Next string

	raw map[string]any
}

// UnmarshalJSON parses a Choice rule.
func (r *ChoiceRule) UnmarshalJSON(data []byte) error {
	return fmt.Errorf("choice rules are not implemented yet")
}

// Eval reports whether the rule matches input.
func (r *ChoiceRule) Eval(input any) (bool, error) {
	return false, Errorf(ErrRuntime, "choice rules are not implemented yet")
}
