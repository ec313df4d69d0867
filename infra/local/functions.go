package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/productionflow/privacy-desk/shared/platform"
	"github.com/productionflow/privacy-desk/shared/states"
)

// registerFunctions returns the registration of the desk's functions that
// workflows call, under their local ARNs, built by the same wiring as the
// Lambda mains — except that time is the runtime's movable clock, so moving
// it forward makes deadlines pass for the functions too.
func registerFunctions(ctx context.Context, log *slog.Logger) func(*states.Runtime) {
	return func(rt *states.Runtime) {
		svc, err := platform.DeadlineReminder(ctx, os.Getenv, log, platform.WithNow(rt.Clock().Now))
		if err != nil {
			log.Error("DeadlineReminderFunction not registered", "error", err)
			return
		}
		rt.RegisterLambda(functionARN("DeadlineReminderFunction"), svc.Remind)

		vs, err := platform.Verification(ctx, os.Getenv, log, platform.WithNow(rt.Clock().Now))
		if err != nil {
			log.Error("verification functions not registered", "error", err)
			return
		}
		rt.RegisterLambda(functionARN("VerifyStartFunction"), vs.Start)
		rt.RegisterLambda(functionARN("VerifyCloseFunction"), vs.Close)

		launcher, err := platform.FulfilLauncher(ctx, os.Getenv, log)
		if err != nil {
			log.Error("FulfilStartFunction not registered", "error", err)
			return
		}
		rt.RegisterLambda(functionARN("FulfilStartFunction"), launcher.Start)
		fs, err := platform.Fulfil(ctx, os.Getenv, log, platform.WithNow(rt.Clock().Now))
		if err != nil {
			log.Error("fulfil functions not registered", "error", err)
			return
		}
		rt.RegisterLambda(functionARN("FulfilPlanFunction"), fs.Plan)
		rt.RegisterLambda(functionARN("FulfilStepFunction"), fs.Step)
		rt.RegisterLambda(functionARN("FulfilAnswerFunction"), fs.Answer)
	}
}
