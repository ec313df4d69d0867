package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/setup"
	deskfulfil "github.com/productionflow/privacy-desk/shared/setup/fulfil"
)

// ownerDigestRoute serves POST /_local/owner-digest: the owners' daily
// digest, which a schedule sends on AWS (FulfilTasksFunction, op
// "digest"), sent now, as of the desk's clock. It answers with what the
// digest did (counts, no address).
func ownerDigestRoute(ctx context.Context, log *slog.Logger, opts []setup.Option) (http.HandlerFunc, error) {
	tasks, err := deskfulfil.Tasks(ctx, os.Getenv, log, opts...)
	if err != nil {
		return nil, err
	}
	return runNow(log, "owners' digest", func(ctx context.Context) (any, error) {
		out, err := tasks(ctx, fulfil.OwnersInput{Op: "digest"})
		return out.Digest, err
	}), nil
}
