package figures_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/productionflow/privacy-desk/infra/bench/figures"
)

func TestMedianAndRatio(t *testing.T) {
	assert.Equal(t, 0.0, figures.Median(nil))
	assert.Equal(t, 2.0, figures.Median([]float64{3, 1, 2}))
	assert.Equal(t, 2.5, figures.Median([]float64{4, 1, 3, 2}))
	assert.Equal(t, 0.0, figures.Ratio(1, 0))
	assert.Equal(t, 1.5, figures.Ratio(3, 2))
}
