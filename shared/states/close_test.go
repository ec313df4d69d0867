package states

import (
	"testing"
	"time"

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
