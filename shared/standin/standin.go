// Package standin starts the local stand-ins for AWS services that run as
// Node programs (dynalite for DynamoDB, aws-ses-v2-local for SES v2) and
// hands out SDK configuration pointed at them.
//
// The programs come from infra/local/package.json, installed with
// `npm ci --prefix infra/local` (make run and make test do this).
package standin

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// ErrUnavailable reports that Node or the installed stand-ins are missing.
var ErrUnavailable = errors.New("stand-in unavailable")

// Server is a running stand-in.
type Server struct {
	Name string
	URL  string // base URL, e.g. http://127.0.0.1:41234

	cmd  *exec.Cmd
	done chan struct{}
	once sync.Once
	logs *tail
}

// Options tune a stand-in start.
type Options struct {
	// Port to listen on; 0 picks a free one.
	Port int
	// DataDir makes dynalite keep its data on disk in this folder;
	// empty keeps it in memory. Ignored by the SES stand-in.
	DataDir string
	// Root is the repository root; empty finds it from the working directory.
	Root string
}

// StartDynalite starts dynalite and waits until it answers.
func StartDynalite(ctx context.Context, opt Options) (*Server, error) {
	if opt.DataDir != "" {
		if err := os.MkdirAll(opt.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("dynalite data folder: %w", err)
		}
	}
	return startOnPort(ctx, "dynalite", opt, func(port int) []string {
		args := []string{"--host", "127.0.0.1", "--port", strconv.Itoa(port),
			"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"}
		if opt.DataDir != "" {
			args = append(args, "--path", opt.DataDir)
		}
		return args
	})
}

// StartSES starts aws-ses-v2-local and waits until it answers. Without a
// given port it listens on one the system chooses and says which (port 0),
// so no other process can take its port before it binds it.
func StartSES(ctx context.Context, opt Options) (*Server, error) {
	args := func(port int) []string { return []string{"--host", "127.0.0.1", "--port", strconv.Itoa(port)} }
	if opt.Port == 0 {
		return start(ctx, "aws-ses-v2-local", opt.Root, 0, args(0))
	}
	return startOnPort(ctx, "aws-ses-v2-local", opt, args)
}

// startOnPort starts a stand-in on opt.Port, or on a free port. A given
// port must be free: otherwise whatever answers there would pass for the
// stand-in.
func startOnPort(ctx context.Context, name string, opt Options, args func(port int) []string) (*Server, error) {
	if opt.Port != 0 {
		if err := CheckFree(fmt.Sprintf("127.0.0.1:%d", opt.Port)); err != nil {
			return nil, fmt.Errorf("start %s: %w", name, err)
		}
		return start(ctx, name, opt.Root, opt.Port, args(opt.Port))
	}
	return onFreePort(func(port int) (*Server, error) {
		return start(ctx, name, opt.Root, port, args(port))
	})
}

// freePortAttempts bounds onFreePort's tries.
const freePortAttempts = 5

// onFreePort runs start on a free port. The port can be taken by another
// process between choosing it and the stand-in binding it (a parallel test
// package's stand-in, or the ephemeral end of any outgoing connection), and
// the stand-ins do not all say so in the same words (aws-ses-v2-local on
// Express 5 swallows EADDRINUSE and fails with "Server does not have an
// address"), so a stand-in that exits before it is ready is started again on
// another port, up to freePortAttempts times.
func onFreePort(start func(port int) (*Server, error)) (*Server, error) {
	var err error
	for attempt := 0; attempt < freePortAttempts; attempt++ {
		var port int
		if port, err = pickPort(0); err != nil {
			return nil, err
		}
		var s *Server
		if s, err = start(port); !errors.Is(err, errExitedEarly) {
			return s, err
		}
	}
	return nil, err
}

// errExitedEarly marks a stand-in that exited before it answered.
var errExitedEarly = errors.New("exited before it was ready")

// Stop ends the stand-in and waits for it to exit.
func (s *Server) Stop() error {
	s.once.Do(func() {
		if s.cmd.Process != nil {
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(3 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.done
			}
		}
	})
	return nil
}

// CPUTime is the processor time the stand-in's process has used so far
// (user and system), read from /proc: for reports that compare what two
// kinds of call cost the stand-in, which a shared machine's noise moves
// far less than their rates. Linux only.
func (s *Server) CPUTime() (time.Duration, error) {
	if s.cmd.Process == nil {
		return 0, errors.New("stand-in not started")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("%s processor time: %w", s.Name, err)
	}
	return procCPUTime(string(b))
}

// clockTicks is the unit of /proc's times: USER_HZ, 100 on Linux.
const clockTicks = 100

// procCPUTime reads utime and stime (fields 14 and 15) of a /proc/<pid>/stat
// line; the command name (field 2, in parentheses) may hold spaces.
func procCPUTime(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc stat line")
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat line")
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat times: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// Config is an aws.Config for talking to stand-ins: a fixed region and
// static placeholder credentials (the stand-ins check that a signature is
// present, not what it is).
func Config() aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
}

// Root finds the repository root: the nearest folder upwards holding go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (go.mod) not found above the working directory")
		}
		dir = parent
	}
}

func start(ctx context.Context, name, root string, port int, args []string) (*Server, error) {
	return startIn(ctx, name, root, "", nil, port, args)
}

// startIn starts the stand-in name with args, in the working folder dir
// (empty: this process's) with env added to this process's environment,
// and waits until it answers on port.
func startIn(ctx context.Context, name, root, dir string, env []string, port int, args []string) (*Server, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("%w: node is not on PATH (install Node 20)", ErrUnavailable)
	}
	if root == "" {
		if root, err = Root(); err != nil {
			return nil, err
		}
	}
	bin := filepath.Join(root, "infra", "local", "node_modules", ".bin", name)
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%w: %s is not installed; run `npm ci --prefix infra/local`", ErrUnavailable, name)
	}
	cmd := exec.Command(node, append([]string{bin}, args...)...)
	cmd.Dir = dir
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	logs := &tail{}
	cmd.Stdout = logs
	cmd.Stderr = logs
	// The stand-in dies with us even if we are killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &Server{Name: name, URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, done: make(chan struct{}), logs: logs}
	go func() { _ = cmd.Wait(); close(s.done) }()

	deadline := time.Now().Add(20 * time.Second)
	for {
		// Ours is listening only once it has said so, naming its port:
		// another process that took the port between pickPort and this
		// start (a test run beside this one) answers too, but it is not ours.
		// Started on port 0, it names the port the system gave it.
		if port == 0 {
			if p, ok := logs.announcedPort(); ok {
				port, s.URL = p, fmt.Sprintf("http://127.0.0.1:%d", p)
			}
		}
		if port != 0 && logs.saw(":"+strconv.Itoa(port)) && ready(s.URL) {
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("%s %w: %s", name, errExitedEarly, logs.String())
		case <-ctx.Done():
			_ = s.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = s.Stop()
			return nil, fmt.Errorf("%s did not answer on %s within 20s: %s", name, s.URL, logs.String())
		}
	}
}

func ready(url string) bool {
	c := http.Client{Timeout: 500 * time.Millisecond}
	resp, err := c.Get(url)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return true
}

func pickPort(p int) (int, error) {
	if p != 0 {
		return p, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail keeps the last lines a stand-in printed, for error messages.
type tail struct {
	mu    sync.Mutex
	first []string // the first lines: what it said when it started
	lines []string
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sc := bufio.NewScanner(bytesReader(p))
	for sc.Scan() {
		if len(t.first) < 20 {
			t.first = append(t.first, sc.Text())
		}
		t.lines = append(t.lines, sc.Text())
		if len(t.lines) > 20 {
			t.lines = t.lines[1:]
		}
	}
	return len(p), nil
}

// saw reports whether a line was printed holding sub, since the start (the
// first lines are kept for this, beside the last ones).
func (t *tail) saw(sub string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, l := range append(t.first, t.lines...) {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// announced finds the port in a stand-in's "listening" line: "…server
// running at http://localhost:41234" (aws-ses-v2-local), "Cognito Local
// running on http://127.0.0.1:41234" (cognito-local).
var announced = regexp.MustCompile(`running (?:at|on) https?://[^\s/]*:([0-9]{1,5})\b`)

// announcedPort is the port the stand-in said it listens on.
func (t *tail) announcedPort() (int, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, l := range append(t.first, t.lines...) {
		if m := announced.FindStringSubmatch(l); m != nil {
			p, err := strconv.Atoi(m[1])
			return p, err == nil && p > 0 && p < 65536
		}
	}
	return 0, false
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := ""
	for _, l := range t.lines {
		out += l + "\n"
	}
	return out
}
