package systems_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/infra/systems"
	"github.com/productionflow/privacy-desk/shared/system"
)

func TestCopyMatchesRegistry(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("..", "systems.yaml"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(systems.YAML), "infra/systems/systems.yaml must be a copy of infra/systems.yaml: cp infra/systems.yaml infra/systems/")
}

func TestEmbeddedRegistryLoads(t *testing.T) {
	reg, err := system.Load(bytes.NewReader(systems.YAML), system.Options{})
	require.NoError(t, err)
	assert.NotEmpty(t, reg.Systems)
}
