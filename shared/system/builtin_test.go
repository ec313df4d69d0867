package system

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite builtin.json from systems.yaml")

// The compact registry the functions load is systems.yaml, decoded: the
// same systems, actions, calls and words. After an edit of systems.yaml,
// go test ./shared/system -run TestBuiltinJSONIsSystemsYAML -update
// rewrites it.
func TestBuiltinJSONIsSystemsYAML(t *testing.T) {
	dec := yaml.NewDecoder(bytes.NewReader(BuiltinYAML))
	dec.KnownFields(true)
	var fromYAML Registry
	require.NoError(t, dec.Decode(&fromYAML))
	want, err := compact(&fromYAML)
	require.NoError(t, err)
	if *update {
		require.NoError(t, os.WriteFile("builtin.json", want, 0o644))
		return
	}
	assert.JSONEq(t, string(want), string(builtinJSON),
		"builtin.json is not systems.yaml: go test ./shared/system -run TestBuiltinJSONIsSystemsYAML -update")

	reg, err := Builtin(Options{})
	require.NoError(t, err)
	again, err := compact(reg)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(again), "the registry Builtin loads is the one systems.yaml declares")
}
