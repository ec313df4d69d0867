package email_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/inbound"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/setup/intake/email"
)

// The sam local invoke sample: the receipt event and the raw message the S3
// action stored for it must describe the same mail, and the event gives
// the inbox its delivery.
func TestSESEventSample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "events", "intake-email-receipt.json"))
	require.NoError(t, err)
	var ev events.SimpleEmailEvent
	require.NoError(t, json.Unmarshal(data, &ev))
	require.Len(t, ev.Records, 1)
	ses := ev.Records[0].SES
	assert.Len(t, ses.Mail.MessageID, 40)
	assert.Equal(t, "Lambda", ses.Receipt.Action.Type)
	assert.Equal(t, "Event", ses.Receipt.Action.InvocationType)

	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "events", "intake-email-receipt.eml"))
	require.NoError(t, err)
	assert.Equal(t, ses.Mail.Headers, emlHeaders(t, raw), "event headers are the stored message's headers, in order")
	assert.Contains(t, string(raw), "with SMTP id "+ses.Mail.MessageID)

	ds := email.Deliveries(ev)
	require.Len(t, ds, 1)
	d := ds[0]
	assert.Equal(t, ses.Mail.MessageID, d.MessageID)
	assert.True(t, d.ReceivedAt.Equal(ses.Mail.Timestamp))
	assert.Equal(t, inbound.Verdicts{Spam: "PASS", Virus: "PASS", SPF: "PASS", DKIM: "PASS", DMARC: "PASS"}, d.Verdicts)
	res, err := inbound.Read(context.Background(), bytes.NewReader(raw), d.Verdicts, []string{"privacy@productionflow.com"}, inbound.DefaultLimits())
	require.NoError(t, err)
	assert.Equal(t, ses.Mail.CommonHeaders.Subject, res.Subject)
	assert.Equal(t, "<"+res.MessageID+">", ses.Mail.CommonHeaders.MessageID)
	assert.Equal(t, ses.Mail.Source, res.From.Address)
	assert.Equal(t, []request.Kind{request.Deletion, request.OptOutSale}, res.Kinds)
	assert.Equal(t, request.Expedited, res.Priority)
	assert.Equal(t, "CCPA", res.Regulation)
	assert.True(t, res.Reply)
	assert.Empty(t, res.AuthFailures)
}

func emlHeaders(t *testing.T, raw []byte) []events.SimpleEmailHeader {
	t.Helper()
	var out []events.SimpleEmailHeader
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			out[len(out)-1].Value += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		require.True(t, ok, line)
		out = append(out, events.SimpleEmailHeader{Name: name, Value: strings.TrimSpace(value)})
	}
	return out
}
