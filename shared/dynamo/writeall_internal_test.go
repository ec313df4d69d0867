package dynamo

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
)

// throttlingAPI leaves the first item of each call unprocessed, the given
// number of times, as DynamoDB does when throttled.
type throttlingAPI struct {
	API
	throttles int
	calls     [][]types.WriteRequest
}

func (f *throttlingAPI) BatchWriteItem(_ context.Context, in *dynamodb.BatchWriteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	for table, items := range in.RequestItems {
		f.calls = append(f.calls, items)
		if f.throttles > 0 {
			f.throttles--
			return &dynamodb.BatchWriteItemOutput{UnprocessedItems: map[string][]types.WriteRequest{table: items[:1]}}, nil
		}
	}
	return &dynamodb.BatchWriteItemOutput{}, nil
}

func TestWriteAllSendsUnprocessedItemsAgain(t *testing.T) {
	var paused []int
	defer func(p func(context.Context, int) error) { pause = p }(pause)
	pause = func(_ context.Context, attempt int) error { paused = append(paused, attempt); return nil }
	sent := make([]mail.Sent, 30)
	for i := range sent {
		sent[i] = mail.Sent{MessageID: string(rune('a' + i)), RequestID: "PR-X"}
	}

	api := &throttlingAPI{throttles: 2}
	st := &Store{API: api, Table: "desk"}
	require.NoError(t, st.WriteAll(context.Background(), nil, nil, sent))
	require.Len(t, api.calls, 4, "25, its first item twice, then the last 5")
	assert.Len(t, api.calls[0], 25)
	assert.Len(t, api.calls[1], 1)
	assert.Len(t, api.calls[2], 1)
	assert.Len(t, api.calls[3], 5)
	assert.Equal(t, []int{1, 2}, paused, "a pause before each retry")
	assert.Equal(t, api.calls[0][0], api.calls[1][0], "the item left unprocessed is sent again")
	assert.Equal(t, api.calls[0][0], api.calls[2][0])

	api = &throttlingAPI{throttles: writeAttempts}
	st.API = api
	require.Error(t, st.WriteAll(context.Background(), nil, nil, sent[:1]))
	assert.Len(t, api.calls, writeAttempts, "gives up after writeAttempts")
}

// TestPausesAddUp: the pauses before writeAttempts calls give up add up to
// seconds, as the SDK's own retries of a throttled call do.
func TestPausesAddUp(t *testing.T) {
	var total time.Duration
	for attempt := 1; attempt < writeAttempts; attempt++ {
		total += pauseBefore(attempt)
	}
	assert.GreaterOrEqual(t, total, 3*time.Second)
	assert.LessOrEqual(t, total, 10*time.Second)
}
