package inbound

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strings"

	"github.com/jhillyerd/enmime/v2/mediatype"
)

// LimitError says which bound a message went past. Read turns it into an
// Unreadable result whose Reason is the error text; it never carries
// personal data.
type LimitError struct {
	Bound string // "size", "parts", "depth", "headers", "time"
	Limit int64
}

func (e *LimitError) Error() string {
	switch e.Bound {
	case "size":
		return fmt.Sprintf("message larger than %d bytes", e.Limit)
	case "parts":
		return fmt.Sprintf("message has more than %d MIME parts", e.Limit)
	case "depth":
		return fmt.Sprintf("message nests MIME parts deeper than %d levels", e.Limit)
	case "headers":
		return fmt.Sprintf("message headers larger than %d bytes", e.Limit)
	case "time":
		return "message took too long to parse"
	}
	return "message past a bound: " + e.Bound
}

// Internal budgets, derived from Limits.MaxTextBytes so one knob scales them.
// Body lines past a budget are dropped, not refused: a huge attachment or a
// very long text body still gives a readable (truncated) message.
func budgets(lim Limits) (textPart, otherPart, kept int64) {
	t := int64(lim.MaxTextBytes)
	return 16 * t, 4 << 10, 64 * t
}

// A frame is one open container while streaming: a multipart body (with its
// boundary) or an embedded message/rfc822 (boundary empty).
type frame struct {
	delim []byte // "--" + boundary; nil for an embedded message
}

type filterMode int

const (
	modeHeader  filterMode = iota // reading a header block
	modeBody                      // reading a leaf body, within budget
	modeBetween                   // preamble or epilogue of a multipart: dropped
)

// shrink streams raw MIME from r and writes to w a structurally equivalent
// message in which every leaf body is cut at a budget (text bodies keep more
// than attachments). It counts bytes, parts and nesting as it goes, so the
// bounds hold before enmime ever sees the message, and memory stays
// proportional to the budgets rather than to the message size.
//
// Cuts fall on line boundaries, so base64 (76-column lines) and
// quoted-printable bodies stay decodable.
//
// enmime (v2.3) has no option to bound size, part count or depth, and it
// reads every part, attachments included, fully into memory; its options
// only cover error tolerance and charset handling (Read sets those). So the
// bounds are enforced here, in one streaming pass, and enmime parses the
// shrunken copy.
func shrink(ctx context.Context, r io.Reader, w *bytes.Buffer, lim Limits) error {
	textBudget, otherBudget, keptBudget := budgets(lim)
	headerBudget := keptBudget

	br := bufio.NewReaderSize(r, 64<<10)
	var consumed int64

	var (
		stack       []frame
		mode        = modeHeader
		header      bytes.Buffer // current header block
		bodyLeft    int64        // budget left for the current leaf body
		parts       = 1
		lineStart   = true // the next chunk starts a new line
		linesSeen   int
		headerTotal int64
	)

	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			err = nil
		}
		consumed += int64(len(chunk))
		if consumed > lim.MaxBytes {
			return &LimitError{Bound: "size", Limit: lim.MaxBytes}
		}
		if len(chunk) > 0 {
			linesSeen++
			if linesSeen%1024 == 0 {
				if ctx.Err() != nil {
					return &LimitError{Bound: "time"}
				}
			}
			startsLine := lineStart
			lineStart = chunk[len(chunk)-1] == '\n'

			// A boundary line of any open multipart ends the current part.
			if startsLine && len(stack) > 0 && bytes.HasPrefix(chunk, []byte("--")) {
				if i, closing := matchDelimiter(stack, chunk); i >= 0 {
					if mode == modeHeader {
						// Part ended inside its header block: keep what we have.
						w.Write(header.Bytes())
						header.Reset()
					}
					stack = stack[:i+1]
					w.Write(chunk)
					if closing {
						stack = stack[:i]
						mode = modeBetween
					} else {
						parts++
						if parts > lim.MaxParts {
							return &LimitError{Bound: "parts", Limit: int64(lim.MaxParts)}
						}
						mode = modeHeader
					}
					continue
				}
			}

			switch mode {
			case modeHeader:
				headerTotal += int64(len(chunk))
				if headerTotal > headerBudget {
					return &LimitError{Bound: "headers", Limit: headerBudget}
				}
				header.Write(chunk)
				if startsLine && isBlank(chunk) {
					w.Write(header.Bytes())
					kind, delim := classify(header.Bytes())
					header.Reset()
					switch kind {
					case leafMultipart:
						stack = append(stack, frame{delim: delim})
						mode = modeBetween
					case leafMessage:
						stack = append(stack, frame{})
						mode = modeHeader
					case leafText:
						mode, bodyLeft = modeBody, textBudget
					default:
						mode, bodyLeft = modeBody, otherBudget
					}
					if len(stack) > lim.MaxDepth {
						return &LimitError{Bound: "depth", Limit: int64(lim.MaxDepth)}
					}
				}
			case modeBody:
				if n := int64(len(chunk)); n <= bodyLeft && n <= keptBudget {
					w.Write(chunk)
					bodyLeft -= n
					keptBudget -= n
				} else {
					bodyLeft = 0 // stop at the first line that does not fit
				}
			case modeBetween:
				// preamble and epilogue carry nothing for us
			}
		}
		if err == io.EOF {
			if mode == modeHeader {
				w.Write(header.Bytes())
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("read message: %w", err)
		}
	}
}

type leafKind int

const (
	leafOther leafKind = iota
	leafText
	leafMultipart
	leafMessage
)

// classify reads a header block's Content-Type the way enmime does (its
// tolerant media type parser) and says what follows the blank line.
func classify(block []byte) (leafKind, []byte) {
	h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(block))).ReadMIMEHeader()
	ct := h.Get("Content-Type")
	if ct == "" {
		return leafText, nil
	}
	mt, params, _, err := mediatype.Parse(ct)
	if err != nil {
		return leafOther, nil
	}
	mt = strings.ToLower(mt)
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	switch {
	case strings.HasPrefix(mt, "multipart/") && params["boundary"] != "":
		return leafMultipart, []byte("--" + params["boundary"])
	case mt == "message/rfc822" && (cte == "" || cte == "7bit" || cte == "8bit" || cte == "binary"):
		return leafMessage, nil
	case mt == "text/plain" || mt == "text/html" || mt == "":
		return leafText, nil
	}
	return leafOther, nil
}

// matchDelimiter finds the innermost open multipart whose boundary this line
// is, the way enmime's boundary reader recognises one ("--b" followed by
// white space, or "--b--").
func matchDelimiter(stack []frame, line []byte) (int, bool) {
	for i := len(stack) - 1; i >= 0; i-- {
		d := stack[i].delim
		if d == nil || !bytes.HasPrefix(line, d) {
			continue
		}
		rest := line[len(d):]
		if bytes.HasPrefix(rest, []byte("--")) {
			return i, true
		}
		if len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\r' || rest[0] == '\n' {
			return i, false
		}
	}
	return -1, false
}

func isBlank(line []byte) bool {
	return len(bytes.TrimRight(line, "\r\n")) == 0
}
