package outbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/standin/outbox"
)

// TestRead decodes the stand-in's GET /store as aws-ses-v2-local writes it.
func TestRead(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/store", r.URL.Path)
		_, _ = w.Write([]byte(`{"templates":{},"emails":[{"messageId":"m-1","from":"desk@productionflow.example",
			"replyTo":["privacy@productionflow.example"],
			"destination":{"to":["dana@example.com"],"cc":["cc@example.com"],"bcc":[]},
			"subject":"We received your privacy request","body":{"html":"<p>hi</p>","text":"hi"},
			"headers":[{"name":"Auto-Submitted","value":"auto-generated"}],"at":1798117500}]}`))
	}))
	defer srv.Close()

	emails, err := outbox.Read(context.Background(), srv.URL+"/")
	require.NoError(t, err)
	require.Len(t, emails, 1)
	got := emails[0]
	assert.Equal(t, "m-1", got.MessageID)
	assert.Equal(t, "desk@productionflow.example", got.From)
	assert.Equal(t, []string{"privacy@productionflow.example"}, got.ReplyTo)
	assert.Equal(t, []string{"dana@example.com"}, got.To)
	assert.Equal(t, []string{"cc@example.com"}, got.Cc)
	assert.Empty(t, got.Bcc)
	assert.Equal(t, "We received your privacy request", got.Subject)
	assert.Equal(t, "<p>hi</p>", got.HTML)
	assert.Equal(t, "hi", got.Text)
	assert.Equal(t, "auto-generated", got.Header("auto-submitted"), "header names compare without case")
	assert.Empty(t, got.Header("X-Missing"))
	assert.Equal(t, time.Unix(1798117500, 0).UTC(), got.At)
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"server error", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }, "status 500"},
		{"not JSON", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>")) }, "decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			_, err := outbox.Read(context.Background(), srv.URL)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/store", r.URL.Path)
		_, _ = w.Write([]byte(`{"templates":{},"emails":[]}`))
	}))
	defer srv.Close()
	emails, err := outbox.Read(context.Background(), srv.URL+"/")
	require.NoError(t, err)
	assert.Empty(t, emails)
}
