package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/standin"
)

// TestLocalStackDownload follows an access request to the download: the
// answer mails the desk's page, GET shows it, POST gives the package, and
// the package holds Ada's real rows from the downstream stand-ins.
func TestLocalStackDownload(t *testing.T) {
	addrs := startStack(t)
	outbox := strings.TrimSuffix(addrs.Outbox, "/")
	const email = "ada@example.com"
	form := strings.TrimSuffix(addrs.Form, "/")
	formID := formSubmissionID(t, form)
	res, err := http.PostForm(form+"/requests", url.Values{
		"submissionId": {formID}, "kinds": {"access-specific"}, "name": {"Ada Example"}, "email": {email}, "declaration": {"yes"},
	})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	id := request.WebID(formID, email)
	link := waitForLink(t, outbox, email, verifyLink)
	u, _ := url.Parse(link)
	res, err = http.PostForm(form+"/verify", url.Values{"t": {u.Query().Get("t")}})
	require.NoError(t, err)
	res.Body.Close()
	answer, confirmed := answerFor(t, addrs, id)
	assert.Empty(t, confirmed, "every export runs through an API: no owner is asked")
	dl := regexp.MustCompile(`https?://\S+/download\?t=[A-Za-z0-9_-]{43}`).FindString(answer.Text)
	require.NotEmpty(t, dl)
	res, err = http.Get(dl)
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(b))
	du, _ := url.Parse(dl)
	res, err = http.PostForm(form+"/download", url.Values{"t": {du.Query().Get("t")}})
	require.NoError(t, err)
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(b))
	assert.Equal(t, "application/zip", res.Header.Get("Content-Type"))

	// The link's use is on the trail, once.
	client := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(addrs.DynamoDB) })
	events, err := (&dynamo.Store{API: client, Table: deskEnv["TABLE_NAME"]}).Events(context.Background(), id)
	require.NoError(t, err)
	used := 0
	for _, ev := range events {
		if ev.Action == request.ActionPackageDownloaded {
			used++
			assert.Equal(t, "requester", ev.Actor)
		}
	}
	assert.Equal(t, 1, used, "the download is on the trail")

	// What Ada gets is what the systems hold about her.
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		body, _ := io.ReadAll(rc)
		rc.Close()
		files[path.Base(f.Name)] = string(body)
	}
	all := ""
	for _, body := range files {
		all += body
	}
	for _, want := range []string{
		"12 Analytical Row",     // her address, from the accounts API
		"Extra seats x3",        // an order
		"ch_3QadaCharge0002",    // a card charge, from Stripe
		"Adding seats",          // a support ticket, from Zendesk
		"INV-2026-0077",         // an invoice, from the factoring partner
		"Example Credit Bureau", // a credit check
	} {
		assert.Contains(t, all, want)
	}
	assert.NotContains(t, all, "Cannot export my plan", "Grace's ticket is not in Ada's package")
	assert.NotEmpty(t, files["invoices.csv"], "a CSV per category: %v", fileNames(files))
}

func fileNames(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
