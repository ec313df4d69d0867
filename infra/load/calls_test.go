package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCallsPerSubmission: calls are named by their operation and printed
// per submission, by service.
func TestCallsPerSubmission(t *testing.T) {
	put := httptest.NewRequest(http.MethodPost, "/", nil)
	put.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
	send := httptest.NewRequest(http.MethodPost, "/v2/email/outbound-emails", nil)
	var c calls
	for range 4 {
		c.count("DYNAMODB " + operation(put))
	}
	c.count("SESV2 " + operation(send))
	c.count("SESV2 " + operation(send))
	var out bytes.Buffer
	printCalls(&out, c.take(), 2)
	assert.Contains(t, out.String(), "calls per web submission (its workflows' first steps included): 3.0\n")
	assert.Regexp(t, `DYNAMODB PutItem +2\.00`, out.String())
	assert.Regexp(t, `SESV2 SendEmail +1\.00`, out.String())
	assert.Empty(t, c.take(), "taken counts start again from zero")
}
