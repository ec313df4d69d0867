package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
)

// postDigest asks the local stack for the team's daily digest now.
func postDigest(t *testing.T, addrs addresses) console.DigestResult {
	t.Helper()
	res, err := http.Post(addrs.Form+"_local/digest", "", nil)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var out console.DigestResult
	require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
	return out
}

// TestDailyDigest on the whole local stack: with no open work the digest
// sends nothing; once a mail that asks for nothing the desk recognises
// waits for triage, the digest goes to the team's address, names the
// request by its ID under "waiting for triage" and carries nothing of the
// sender.
func TestDailyDigest(t *testing.T) {
	addrs := startStack(t)
	const team = "privacy@productionflow.local"
	const sender = "quentin.quiet@example.com"
	subjectOf := func() []string {
		var out []string
		for _, m := range outboxFor(t, addrs.Outbox, team) {
			if strings.HasPrefix(m.Subject, "Privacy desk, ") {
				out = append(out, m.Subject)
			}
		}
		return out
	}

	quiet := postDigest(t, addrs)
	assert.False(t, quiet.Sent)
	assert.Empty(t, subjectOf(), "nothing to say: no digest")

	sendMail(t, addrs, sender, "Hello", "Hi there, I have a question about your lovely production planning boards.")
	var res console.DigestResult
	require.True(t, eventually(func() bool {
		res = postDigest(t, addrs)
		return res.Counts.Triage == 1
	}), "the unclear mail waits for triage")
	require.True(t, res.Sent)
	require.Len(t, subjectOf(), 1)

	var digest string
	for _, m := range outboxFor(t, addrs.Outbox, team) {
		if strings.HasPrefix(m.Subject, "Privacy desk, ") {
			assert.Contains(t, m.Subject, "1 to triage")
			digest = m.Text + m.HTML
			_, section, ok := strings.Cut(m.Text, "Waiting for triage (unclear mail): 1")
			require.True(t, ok, m.Text)
			assert.Regexp(t, `^\s+PR-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}`, section)
		}
	}
	assert.NotContains(t, digest, sender, "no personal data")
	assert.NotContains(t, strings.ToLower(digest), "quentin")
	assert.NotContains(t, digest, "production planning boards")
}
