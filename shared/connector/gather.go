package connector

import (
	"context"

	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/system"
)

// Gather runs the export action of every system that offers one through an
// API (http kind) and returns what each answered, in registry order, ready
// for export.Build. Systems whose export is manual are left to their owners'
// tasks. The first failure is returned unwrapped (*RetryableError or
// *PermanentError), so the workflow retries or catches the whole step.
func Gather(ctx context.Context, reg *system.Registry, systems Doer, p Person) ([]export.SystemData, error) {
	var out []export.SystemData
	for i := range reg.Systems {
		sys := &reg.Systems[i]
		m := sys.Actions[system.Export]
		if m == nil || m.Kind != system.HTTP {
			continue
		}
		res, err := systems.Do(ctx, sys, system.Export, p)
		if err != nil {
			return nil, err
		}
		out = append(out, export.SystemData{System: sys.Name, Found: res.Found, At: res.At, Data: res.Data})
	}
	return out, nil
}
