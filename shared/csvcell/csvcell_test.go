package csvcell_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/productionflow/privacy-desk/shared/csvcell"
)

func TestInert(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"plain words":       "plain words",
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"@SUM(A1)":          "'@SUM(A1)",
		"+cmd|' /C calc'!":  "'+cmd|' /C calc'!",
		"-2+3":              "'-2+3",
		"\tindented":        "'\tindented",
		"+1 512 555 0101":   "+1 512 555 0101",
		"-12.50":            "-12.50",
		"-":                 "'-",
	} {
		assert.Equal(t, want, csvcell.Inert(in), "%q", in)
	}
}
