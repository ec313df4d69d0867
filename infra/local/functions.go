package main

import (
	"context"
	"log/slog"
	"os"
	"sort"

	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/setup/workflows"
	"github.com/productionflow/privacy-desk/shared/states"
)

// registerFunctions returns the registration of the desk's functions that
// workflows call, under their local ARNs, built by the same wiring as the
// Lambda mains — except that time is the runtime's movable clock, so moving
// it forward makes deadlines pass for the functions too.
func registerFunctions(ctx context.Context, log *slog.Logger, opt options) func(*states.Runtime) {
	return func(rt *states.Runtime) {
		fns, err := workflows.BuildEach(ctx, os.Getenv, log, func(id string) []setup.Option { return opt.function(id, rt.Clock().Now) })
		if err != nil {
			log.Error("workflow functions not registered", "error", err)
			return
		}
		ids := make([]string, 0, len(fns))
		for id := range fns {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			rt.RegisterLambda(functionARN(id), fns[id])
		}
	}
}
