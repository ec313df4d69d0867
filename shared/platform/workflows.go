package platform

import (
	"context"
	"log/slog"
	"strings"
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
		"FulfilTasksFunction":      fulfilment.Owners,
	}, nil
}

// WorkflowARNVariable names the environment variable that tells functions a
// workflow's ARN, as template.yaml sets it: deadline-watch →
// DEADLINE_WATCH_ARN, request → REQUEST_WORKFLOW_ARN, fulfil →
// FULFIL_WORKFLOW_ARN.
func WorkflowARNVariable(name string) string {
	key := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	if !strings.HasSuffix(key, "_WATCH") && !strings.HasSuffix(key, "_WORKFLOW") {
		key += "_WORKFLOW"
	}
	return key + "_ARN"
}
