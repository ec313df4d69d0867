package task_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/dynamo/task"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/system"
)

func TestTasksOnDynalite(t *testing.T) {
	srv := standin.Dynalite(t)
	api := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	const table = "desk-test-tasks"
	require.NoError(t, dynamo.EnsureTable(context.Background(), api, table))
	st := &dynamo.Store{API: api, Table: table}
	tasks := &task.Store{API: api, Table: table}
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	tk := connector.Task{RequestID: "PR-T", System: "crm", Action: system.Erase, Owner: "o@productionflow.example", Due: at.Add(72 * time.Hour), State: connector.TaskOpen, TaskToken: "never-stored"}

	created, err := tasks.Create(ctx, tk)
	require.NoError(t, err)
	assert.True(t, created)
	tk.Due = at.Add(time.Hour)
	created, err = tasks.Create(ctx, tk)
	require.NoError(t, err)
	assert.False(t, created, "a repeated plan keeps the first task")

	require.NoError(t, tasks.MarkMailed(ctx, "PR-T", "crm", "erase", at))
	require.NoError(t, tasks.MarkReminded(ctx, "PR-T", "crm", "erase", at.Add(48*time.Hour), false))
	list, err := tasks.List(ctx, "PR-T")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, at.Add(72*time.Hour), list[0].Due.UTC(), "the first due time")
	assert.Equal(t, at, list[0].MailedAt.UTC())
	assert.Equal(t, at.Add(48*time.Hour), list[0].RemindedAt.UTC())
	assert.Empty(t, list[0].TaskToken)
	assert.False(t, list[0].Answered())

	// Two owners' presses at once: one answer wins.
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = tasks.Answer(ctx, "PR-T", "crm", "erase", connector.TaskCannot, "offline", false, at.Add(50*time.Hour))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, connector.ErrAlreadyAnswered)
		}
	}
	assert.Equal(t, 1, won)
	list, err = tasks.List(ctx, "PR-T")
	require.NoError(t, err)
	assert.Equal(t, connector.TaskCannot, list[0].State)
	assert.Equal(t, "offline", list[0].Reason)

	tok, err := tasks.WaitToken(ctx, "PR-T")
	require.NoError(t, err)
	assert.Empty(t, tok)
	require.NoError(t, tasks.SetWaitToken(ctx, "PR-T", "wait-1"))
	require.NoError(t, tasks.SetWaitToken(ctx, "PR-T", "wait-2"))
	tok, err = tasks.WaitToken(ctx, "PR-T")
	require.NoError(t, err)
	assert.Equal(t, "wait-2", tok)

	events, err := st.Events(ctx, "PR-T")
	require.NoError(t, err)
	assert.Empty(t, events, "tasks are not audit events")
}
