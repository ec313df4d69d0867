package states

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCloseStopsAnExecutionStartedMeanwhile: a Close that comes while an
// execution is being started (put among the running, not yet run) stops it
// too. Before, such an execution had no context yet: Close skipped it, and
// it ran on (here: waiting for a task token for ever) while Close waited for
// it for ever.
func TestCloseStopsAnExecutionStartedMeanwhile(t *testing.T) {
	r, _ := rtNew(t, Options{})
	r.RegisterFunction("Ask", echo)
	def := `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"Ask"},"End":true}}}`
	arn, err := r.Register("close", []byte(def), nil)
	require.NoError(t, err)
	var started *execution
	closed := make(chan struct{})
	r.started = func(x *execution) {
		started = x
		// Among the running, not yet run: Close must be able to stop it.
		require.NotNil(t, x.cancel, "an execution among the running has its context")
		go func() { r.Close(); close(closed) }()
		<-x.ctx.Done() // Close reached it
	}
	_, err = r.Start(arn, "req-1", `{}`)
	require.NoError(t, err)
	require.NotNil(t, started)
	for _, ch := range []chan struct{}{started.done, closed} {
		select {
		case <-ch:
		case <-time.After(time.Minute): // a bound on a hang, not a measure of speed
			t.Fatal("the execution started as the runtime closed is still running, or Close waits for it")
		}
	}
}

// TestCloseAfterAResumeThatFailed: a record the runtime cannot resume,
// after one it can, fails Resume; Close still returns (before, the
// executions resumed up to the bad record were counted as running and
// never run, and Close waited for them for ever).
func TestCloseAfterAResumeThatFailed(t *testing.T) {
	dir := t.TempDir()
	def := `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"Ask"},"End":true}}}`
	store, err := NewFileStore(dir)
	require.NoError(t, err)
	r1, _ := rtNew(t, Options{Store: store})
	r1.RegisterFunction("Ask", echo)
	arn, err := r1.Register("resume", []byte(def), nil)
	require.NoError(t, err)
	a, err := r1.Start(arn, "a", `{}`)
	require.NoError(t, err)
	waitHistory(t, r1, a.ExecutionARN, "TaskSubmitted", 0)
	r1.Close()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "execution-zzzz.json"), []byte("not a record"), 0o600))

	store2, err := NewFileStore(dir)
	require.NoError(t, err)
	r2 := New(Options{Store: store2, Clock: NewVirtualClock(rtStart)})
	r2.RegisterFunction("Ask", echo)
	require.Error(t, r2.Resume())
	assert.Empty(t, r2.List("", StatusRunning), "nothing half-loaded is left among the running")
	closed := make(chan struct{})
	go func() { r2.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(time.Minute): // a bound on a hang, not a measure of speed
		t.Fatal("Close waits for executions a failed Resume never ran")
	}
}
