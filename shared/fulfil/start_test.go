package fulfil_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/request"
)

type fakeStarter struct {
	names  []string
	inputs []string
	err    error
}

func (f *fakeStarter) Start(_ context.Context, id string, input any) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	b, _ := json.Marshal(input)
	f.names = append(f.names, id)
	f.inputs = append(f.inputs, string(b))
	return "arn:aws:states:us-east-1:123456789012:execution:FulfilWorkflow:" + id, nil
}

func TestLauncher(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		status  request.Status
		kinds   []request.Kind // a deletion when empty
		fail    error
		wantErr any
	}{
		{name: "verified", status: request.Verified},
		{name: "in progress (a repeated start)", status: request.InProgress},
		{name: "still verifying", status: request.Verifying, wantErr: &fulfil.RequestStateError{}},
		{name: "acknowledged, not verified", status: request.Acknowledged, wantErr: &fulfil.RequestStateError{}},
		{name: "only opt-outs need no verification", status: request.Acknowledged, kinds: []request.Kind{request.OptOutMarketing}},
		{name: "closed", status: request.Unverified, wantErr: &fulfil.RequestStateError{}},
		{name: "step functions down", status: request.Verified, fail: errors.New("ThrottlingException"), wantErr: &fulfil.TransientError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kinds := tt.kinds
			if len(kinds) == 0 {
				kinds = []request.Kind{request.Deletion}
			}
			e := newEnv(t, kinds...)
			r := e.store.requests["PR-1"]
			r.Status = tt.status
			e.store.requests["PR-1"] = r
			wf := &fakeStarter{err: tt.fail}
			l := &fulfil.Launcher{Store: e.store, Workflow: wf, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			out, err := l.Start(ctx, fulfil.PlanInput{RequestID: "PR-1"})
			switch want := tt.wantErr.(type) {
			case *fulfil.RequestStateError:
				require.ErrorAs(t, err, &want)
				assert.Empty(t, wf.names)
			case *fulfil.TransientError:
				require.ErrorAs(t, err, &want)
			default:
				require.NoError(t, err)
				assert.Equal(t, []string{"PR-1"}, wf.names, "the execution is named by the request ID")
				assert.Equal(t, []string{`{"requestId":"PR-1"}`}, wf.inputs)
				assert.Contains(t, out.ExecutionARN, ":PR-1")
			}
		})
	}
}
