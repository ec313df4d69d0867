package states

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExecutionsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const waitDef = `{"StartAt":"Hold","States":{
	  "Hold":{"Type":"Wait","Seconds":172800,"Next":"After"},
	  "After":{"Type":"Pass","Parameters":{"at.$":"$$.State.EnteredTime","id.$":"$.id"},"End":true}}}`
	const parallelDef = `{"StartAt":"Both","States":{"Both":{"Type":"Parallel","End":true,"Branches":[
	  {"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
	    "Parameters":{"FunctionName":"Ask"},"End":true}}},
	  {"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":3600,"Next":"Up"},"Up":{"Type":"Pass","Result":"rested","End":true}}}]}}}`

	setup := func(clk *VirtualClock) (*Runtime, map[string]string) {
		store, err := NewFileStore(dir)
		require.NoError(t, err)
		r, _ := rtNew(t, Options{Clock: clk, Store: store})
		r.RegisterFunction("Ask", echo)
		arns := map[string]string{}
		for name, def := range map[string]string{"token": tokenDef, "wait": waitDef, "parallel": parallelDef} {
			arn, err := r.Register(name, []byte(def), nil)
			require.NoError(t, err)
			arns[name] = arn
		}
		return r, arns
	}

	// Before the restart: a manual clock keeps the Wait from passing.
	clk1 := NewManualClock(rtStart)
	r1, arns := setup(clk1)
	a, err := r1.Start(arns["token"], "a", `{"requestId":"a"}`)
	require.NoError(t, err)
	waitHistory(t, r1, a.ExecutionARN, "TaskSubmitted", 0) // a has token-1
	b, err := r1.Start(arns["wait"], "b", `{"id":"b","n":1.5}`)
	require.NoError(t, err)
	c, err := r1.Start(arns["parallel"], "c", `{}`)
	require.NoError(t, err)
	waitHistory(t, r1, b.ExecutionARN, "WaitStateEntered", 0)
	waitHistory(t, r1, c.ExecutionARN, "TaskSubmitted", 0)
	require.NoError(t, clk1.WaitIdle(ctx))
	clk1.Advance(time.Hour) // c's Nap branch ends before the restart; b sleeps on
	require.NoError(t, clk1.WaitIdle(ctx))
	r1.Close()

	files, err := filepath.Glob(filepath.Join(dir, "execution-*.json"))
	require.NoError(t, err)
	assert.Len(t, files, 3)

	// After the restart: a new runtime on the same folder, an automatic
	// virtual clock from where the old one stopped.
	clk2 := NewVirtualClock(clk1.Now())
	release := clk2.Hold() // keep the Wait from passing until the token is sent
	r2, _ := setup(clk2)
	require.NoError(t, r2.Resume())
	for _, x := range []ExecutionInfo{a, b, c} {
		info, err := r2.Describe(x.ExecutionARN)
		require.NoError(t, err)
		assert.Equal(t, StatusRunning, info.Status, x.Name)
	}
	// Tokens are ours to choose in tests: r1 made token-1 (a) and token-2 (c).
	require.NoError(t, r2.SendTaskSuccess("token-1", `{"verified":true}`))
	require.NoError(t, r2.SendTaskSuccess("token-2", `{"owner":"done"}`))
	release()

	got := map[string]ExecutionInfo{}
	for _, x := range []ExecutionInfo{a, b, c} {
		info, err := r2.Wait(ctx, x.ExecutionARN)
		require.NoError(t, err, x.Name)
		require.Equal(t, StatusSucceeded, info.Status, x.Name+": "+info.Error+" "+info.Cause)
		got[x.Name] = info
	}
	assert.JSONEq(t, `{"requestId":"a","answer":{"verified":true}}`, got["a"].Output)
	assert.JSONEq(t, `{"at":"`+formatTime(rtStart.Add(48*time.Hour))+`","id":"b"}`, got["b"].Output)
	assert.JSONEq(t, `[{"owner":"done"},"rested"]`, got["c"].Output)
	assert.Equal(t, 2, got["b"].Transitions)
	assert.Equal(t, rtStart.Add(48*time.Hour), clk2.Now())

	// History goes on where it stopped: one ExecutionStarted, one
	// WaitStateEntered, ids in sequence.
	evs, err := r2.History(b.ExecutionARN)
	require.NoError(t, err)
	counts := map[string]int{}
	for i, e := range evs {
		counts[e.Type]++
		assert.Equal(t, int64(i+1), e.ID)
	}
	assert.Equal(t, 1, counts["ExecutionStarted"])
	assert.Equal(t, 1, counts["WaitStateEntered"])
	assert.Equal(t, 1, counts["ExecutionSucceeded"])

	// A third runtime sees the ended executions as they ended.
	r2.Close()
	r3, _ := setup(NewVirtualClock(clk2.Now()))
	require.NoError(t, r3.Resume())
	info, err := r3.Describe(a.ExecutionARN)
	require.NoError(t, err)
	assert.Equal(t, StatusSucceeded, info.Status)
	_, err = r3.Start(arns["token"], "a", `{"requestId":"a"}`)
	assert.ErrorIs(t, err, ErrExecutionAlreadyExists)
}

func TestFileStoreWritesAtomically(t *testing.T) {
	dir := t.TempDir()
	s, err := NewFileStore(dir)
	require.NoError(t, err)
	require.NoError(t, s.Save("arn:x", []byte(`{"v":1}`)))
	require.NoError(t, s.Save("arn:x", []byte(`{"v":2}`)))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".tmp-execution-leftover"), []byte("{"), 0o600))
	all, err := s.LoadAll()
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte(`{"v":2}`)}, all)
}
