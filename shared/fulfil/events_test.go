package fulfil_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// decodeEvent reads events/<name> strictly into v: the samples for
// sam local invoke are the handlers' real inputs.
func decodeEvent(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v))
}

func TestSampleEvents(t *testing.T) {
	ctx := context.Background()
	t.Run("fulfil-plan.json", func(t *testing.T) {
		var in fulfil.PlanInput
		decodeEvent(t, "fulfil-plan.json", &in)
		e := newEnv(t, request.Deletion)
		e.store.requests[in.RequestID] = withID(e.store.requests["PR-1"], in.RequestID)
		out, err := e.svc.Plan(ctx, in)
		require.NoError(t, err)
		assert.NotEmpty(t, out.Steps)
	})
	t.Run("fulfil-step.json", func(t *testing.T) {
		var in fulfil.StepInput
		decodeEvent(t, "fulfil-step.json", &in)
		e := newEnv(t, request.Deletion)
		e.store.requests[in.RequestID] = withID(e.store.requests["PR-1"], in.RequestID)
		out, err := e.svc.Step(ctx, in)
		require.NoError(t, err)
		assert.Equal(t, mail.OutcomeErasedKept, out.Outcome, "payments keeps what its holds keep")
	})
	t.Run("fulfil-answer.json", func(t *testing.T) {
		var in fulfil.AnswerInput
		decodeEvent(t, "fulfil-answer.json", &in)
		e := newEnv(t, request.Deletion, request.Correction)
		r := withID(e.store.requests["PR-1"], in.RequestID)
		r.Status = request.InProgress
		e.store.requests[in.RequestID] = r
		out, err := e.svc.Answer(ctx, in)
		require.NoError(t, err)
		assert.True(t, out.NeedsAttention)
		assert.Equal(t, []string{"support-desk/erase"}, out.Failed)
	})
}

func withID(r request.Request, id string) request.Request {
	r.ID = id
	return r
}
