package main

import (
	"path/filepath"
	"testing"

	"github.com/productionflow/privacy-desk/infra/bench/figures"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseBenchTakesEachRunOfEachUnit(t *testing.T) {
	out := []byte(`goos: linux
BenchmarkFormSubmission-2   	   17481	     68242 ns/op	   36236 B/op	     444 allocs/op
BenchmarkFormFloor-2        	  236742	      5065 ns/op	    7576 B/op	      40 allocs/op
BenchmarkFormSubmission-2   	   17000	     70000 ns/op	   36000 B/op	     440 allocs/op
BenchmarkTwentyStateWorkflow-2   3000   385820 ns/op   2592 executions/s   -2.621 retained-B/execution
PASS
`)
	res := parseBench(out)
	assert.Equal(t, []float64{68242, 70000}, res["BenchmarkFormSubmission"]["ns/op"])
	assert.Equal(t, []float64{40}, res["BenchmarkFormFloor"]["allocs/op"])
	assert.Equal(t, []float64{-2.621}, res["BenchmarkTwentyStateWorkflow"]["retained-B/execution"])
	assert.InDelta(t, 69121, figures.Median(res["BenchmarkFormSubmission"]["ns/op"]), 1e-9)
}

// The form benchmark is found where it is declared; one nobody declares
// is reported as not found, not as a failure.
func TestDeclaring(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	pkg, err := declaring(root, "BenchmarkTwentyStateWorkflow")
	require.NoError(t, err)
	assert.Equal(t, "./shared/states", pkg)
	pkg, err = declaring(root, "BenchmarkNobodyWroteThis")
	require.NoError(t, err)
	assert.Empty(t, pkg)
}
