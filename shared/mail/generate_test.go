package mail

import (
	"bytes"
	"go/format"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/quicktemplate/parser"
)

// TestCompiledTemplatesAreCurrent keeps each *.qtpl.go what qtc compiles
// from its *.qtpl: after a change to a template, go generate
// ./shared/mail compiles it again.
func TestCompiledTemplatesAreCurrent(t *testing.T) {
	sources, err := filepath.Glob("*.qtpl")
	require.NoError(t, err)
	require.NotEmpty(t, sources)
	for _, src := range sources {
		t.Run(src, func(t *testing.T) {
			in, err := os.Open(src)
			require.NoError(t, err)
			defer in.Close()
			var out bytes.Buffer
			require.NoError(t, parser.ParseNoLineComments(&out, in, src, "mail"))
			want, err := format.Source(out.Bytes())
			require.NoError(t, err)
			got, err := os.ReadFile(src + ".go")
			require.NoError(t, err, "%s.go is missing: run go generate ./shared/mail", src)
			assert.True(t, bytes.Equal(want, got), "%s.go is not what qtc compiles from %s: run go generate ./shared/mail", src, src)
		})
	}
	compiled, err := filepath.Glob("*.qtpl.go")
	require.NoError(t, err)
	assert.Len(t, compiled, len(sources), "a compiled template without its source")
}
