package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/dynamo/task"
	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/outbox"
)

var requestID = regexp.MustCompile(`PR-[A-Z0-9]{4}(-[A-Z0-9]{4}){3}`)

// archiveOwner keeps the paper archive (paper-archive.systems.yaml), whose
// erasure is done by hand.
const archiveOwner = "archivist@productionflow.local"

// TestLocalStackOwnerDigest: three deletion requests need the paper
// archive's owner; nobody mails them when fulfilment opens the tasks.
// POST /_local/owner-digest sends the owner one mail with a link per
// task; the owner opens each and answers; each request is answered. The
// digest run again that day sends nothing.
func TestLocalStackOwnerDigest(t *testing.T) {
	builtin, err := os.ReadFile(filepath.Join(repoRoot, "shared", "system", "systems.yaml"))
	require.NoError(t, err)
	registry := filepath.Join(t.TempDir(), "systems.yaml")
	// The system make run-owners adds: its erasure is an owner's task.
	paperArchive, err := os.ReadFile(filepath.Join(repoRoot, "infra", "local", "paper-archive.systems.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(registry, append(builtin, paperArchive...), 0o600))
	t.Setenv("SYSTEMS_FILE", registry)
	addrs := startStack(t)
	ctx := context.Background()
	outboxURL := strings.TrimSuffix(addrs.Outbox, "/")
	form := strings.TrimSuffix(addrs.Form, "/")
	tasks := &task.Store{Table: deskEnv["TABLE_NAME"], API: dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(addrs.DynamoDB)
	})}

	emails := []string{"digest-one@example.com", "digest-two@example.com", "digest-three@example.com"}
	var ids []string
	for i, email := range emails {
		postForm(t, form, "web-owner-digest-00000"+string(rune('1'+i)), "deletion", "Digest Person", email)
		confirm(t, form, waitForLink(t, outboxURL, email, verifyLink))
		// The request's ID, from the mail it came in.
		var id string
		for _, m := range outboxFor(t, outboxURL, email) {
			if id = requestID.FindString(m.Subject); id != "" {
				break
			}
		}
		require.NotEmpty(t, id, "the requester's mail names the request")
		ids = append(ids, id)
	}
	// Fulfilment opens the archive's task of each request, and mails nobody.
	if !eventually(func() bool {
		for _, id := range ids {
			list, err := tasks.List(ctx, id)
			require.NoError(t, err)
			if len(list) != 1 {
				return false
			}
		}
		return true
	}) {
		store := &dynamo.Store{Table: deskEnv["TABLE_NAME"], API: tasks.API}
		for _, id := range ids {
			r, err := store.Get(ctx, id)
			require.NoError(t, err)
			evs, _ := store.Events(ctx, id)
			var actions []string
			for _, ev := range evs {
				actions = append(actions, ev.Action)
			}
			t.Logf("%s: %s %v", id, r.Status, actions)
		}
		res, err := http.Get(addrs.StepFunctions + "/_local/executions")
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			t.Logf("executions: %s", b)
		}
		t.Fatal("each request has its owner's task")
	}
	assert.Empty(t, outboxFor(t, outboxURL, archiveOwner), "a task that is not urgent waits for the digest")

	digest := func() fulfil.DigestResult {
		res, err := http.Post(form+"/_local/owner-digest", "", nil)
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.StatusCode, string(body))
		var out fulfil.DigestResult
		require.NoError(t, json.Unmarshal(body, &out))
		return out
	}
	res := digest()
	assert.Equal(t, 1, res.Owners)
	assert.Equal(t, 3, res.New)
	mails := outboxFor(t, outboxURL, archiveOwner)
	require.Len(t, mails, 1, "one mail for the three tasks")
	assert.Contains(t, mails[0].Subject, "3 tasks for you")
	links := regexp.MustCompile(`https?://\S+/tasks/confirm\?t=[A-Za-z0-9_-]+`).FindAllString(mails[0].Text, -1)
	require.Len(t, links, 3, "a link per task")
	for _, id := range ids {
		assert.Contains(t, mails[0].Text, "request "+id)
	}

	for _, l := range links {
		u, err := url.Parse(l)
		require.NoError(t, err)
		page, err := http.Get(form + "/tasks/confirm?" + u.RawQuery)
		require.NoError(t, err)
		b, _ := io.ReadAll(page.Body)
		page.Body.Close()
		require.Equal(t, http.StatusOK, page.StatusCode)
		assert.Contains(t, string(b), "Paper archive", "the link opens its task")
		done, err := http.PostForm(form+"/tasks/confirm", url.Values{"t": {u.Query().Get("t")}, "outcome": {"done"}, "note": {"shredded"}})
		require.NoError(t, err)
		done.Body.Close()
		require.Equal(t, http.StatusOK, done.StatusCode)
	}

	// Each request goes on to its answer.
	for i, id := range ids {
		require.True(t, eventually(func() bool {
			return slices.ContainsFunc(outboxFor(t, outboxURL, emails[i]), func(m outbox.Email) bool {
				return strings.Contains(m.Subject, id) && strings.Contains(m.Subject, "is done")
			})
		}), "the answer to %s reaches the requester", id)
	}
	assert.Equal(t, fulfil.DigestResult{Day: res.Day}, digest(), "run again the same day, the digest sends nothing")
	assert.Len(t, outboxFor(t, outboxURL, archiveOwner), 1)
}
