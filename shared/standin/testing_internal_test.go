package standin

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRequiredBy(t *testing.T) {
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
		assert.Equal(t, tt.want, requiredBy(func(k string) string { return tt.env[k] }), "%v", tt.env)
	}
}
