package request_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
)

// TestAuditVocabularyLivesHere: no production package spells an audit
// action or a status event as a literal, and only this package declares
// the TransientError the workflows retry.
func TestAuditVocabularyLivesHere(t *testing.T) {
	literal := regexp.MustCompile(`Action:\s*"|"status:"|type TransientError struct`)
	var found []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "node_modules" || path == filepath.Join("..", "request") {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if literal.MatchString(line) {
				found = append(found, path+":"+strconv.Itoa(i+1)+": "+strings.TrimSpace(line))
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, found, "use the request package's Action constants, StatusAction and TransientError")
}

func TestTransientErrorNamesNoCause(t *testing.T) {
	cause := errors.New("ConditionalCheckFailed for jane@example.com")
	err := &request.TransientError{RequestID: "PR-1", Op: "send answer", Err: cause}
	assert.Equal(t, "transient: request PR-1: send answer failed", err.Error())
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, "transient: read table failed", (&request.TransientError{Op: "read table"}).Error())
	assert.Equal(t, "status:in-progress", request.StatusAction(request.InProgress))
}
