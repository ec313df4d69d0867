package states

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const twoStepDef = `{"StartAt":"Work","States":{
  "Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"Work","Payload.$":"$"},
    "ResultSelector":{"echo.$":"$.Payload"},"ResultPath":"$.work","Next":"Done"},
  "Done":{"Type":"Succeed"}}}`

// runNamed starts and waits for n executions named run-0 … run-(n-1).
func runNamed(t *testing.T, r *Runtime, arn string, n int) []ExecutionInfo {
	t.Helper()
	var out []ExecutionInfo
	for i := range n {
		info, err := r.Start(arn, fmt.Sprintf("run-%d", i), fmt.Sprintf(`{"i":%d}`, i))
		require.NoError(t, err)
		info, err = r.Wait(context.Background(), info.ExecutionARN)
		require.NoError(t, err)
		require.Equal(t, StatusSucceeded, info.Status, info.Error+" "+info.Cause)
		out = append(out, info)
	}
	return out
}

func TestEndedExecutionsWithoutAStoreAreKeptUpToKeepEnded(t *testing.T) {
	r, _ := rtNew(t, Options{KeepEnded: 3})
	r.RegisterFunction("Work", echo)
	arn, err := r.Register("two", []byte(twoStepDef), nil)
	require.NoError(t, err)
	runs := runNamed(t, r, arn, 10)

	assert.Equal(t, 3, r.EndedInMemory(), "only the newest three ended executions stay in memory")
	list := r.List(arn, "")
	require.Len(t, list, 3)
	assert.Equal(t, []string{"run-9", "run-8", "run-7"}, []string{list[0].Name, list[1].Name, list[2].Name})

	// The newest are there in full.
	info, err := r.Describe(runs[9].ExecutionARN)
	require.NoError(t, err)
	assert.Equal(t, StatusSucceeded, info.Status)
	assert.JSONEq(t, `{"i":9,"work":{"echo":{"i":9}}}`, info.Output)
	assert.Equal(t, 2, info.Transitions)
	evs, err := r.History(runs[9].ExecutionARN)
	require.NoError(t, err)
	require.NotEmpty(t, evs)
	assert.Equal(t, "ExecutionStarted", evs[0].Type)
	assert.Equal(t, "ExecutionSucceeded", evs[len(evs)-1].Type)
	_, err = r.Start(arn, "run-9", `{"i":9}`)
	assert.ErrorIs(t, err, ErrExecutionAlreadyExists, "an ended execution's name stays taken while it is kept")
	waited, err := r.Wait(context.Background(), runs[8].ExecutionARN)
	require.NoError(t, err)
	assert.Equal(t, runs[8].Output, waited.Output)

	// The oldest are forgotten, as AWS forgets them after their retention.
	_, err = r.Describe(runs[0].ExecutionARN)
	assert.ErrorIs(t, err, ErrExecutionDoesNotExist)
	_, err = r.History(runs[0].ExecutionARN)
	assert.ErrorIs(t, err, ErrExecutionDoesNotExist)
	again, err := r.Start(arn, "run-0", `{"i":0}`)
	require.NoError(t, err, "a forgotten execution's name may be used again")
	again, err = r.Wait(context.Background(), again.ExecutionARN)
	require.NoError(t, err)
	assert.Equal(t, StatusSucceeded, again.Status)
}

func TestEndedExecutionsWithAStoreLeaveMemory(t *testing.T) {
	dir := t.TempDir()
	open := func() (*Runtime, *VirtualClock, string) {
		store, err := NewFileStore(dir)
		require.NoError(t, err)
		r, clk := rtNew(t, Options{Store: store})
		r.RegisterFunction("Work", echo)
		r.RegisterFunction("Ask", echo)
		arn, err := r.Register("two", []byte(twoStepDef), nil)
		require.NoError(t, err)
		_, err = r.Register("ask", []byte(tokenDef), nil)
		require.NoError(t, err)
		return r, clk, arn
	}
	r1, clk1, arn := open()
	runs := runNamed(t, r1, arn, 5)
	assert.Equal(t, 0, r1.EndedInMemory(), "no ended execution stays in memory")
	running, err := filepath.Glob(filepath.Join(dir, "execution-*.json"))
	require.NoError(t, err)
	assert.Empty(t, running, "no ended execution is resumed after a restart")

	check := func(t *testing.T, r *Runtime) {
		for i, run := range runs {
			info, err := r.Describe(run.ExecutionARN)
			require.NoError(t, err)
			assert.Equal(t, StatusSucceeded, info.Status)
			assert.JSONEq(t, fmt.Sprintf(`{"i":%d,"work":{"echo":{"i":%d}}}`, i, i), info.Output)
			assert.Equal(t, fmt.Sprintf(`{"i":%d}`, i), info.Input)
			evs, err := r.History(run.ExecutionARN)
			require.NoError(t, err)
			assert.Equal(t, "ExecutionSucceeded", evs[len(evs)-1].Type)
			n, err := r.Transitions(run.ExecutionARN)
			require.NoError(t, err)
			assert.Equal(t, 2, n)
			stopped, err := r.Stop(run.ExecutionARN, "", "")
			require.NoError(t, err)
			assert.Equal(t, run.StopDate, stopped, "stopping an ended execution changes nothing")
		}
		list := r.List(arn, StatusSucceeded)
		require.Len(t, list, 5)
		assert.Equal(t, "run-4", list[0].Name)
		assert.Equal(t, "run-0", list[4].Name)
		assert.Equal(t, 2, list[0].Transitions)
		_, err := r.Start(arn, "run-3", `{"i":3}`)
		assert.ErrorIs(t, err, ErrExecutionAlreadyExists, "an ended execution's name stays taken")
		_, err = r.Describe(arn[:len(arn)-len("stateMachine:two")] + "execution:two:never")
		assert.ErrorIs(t, err, ErrExecutionDoesNotExist)
	}
	t.Run("read back from the store", func(t *testing.T) { check(t, r1) })

	// One waits on a task token across the restart.
	asking, err := r1.Start(r1.StateMachineARN("ask"), "asking", `{"requestId":"q"}`)
	require.NoError(t, err)
	require.NoError(t, clk1.WaitIdle(context.Background())) // it waits for the token
	evs, err := r1.History(asking.ExecutionARN)
	require.NoError(t, err)
	assert.Equal(t, "TaskSubmitted", evs[len(evs)-1].Type)
	r1.Close()

	r2, _, _ := open()
	require.NoError(t, r2.Resume())
	t.Run("read back after a restart", func(t *testing.T) { check(t, r2) })
	assert.Len(t, r2.List("", StatusRunning), 1)
	require.NoError(t, r2.SendTaskSuccess("token-1", `{"ok":true}`))
	info, err := r2.Wait(context.Background(), asking.ExecutionARN)
	require.NoError(t, err)
	assert.Equal(t, StatusSucceeded, info.Status)
	assert.Equal(t, 0, r2.EndedInMemory())
	assert.Len(t, r2.List("", ""), 6)
}

func TestResumeHandsOverExecutionsSavedAsEnded(t *testing.T) {
	// A data folder from before ended executions were kept apart: an ended
	// execution's record among the running ones.
	dir := t.TempDir()
	store, err := NewFileStore(dir)
	require.NoError(t, err)
	arn := "arn:aws:states:us-east-1:123456789012:execution:two:old"
	rec := fmt.Sprintf(`{"arn":%q,"name":"old","stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:two",
	  "status":"SUCCEEDED","input":"{}","output":"{\"done\":true}","startDate":"2026-03-01T09:00:00Z","stopDate":"2026-03-01T09:00:01Z",
	  "transitions":2,"definition":%s,"root":{"state":"Done","input":{}},
	  "events":[{"id":1,"previousEventId":0,"timestamp":"2026-03-01T09:00:00Z","type":"ExecutionStarted"}]}`, arn, twoStepDef)
	require.NoError(t, store.Save(arn, []byte(rec)))
	r, _ := rtNew(t, Options{Store: store})
	require.NoError(t, r.Resume())

	info, err := r.Describe(arn)
	require.NoError(t, err)
	assert.Equal(t, StatusSucceeded, info.Status)
	assert.JSONEq(t, `{"done":true}`, info.Output)
	assert.Equal(t, 0, r.EndedInMemory())
	assert.Len(t, r.List("", ""), 1)
	left, err := store.LoadAll()
	require.NoError(t, err)
	assert.Empty(t, left, "nothing is left to resume")
}

func TestFileStoreListsEachEndedExecutionOnce(t *testing.T) {
	dir := t.TempDir()
	s, err := NewFileStore(dir)
	require.NoError(t, err)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	a := ExecutionInfo{ExecutionARN: "arn:a", Name: "a", Status: StatusSucceeded, StartDate: at, Transitions: 3}
	b := ExecutionInfo{ExecutionARN: "arn:b", Name: "b", Status: StatusFailed, StartDate: at}
	require.NoError(t, s.Save("arn:a", []byte(`{"v":"running"}`)))
	require.NoError(t, s.End(a, []byte(`{"v":"a"}`)))
	require.NoError(t, s.End(b, []byte(`{"v":"b"}`)))
	require.NoError(t, s.End(a, []byte(`{"v":"a"}`))) // ended again after a crash
	// A line cut short by a crash.
	f, err := os.OpenFile(filepath.Join(dir, "ended", "index.jsonl"), os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"arn":"arn:c","na`)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	var names []string
	require.NoError(t, s.Ended(func(info ExecutionInfo) bool {
		names = append(names, info.Name)
		return true
	}))
	assert.Equal(t, []string{"a", "b"}, names)
	data, err := s.Load("arn:a")
	require.NoError(t, err)
	assert.JSONEq(t, `{"v":"a"}`, string(data))
	_, err = s.Load("arn:c")
	assert.ErrorIs(t, err, ErrExecutionDoesNotExist)
	running, err := s.LoadAll()
	require.NoError(t, err)
	assert.Empty(t, running)
}
