package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/sesmail"
)

// TestLocalStackDownload follows an access request to the download: the answer
// mails the desk's page, GET shows it, POST redirects to the package.
func TestLocalStackDownload(t *testing.T) {
	addrs := startStack(t)
	ctx := context.Background()
	outbox := strings.TrimSuffix(addrs.Outbox, "/")
	const email = "ada.download@example.com"
	form := strings.TrimSuffix(addrs.Form, "/")
	res, err := http.PostForm(form+"/requests", url.Values{
		"submissionId": {"web-download-e2e-0001"}, "kinds": {"access-categories"}, "name": {"Ada Download"}, "email": {email},
	})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	id := request.NewID(request.Web, "web-download-e2e-0001")
	link := waitForLink(t, outbox, email, verifyLink)
	u, _ := url.Parse(link)
	res, err = http.PostForm(form+"/verify", url.Values{"t": {u.Query().Get("t")}})
	require.NoError(t, err)
	res.Body.Close()
	confirmed := map[string]bool{}
	var answer *sesmail.StoredEmail
	for deadline := time.Now().Add(30 * time.Second); answer == nil && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		mails, err := sesmail.ReadStore(ctx, outbox)
		require.NoError(t, err)
		for i, m := range mails {
			if strings.Contains(m.Subject, id) && strings.Contains(m.Subject, "is done") {
				answer = &mails[i]
			}
			l := taskLink.FindString(m.Text)
			if l == "" || !strings.Contains(m.Subject, id) || confirmed[l] {
				continue
			}
			tu, _ := url.Parse(l)
			res, err := http.PostForm(form+"/tasks/confirm", url.Values{"t": {tu.Query().Get("t")}, "note": {"done"}})
			require.NoError(t, err)
			res.Body.Close()
			confirmed[l] = true
		}
	}
	if answer == nil {
		mails, _ := sesmail.ReadStore(ctx, outbox)
		for _, m := range mails {
			t.Logf("mail %v: %s\n%s", m.To, m.Subject, m.Text)
		}
	}
	require.NotNil(t, answer)
	dl := regexp.MustCompile(`https?://\S+/download\?t=[A-Za-z0-9_-]{43}`).FindString(answer.Text)
	require.NotEmpty(t, dl)
	res, err = http.Get(dl)
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(b))
	t.Log("CSP:", res.Header.Get("Content-Security-Policy"))
	du, _ := url.Parse(dl)
	res, err = http.PostForm(form+"/download", url.Values{"t": {du.Query().Get("t")}})
	require.NoError(t, err)
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(b))
	assert.Equal(t, "application/zip", res.Header.Get("Content-Type"))
	assert.Equal(t, "PK", string(b[:2]))
	t.Log("final URL host:", res.Request.URL.Host, "len", len(b))
}
