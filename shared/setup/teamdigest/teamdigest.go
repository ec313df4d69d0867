// Package teamdigest builds the team's daily digest (TeamDigestFunction)
// from the environment: the desk's configuration, the open-work index and
// the mailer. Apart from the deadline sweep's package, so that the sweep
// does not link the console it reads the digest through.
package teamdigest

import (
	"context"
	"log/slog"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/setup"
)

// DigestConfig configures the team's daily digest (TeamDigestFunction), a
// reminder to the team as the deadline reminder is:
// the desk's configuration (the team's address is TEAM_ADDRESS) and the
// console's address for the mail's link.
type DigestConfig struct {
	setup.Desk
	// ConsoleURL is the console's work list, linked from the mail; empty:
	// the mail names the requests by their IDs only.
	ConsoleURL setup.URL `env:"CONSOLE_URL"`
}

// Digest builds TeamDigestFunction's handler: a schedule calls it once a
// day; it mails the team the open work when there is something to say.
func Digest(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...setup.Option) (func(context.Context) (console.DigestResult, error), error) {
	o := setup.Apply(opts)
	cfg, err := setup.Load[DigestConfig](getenv, nil)
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
	mailer := setup.Mailer(awsCfg, cfg.Desk, store, o.Now, log)
	d := &console.Digest{
		Desk: &console.Service{Store: store, Calendar: cal, Now: o.Now, Log: log},
		Mail: mailer, To: cfg.TeamAddress.Bare(), ConsoleURL: cfg.ConsoleURL.String(),
	}
	return d.Send, nil
}
