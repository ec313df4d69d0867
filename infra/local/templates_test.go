package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFunctionsLinkNoReflectiveTemplates: mails and pages are quicktemplate
// templates compiled to Go. text/template's executor looks methods up by
// name through reflection, which makes the linker keep every exported
// method of every type a binary reaches (2.5–7 MB per function); no
// function may link it again, nor html/template, which is built on it.
func TestFunctionsLinkNoReflectiveTemplates(t *testing.T) {
	eachFunction(t, func(t *testing.T, fn, main string, imports map[string][]string) {
		for _, pkg := range []string{"text/template", "html/template"} {
			if _, ok := imports[pkg]; ok {
				assert.Fail(t, "a function links a reflective template engine",
					"%s links %s: %s", fn, pkg, strings.Join(chain(imports, main, pkg), " → "))
			}
		}
	})
}

// TestCompiledTemplatesAreCurrent compiles every *.qtpl file again, as go
// generate does (go tool qtc -skipLineComments), into a scratch folder and
// compares the result with the committed *.qtpl.go beside it: a template
// edited without running go generate fails here, not in production; so does
// a compiled file left behind by a deleted template.
func TestCompiledTemplatesAreCurrent(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipping: the go command is not on PATH")
	}
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	var sources []string
	for _, tree := range []string{"shared", "functions"} {
		err := filepath.WalkDir(filepath.Join(root, tree), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch {
			case d.IsDir():
			case strings.HasSuffix(path, ".qtpl"):
				sources = append(sources, path)
			case strings.HasSuffix(path, ".qtpl.go"):
				if _, err := os.Stat(strings.TrimSuffix(path, ".go")); err != nil {
					t.Errorf("%s has no template beside it: delete it with its template", path)
				}
			}
			return nil
		})
		require.NoError(t, err)
	}
	require.NotEmpty(t, sources, "the mails and pages are .qtpl templates")

	scratch := t.TempDir()
	for _, src := range sources {
		rel, err := filepath.Rel(root, src)
		require.NoError(t, err)
		t.Run(rel, func(t *testing.T) {
			// qtc names the package after the template's folder: keep it.
			dir := filepath.Join(scratch, filepath.Dir(rel))
			require.NoError(t, os.MkdirAll(dir, 0o755))
			text, err := os.ReadFile(src)
			require.NoError(t, err)
			copied := filepath.Join(dir, filepath.Base(src))
			require.NoError(t, os.WriteFile(copied, text, 0o644))

			cmd := exec.Command("go", "tool", "qtc", "-skipLineComments", "-file="+copied)
			cmd.Dir = root
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Run(), "go tool qtc %s: %s", rel, stderr.String())

			want, err := os.ReadFile(copied + ".go")
			require.NoError(t, err)
			got, err := os.ReadFile(src + ".go")
			require.NoError(t, err, "%s has no compiled %s.go beside it: run go generate ./...", rel, filepath.Base(rel))
			assert.True(t, bytes.Equal(want, got), "%s.go is not what %s compiles to: run go generate ./...", rel, rel)
		})
	}
}
