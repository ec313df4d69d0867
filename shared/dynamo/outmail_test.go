package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
)

func TestSentMailFindsItsRequest(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	at := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)

	require.NoError(t, st.RecordSent(ctx, "0100019a1b2c3d4e-aaaa-000000", "PR-ABCD-EFGH-IJKL-MNOP", at))
	require.NoError(t, st.RecordSent(ctx, "0100019a1b2c3d4e-aaaa-000000", "PR-OTHER", at.Add(time.Hour)), "a second record is harmless")
	id, err := st.SentRequest(ctx, "0100019a1b2c3d4e-aaaa-000000")
	require.NoError(t, err)
	assert.Equal(t, "PR-ABCD-EFGH-IJKL-MNOP", id, "the first record stays")

	_, err = st.SentRequest(ctx, "never-sent")
	assert.ErrorIs(t, err, request.ErrNotFound)
}

func TestClarifyAppliesOnce(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	t0 := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	r := sample("PR-UNCLEAR", "kim@example.com", t0)
	r.Kinds, r.Channel = []request.Kind{request.Unclear}, request.Email
	_, _, err := st.Create(ctx, r)
	require.NoError(t, err)

	c := intake.Clarification{
		RequestID: r.ID, ReplyMessageID: "reply-1", Kinds: []request.Kind{request.Deletion, request.ChildData},
		Priority: request.Expedited, Due: request.Due{Response: t0.AddDate(0, 0, 45)}, At: t0.Add(time.Hour),
		Subject:     &request.Subject{Name: "Leo", Email: "leo@example.net"},
		Corrections: []request.CorrectionItem{{Item: "as described in the message", Right: "x"}},
	}
	require.NoError(t, st.Clarify(ctx, c))
	require.NoError(t, st.Clarify(ctx, c), "a retry of the same reply")

	other := c
	other.ReplyMessageID, other.Kinds = "reply-2", []request.Kind{request.Portability}
	assert.ErrorIs(t, st.Clarify(ctx, other), request.ErrConflict, "a later reply does not change a clear request")

	got, err := st.Get(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, []request.Kind{request.Deletion, request.ChildData}, got.Kinds)
	assert.Equal(t, request.Expedited, got.Priority)
	assert.True(t, got.Due.Response.Equal(t0.AddDate(0, 0, 45)))
	assert.Equal(t, &request.Subject{Name: "Leo", Email: "leo@example.net"}, got.Subject)
	assert.Len(t, got.Corrections, 1)

	open, err := st.OpenDueBefore(ctx, t0.AddDate(0, 0, 46), 0)
	require.NoError(t, err)
	require.Len(t, open, 1)
	assert.Equal(t, []request.Kind{request.Deletion, request.ChildData}, open[0].Kinds, "the work list shows the new kinds")

	assert.ErrorIs(t, st.Clarify(ctx, intake.Clarification{RequestID: "PR-NONE", ReplyMessageID: "x", At: t0}), request.ErrNotFound)
}

func TestTeamNoticeOnce(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	at := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	rec := intake.MailRecord{MessageID: "k2ocb1d9v6j3f8t0m5q7h4n1r8s6e2a9lambda02", Outcome: intake.MailReply,
		Reason: "reply", RequestID: "PR-ABCD-EFGH-IJKL-MNOP", Kinds: []request.Kind{request.Deletion}, ReceivedAt: at}
	_, err := st.RecordMail(ctx, rec)
	require.NoError(t, err)

	ok, err := st.ClaimTeamNotice(ctx, rec.MessageID, at, time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = st.ClaimTeamNotice(ctx, rec.MessageID, at.Add(time.Second), time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "held by the first")
	ok, err = st.ClaimMailReply(ctx, rec.MessageID, at, time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "the reply's lease is another one")

	require.NoError(t, st.MarkTeamNotified(ctx, rec.MessageID, at.Add(time.Second), "ses-team-1"))
	ok, err = st.ClaimTeamNotice(ctx, rec.MessageID, at.Add(time.Hour), time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "never again once sent")

	got, err := st.MailRecord(ctx, rec.MessageID)
	require.NoError(t, err)
	assert.Equal(t, "ses-team-1", got.TeamMessageID)
	assert.Equal(t, "PR-ABCD-EFGH-IJKL-MNOP", got.RequestID)
	assert.Equal(t, []request.Kind{request.Deletion}, got.Kinds)
}
