package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/setup"
	deskfulfil "github.com/productionflow/privacy-desk/shared/setup/fulfil"
)

// ownerDigestRoute serves POST /_local/owner-digest: the owners' daily
// digest, which a schedule sends on AWS (FulfilTasksFunction, op
// "digest"), sent now, as of the desk's clock. It answers with what the
// digest did (counts, no address).
func ownerDigestRoute(ctx context.Context, log *slog.Logger, now func() time.Time) (http.HandlerFunc, error) {
	tasks, err := deskfulfil.Tasks(ctx, os.Getenv, log, setup.WithNow(now))
	if err != nil {
		return nil, err
	}
	return func(w http.ResponseWriter, r *http.Request) {
		out, err := tasks(r.Context(), fulfil.OwnersInput{Op: "digest"})
		if err != nil {
			log.ErrorContext(r.Context(), "local: owners' digest", "error", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out.Digest)
	}, nil
}
