package inbound

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
)

const head = "From: Jane Roe <jane.roe@example.com>\r\nTo: privacy@productionflow.com\r\nSubject: CCPA Request\r\nMessage-ID: <big-1@example.com>\r\nMIME-Version: 1.0\r\n"

// repeatReader yields prefix, then n bytes of line, then suffix, without
// holding the message in memory.
func repeatReader(prefix string, line string, n int64, suffix string) io.Reader {
	body := io.LimitReader(&cycle{s: line}, n)
	return io.MultiReader(strings.NewReader(prefix), body, strings.NewReader(suffix))
}

type cycle struct {
	s string
	i int
}

func (c *cycle) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], c.s[c.i:])
		n += k
		c.i = (c.i + k) % len(c.s)
	}
	return n, nil
}

func TestReadBounds(t *testing.T) {
	b64line := strings.Repeat("QUJD", 19) + "\r\n"
	attachment := head + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nPlease delete my data.\r\n--b\r\n" +
		"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\n\r\n"

	tests := []struct {
		name       string
		raw        func() io.Reader
		lim        func(Limits) Limits
		unreadable bool
		reason     string
		kinds      []request.Kind
	}{
		{
			name:       "larger than 40 MB is refused",
			raw:        func() io.Reader { return repeatReader(attachment, b64line, MaxSESBytes, "--b--\r\n") },
			unreadable: true, reason: "message larger than 41943040 bytes", kinds: []request.Kind{request.Unclear},
		},
		{
			name:  "just under 40 MB with a big attachment is read",
			raw:   func() io.Reader { return repeatReader(attachment, b64line, MaxSESBytes-78*1024, "\r\n--b--\r\n") },
			kinds: []request.Kind{request.Deletion},
		},
		{
			name:       "smaller size limit",
			raw:        func() io.Reader { return strings.NewReader(head + "\r\n" + strings.Repeat("delete my data\r\n", 100)) },
			lim:        func(l Limits) Limits { l.MaxBytes = 1000; return l },
			unreadable: true, reason: "message larger than 1000 bytes", kinds: []request.Kind{request.Unclear},
		},
		{
			name:       "giant header is refused",
			raw:        func() io.Reader { return repeatReader(head+"X-Junk: ", "a", 20<<20, "\r\n\r\nhello\r\n") },
			unreadable: true, reason: "message headers larger than 4194304 bytes; no sender address",
		},
		{
			name: "long text is cut to MaxTextBytes",
			raw: func() io.Reader {
				return repeatReader(head+"\r\nPlease delete my data.\r\n", "blah blah blah blah\r\n", 5<<20, "")
			},
			kinds: []request.Kind{request.Deletion},
		},
		{
			name: "one endless line is cut, not refused",
			raw: func() io.Reader {
				return repeatReader(head+"\r\nPlease delete my data.\r\n", "x", 3<<20, "\r\n")
			},
			kinds: []request.Kind{request.Deletion},
		},
		{
			name:       "slow parse runs out of time",
			raw:        func() io.Reader { return &slowReader{r: repeatReader(head+"\r\n", "line\r\n", 10<<20, "")} },
			lim:        func(l Limits) Limits { l.Timeout = 50 * time.Millisecond; return l },
			unreadable: true, reason: "message took too long to parse", kinds: []request.Kind{request.Unclear},
		},
		{
			name:       "malformed headers still give a result",
			raw:        func() io.Reader { return strings.NewReader("this is not\r\n a mail at all: \x00\xff\r\n") },
			unreadable: true, reason: "message is not valid MIME; no sender address",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lim := DefaultLimits()
			if tc.lim != nil {
				lim = tc.lim(lim)
			}
			res, err := Read(context.Background(), tc.raw(), pass, ours, lim)
			require.NoError(t, err)
			assert.Equal(t, tc.unreadable, res.Unreadable, res.Reason)
			if tc.unreadable {
				assert.Equal(t, tc.reason, res.Reason)
			}
			assert.Equal(t, tc.kinds, res.Kinds)
			assert.LessOrEqual(t, len(res.Text), lim.MaxTextBytes)
			if tc.reason != "" && tc.kinds != nil {
				// The headers were readable, so the person gets the
				// "please use the form" answer and CCPA still counts.
				assert.True(t, res.Reply)
				assert.Equal(t, "jane.roe@example.com", res.From.Address)
				assert.Equal(t, request.Expedited, res.Priority)
			}
		})
	}
}

// slowReader hands out a little at a time, slowly.
type slowReader struct{ r io.Reader }

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	if len(p) > 64 {
		p = p[:64]
	}
	return s.r.Read(p)
}

func TestReadErrors(t *testing.T) {
	t.Run("reader failure is an error", func(t *testing.T) {
		boom := errors.New("connection reset")
		_, err := Read(context.Background(), io.MultiReader(strings.NewReader(head), &failing{boom}), pass, ours, DefaultLimits())
		assert.ErrorIs(t, err, boom)
	})
	t.Run("cancelled caller is an error", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Read(ctx, repeatReader(head+"\r\n", "line\r\n", 1<<20, ""), pass, ours, DefaultLimits())
		assert.ErrorIs(t, err, context.Canceled)
	})
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }

func TestShrinkReportsTypedLimit(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxParts = 3
	raw := head + "Content-Type: multipart/mixed; boundary=x\r\n\r\n" + strings.Repeat("--x\r\n\r\nhi\r\n", 5) + "--x--\r\n"
	var out bytes.Buffer
	err := shrink(context.Background(), strings.NewReader(raw), &out, lim)
	var le *LimitError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "parts", le.Bound)
	assert.EqualValues(t, 3, le.Limit)
}

func TestAttachmentTextNeverTriaged(t *testing.T) {
	raw := readFixture(t, "nested-multipart.eml")
	res, err := Read(context.Background(), bytes.NewReader(raw), pass, ours, DefaultLimits())
	require.NoError(t, err)
	assert.NotContains(t, res.Text, "do not sell", "the attached notes.txt stays out of the triage text")
	assert.Equal(t, []request.Kind{request.Correction}, res.Kinds)
}

func TestReadIdentity(t *testing.T) {
	tests := []struct {
		file, name, address, replyTo string
		auth                         []string
		v                            Verdicts
	}{
		{"reply-to-differs.eml", "Alice Young", "alice.young@work-example.com", "alice.personal@gmail.com", nil, pass},
		{"latin1-display-name.eml", "François Bérubé", "francois.berube@videotron.ca", "", nil, pass},
		{"es-acceso-iso88591.eml", "Raúl Martínez", "raul.martinez@telefonica.net", "", nil, pass},
		{"gmail-base64-es.eml", "Álvaro Núñez", "alvaro.nunez@gmail.com", "", nil, pass},
		{"spf-dmarc-fail.eml", "Quinn Reed", "quinn.reed@smallisp.example", "", []string{"SPF:FAIL", "DKIM:FAIL", "DMARC:FAIL"},
			Verdicts{Spam: "PASS", Virus: "PASS", SPF: "FAIL", DKIM: "FAIL", DMARC: "FAIL"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			res, err := Read(context.Background(), bytes.NewReader(readFixture(t, tc.file)), tc.v, ours, DefaultLimits())
			require.NoError(t, err)
			assert.Equal(t, tc.name, res.From.Name)
			assert.Equal(t, tc.address, res.From.Address)
			if tc.replyTo == "" {
				assert.Nil(t, res.ReplyTo)
			} else if assert.NotNil(t, res.ReplyTo) {
				assert.Equal(t, tc.replyTo, res.ReplyTo.Address)
			}
			assert.Equal(t, tc.auth, res.AuthFailures)
			assert.True(t, res.Reply, "authentication failures never block")
		})
	}
}

func TestReadSubjects(t *testing.T) {
	tests := map[string]string{
		"ccpa-request-encoded-subject.eml": "CCPA Request – borrar mis datos (José)",
		"es-acceso-iso88591.eml":           "Solicitud de información",
		"cp1252-subject-dont-sell.eml":     "Don’t sell my data",
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			res, err := Read(context.Background(), bytes.NewReader(readFixture(t, file)), pass, ours, DefaultLimits())
			require.NoError(t, err)
			assert.Equal(t, want, res.Subject)
		})
	}
}
