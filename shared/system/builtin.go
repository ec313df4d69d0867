package system

import (
	"bytes"
	_ "embed"
)

// BuiltinYAML is the registry the desk ships (systems.yaml beside this
// file), embedded in every function that needs it so the Lambda package is
// the one bootstrap file SAM builds.
//
//go:embed systems.yaml
var BuiltinYAML []byte

// Builtin loads the shipped registry with opts.
func Builtin(opts Options) (*Registry, error) {
	return Load(bytes.NewReader(BuiltinYAML), opts)
}
