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
)

// TestLocalStackWithdrawFromTheStatusPage: the requester follows the
// status link in the acknowledgement, withdraws the request there before
// confirming it, and gets the withdrawal notice; the verification link
// then says the request was withdrawn, and the status page offers no
// withdrawal any more.
func TestLocalStackWithdrawFromTheStatusPage(t *testing.T) {
	addrs := startStack(t)
	outboxURL := strings.TrimSuffix(addrs.Outbox, "/")
	form := strings.TrimSuffix(addrs.Form, "/")
	const email = "hedy@example.com"
	res, err := http.PostForm(form+"/requests", url.Values{
		"submissionId": {formSubmissionID(t, form)}, "kinds": {"deletion"}, "name": {"Hedy Example"}, "email": {email},
	})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	ack := waitForMail(t, outboxURL, email, "We received your request")
	link := statusLink.FindString(ack.Text)
	require.NotEmpty(t, link)
	get := func(u string) (int, string) {
		res, err := http.Get(u)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, page := get(link)
	require.Equal(t, http.StatusOK, code, page)
	m := regexp.MustCompile(`href="withdraw\?t=([A-Za-z0-9_-]+)"`).FindStringSubmatch(page)
	require.NotNil(t, m, "the status page offers the withdrawal: %s", page)
	code, page = get(form + "/withdraw?t=" + m[1])
	require.Equal(t, http.StatusOK, code, page)
	assert.Contains(t, page, "Withdraw my request")

	res, err = http.PostForm(form+"/withdraw", url.Values{"t": {m[1]}})
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(b))
	assert.Contains(t, string(b), "Your request is withdrawn")

	notice := waitForMail(t, outboxURL, email, "was withdrawn. It is closed")
	assert.Contains(t, notice.Subject, "is withdrawn")
	code, page = get(waitForLink(t, outboxURL, email, verifyLink))
	assert.Equal(t, http.StatusGone, code)
	assert.Contains(t, page, "withdrawn")
	_, page = get(link)
	assert.NotContains(t, page, "Withdraw this request")
}
