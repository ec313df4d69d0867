// Package states is a local runtime for the Amazon States Language: it
// parses, validates and runs the state machines in workflows/*.asl.json with
// Task states dispatched to Go handlers, and serves the Step Functions API
// calls the desk makes, so the whole desk runs on a laptop.
//
// JSON values inside the runtime are plain Go values as encoding/json
// decodes them with UseNumber: map[string]any, []any, string, json.Number,
// bool and nil. Use Decode and Encode to convert.
package states
