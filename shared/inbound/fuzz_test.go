package inbound

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// FuzzRead feeds arbitrary bytes to the entry point. Seeds are the corpus;
// `go test` runs them, `go test -fuzz=FuzzRead` explores from them. Read must
// never panic, never return an error for in-memory input, and always respect
// its bounds.
func FuzzRead(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.eml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	lim := Limits{MaxBytes: 256 << 10, MaxParts: 20, MaxDepth: 4, Timeout: 2 * time.Second, MaxTextBytes: 4 << 10}

	f.Fuzz(func(t *testing.T, raw []byte) {
		var res *Result
		var err error
		done := make(chan struct{})
		go func() { res, err = Read(context.Background(), bytes.NewReader(raw), pass, ours, lim); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("HANG\n%s", buf[:n])
		}
		if err != nil {
			t.Fatalf("in-memory input gave an error: %v", err)
		}
		if res == nil {
			t.Fatal("nil result")
		}
		if res.Reason == "message took too long to parse" {
			t.Fatalf("slow input")
		}
		if len(res.Text) > lim.MaxTextBytes {
			t.Fatalf("text %d bytes, over the %d cap", len(res.Text), lim.MaxTextBytes)
		}
		if int64(len(raw)) > lim.MaxBytes && !res.Unreadable {
			t.Fatalf("%d bytes accepted past the %d bound", len(raw), lim.MaxBytes)
		}
		if res.Reply == (len(res.Kinds) == 0) {
			t.Fatalf("reply=%v but kinds=%v: a request is answered, a non-request is not", res.Reply, res.Kinds)
		}
		if !res.Reply && res.Reason == "" {
			t.Fatal("no reply without a reason")
		}
		if res.Quarantine && res.Reply {
			t.Fatal("quarantined mail answered")
		}
		for _, k := range res.Kinds {
			if !k.Valid() {
				t.Fatalf("invalid kind %q", k)
			}
		}
	})
}
