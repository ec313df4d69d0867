// Package systems ships the registry of downstream systems
// (infra/systems.yaml) inside every function binary that needs it, so the
// Lambda package is the one bootstrap file SAM builds.
//
// go:embed cannot reach a parent directory, so systems.yaml here is a copy
// of infra/systems.yaml; TestCopyMatchesRegistry fails when the two differ.
// Once nothing else reads infra/systems.yaml, move it here (git mv) and
// delete the test.
package systems

import _ "embed"

// YAML is the registry file as shipped.
//
//go:embed systems.yaml
var YAML []byte
