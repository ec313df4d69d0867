package standin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSESStoreStartsEmpty(t *testing.T) {
	s := SES(t)
	resp, err := http.Get(s.URL + "/store")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"emails":[]`)
}

// TestSESListensWhereTheSystemPutIt: without a given port the SES
// stand-in binds port 0 and is found at the port it names, so no other
// process can take its port between a pick and its start.
func TestSESListensWhereTheSystemPutIt(t *testing.T) {
	s := SES(t)
	port, err := strconv.Atoi(s.URL[len("http://127.0.0.1:"):])
	require.NoError(t, err, s.URL)
	assert.NotZero(t, port)
	assert.True(t, s.logs.saw("localhost:"+strconv.Itoa(port)), "the port it said it listens on")

	for line, want := range map[string]int{
		"aws-ses-v2-local: server running at http://localhost:41234": 41234,
		"aws-ses-v2-local: server running at http://[::1]:8005":      8005,
		"aws-ses-v2-local: starting server...":                       0,
		"NONE NONE Cognito Local running on http://127.0.0.1:40001":  40001,
		"aws-ses-v2-local: server running at http://localhost:99999": 0,
	} {
		tl := &tail{}
		_, _ = tl.Write([]byte(line + "\n"))
		p, ok := tl.announcedPort()
		assert.Equal(t, want != 0, ok, line)
		if ok {
			assert.Equal(t, want, p, line)
		}
	}
}

func TestStopEndsTheProcess(t *testing.T) {
	s := Dynalite(t)
	require.NoError(t, s.Stop())
	_, err := http.Get(s.URL)
	assert.Error(t, err, "dynalite still answers after Stop")
}

// TestAStandInOnATakenPortSaysItExitedEarly takes a port before the SES
// stand-in starts on it, as a parallel test or an outgoing connection can
// between pickPort and the start: the stand-in fails in its own words
// (Express 5 hides EADDRINUSE), and the start reports errExitedEarly, which
// onFreePort answers by trying another port.
func TestAStandInOnATakenPortSaysItExitedEarly(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	for _, name := range []string{"aws-ses-v2-local", "dynalite"} {
		s, err := start(context.Background(), name, "", port, []string{"--host", "127.0.0.1", "--port", strconv.Itoa(port)})
		if errors.Is(err, ErrUnavailable) && !Required() {
			t.Skipf("skipping: %v", err)
		}
		if s != nil {
			_ = s.Stop()
		}
		assert.ErrorIs(t, err, errExitedEarly, name)
	}
}

func TestOnFreePortTriesAnotherPortAfterAnEarlyExit(t *testing.T) {
	var ports []int
	s, err := onFreePort(func(port int) (*Server, error) {
		ports = append(ports, port)
		if len(ports) < 3 {
			return nil, fmt.Errorf("x %w: taken", errExitedEarly)
		}
		return &Server{Name: "x"}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, "x", s.Name)
	assert.Len(t, ports, 3)

	calls := 0
	_, err = onFreePort(func(int) (*Server, error) {
		calls++
		return nil, fmt.Errorf("x %w: always", errExitedEarly)
	})
	assert.ErrorIs(t, err, errExitedEarly)
	assert.Equal(t, freePortAttempts, calls, "gives up after freePortAttempts")

	calls = 0
	other := errors.New("not installed")
	_, err = onFreePort(func(int) (*Server, error) { calls++; return nil, other })
	assert.ErrorIs(t, err, other)
	assert.Equal(t, 1, calls, "any other failure is returned at once")
}

func TestProcCPUTime(t *testing.T) {
	// pid (comm with a space) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
	d, err := procCPUTime("4242 (node dyna lite) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 11")
	require.NoError(t, err)
	assert.Equal(t, 3250*time.Millisecond, d, "(250 + 75) ticks of 1/100 s")
	_, err = procCPUTime("4242 node")
	assert.Error(t, err)
}

// TestCPUTimeGrowsWithWork: calls to the stand-in show in its processor
// time (read until they do: a tick is 10 ms, whatever the machine's speed).
func TestCPUTimeGrowsWithWork(t *testing.T) {
	s := Dynalite(t)
	before, err := s.CPUTime()
	require.NoError(t, err)
	after := before
	for i := 0; i < 100000 && after == before; i++ {
		resp, err := http.Get(s.URL)
		require.NoError(t, err)
		_ = resp.Body.Close()
		after, err = s.CPUTime()
		require.NoError(t, err)
	}
	assert.Greater(t, after, before)
}
