package handover_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/handover"
	"github.com/productionflow/privacy-desk/shared/request"
)

// requests is a fake RequestReader.
type requests map[string]request.Request

var _ handover.RequestReader = requests(nil)

func (m requests) Get(_ context.Context, id string) (*request.Request, error) {
	r, ok := m[id]
	if !ok {
		return nil, request.ErrNotFound
	}
	return &r, nil
}

// fakeStarter records the executions it starts.
type fakeStarter struct {
	names  []string
	inputs []string
	err    error
}

var _ handover.WorkflowStarter = (*fakeStarter)(nil)

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
		scope   string
		missing bool
		fail    error
		wantErr any
		want    []string // the executions started; PR-1 when empty and no error
		input   string
	}{
		{name: "verified", status: request.Verified},
		{name: "in progress (a repeated start)", status: request.InProgress},
		{name: "still verifying", status: request.Verifying, wantErr: &handover.RequestStateError{}},
		{name: "acknowledged, not verified", status: request.Acknowledged, wantErr: &handover.RequestStateError{}},
		{name: "only opt-outs need no verification", status: request.Acknowledged, kinds: []request.Kind{request.OptOutMarketing}},
		{name: "closed", status: request.Unverified, wantErr: &handover.RequestStateError{}},
		{name: "not found", missing: true, wantErr: &handover.RequestStateError{}},
		{name: "step functions down", status: request.Verified, fail: errors.New("ThrottlingException"), wantErr: &request.TransientError{}},
		{name: "the opt-outs ahead of verification", status: request.Acknowledged, scope: handover.ScopeOptOuts,
			kinds: []request.Kind{request.Deletion, request.OptOutSale}, want: []string{"PR-1-opt-outs"}, input: `{"requestId":"PR-1","scope":"opt-outs"}`},
		{name: "no opt-outs to run ahead", status: request.Acknowledged, scope: handover.ScopeOptOuts, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kinds := tt.kinds
			if len(kinds) == 0 {
				kinds = []request.Kind{request.Deletion}
			}
			store := requests{}
			if !tt.missing {
				store["PR-1"] = request.Request{ID: "PR-1", Kinds: kinds, Status: tt.status}
			}
			wf := &fakeStarter{err: tt.fail}
			l := &handover.Launcher{Store: store, Workflow: wf, Log: slog.New(slog.DiscardHandler)}
			out, err := l.Start(ctx, handover.Input{RequestID: "PR-1", Scope: tt.scope})
			switch want := tt.wantErr.(type) {
			case *handover.RequestStateError:
				require.ErrorAs(t, err, &want)
				assert.Empty(t, wf.names)
			case *request.TransientError:
				require.ErrorAs(t, err, &want)
			default:
				require.NoError(t, err)
				names, input := tt.want, tt.input
				if names == nil {
					names, input = []string{"PR-1"}, `{"requestId":"PR-1"}`
				}
				assert.ElementsMatch(t, names, wf.names, "the execution is named by the request ID")
				if len(names) == 0 {
					assert.Empty(t, out.ExecutionARN)
					return
				}
				assert.Equal(t, []string{input}, wf.inputs)
				assert.Contains(t, out.ExecutionARN, ":"+names[0])
			}
		})
	}
}
