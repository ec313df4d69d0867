package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// initReport is what the emulator (aws-lambda-rie, rapid) prints once the
// runtime has finished its init phase, i.e. called /next for the first
// time: "INIT REPORT(durationMs: 3.628000)". It follows
// "INIT RTDONE(status: success)" (or a failed status).
var (
	initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)`)
	initDone   = regexp.MustCompile(`INIT RTDONE\(status: ([a-z]+)`)
)

// ParseInit reads the emulator's log: the init duration in milliseconds
// and whether init succeeded. found is false when the log holds no INIT
// REPORT yet.
func ParseInit(line string) (ms float64, found bool) {
	m := initReport.FindStringSubmatch(line)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

// Start starts bootstrap under the emulator rie, a fresh process on free
// ports with environment env, sends it one invocation and returns the init
// duration the emulator reports. Init that does not succeed (the function
// stops at cold start) is an error carrying the log's last lines.
func Start(ctx context.Context, rie, bootstrap string, env []string) (float64, error) {
	api, err := freePort()
	if err != nil {
		return 0, err
	}
	runtimeAPI, err := freePort()
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", api, "--runtime-api-address", runtimeAPI, bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", rie, err)
	}
	// The emulator and the runtime it started are one process group;
	// both end with this start.
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		_ = pw.Close()
	}()

	type result struct {
		ms  float64
		err error
	}
	done := make(chan result, 1)
	go func() {
		var tail []string
		status := ""
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			tail = append(tail, line)
			if len(tail) > 6 {
				tail = tail[1:]
			}
			if m := initDone.FindStringSubmatch(line); m != nil {
				status = m[1]
			}
			if ms, ok := ParseInit(line); ok {
				if status != "success" {
					done <- result{err: fmt.Errorf("init %s: %s", or(status, "failed"), strings.Join(tail, " | "))}
				} else {
					done <- result{ms: ms}
				}
				go func() { _, _ = io.Copy(io.Discard, pr) }()
				return
			}
		}
		done <- result{err: fmt.Errorf("the emulator printed no INIT REPORT: %s", strings.Join(tail, " | "))}
	}()

	if err := waitListening(ctx, api); err != nil {
		return 0, err
	}
	// One invocation starts the init phase; its answer does not matter
	// (there is no backend), only the init it caused.
	go func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+api+"/2015-03-31/functions/function/invocations", strings.NewReader("{}"))
		if err != nil {
			return
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	}()
	select {
	case r := <-done:
		return r.ms, r.err
	case <-ctx.Done():
		return 0, fmt.Errorf("no INIT REPORT from %s: %w", bootstrap, ctx.Err())
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// freePort is a loopback address with a port nothing listens on now.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitListening waits until addr accepts connections.
func waitListening(ctx context.Context, addr string) error {
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("the emulator never listened on %s", addr), err)
		case <-time.After(2 * time.Millisecond):
		}
	}
}
