// Package workflows lists the functions the workflows call, by their
// template logical IDs, each with the constructor its main calls: which
// handler a function runs is written once, in its constructor. The local
// stack and the cost report build them all from here; a Lambda main never
// imports this package, so each binary keeps linking only its own family.
package workflows

import (
	"context"
	"fmt"
	"log/slog"
	"sort"

	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/setup/fulfil"
	"github.com/productionflow/privacy-desk/shared/setup/fulfil/start"
	"github.com/productionflow/privacy-desk/shared/setup/verify"
)

// Constructor builds one function's handler from the environment.
type Constructor func(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (any, error)

// Functions are the constructors of the functions the workflows call.
var Functions = map[string]Constructor{
	"VerifyStartFunction":  of(verify.Start),
	"VerifyCloseFunction":  of(verify.Close),
	"FulfilStartFunction":  of(start.Handler),
	"FulfilPlanFunction":   of(fulfil.Plan),
	"FulfilStepFunction":   of(fulfil.Step),
	"FulfilTasksFunction":  of(fulfil.Tasks),
	"FulfilAnswerFunction": of(fulfil.Answer),
}

func of[H any](c setup.Handler[H]) Constructor {
	return func(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (any, error) {
		return c(ctx, getenv, log, opts...)
	}
}

// Build builds every function of Functions, keyed by logical ID.
func Build(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (map[string]any, error) {
	return BuildEach(ctx, getenv, log, func(string) []setup.Option { return opts })
}

// BuildEach builds every function of Functions, each with the options
// optsFor gives for its logical ID.
func BuildEach(ctx context.Context, getenv func(string) string, log *slog.Logger, optsFor func(id string) []setup.Option) (map[string]any, error) {
	ids := make([]string, 0, len(Functions))
	for id := range Functions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make(map[string]any, len(ids))
	for _, id := range ids {
		h, err := Functions[id](ctx, getenv, log, optsFor(id)...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		out[id] = h
	}
	return out, nil
}
