package dynamo_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
)

func TestMailRecordOnceAndOneReply(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	at := time.Date(2026, 11, 17, 17, 30, 0, 0, time.UTC)
	rec := intake.MailRecord{MessageID: "k2ocb1d9v6j3f8t0m5q7h4n1r8s6e2a9lambda01", Outcome: intake.MailUnreadable,
		Reason: "message larger than 41943040 bytes", Verdicts: map[string]string{"spam": "PASS"}, ReceivedAt: at}

	created, err := st.RecordMail(ctx, rec)
	require.NoError(t, err)
	assert.True(t, created)
	rec.Reason = "changed"
	created, err = st.RecordMail(ctx, rec)
	require.NoError(t, err)
	assert.False(t, created, "the first record stays")

	var won atomic.Int32
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := st.ClaimMailReply(ctx, rec.MessageID, at, time.Minute)
			assert.NoError(t, err)
			if ok {
				won.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), won.Load(), "one delivery may send the reply")

	require.NoError(t, st.MarkMailReplied(ctx, rec.MessageID, at.Add(time.Second), "ses-1"))
	ok, err := st.ClaimMailReply(ctx, rec.MessageID, at.Add(time.Hour), time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "never again once sent")

	got, err := st.MailRecord(ctx, rec.MessageID)
	require.NoError(t, err)
	assert.Equal(t, "message larger than 41943040 bytes", got.Reason)
	assert.Equal(t, "ses-1", got.ReplyMessageID)
	assert.Equal(t, "PASS", got.Verdicts["spam"])

	_, err = st.MailRecord(ctx, "unknown-message-id")
	assert.ErrorIs(t, err, request.ErrNotFound)
}
