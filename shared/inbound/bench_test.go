package inbound

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// bigMessage builds a message of about size bytes: a short request in
// text/plain and text/html and one large base64 attachment, the shape of a
// scanned authorization letter sent from a phone.
func bigMessage(tb testing.TB, size int) []byte {
	tb.Helper()
	var b bytes.Buffer
	b.Grow(size)
	b.WriteString(head + "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n" +
		"--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" +
		"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nI am an authorized agent. Please delete my client's data; the signed letter is attached.\r\n" +
		"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>I am an authorized agent. Please delete my client's data; the signed letter is attached.</p>\r\n" +
		"--alt--\r\n" +
		"--outer\r\nContent-Type: application/pdf; name=\"letter.pdf\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"letter.pdf\"\r\n\r\n")
	const tail = "--outer--\r\n"
	chunk := make([]byte, 57*1024) // 57 raw bytes make one 76-column line
	line := make([]byte, base64.StdEncoding.EncodedLen(57))
	for b.Len()+len(tail)+1024*(len(line)+2) < size {
		if _, err := rand.Read(chunk); err != nil {
			tb.Fatal(err)
		}
		for i := 0; i < len(chunk); i += 57 {
			base64.StdEncoding.Encode(line, chunk[i:i+57])
			b.Write(line)
			b.WriteString("\r\n")
		}
	}
	b.WriteString(tail)
	return b.Bytes()
}

// heapPeak samples live heap objects while f runs and returns the highest
// value seen above the level before f, in bytes.
func heapPeak(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(stop)
	<-done
	if v := read(); v > peak.Load() {
		peak.Store(v)
	}
	if peak.Load() < base {
		return 0
	}
	return peak.Load() - base
}

// BenchmarkRead measures parse-and-triage throughput on a 40 MB message
// (SES's maximum) with a large base64 attachment, and the peak heap Read
// adds on top of the message itself. Attachments are streamed past and cut
// at a few KB, so memory stays far below twice the message size; the
// benchmark fails if it does not.
func BenchmarkRead(b *testing.B) {
	msg := bigMessage(b, MaxSESBytes-4096)
	b.SetBytes(int64(len(msg)))
	var worst uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var res *Result
		var err error
		peak := heapPeak(func() {
			res, err = Read(context.Background(), bytes.NewReader(msg), pass, ours, DefaultLimits())
		})
		if err != nil || res.Unreadable || !strings.Contains(res.Text, "authorized agent") {
			b.Fatalf("unexpected result: err=%v unreadable=%v reason=%q", err, res != nil && res.Unreadable, res.Reason)
		}
		worst = max(worst, peak)
	}
	b.ReportMetric(float64(worst)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(worst)/float64(len(msg)), "peak/msg")
	if worst >= 2*uint64(len(msg)) {
		b.Fatalf("peak heap %d bytes is not below twice the message size (%d)", worst, len(msg))
	}
}
