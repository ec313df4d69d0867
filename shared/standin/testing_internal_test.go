package standin

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequiredFromTheHarnessConfig(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"STANDINS": "required"}, true},
		{map[string]string{"CI": "true"}, true},
		{map[string]string{"STANDINS": "optional", "CI": "false"}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, loadHarness(tt.env).required(), "%v", tt.env)
	}
}

func TestKeepEnv(t *testing.T) {
	t.Setenv("STANDIN_KEPT", "before")
	t.Run("sets and unsets", func(t *testing.T) {
		KeepEnv(t)
		require.NoError(t, os.Setenv("STANDIN_KEPT", "during"))
		require.NoError(t, os.Setenv("STANDIN_ADDED", "during"))
	})
	assert.Equal(t, "before", os.Getenv("STANDIN_KEPT"))
	_, added := os.LookupEnv("STANDIN_ADDED")
	assert.False(t, added, "a variable the test added is gone")
}
