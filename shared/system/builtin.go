package system

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
)

// BuiltinYAML is the registry the desk ships (systems.yaml beside this
// file), as written.
//
//go:embed systems.yaml
var BuiltinYAML []byte

// builtinJSON is systems.yaml decoded once, at build time, into its
// compact form: the Registry as encoding/json writes it. Functions load
// the shipped registry from it (a tenth of the YAML decoding's time at
// cold start); TestBuiltinJSONIsSystemsYAML keeps it equal to
// systems.yaml and rewrites it with -update.
//
//go:embed builtin.json
var builtinJSON []byte

// Builtin loads the shipped registry with opts, checked as Load checks a
// file.
func Builtin(opts Options) (*Registry, error) {
	dec := json.NewDecoder(bytes.NewReader(builtinJSON))
	dec.DisallowUnknownFields()
	var reg Registry
	if err := dec.Decode(&reg); err != nil {
		return nil, fmt.Errorf("built-in systems registry: %w (go test ./shared/system -run TestBuiltinJSONIsSystemsYAML -update rewrites it)", err)
	}
	if err := reg.Validate(opts); err != nil {
		return nil, err
	}
	return &reg, nil
}

// compact writes a registry in the compact form Builtin reads.
func compact(r *Registry) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
