package standin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// Required reports whether tests must have the stand-ins: make test and CI
// set STANDINS=required (or CI=true), so adapter tests never skip there.
// It is the test harness's own configuration, read when a test asks.
func Required() bool { return requiredBy(os.Getenv) }

func requiredBy(getenv func(string) string) bool {
	return getenv("STANDINS") == "required" || getenv("CI") == "true"
}

// Dynalite starts an in-memory dynalite for one test and stops it when the
// test ends. Without Node it skips the test, unless stand-ins are Required.
func Dynalite(t testing.TB) *Server {
	t.Helper()
	return forTest(t, StartDynalite)
}

// SES starts aws-ses-v2-local for one test, as Dynalite does.
func SES(t testing.TB) *Server {
	t.Helper()
	return forTest(t, StartSES)
}

func forTest(t testing.TB, startFn func(context.Context, Options) (*Server, error)) *Server {
	t.Helper()
	s, err := startFn(context.Background(), Options{})
	if errors.Is(err, ErrUnavailable) && !Required() {
		t.Skipf("skipping: %v (make test provides the stand-ins)", err)
	}
	if err != nil {
		t.Fatalf("start stand-in: %v", err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

// KeepEnv puts the whole process environment back as it was when the test
// ends: for tests of code that sets it, as the local stack does.
func KeepEnv(t testing.TB) {
	t.Helper()
	saved := os.Environ()
	t.Cleanup(func() {
		os.Clearenv()
		for _, kv := range saved {
			if k, v, ok := strings.Cut(kv, "="); ok {
				_ = os.Setenv(k, v)
			}
		}
	})
}

func bytesReader(p []byte) io.Reader { return bytes.NewReader(p) }
