// Package deadline builds the deadline sweep (DeadlineReminderFunction)
// from the environment: the desk's configuration, the request store and
// the mailer, nothing else.
package deadline

import (
	"context"
	"log/slog"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/deadline"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/setup"
)

// Config configures the deadline reminder: the desk's configuration alone.
type Config = setup.Desk

// Sweep builds DeadlineReminderFunction's handler: a schedule calls it
// every hour with the run's time ({"at": "<aws.scheduler.scheduled-time>"}),
// and it sends the team the reminders planned within that hour.
func Sweep(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (func(context.Context, deadline.SweepInput) (deadline.SweepResult, error), error) {
	o := setup.Apply(opts)
	cfg, err := setup.LoadDesk(getenv)
	if err != nil {
		return nil, err
	}
	cal, err := clock.New(cfg.TimeZone.String())
	if err != nil {
		return nil, err
	}
	awsCfg, err := setup.LoadAWS(ctx)
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
		TeamAddress: cfg.TeamAddress.String(),
		Log:         log,
		Metrics:     setup.Metrics(cfg, o.Now),
	}
	return svc.Sweep, nil
}
