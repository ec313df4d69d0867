package states

import (
	"context"
	"encoding/json"
	"strconv"
)

func (x *execution) parallel(ctx context.Context, st *State, th *thread) (any, *Error) {
	cobj := x.contextObject(st, th, "")
	if th.Phase != phaseChildren {
		eff, serr := x.effectiveInput(st, th, cobj, st.Parameters)
		if serr != nil {
			return nil, serr
		}
		children := make([]*thread, len(st.Branches))
		for i, b := range st.Branches {
			children[i] = &thread{State: b.StartAt, Input: eff}
		}
		x.set(func() { th.Phase, th.Children = phaseChildren, children })
		x.event(th, "ParallelStateStarted", "", nil)
		x.save()
	}
	outs, serr := x.runChildren(ctx, th, func(i int) *Machine { return st.Branches[i] }, 0, "")
	x.set(func() { th.Phase, th.Children = "", nil })
	if serr != nil {
		if serr != stopErr {
			x.event(th, "ParallelStateFailed", "", nil)
		}
		return nil, serr
	}
	x.event(th, "ParallelStateSucceeded", "", nil)
	return x.finish(st, th, cobj, outs)
}

func (x *execution) mapState(ctx context.Context, st *State, th *thread) (any, *Error) {
	cobj := x.contextObject(st, th, "")
	limit := 0
	if th.Phase != phaseChildren {
		in, err := ApplyInputPath(st.InputPath, th.Input, cobj)
		if err != nil {
			return nil, asStatesError(err)
		}
		items := in
		if st.ItemsPath.Present && !st.ItemsPath.Null {
			items, err = QueryPath(st.ItemsPath.Path, in, cobj)
			if err != nil {
				return nil, asStatesError(err)
			}
		}
		list, ok := items.([]any)
		if !ok {
			return nil, Errorf(ErrRuntime, "the ItemsPath of Map state %q does not select an array", st.Name)
		}
		selector := st.ItemSelector
		if selector == nil {
			selector = st.Parameters
		}
		children := make([]*thread, len(list))
		p := st.processor()
		for i, item := range list {
			input := item
			if selector != nil {
				ictx := x.contextObject(st, th, "")
				if ictx == nil {
					ictx = map[string]any{}
				}
				ictx["Map"] = map[string]any{"Item": map[string]any{"Index": json.Number(strconv.Itoa(i)), "Value": item}}
				input, err = ApplyPayloadTemplate(selector, in, ictx, x.rt.env)
				if err != nil {
					return nil, asStatesError(err)
				}
			}
			children[i] = &thread{State: p.StartAt, Input: input, Item: &mapItem{Index: i, Value: item}}
		}
		x.set(func() { th.Phase, th.Children = phaseChildren, children })
		x.event(th, "MapStateStarted", "mapStateStartedEventDetails", map[string]any{"length": len(list)})
		x.save()
	}
	switch {
	case st.MaxConcurrency != nil:
		limit = *st.MaxConcurrency
	case st.MaxConcurrencyPath != "":
		v, err := QueryPath(st.MaxConcurrencyPath, th.Input, cobj)
		if err != nil {
			return nil, asStatesError(err)
		}
		n, ok := nonNegativeInt(v)
		if !ok {
			return nil, Errorf(ErrRuntime, "MaxConcurrencyPath %s of state %q is not a non-negative integer", st.MaxConcurrencyPath, st.Name)
		}
		limit = int(n) // 0: no limit
	}
	p := st.processor()
	outs, serr := x.runChildren(ctx, th, func(int) *Machine { return p }, limit, st.Name)
	x.set(func() { th.Phase, th.Children = "", nil })
	if serr != nil {
		if serr != stopErr {
			x.event(th, "MapStateFailed", "", nil)
		}
		return nil, serr
	}
	x.event(th, "MapStateSucceeded", "", nil)
	return x.finish(st, th, cobj, outs)
}

type childResult struct {
	i    int
	out  any
	serr *Error
}

// runChildren runs the parent's unfinished child threads, at most limit at
// once (0: all), and returns their outputs in order. The first failure
// stops the others and is returned. mapName names Map iterations in events.
func (x *execution) runChildren(ctx context.Context, th *thread, machine func(int) *Machine, limit int, mapName string) ([]any, *Error) {
	clk := x.rt.clock
	x.mu.Lock()
	children := append([]*thread(nil), th.Children...)
	x.mu.Unlock()
	outs := make([]any, len(children))
	var pending []int
	for i, c := range children {
		if c.Done {
			outs[i] = c.Output
			continue
		}
		pending = append(pending, i)
	}
	if limit <= 0 || limit > len(pending) {
		limit = len(pending)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan childResult, len(pending))
	running, next := 0, 0
	launch := func() {
		i := pending[next]
		next++
		running++
		if mapName != "" {
			x.event(th, "MapIterationStarted", "mapIterationStartedEventDetails", map[string]any{"name": mapName, "index": i})
		}
		clk.Busy() // the child's unit, handed back with its result
		go func() {
			out, serr := x.runThread(cctx, machine(i), children[i])
			results <- childResult{i, out, serr}
		}()
	}
	for running < limit && next < len(pending) {
		launch()
	}
	var first *Error
	for running > 0 {
		clk.Idle()
		r := <-results // brings the child's unit
		running--
		if r.serr == nil {
			outs[r.i] = r.out
			x.set(func() { children[r.i].Done, children[r.i].Output = true, r.out })
			if mapName != "" {
				x.event(th, "MapIterationSucceeded", "mapIterationSucceededEventDetails", map[string]any{"name": mapName, "index": r.i})
			}
			x.save()
		} else if first == nil && r.serr != stopErr {
			first = r.serr
			if mapName != "" {
				x.event(th, "MapIterationFailed", "mapIterationFailedEventDetails", map[string]any{"name": mapName, "index": r.i})
			}
			cancel()
		}
		if first == nil && ctx.Err() == nil && next < len(pending) {
			launch()
		}
	}
	if ctx.Err() != nil {
		return nil, stopErr
	}
	if first != nil {
		return nil, first
	}
	return outs, nil
}
