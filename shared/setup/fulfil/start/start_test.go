package start_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/setup/fulfil/start"
)

func TestHandlerNeedsTheFulfilWorkflow(t *testing.T) {
	_, err := start.Handler(context.Background(), func(string) string { return "" }, slog.New(slog.DiscardHandler))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TABLE_NAME is required")
	assert.Contains(t, err.Error(), "FULFIL_WORKFLOW_ARN is required")
}
