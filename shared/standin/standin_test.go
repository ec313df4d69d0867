package standin

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSESStoreStartsEmpty(t *testing.T) {
	s := SES(t)
	resp, err := http.Get(s.URL + "/store")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"emails":[]`)
}

func TestStopEndsTheProcess(t *testing.T) {
	s := Dynalite(t)
	require.NoError(t, s.Stop())
	_, err := http.Get(s.URL)
	assert.Error(t, err, "dynalite still answers after Stop")
}
