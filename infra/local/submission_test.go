package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var formSubmissionIDPattern = regexp.MustCompile(`name="submissionId" value="(web-[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})"`)

// formSubmissionID opens the request form at form (the web form's
// address, with or without its final "/") as a browser does, and returns
// the submission ID it carries: one the desk minted and signed, the only
// kind a form post may carry.
func formSubmissionID(t *testing.T, form string) string {
	t.Helper()
	res, err := http.Get(strings.TrimSuffix(form, "/") + "/")
	require.NoError(t, err)
	defer res.Body.Close()
	page, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	m := formSubmissionIDPattern.FindStringSubmatch(string(page))
	require.Len(t, m, 2, "the form carries a signed submission ID")
	return m[1]
}
