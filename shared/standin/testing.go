package standin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/caarlos0/env/v11"
)

// harnessConfig is the test harness's own configuration: make test and
// CI set STANDINS=required (or CI=true), so adapter tests never skip there.
type harnessConfig struct {
	Standins string `env:"STANDINS"`
	CI       string `env:"CI"`
}

func (c harnessConfig) required() bool { return c.Standins == "required" || c.CI == "true" }

// loadHarness reads the harness configuration from environment (nil: the
// process environment). Two strings cannot fail to parse.
func loadHarness(environment map[string]string) harnessConfig {
	var c harnessConfig
	_ = env.ParseWithOptions(&c, env.Options{Environment: environment})
	return c
}

// harness is the configuration, loaded once, when a test first asks.
var harness = sync.OnceValue(func() harnessConfig { return loadHarness(nil) })

// Required reports whether tests must have the stand-ins (harnessConfig).
func Required() bool { return harness().required() }

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
