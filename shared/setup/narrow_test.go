package setup_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// narrow are the files that may build an SDK client: they hand the
// adapters narrow types holding only the calls each makes (setup.Table).
// Anywhere else in the wiring, a *Client stored in an adapter's interface
// links every operation of its service into the function (text/template's
// calls by name keep every exported method of such a type).
var narrow = map[string]bool{
	"clients.go":                     true,
	"sfnclient/sfnclient.go":         true,
	"s3client/s3client.go":           true,
	"secretclient/secretclient.go":   true,
	"cognitoclient/cognitoclient.go": true,
	"edge/secretsmanager.go":         true,
}

func TestWiringBuildsSDKClientsOnlyNarrow(t *testing.T) {
	fset := token.NewFileSet()
	var found int
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		services := map[string]bool{}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, "github.com/aws/aws-sdk-go-v2/service/") {
				continue
			}
			name := filepath.Base(p)
			if imp.Name != nil {
				name = imp.Name.Name
			}
			services[name] = true
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "NewFromConfig" {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && services[x.Name] {
				found++
				assert.True(t, narrow[filepath.ToSlash(path)], "%s: %s.NewFromConfig: hand the adapter a narrow client (setup.NewTable, sfnclient, s3client, secretclient, cognitoclient, edge.SecretsManager)", fset.Position(sel.Pos()), x.Name)
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	assert.Positive(t, found, "the narrow clients build the SDK's")
}
