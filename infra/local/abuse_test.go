package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFloodOfOneAddressSendsOneMail replays the flood on the running desk:
// ten form posts for one address, each with a submission ID of its own,
// asking the same. The address gets one mail, the acknowledgement with
// its verification link, and nothing more (the request workflow, waiting
// for that link, mails none); every later post is told the request is
// already waiting for its confirmation.
func TestFloodOfOneAddressSendsOneMail(t *testing.T) {
	addrs := startStack(t)
	outboxURL := strings.TrimSuffix(addrs.Outbox, "/")
	form := strings.TrimSuffix(addrs.Form, "/")
	const who = "flood.target@example.com"
	for i := range 10 {
		res, err := http.PostForm(form+"/requests", url.Values{
			"submissionId": {formSubmissionID(t, form)}, "kinds": {"deletion"}, "name": {"Flood Target"}, "email": {who},
		})
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, "post %d", i)
	}
	waitForLink(t, outboxURL, who, verifyLink)
	mails := outboxFor(t, outboxURL, who)
	var subjects []string
	for _, m := range mails {
		subjects = append(subjects, m.Subject)
	}
	require.Len(t, mails, 1, "one acknowledgement, carrying the verification link: %q", subjects)
	assert.True(t, strings.HasPrefix(mails[0].Subject, "We received your privacy request"), mails[0].Subject)
	assert.Regexp(t, verifyLink, mails[0].Text)
}
