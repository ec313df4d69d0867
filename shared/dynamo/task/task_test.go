package task_test

import (
	"context"
	"slices"
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
	"github.com/productionflow/privacy-desk/shared/request"
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

	// The team's re-run asks the owner again: open, a new due time, not
	// mailed, no answer; a task in another state is left as it is.
	reopened, err := tasks.Reopen(ctx, "PR-T", "crm", "erase", connector.TaskCannot, at.Add(200*time.Hour), "offline")
	require.NoError(t, err)
	assert.True(t, reopened)
	list, err = tasks.List(ctx, "PR-T")
	require.NoError(t, err)
	assert.Equal(t, connector.TaskOpen, list[0].State)
	assert.Equal(t, at.Add(200*time.Hour), list[0].Due.UTC())
	assert.True(t, list[0].MailedAt.IsZero())
	assert.True(t, list[0].AnsweredAt.IsZero())
	assert.Empty(t, list[0].Reason)
	assert.True(t, list[0].AskedAgain)
	assert.Equal(t, "offline", list[0].EarlierReason, "the owner's earlier words, for the mail that asks again")
	reopened, err = tasks.Reopen(ctx, "PR-T", "crm", "erase", connector.TaskCannot, at.Add(300*time.Hour), "offline")
	require.NoError(t, err)
	assert.False(t, reopened, "an open task is not reopened")
	require.NoError(t, tasks.Answer(ctx, "PR-T", "crm", "erase", connector.TaskCannot, "offline again", false, at.Add(250*time.Hour)))

	tok, err := tasks.WaitToken(ctx, "PR-T")
	require.NoError(t, err)
	assert.Empty(t, tok)
	require.NoError(t, tasks.SetWaitToken(ctx, "PR-T", "wait-1", true))
	require.NoError(t, tasks.SetWaitToken(ctx, "PR-T", "wait-2", true))
	tok, err = tasks.WaitToken(ctx, "PR-T")
	require.NoError(t, err)
	assert.Equal(t, "wait-2", tok)
	wake, err := st.OwnersWakeToken(ctx, "PR-T")
	require.NoError(t, err)
	assert.Equal(t, "wait-2", wake, "a wait that catches a wake")
	require.NoError(t, tasks.SetWaitToken(ctx, "PR-T", "wait-3", false))
	wake, err = st.OwnersWakeToken(ctx, "PR-T")
	require.NoError(t, err)
	assert.Empty(t, wake, "an earlier definition's wait is not woken")
	tok, err = tasks.WaitToken(ctx, "PR-T")
	require.NoError(t, err)
	assert.Equal(t, "wait-3", tok, "but is completed as ever")

	events, err := st.Events(ctx, "PR-T")
	require.NoError(t, err)
	assert.Empty(t, events, "tasks are not audit events")
}

// TestDigestMarksOnDynalite: the owners' digest finds the open requests in
// the open-work index, and puts a task in a day's digest once; a second
// mark that day, or of an answered task, changes nothing.
func TestDigestMarksOnDynalite(t *testing.T) {
	srv := standin.Dynalite(t)
	api := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	const table = "desk-test-digest"
	ctx := context.Background()
	require.NoError(t, dynamo.EnsureTable(ctx, api, table))
	st := &dynamo.Store{API: api, Table: table}
	tasks := &task.Store{API: api, Table: table}
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for _, id := range []string{"PR-A", "PR-B"} {
		_, _, err := st.Create(ctx, &request.Request{ID: id, SourceID: "sub-" + id, Kinds: []request.Kind{request.Deletion},
			Status: request.Received, Channel: request.Web, Priority: request.Normal, ReceivedAt: at,
			Requester: request.Identity{Email: "a@example.com"}, UpdatedAt: at,
			Due: request.Due{Acknowledge: at.Add(24 * time.Hour), Response: at.Add(45 * 24 * time.Hour), Extended: at.Add(90 * 24 * time.Hour)}})
		require.NoError(t, err)
	}
	ids, err := tasks.OpenRequests(ctx)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"PR-A", "PR-B"}, ids)

	for _, a := range []system.Action{system.Erase, system.Export} {
		_, err := tasks.Create(ctx, connector.Task{RequestID: "PR-A", System: "archive", Action: a, Owner: "o@productionflow.example",
			Due: at.Add(72 * time.Hour), State: connector.TaskOpen})
		require.NoError(t, err)
	}
	require.NoError(t, tasks.MarkDigested(ctx, "PR-A", "archive", "erase", "2026-11-03", at.Add(24*time.Hour), true))
	assert.ErrorIs(t, tasks.MarkDigested(ctx, "PR-A", "archive", "erase", "2026-11-03", at.Add(25*time.Hour), false), connector.ErrInDigest,
		"once a day")
	require.NoError(t, tasks.MarkDigested(ctx, "PR-A", "archive", "erase", "2026-11-04", at.Add(48*time.Hour), false))
	require.NoError(t, tasks.Answer(ctx, "PR-A", "archive", "export", connector.TaskDone, "", false, at))
	assert.ErrorIs(t, tasks.MarkDigested(ctx, "PR-A", "archive", "export", "2026-11-03", at, true), connector.ErrInDigest,
		"an answered task is in no digest")
	assert.ErrorIs(t, tasks.MarkDigested(ctx, "PR-A", "archive", "correct", "2026-11-03", at, true), connector.ErrInDigest,
		"a task that does not exist is not created")

	list, err := tasks.List(ctx, "PR-A")
	require.NoError(t, err)
	require.Len(t, list, 2)
	i := slices.IndexFunc(list, func(t connector.Task) bool { return t.Action == system.Erase })
	assert.Equal(t, "2026-11-04", list[i].DigestDay)
	assert.Equal(t, at.Add(24*time.Hour), list[i].MailedAt.UTC(), "the first digest marks it mailed")
	assert.Equal(t, at.Add(48*time.Hour), list[i].RemindedAt.UTC(), "a later one, reminded")
	assert.Empty(t, list[1-i].DigestDay)
}
