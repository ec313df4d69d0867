// Package outbox reads the mail the local SES stand-in (aws-ses-v2-local)
// has accepted: its outbox, for tests, the local stack and the cost report.
// Production never reads it.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Email is one message as aws-ses-v2-local keeps it in its outbox.
type Email struct {
	MessageID string
	From      string
	ReplyTo   []string
	To        []string
	Cc        []string
	Bcc       []string
	Subject   string
	HTML      string
	Text      string
	// Headers are the custom headers sent with Simple content, in order.
	Headers []Header
	At      time.Time // when the stand-in accepted it (whole seconds)
}

// Header is one custom header of an Email.
type Header struct {
	Name  string
	Value string
}

// Header returns the value of the first header named name (compared
// without regard to case), or "".
func (e Email) Header(name string) string {
	for _, h := range e.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// storeJSON is the body of aws-ses-v2-local's GET /store.
type storeJSON struct {
	Emails []struct {
		MessageID   string   `json:"messageId"`
		From        string   `json:"from"`
		ReplyTo     []string `json:"replyTo"`
		Destination struct {
			To  []string `json:"to"`
			Cc  []string `json:"cc"`
			Bcc []string `json:"bcc"`
		} `json:"destination"`
		Subject string `json:"subject"`
		Body    struct {
			HTML string `json:"html"`
			Text string `json:"text"`
		} `json:"body"`
		Headers []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"headers"`
		At int64 `json:"at"`
	} `json:"emails"`
}

// Read lists the mail held by the aws-ses-v2-local stand-in at baseURL
// (its GET /store), oldest first.
func Read(ctx context.Context, baseURL string) ([]Email, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/store", nil)
	if err != nil {
		return nil, fmt.Errorf("read the SES outbox: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read the SES outbox: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read the SES outbox: status %s", resp.Status)
	}
	var raw storeJSON
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&raw); err != nil {
		return nil, fmt.Errorf("read the SES outbox: decode: %w", err)
	}
	out := make([]Email, 0, len(raw.Emails))
	for _, e := range raw.Emails {
		s := Email{
			MessageID: e.MessageID,
			From:      e.From,
			ReplyTo:   e.ReplyTo,
			To:        e.Destination.To,
			Cc:        e.Destination.Cc,
			Bcc:       e.Destination.Bcc,
			Subject:   e.Subject,
			HTML:      e.Body.HTML,
			Text:      e.Body.Text,
			At:        time.Unix(e.At, 0).UTC(),
		}
		for _, h := range e.Headers {
			s.Headers = append(s.Headers, Header{Name: h.Name, Value: h.Value})
		}
		out = append(out, s)
	}
	return out, nil
}
