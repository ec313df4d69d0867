package states

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// Ended executions leave the runtime's memory. With a Store, an execution
// that ends is handed to Store.End and read back from it when asked for;
// without one, the newest Options.KeepEnded ended executions are kept in
// memory, compactly, and older ones are forgotten, as AWS forgets an
// execution once its retention period has passed.

// DefaultKeepEnded is how many ended executions a runtime without a Store
// keeps in memory unless Options.KeepEnded says otherwise.
const DefaultKeepEnded = 1000

// keepLateTokens is how many task tokens of ended executions are
// remembered, so that a late SendTaskSuccess with one still gets
// TaskTimedOut rather than TaskDoesNotExist.
const keepLateTokens = 10000

// endedExec is what a runtime without a Store keeps of an ended execution:
// its description and its history, encoded.
type endedExec struct {
	info   ExecutionInfo
	events []byte // JSON of []Event
}

// fifo is a set of keys that forgets its oldest key past a capacity.
type fifo[V any] struct {
	max  int
	m    map[string]V
	ring []string
	next int
}

func newFIFO[V any](max int) *fifo[V] {
	return &fifo[V]{max: max, m: map[string]V{}}
}

func (f *fifo[V]) get(k string) (V, bool) {
	v, ok := f.m[k]
	return v, ok
}

func (f *fifo[V]) put(k string, v V) {
	if f.max <= 0 {
		return
	}
	if _, ok := f.m[k]; ok {
		f.m[k] = v
		return
	}
	if len(f.ring) < f.max {
		f.ring = append(f.ring, k)
	} else {
		delete(f.m, f.ring[f.next])
		f.ring[f.next] = k
		f.next = (f.next + 1) % f.max
	}
	f.m[k] = v
}

// each calls fn on every value, oldest first.
func (f *fifo[V]) each(fn func(V)) {
	n := len(f.ring)
	for i := range n {
		k := f.ring[(f.next+i)%n]
		if v, ok := f.m[k]; ok {
			fn(v)
		}
	}
}

// retire moves an execution that has ended out of the running set: into
// the Store, or into the in-memory set of ended executions. An execution
// cut short by Close is left as it is, to be resumed.
func (r *Runtime) retire(x *execution) {
	if x.ctx != nil && context.Cause(x.ctx) == errShutdown {
		return
	}
	x.mu.Lock()
	if x.rec.Status == StatusRunning {
		x.mu.Unlock()
		return
	}
	info := x.infoLocked()
	var data []byte
	var err error
	if r.store != nil {
		data, err = json.Marshal(&x.rec)
	} else {
		data, err = json.Marshal(x.rec.Events)
	}
	x.mu.Unlock()
	if err == nil && r.store != nil {
		err = r.store.End(info, data)
	}
	if err != nil {
		// Kept in memory: nothing is lost, only memory is not given back.
		r.log.Error("states: keep ended execution", "execution", info.ExecutionARN, "err", err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.running, info.ExecutionARN)
	for _, t := range x.closedTokens {
		delete(r.closed, t)
		r.lateTokens.put(t, struct{}{})
	}
	x.closedTokens = nil
	if r.store == nil {
		r.ended.put(info.ExecutionARN, &endedExec{info: info, events: data})
	}
}

// endedRecord finds an ended execution that is no longer running: in
// memory, or in the Store (with its history when events is true).
func (r *Runtime) endedRecord(arn string, events bool) (ExecutionInfo, []Event, error) {
	r.mu.Lock()
	e, ok := r.ended.get(arn)
	r.mu.Unlock()
	if ok {
		if !events {
			return e.info, nil, nil
		}
		var evs []Event
		if err := decodeJSON(e.events, &evs); err != nil {
			return ExecutionInfo{}, nil, fmt.Errorf("history of %s: %w", arn, err)
		}
		return e.info, evs, nil
	}
	if r.store == nil {
		return ExecutionInfo{}, nil, fmt.Errorf("%w: %s", ErrExecutionDoesNotExist, arn)
	}
	data, err := r.store.Load(arn)
	if err != nil {
		return ExecutionInfo{}, nil, err
	}
	var rec execRecord
	if err := decodeRecord(data, &rec); err != nil {
		return ExecutionInfo{}, nil, fmt.Errorf("load %s: %w", arn, err)
	}
	return rec.info(), rec.Events, nil
}

// ended reports whether arn names an ended execution. The caller holds r.mu.
func (r *Runtime) endedLocked(arn string) (bool, error) {
	if _, ok := r.ended.get(arn); ok {
		return true, nil
	}
	if r.store == nil {
		return false, nil
	}
	_, err := r.store.Load(arn)
	if errors.Is(err, ErrExecutionDoesNotExist) {
		return false, nil
	}
	return err == nil, err
}

// EndedInMemory returns how many ended executions the runtime holds in
// memory: at most Options.KeepEnded without a Store, none with one.
func (r *Runtime) EndedInMemory() int {
	r.mu.Lock()
	n := len(r.ended.m)
	running := make([]*execution, 0, len(r.running))
	for _, x := range r.running {
		running = append(running, x)
	}
	r.mu.Unlock()
	for _, x := range running {
		if x.info().Status != StatusRunning {
			n++ // ended a moment ago, not yet handed over
		}
	}
	return n
}

// listAll returns every execution the runtime knows, oldest start first.
// The running set is read before the Store, so an execution that ends in
// between is seen once, as the Store has it.
func (r *Runtime) listAll() ([]ExecutionInfo, error) {
	r.mu.Lock()
	var kept []ExecutionInfo
	r.ended.each(func(e *endedExec) { kept = append(kept, e.info) })
	running := make([]*execution, 0, len(r.running))
	for _, x := range r.running {
		running = append(running, x)
	}
	r.mu.Unlock()
	sort.Slice(running, func(i, j int) bool { return running[i].seq < running[j].seq })
	runningInfo := make([]ExecutionInfo, len(running))
	for i, x := range running {
		runningInfo[i] = x.info()
	}

	var out []ExecutionInfo
	seen := map[string]bool{}
	if r.store != nil {
		err := r.store.Ended(func(info ExecutionInfo) bool {
			out = append(out, info)
			seen[info.ExecutionARN] = true
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	out = append(out, kept...)
	for _, info := range runningInfo {
		if !seen[info.ExecutionARN] {
			out = append(out, info)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartDate.Before(out[j].StartDate) })
	return out, nil
}

func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}
