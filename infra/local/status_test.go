package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
)

var statusLink = regexp.MustCompile(`https?://\S+/status\?t=[A-Za-z0-9_-]{43}`)

// TestLocalStackStatusPage follows a request on its status page: submitted
// on the form, the link in the acknowledgement in the outbox shows it
// waiting for the requester's confirmation; once the emailed link is
// confirmed the same page shows it moved on. It never shows the
// requester's name or address.
func TestLocalStackStatusPage(t *testing.T) {
	addrs := startStack(t)
	outboxURL := strings.TrimSuffix(addrs.Outbox, "/")
	form := strings.TrimSuffix(addrs.Form, "/")
	const email = "grace@example.com"
	formID := formSubmissionID(t, form)
	res, err := http.PostForm(form+"/requests", url.Values{
		"submissionId": {formID}, "kinds": {"deletion"}, "name": {"Grace Example"}, "email": {email},
	})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	id := request.WebID(formID, email)

	ack := waitForMail(t, outboxURL, email, "We received your request")
	link := statusLink.FindString(ack.Text)
	require.NotEmpty(t, link, "the acknowledgement carries the status link")
	page := func() string {
		res, err := http.Get(link)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		require.Equal(t, http.StatusOK, res.StatusCode, string(b))
		return string(b)
	}
	var body string
	require.True(t, eventually(func() bool {
		body = page()
		return strings.Contains(body, "waiting for you to confirm it is you")
	}), "the page says the request waits for the confirmation: %s", body)
	assert.Contains(t, body, id)
	assert.Contains(t, body, "Delete your data")
	for _, personal := range []string{"Grace", email} {
		assert.NotContains(t, body, personal)
	}

	verify := waitForLink(t, outboxURL, email, verifyLink)
	assert.Regexp(t, statusLink, waitForMail(t, outboxURL, email, verify).Text, "the verification mail carries a status link too")
	u, _ := url.Parse(verify)
	res, err = http.PostForm(form+"/verify", url.Values{"t": {u.Query().Get("t")}})
	require.NoError(t, err)
	res.Body.Close()
	require.True(t, eventually(func() bool {
		body = page()
		return !strings.Contains(body, "waiting for you to confirm") &&
			(strings.Contains(body, "being carried out") || strings.Contains(body, "about to be carried out") || strings.Contains(body, "Status: done"))
	}), "the same link shows the request moved on: %s", body)

	res, err = http.Get(form + "/status?t=" + strings.Repeat("A", 43))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}
