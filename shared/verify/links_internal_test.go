package verify

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLinkURLWritesTheBaseAsAURL: the confirm page's link is its base as
// url.URL writes it with ?t= the token — also for a base url.URL writes
// otherwise (an upper-case scheme, a space, an empty fragment, a query of
// its own) — and a base that is no absolute URL is refused.
func TestLinkURLWritesTheBaseAsAURL(t *testing.T) {
	const raw = "SqiViGvvS2GJ2VO8BZuWreS11TFEzh43JKMKPRpEwTk"
	for base, want := range map[string]string{
		"https://privacy.example/verify":         "https://privacy.example/verify?t=" + raw,
		"HTTPS://privacy.example/verify":         "https://privacy.example/verify?t=" + raw,
		"https://privacy.example/my desk/verify": "https://privacy.example/my%20desk/verify?t=" + raw,
		"https://privacy.example/verify#":        "https://privacy.example/verify?t=" + raw,
		"https://privacy.example/verify?x=1":     "https://privacy.example/verify?t=" + raw,
	} {
		got, err := linkURL(base, raw)
		require.NoError(t, err, base)
		assert.Equal(t, want, got, base)
	}
	_, err := linkURL("/verify", raw)
	assert.Error(t, err)
}
