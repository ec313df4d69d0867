package webform_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/verify"
	"github.com/productionflow/privacy-desk/shared/webform"
)

// goodToken has the shape of a link's token: 43 base64url characters.
const goodToken = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE"

// fakeVerifier answers with err (nil: success) and counts calls.
type fakeVerifier struct {
	err              error
	lookups, confirm []string
}

var _ webform.Verifier = (*fakeVerifier)(nil)

func (f *fakeVerifier) Lookup(_ context.Context, raw string) (verify.Link, error) {
	f.lookups = append(f.lookups, raw)
	return verify.Link{RequestID: "PR-VRFY-0000-0000-0001", Kinds: []request.Kind{request.Deletion},
		ExpiresAt: time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)}, f.err
}

func (f *fakeVerifier) Confirm(_ context.Context, raw string) (verify.Confirmation, error) {
	f.confirm = append(f.confirm, raw)
	return verify.Confirmation{RequestID: "PR-VRFY-0000-0000-0001", VerifiedAt: time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC),
		AnswerBy: time.Date(2027, 1, 14, 15, 0, 0, 0, time.UTC)}, f.err
}

func newVerifyHandler(v webform.Verifier, logs *bytes.Buffer) http.Handler {
	return webform.New(&fakeIntake{}, webform.Config{Location: time.UTC, TeamAddress: "privacy@productionflow.example",
		Verifier: v, Log: slog.New(slog.NewJSONHandler(logs, nil))})
}

func confirmPost(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/verify", strings.NewReader(url.Values{"t": {tok}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestVerifyPageShowsAndChangesNothing(t *testing.T) {
	f := &fakeVerifier{}
	var logs bytes.Buffer
	h := newVerifyHandler(f, &logs)
	for range 3 { // a mail scanner prefetching, then the person, then a reload
		res, body := serve(h, httptest.NewRequest(http.MethodGet, "/verify?t="+goodToken, nil))
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Contains(t, body, "Confirm your privacy request PR-VRFY-0000-0000-0001")
		assert.Contains(t, body, `<form method="post" action="verify">`)
		assert.Contains(t, body, `<input type="hidden" name="t" value="`+goodToken+`">`)
		assert.Contains(t, body, "Delete your data")
		assert.Contains(t, body, "December 7, 2026")
		assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
		assert.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
		assert.Contains(t, res.Header.Get("Content-Security-Policy"), "form-action 'self'")
		assert.NotContains(t, body, "<script")
	}
	assert.Len(t, f.lookups, 3)
	assert.Empty(t, f.confirm, "GET never confirms")

	res, body := serve(h, confirmPost(goodToken))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Thank you, you are verified")
	assert.Contains(t, body, "January 14, 2027")
	assert.Equal(t, []string{goodToken}, f.confirm)
	assert.NotContains(t, logs.String(), goodToken)
}

func TestVerifyProblems(t *testing.T) {
	tests := []struct {
		err    error
		status int
		want   string
	}{
		{verify.ErrLinkUnknown, http.StatusNotFound, "We do not know this link"},
		{verify.ErrLinkPurpose, http.StatusNotFound, "We do not know this link"},
		{verify.ErrLinkUsed, http.StatusGone, "already used"},
		{verify.ErrLinkExpired, http.StatusGone, "has expired"},
		{verify.ErrRequestClosed, http.StatusGone, "This request is closed"},
		{errors.New("get token: connection refused"), http.StatusInternalServerError, "Something went wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			var logs bytes.Buffer
			h := newVerifyHandler(&fakeVerifier{err: tt.err}, &logs)
			for _, r := range []*http.Request{httptest.NewRequest(http.MethodGet, "/verify?t="+goodToken, nil), confirmPost(goodToken)} {
				res, body := serve(h, r)
				assert.Equal(t, tt.status, res.StatusCode, r.Method)
				assert.Contains(t, body, tt.want)
				assert.Contains(t, body, `href="./"`, "the page leads to the form")
				assert.NotContains(t, body, goodToken)
				assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
			}
			assert.NotContains(t, logs.String(), goodToken)
		})
	}
}

func TestVerifyRefusesMalformedTokens(t *testing.T) {
	for name, tok := range map[string]string{
		"missing":   "",
		"too short": "abc",
		"too long":  goodToken + "A",
		"markup":    `<script>alert(1)</script>AAAAAAAAAAAAAAAAAAAAAAAAAA`[:43],
		"padding":   goodToken[:42] + "=",
	} {
		t.Run(name, func(t *testing.T) {
			f := &fakeVerifier{}
			h := newVerifyHandler(f, &bytes.Buffer{})
			res, body := serve(h, httptest.NewRequest(http.MethodGet, "/verify?t="+url.QueryEscape(tok), nil))
			assert.Equal(t, http.StatusNotFound, res.StatusCode)
			assert.NotContains(t, body, "<script>alert")
			res, _ = serve(h, confirmPost(tok))
			assert.Equal(t, http.StatusNotFound, res.StatusCode)
			assert.Empty(t, f.lookups)
			assert.Empty(t, f.confirm)
		})
	}
	t.Run("an oversized body", func(t *testing.T) {
		f := &fakeVerifier{}
		res, _ := serve(newVerifyHandler(f, &bytes.Buffer{}), confirmPost(strings.Repeat("A", 4096)))
		assert.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Empty(t, f.confirm)
	})
}

func TestVerifyRoutesOnlyWhenConfigured(t *testing.T) {
	res, _ := serve(newHandler(&fakeIntake{}), httptest.NewRequest(http.MethodGet, "/verify?t="+goodToken, nil))
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}
