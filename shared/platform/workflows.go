package platform

import (
	"context"
	"log/slog"
)

// WorkflowFunctions builds the handlers of every function the workflows
// call, keyed by their template logical IDs, exactly as their mains build
// them. The local stack and the cost report register them with the local
// Step Functions runtime.
func WorkflowFunctions(ctx context.Context, getenv func(string) string, log *slog.Logger, opts ...Option) (map[string]any, error) {
	reminder, err := DeadlineReminder(ctx, getenv, log, opts...)
	if err != nil {
		return nil, err
	}
	verification, err := Verification(ctx, getenv, log, opts...)
	if err != nil {
		return nil, err
	}
	launcher, err := FulfilLauncher(ctx, getenv, log)
	if err != nil {
		return nil, err
	}
	fulfilment, err := Fulfil(ctx, getenv, log, opts...)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"DeadlineReminderFunction": reminder.Remind,
		"VerifyStartFunction":      verification.Start,
		"VerifyCloseFunction":      verification.Close,
		"FulfilStartFunction":      launcher.Start,
		"FulfilPlanFunction":       fulfilment.Plan,
		"FulfilStepFunction":       fulfilment.Step,
		"FulfilAnswerFunction":     fulfilment.Answer,
	}, nil
}
