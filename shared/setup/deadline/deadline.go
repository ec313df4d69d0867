// Package deadline builds the deadline sweep (DeadlineReminderFunction)
// from the environment: the desk's configuration, the request store and
// the mailer, nothing else.
package deadline

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/deadline"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/setup"
)

// Config configures the deadline reminder: the desk's configuration alone.
type Config = setup.Desk

// Sweep builds the deadline sweep: a schedule calls DeadlineReminderFunction
// every hour with the run's time ({"at": "<aws.scheduler.scheduled-time>"}),
// and it sends the team the reminders planned within that hour. The local
// stack and the cost report call it on their clocks.
func Sweep(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (func(context.Context, deadline.SweepInput) (deadline.SweepResult, error), error) {
	svc, err := service(ctx, getenv, log, opts)
	if err != nil {
		return nil, err
	}
	return svc.Sweep, nil
}

// Handler is what DeadlineReminderFunction's main starts: Sweep's handler,
// which also answers a deadline-watch execution of an earlier version
// (see sweepOrRemind).
func Handler(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (func(context.Context, json.RawMessage) (any, error), error) {
	svc, err := service(ctx, getenv, log, opts)
	if err != nil {
		return nil, err
	}
	return sweepOrRemind(svc), nil
}

func service(ctx context.Context, getenv func(string) string, log *slog.Logger, opts []setup.Option) (*deadline.Service, error) {
	o := setup.Apply(opts)
	cfg, err := setup.LoadDesk(getenv)
	if err != nil {
		return nil, err
	}
	cal, err := clock.New(cfg.TimeZone.String())
	if err != nil {
		return nil, err
	}
	awsCfg, err := setup.LoadAWS(ctx, opts...)
	if err != nil {
		return nil, err
	}
	store := &dynamo.Store{API: setup.NewTable(awsCfg), Table: cfg.Table}
	svc := &deadline.Service{
		Store:       store,
		Open:        store,
		Mail:        setup.Mailer(awsCfg, cfg, store, o.Now, log),
		Calendar:    cal,
		Now:         o.Now,
		TeamAddress: cfg.TeamAddress.Bare(),
		Log:         log,
		Metrics:     setup.Metrics(cfg, o.Now),
	}
	return svc, nil
}

// sweepOrRemind takes the schedule's run ({"at": …}), and, from a
// deadline-watch execution started before the sweep replaced it and still
// running when this version was deployed, one planned reminder
// ({requestId, clock, stage, at}): it is sent unless met, moot or sent
// before (by the sweep too), and the watch learns whether to go on.
func sweepOrRemind(svc *deadline.Service) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var shape struct {
			RequestID string `json:"requestId"`
		}
		if err := json.Unmarshal(raw, &shape); err != nil {
			return nil, fmt.Errorf("deadline: input is not a sweep or a reminder: %w", err)
		}
		if shape.RequestID != "" {
			var in deadline.Input
			if err := json.Unmarshal(raw, &in); err != nil {
				return nil, fmt.Errorf("deadline: reminder: %w", err)
			}
			return svc.Remind(ctx, in)
		}
		var in deadline.SweepInput
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, fmt.Errorf("deadline: sweep: %w", err)
		}
		return svc.Sweep(ctx, in)
	}
}
