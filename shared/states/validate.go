package states

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Fields each state type accepts, beyond Type and Comment.
var allowedFields = map[string][]string{
	"Pass":     {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result"},
	"Task":     {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Retry", "Catch", "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials"},
	"Choice":   {"InputPath", "OutputPath", "Choices", "Default"},
	"Wait":     {"Next", "End", "InputPath", "OutputPath", "Seconds", "Timestamp", "SecondsPath", "TimestampPath"},
	"Succeed":  {"InputPath", "OutputPath"},
	"Fail":     {"Error", "ErrorPath", "Cause", "CausePath"},
	"Parallel": {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Retry", "Catch", "Branches"},
	"Map": {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Retry", "Catch",
		"ItemsPath", "ItemSelector", "ItemProcessor", "Iterator", "MaxConcurrency", "MaxConcurrencyPath", "ItemReader", "ResultWriter", "ItemBatcher", "Label", "ToleratedFailurePercentage", "ToleratedFailureCount"},
}

// validateMachine checks a machine and every nested one; scope names the
// enclosing state for nested machines.
func validateMachine(m *Machine, scope string) error {
	where := func(name string) string { return "state " + qualify(scope, name) }
	if m.StartAt == "" {
		return fmt.Errorf("%sStartAt is missing", scopePrefix(scope))
	}
	if len(m.States) == 0 {
		return fmt.Errorf("%sStates is empty", scopePrefix(scope))
	}
	if _, ok := m.States[m.StartAt]; !ok {
		return fmt.Errorf("%sStartAt %q names no state", scopePrefix(scope), m.StartAt)
	}
	names := make([]string, 0, len(m.States))
	for n := range m.States {
		names = append(names, n)
	}
	sort.Strings(names)
	terminal := false
	for _, name := range names {
		st := m.States[name]
		if len(name) > 80 {
			return fmt.Errorf("%s: name is longer than 80 characters", where(name))
		}
		if err := validateState(m, st, scope); err != nil {
			return fmt.Errorf("%s: %w", where(name), err)
		}
		if st.End || st.Type == "Succeed" || st.Type == "Fail" {
			terminal = true
		}
	}
	if !terminal {
		return fmt.Errorf("%sno terminal state (End: true, Succeed or Fail)", scopePrefix(scope))
	}
	// Every state must be reachable from StartAt.
	seen := map[string]bool{m.StartAt: true}
	queue := []string{m.StartAt}
	for len(queue) > 0 {
		st := m.States[queue[0]]
		queue = queue[1:]
		for _, n := range successors(st) {
			if !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	for _, name := range names {
		if !seen[name] {
			return fmt.Errorf("%s: unreachable from StartAt %q", where(name), m.StartAt)
		}
	}
	return nil
}

func scopePrefix(scope string) string {
	if scope == "" {
		return "definition: "
	}
	return scope + ": "
}

func successors(st *State) []string {
	var out []string
	if st.Next != "" {
		out = append(out, st.Next)
	}
	if st.Default != "" {
		out = append(out, st.Default)
	}
	for _, c := range st.Choices {
		out = append(out, c.Next)
	}
	for _, c := range st.Catch {
		out = append(out, c.Next)
	}
	return out
}

func validateState(m *Machine, st *State, scope string) error {
	st.computeUsesCtx()
	allowed, ok := allowedFields[st.Type]
	if !ok {
		if st.Type == "" {
			return errors.New("Type is missing")
		}
		return fmt.Errorf("unknown Type %q", st.Type)
	}
	ok2 := map[string]bool{"Type": true, "Comment": true}
	for _, f := range allowed {
		ok2[f] = true
	}
	var extra []string
	for f := range st.present {
		if !ok2[f] {
			extra = append(extra, f)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("field %s is not allowed in a %s state", strings.Join(extra, ", "), st.Type)
	}
	target := func(field, next string) error {
		if next == "" {
			return fmt.Errorf("%s is empty", field)
		}
		if _, ok := m.States[next]; !ok {
			return fmt.Errorf("%s %q names no state", field, next)
		}
		return nil
	}
	switch st.Type {
	case "Choice", "Succeed", "Fail":
	default:
		switch {
		case st.present["Next"] && st.End:
			return errors.New("has both Next and End")
		case st.present["Next"]:
			if err := target("Next", st.Next); err != nil {
				return err
			}
		case !st.End:
			return errors.New("needs Next or End: true")
		}
	}
	if err := st.ResultPath.ValidateReference(); err != nil {
		return fmt.Errorf("ResultPath: %w", err)
	}
	for _, f := range []struct {
		name string
		tmpl any
	}{{"Parameters", st.Parameters}, {"ResultSelector", st.ResultSelector}, {"ItemSelector", st.ItemSelector}} {
		if f.tmpl == nil {
			continue
		}
		if err := ValidatePayloadTemplate(f.tmpl); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	if st.ItemsPath.Present && !st.ItemsPath.Null {
		if err := ValidateReferencePath(st.ItemsPath.Path); err != nil {
			return fmt.Errorf("ItemsPath: %w", err)
		}
	}
	for _, f := range []struct{ name, path string }{
		{"SecondsPath", st.SecondsPath}, {"TimestampPath", st.TimestampPath},
		{"TimeoutSecondsPath", st.TimeoutSecondsPath}, {"HeartbeatSecondsPath", st.HeartbeatSecondsPath},
		{"MaxConcurrencyPath", st.MaxConcurrencyPath}, {"ErrorPath", st.ErrorPath}, {"CausePath", st.CausePath},
	} {
		if f.path == "" {
			continue
		}
		if err := ValidateReferencePath(f.path); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	if err := validateRetry(st.Retry); err != nil {
		return err
	}
	for i, c := range st.Catch {
		if err := validateErrorEquals(fmt.Sprintf("Catch[%d]", i), c.ErrorEquals, i == len(st.Catch)-1); err != nil {
			return err
		}
		if err := target(fmt.Sprintf("Catch[%d].Next", i), c.Next); err != nil {
			return err
		}
		if err := c.ResultPath.ValidateReference(); err != nil {
			return fmt.Errorf("Catch[%d].ResultPath: %w", i, err)
		}
	}
	switch st.Type {
	case "Task":
		if st.Resource == "" {
			return errors.New("Resource is missing")
		}
		if _, err := parseResource(st.Resource); err != nil {
			return err
		}
		if st.TimeoutSeconds != nil && st.TimeoutSecondsPath != "" {
			return errors.New("has both TimeoutSeconds and TimeoutSecondsPath")
		}
		if st.HeartbeatSeconds != nil && st.HeartbeatSecondsPath != "" {
			return errors.New("has both HeartbeatSeconds and HeartbeatSecondsPath")
		}
		if st.TimeoutSeconds != nil && *st.TimeoutSeconds <= 0 {
			return errors.New("TimeoutSeconds must be positive")
		}
		if st.HeartbeatSeconds != nil && *st.HeartbeatSeconds <= 0 {
			return errors.New("HeartbeatSeconds must be positive")
		}
		if st.TimeoutSeconds != nil && st.HeartbeatSeconds != nil && *st.HeartbeatSeconds >= *st.TimeoutSeconds {
			return errors.New("HeartbeatSeconds must be smaller than TimeoutSeconds")
		}
	case "Choice":
		if len(st.Choices) == 0 {
			return errors.New("Choices is empty")
		}
		for i, c := range st.Choices {
			if err := target(fmt.Sprintf("Choices[%d].Next", i), c.Next); err != nil {
				return err
			}
		}
		if st.present["Default"] {
			if err := target("Default", st.Default); err != nil {
				return err
			}
		}
	case "Wait":
		n := 0
		for _, f := range []string{"Seconds", "Timestamp", "SecondsPath", "TimestampPath"} {
			if st.present[f] {
				n++
			}
		}
		if n != 1 {
			return errors.New("needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath")
		}
		if st.Seconds != nil && *st.Seconds < 0 {
			return errors.New("Seconds must not be negative")
		}
		if st.present["Timestamp"] {
			ts, err := time.Parse(time.RFC3339, st.Timestamp)
			if err != nil {
				return fmt.Errorf("Timestamp %q is not an RFC 3339 time", st.Timestamp)
			}
			st.timestamp = ts
		}
	case "Fail":
		if st.Error != "" && st.ErrorPath != "" {
			return errors.New("has both Error and ErrorPath")
		}
		if st.Cause != "" && st.CausePath != "" {
			return errors.New("has both Cause and CausePath")
		}
	case "Parallel":
		if len(st.Branches) == 0 {
			return errors.New("Branches is empty")
		}
		for i, b := range st.Branches {
			if b == nil {
				return fmt.Errorf("Branches[%d] is null", i)
			}
			if err := validateMachine(b, fmt.Sprintf("state %s branch %d", qualify(scope, st.Name), i)); err != nil {
				return err
			}
		}
	case "Map":
		if st.ItemReader != nil || st.ResultWriter != nil || st.ItemBatcher != nil {
			return errors.New("distributed Map (ItemReader, ResultWriter, ItemBatcher) is not supported by the local runtime")
		}
		if st.ItemProcessor != nil && st.Iterator != nil {
			return errors.New("has both ItemProcessor and Iterator")
		}
		if st.ItemSelector != nil && st.Parameters != nil {
			return errors.New("has both ItemSelector and Parameters")
		}
		p := st.processor()
		if p == nil {
			return errors.New("ItemProcessor is missing")
		}
		if p.ProcessorConfig != nil && p.ProcessorConfig.Mode != "" && p.ProcessorConfig.Mode != "INLINE" {
			return fmt.Errorf("ProcessorConfig.Mode %q is not supported (only INLINE)", p.ProcessorConfig.Mode)
		}
		if st.MaxConcurrency != nil && *st.MaxConcurrency < 0 {
			return errors.New("MaxConcurrency must not be negative")
		}
		if st.MaxConcurrency != nil && st.MaxConcurrencyPath != "" {
			return errors.New("has both MaxConcurrency and MaxConcurrencyPath")
		}
		if err := validateMachine(p, fmt.Sprintf("state %s item processor", qualify(scope, st.Name))); err != nil {
			return err
		}
	}
	return nil
}

func validateRetry(rs []Retrier) error {
	for i, r := range rs {
		field := fmt.Sprintf("Retry[%d]", i)
		if err := validateErrorEquals(field, r.ErrorEquals, i == len(rs)-1); err != nil {
			return err
		}
		if r.IntervalSeconds != nil && *r.IntervalSeconds < 1 {
			return fmt.Errorf("%s.IntervalSeconds must be at least 1", field)
		}
		if r.MaxAttempts != nil && *r.MaxAttempts < 0 {
			return fmt.Errorf("%s.MaxAttempts must not be negative", field)
		}
		if r.BackoffRate != nil && *r.BackoffRate < 1 {
			return fmt.Errorf("%s.BackoffRate must be at least 1.0", field)
		}
		if r.MaxDelaySeconds != nil && *r.MaxDelaySeconds < 1 {
			return fmt.Errorf("%s.MaxDelaySeconds must be at least 1", field)
		}
		switch r.JitterStrategy {
		case "", "FULL", "NONE":
		default:
			return fmt.Errorf("%s.JitterStrategy must be FULL or NONE", field)
		}
	}
	return nil
}

// validateErrorEquals applies the specification's rule: States.ALL must
// appear alone, in the last retrier or catcher.
func validateErrorEquals(field string, names []string, last bool) error {
	if len(names) == 0 {
		return fmt.Errorf("%s.ErrorEquals is empty", field)
	}
	for _, n := range names {
		if n == ErrAll {
			if len(names) != 1 {
				return fmt.Errorf("%s.ErrorEquals: States.ALL must appear alone", field)
			}
			if !last {
				return fmt.Errorf("%s.ErrorEquals: States.ALL must be in the last entry", field)
			}
		}
	}
	return nil
}
