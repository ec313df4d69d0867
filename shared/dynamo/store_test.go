package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/standin"
)

var tableSeq atomic.Int64

// newStore gives each test its own table on one dynalite per test.
func newStore(t *testing.T) (*dynamo.Store, *dynamodb.Client) {
	t.Helper()
	srv := standin.Dynalite(t)
	client := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	table := fmt.Sprintf("desk-test-%d", tableSeq.Add(1))
	require.NoError(t, dynamo.EnsureTable(context.Background(), client, table))
	return &dynamo.Store{API: client, Table: table}, client
}

func sample(id, email string, received time.Time) *request.Request {
	return &request.Request{
		ID: id, SourceID: "sub-" + id, Kinds: []request.Kind{request.Deletion},
		Status: request.Received, Channel: request.Web, Priority: request.Normal,
		Requester:  request.Identity{Name: "Ada Lovelace", Email: email},
		ReceivedAt: received,
		Due: request.Due{
			Acknowledge: received.Add(14 * 24 * time.Hour),
			Response:    received.Add(45 * 24 * time.Hour),
			Extended:    received.Add(90 * 24 * time.Hour),
		},
		UpdatedAt: received,
	}
}

func TestStore(t *testing.T) {
	ctx := context.Background()
	st, client := newStore(t)
	t0 := time.Date(2026, 11, 27, 15, 4, 5, 0, time.UTC)

	t.Run("create twice keeps the first", func(t *testing.T) {
		r := sample("PR-ONE", "ada@example.com", t0)
		got, created, err := st.Create(ctx, r)
		require.NoError(t, err)
		assert.True(t, created)
		assert.Equal(t, r.ID, got.ID)

		again := sample("PR-ONE", "someone-else@example.com", t0.Add(time.Hour))
		got, created, err = st.Create(ctx, again)
		require.NoError(t, err)
		assert.False(t, created)
		assert.Equal(t, "ada@example.com", got.Requester.Email, "the second create must not overwrite")
		assert.True(t, got.ReceivedAt.Equal(t0))
		assert.True(t, got.Due.Response.Equal(r.Due.Response))
	})

	t.Run("the fingerprint, the child and the corrections are kept", func(t *testing.T) {
		r := sample("PR-PRINT", "print@example.com", t0)
		r.Subject = &request.Subject{Name: "Sam", Account: "kid-2012"}
		r.Corrections = []request.CorrectionItem{{Item: "postal address", Right: "1 Main St"}}
		r.Fingerprint = r.ContentFingerprint()
		_, _, err := st.Create(ctx, r)
		require.NoError(t, err)

		other := sample("PR-PRINT", "print-other@example.com", t0.Add(time.Hour))
		other.Fingerprint = other.ContentFingerprint()
		got, created, err := st.Create(ctx, other)
		require.NoError(t, err)
		assert.False(t, created)
		assert.Equal(t, r.Fingerprint, got.Fingerprint, "the stored fingerprint is the first submission's")
		assert.False(t, got.SameContent(other), "so a caller tells the other content apart")
		assert.True(t, got.SameContent(r))
		assert.Equal(t, r.Subject, got.Subject)
		assert.Equal(t, r.Corrections, got.Corrections)
	})

	t.Run("get unknown is ErrNotFound", func(t *testing.T) {
		_, err := st.Get(ctx, "PR-NONE")
		assert.ErrorIs(t, err, request.ErrNotFound)
	})

	t.Run("status changes only from the expected status", func(t *testing.T) {
		_, _, err := st.Create(ctx, sample("PR-TWO", "two@example.com", t0))
		require.NoError(t, err)
		require.NoError(t, st.SetStatus(ctx, "PR-TWO", request.Received, request.Verifying, t0))

		err = st.SetStatus(ctx, "PR-TWO", request.Received, request.Verifying, t0)
		assert.ErrorIs(t, err, request.ErrConflict, "stale from-status must fail")

		err = st.SetStatus(ctx, "PR-TWO", request.Verifying, request.Extended, t0)
		var te *request.TransitionError
		assert.ErrorAs(t, err, &te, "an illegal transition is a typed error")

		err = st.SetStatus(ctx, "PR-MISSING", request.Received, request.Verifying, t0)
		assert.ErrorIs(t, err, request.ErrNotFound)
		assert.ErrorIs(t, st.AwaitVerification(ctx, "PR-MISSING", "task-0", t0), request.ErrNotFound)
		_, err = st.Get(ctx, "PR-MISSING")
		assert.ErrorIs(t, err, request.ErrNotFound, "a refused status change creates no item")

		got, err := st.Get(ctx, "PR-TWO")
		require.NoError(t, err)
		assert.Equal(t, request.Verifying, got.Status)
	})

	t.Run("audit events come back in order", func(t *testing.T) {
		for i, action := range []string{"created", "acknowledged", "status:verifying"} {
			require.NoError(t, st.AppendEvent(ctx, request.Event{
				RequestID: "PR-TWO", At: t0.Add(time.Duration(i) * time.Second), Actor: "system:test", Action: action,
			}))
		}
		// Two events in the same instant are both kept.
		require.NoError(t, st.AppendEvent(ctx, request.Event{RequestID: "PR-TWO", At: t0.Add(2 * time.Second), Actor: "system:test", Action: "note"}))
		// An event with a Once key is recorded once however often, and
		// whenever, it is appended.
		for i := range 3 {
			require.NoError(t, st.AppendEvent(ctx, request.Event{RequestID: "PR-TWO", At: t0.Add(3*time.Second + time.Duration(i)*time.Minute), Actor: "system:test", Action: "closed", Once: "closed"}))
		}
		events, err := st.Events(ctx, "PR-TWO")
		require.NoError(t, err)
		require.Len(t, events, 5)
		assert.Equal(t, "closed", events[4].Action)
		assert.True(t, events[4].At.Equal(t0.Add(3*time.Second)), "the first one is kept")
		assert.Equal(t, "created", events[0].Action)
		assert.Equal(t, "acknowledged", events[1].Action)
	})

	t.Run("earlier requests of the same person, whatever the case", func(t *testing.T) {
		_, _, err := st.Create(ctx, sample("PR-THREE", "Ada@Example.com ", t0.Add(time.Hour)))
		require.NoError(t, err)
		ids, err := st.EarlierRequests(ctx, "ADA@example.COM")
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"PR-ONE", "PR-THREE"}, ids)
	})

	t.Run("open requests by due date, closed ones drop out", func(t *testing.T) {
		open, err := st.OpenDueBefore(ctx, t0.Add(100*24*time.Hour), 0)
		require.NoError(t, err)
		ids := map[string]bool{}
		for _, o := range open {
			ids[o.ID] = true
		}
		assert.True(t, ids["PR-ONE"] && ids["PR-TWO"] && ids["PR-THREE"], "all three are open: %v", ids)

		require.NoError(t, st.SetStatus(ctx, "PR-TWO", request.Verifying, request.Unverified, t0))
		open, err = st.OpenDueBefore(ctx, t0.Add(100*24*time.Hour), 0)
		require.NoError(t, err)
		for _, o := range open {
			assert.NotEqual(t, "PR-TWO", o.ID, "a closed request must leave the open index")
		}
		// Nothing is due before the first acknowledgement deadline.
		open, err = st.OpenDueBefore(ctx, t0.Add(24*time.Hour), 0)
		require.NoError(t, err)
		assert.Empty(t, open)

		raw, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.Table), Key: map[string]typesAV{
			"PK": avS("REQ#PR-TWO"), "SK": avS("REQUEST")}})
		require.NoError(t, err)
		assert.Contains(t, raw.Item, dynamo.AttrTTL, "a closed request gets its retention TTL")
	})

	t.Run("the verification wait kept on the request", func(t *testing.T) {
		_, _, err := st.Create(ctx, sample("PR-WAIT", "wait@example.com", t0))
		require.NoError(t, err)
		require.NoError(t, st.AwaitVerification(ctx, "PR-WAIT", "task-1", t0.Add(time.Minute)))
		require.NoError(t, st.AwaitVerification(ctx, "PR-WAIT", "task-1", t0.Add(2*time.Minute)), "a retry")
		got, err := st.Get(ctx, "PR-WAIT")
		require.NoError(t, err)
		assert.Equal(t, request.Verifying, got.Status)
		assert.Equal(t, "task-1", got.VerifyTaskToken)
		require.NoError(t, st.SetStatus(ctx, "PR-WAIT", request.Verifying, request.Verified, t0.Add(3*time.Minute)))
		assert.ErrorIs(t, st.AwaitVerification(ctx, "PR-WAIT", "task-2", t0.Add(4*time.Minute)), request.ErrConflict,
			"verified: no wait recorded")
		got, err = st.Get(ctx, "PR-WAIT")
		require.NoError(t, err)
		assert.Equal(t, "task-1", got.VerifyTaskToken)
		assert.ErrorIs(t, st.AwaitVerification(ctx, "PR-NONE", "task-3", t0), request.ErrNotFound)
	})

	t.Run("several requests in one read, in the order asked", func(t *testing.T) {
		for _, id := range []string{"PR-MANY-1", "PR-MANY-2", "PR-MANY-3"} {
			_, _, err := st.Create(ctx, sample(id, "many@example.com", t0))
			require.NoError(t, err)
		}
		got, err := st.GetMany(ctx, []string{"PR-MANY-3", "PR-NONE", "PR-MANY-1", "PR-MANY-3"})
		require.NoError(t, err)
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
			assert.Equal(t, "many@example.com", r.Requester.Email)
		}
		assert.Equal(t, []string{"PR-MANY-3", "PR-MANY-1"}, ids, "a missing one is left out, a repeated one read once")
		none, err := st.GetMany(ctx, nil)
		require.NoError(t, err)
		assert.Empty(t, none)
	})

	t.Run("a request created with the claim on its acknowledgement", func(t *testing.T) {
		_, created, err := st.CreateClaimed(ctx, sample("PR-FIVE", "five@example.com", t0), t0.Add(time.Minute))
		require.NoError(t, err)
		require.True(t, created)
		ok, err := st.ClaimAcknowledgement(ctx, "PR-FIVE", t0.Add(30*time.Second), time.Minute)
		require.NoError(t, err)
		assert.False(t, ok, "the creator holds the claim")
		_, created, err = st.CreateClaimed(ctx, sample("PR-FIVE", "five@example.com", t0), t0.Add(time.Hour))
		require.NoError(t, err)
		assert.False(t, created, "created once")
		ok, err = st.ClaimAcknowledgement(ctx, "PR-FIVE", t0.Add(2*time.Minute), time.Minute)
		require.NoError(t, err)
		assert.True(t, ok, "after the lease a retry may claim (the creator crashed); a second create did not extend it")
	})

	t.Run("one acknowledgement claim wins among concurrent ones", func(t *testing.T) {
		_, _, err := st.Create(ctx, sample("PR-FOUR", "four@example.com", t0))
		require.NoError(t, err)
		var wins atomic.Int64
		var wg sync.WaitGroup
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := st.ClaimAcknowledgement(ctx, "PR-FOUR", t0, time.Minute)
				if err == nil && ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int64(1), wins.Load())

		// After the lease ends, a retry may claim again (the first sender crashed).
		ok, err := st.ClaimAcknowledgement(ctx, "PR-FOUR", t0.Add(2*time.Minute), time.Minute)
		require.NoError(t, err)
		assert.True(t, ok)

		require.NoError(t, st.MarkAcknowledged(ctx, "PR-FOUR", t0.Add(2*time.Minute), "msg-1", t0.Add(45*24*time.Hour)))
		ok, err = st.ClaimAcknowledgement(ctx, "PR-FOUR", t0.Add(time.Hour), time.Minute)
		require.NoError(t, err)
		assert.False(t, ok, "once sent, never claimed again")
		got, err := st.Get(ctx, "PR-FOUR")
		require.NoError(t, err)
		assert.Equal(t, request.Acknowledged, got.Status)
		assert.False(t, got.AcknowledgedAt.IsZero())
		assert.True(t, errors.Is(st.MarkAcknowledged(ctx, "PR-FOUR", t0, "msg-2", t0), request.ErrConflict))
		assert.ErrorIs(t, st.MarkAcknowledged(ctx, "PR-NONE", t0, "msg-3", t0), request.ErrNotFound)
		_, err = st.Get(ctx, "PR-NONE")
		assert.ErrorIs(t, err, request.ErrNotFound, "a refused mark creates no item")
	})
}
