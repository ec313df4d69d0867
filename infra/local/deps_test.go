package main

import (
	"bufio"
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/productionflow/privacy-desk"

// forbidden names what no Lambda binary may link: test support, the local
// stand-ins and the local Step Functions runtime, and the local tools.
func forbidden(pkg string) bool {
	for _, tree := range []string{"testing", "github.com/stretchr/testify",
		module + "/shared/standin", module + "/shared/states", module + "/infra"} {
		if pkg == tree || strings.HasPrefix(pkg, tree+"/") {
			return true
		}
	}
	return false
}

// TestFunctionsLinkNoLocalCode lists, with go list -deps, what each
// function under functions/ links when built for Lambda (make build's
// GOOS, GOARCH and tags), and fails on anything local-only or test-only,
// naming the import chain that brings it in.
func TestFunctionsLinkNoLocalCode(t *testing.T) {
	eachFunction(t, func(t *testing.T, fn, main string, imports map[string][]string) {
		require.Contains(t, imports, main, "go list names the function's own package")
		for _, pkg := range slices.Sorted(maps.Keys(imports)) {
			if forbidden(pkg) {
				assert.Fail(t, "a function links local-only or test code",
					"%s links %s: %s", fn, pkg, strings.Join(chain(imports, main, pkg), " → "))
			}
		}
	})
}

// eachFunction runs check, as a subtest per function under functions/,
// with what go list -deps says the function links (make build's GOOS,
// GOARCH and tags); main is the function's own package.
func eachFunction(t *testing.T, check func(t *testing.T, fn, main string, imports map[string][]string)) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipping: the go command is not on PATH")
	}
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	for _, fn := range functionNames(t, root) {
		t.Run(fn, func(t *testing.T) {
			check(t, fn, module+"/functions/"+fn, deps(t, root, "./functions/"+fn))
		})
	}
}

// functionNames are the folders under functions/, one per Lambda function.
func functionNames(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	require.NoError(t, err)
	var fns []string
	for _, e := range entries {
		if e.IsDir() {
			fns = append(fns, e.Name())
		}
	}
	require.NotEmpty(t, fns)
	return fns
}

// deps runs go list -deps on pkg as make build compiles it and returns each
// package it links with that package's own imports.
func deps(t *testing.T, root, pkg string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc",
		"-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list -deps %s: %s", pkg, stderr.String())
	imports := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 0 {
			imports[fields[0]] = fields[1:]
		}
	}
	require.NoError(t, sc.Err())
	return imports
}

// chain is the shortest import path from 'from' to 'to' (breadth first,
// imports in the order go list gives them, so always the same one).
func chain(imports map[string][]string, from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == to {
			var path []string
			for ; p != ""; p = prev[p] {
				path = append([]string{p}, path...)
			}
			return path
		}
		for _, next := range imports[p] {
			if _, seen := prev[next]; !seen {
				prev[next] = p
				queue = append(queue, next)
			}
		}
	}
	return []string{from, "…", to}
}
