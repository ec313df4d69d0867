package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/token"
)

// batchSize is BatchWriteItem's limit of items per call.
const batchSize = 25

// writeAttempts bounds how often WriteAll sends the items DynamoDB left
// unprocessed (throttled) before it gives up: about 3 s of pauses in all.
const writeAttempts = 7

// WriteAll writes records that need no condition, in one BatchWriteItem
// per 25 (BatchWriteItem carries no conditions, and the table has no
// transactions locally), so it takes only records whose writing twice
// changes nothing a reader could tell:
//   - events of the trail keyed by a Once name under which no other
//     record is ever written (a request's created event, from the call
//     that created the request; the acknowledged event, keyed by its
//     mail's message ID), so that the trail's events are still never
//     changed, and that mark nothing for the team's attention
//     (request.NeedsAttention);
//   - new tokens (random 256-bit keys: no record to overwrite);
//   - records of sent mail (keyed by the message ID SES gave).
//
// As AppendEventOpen, it does not read whether the events' request has
// closed: it is for events written just before a conditional write that
// finds the request open. Items left unprocessed are sent again, up to
// writeAttempts times.
func (st *Store) WriteAll(ctx context.Context, events []request.Event, tokens []token.Record, sent []mail.Sent) error {
	items := make([]types.WriteRequest, 0, len(events)+len(tokens)+len(sent))
	for _, ev := range events {
		if ev.Once == "" || request.NeedsAttention(ev.Action) {
			return fmt.Errorf("write %s of %s: only Once events that need no attention are written unconditionally", ev.Action, ev.RequestID)
		}
		item, err := st.eventItem(ev)
		if err != nil {
			return err
		}
		items = append(items, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	for _, r := range tokens {
		items = append(items, types.WriteRequest{PutRequest: &types.PutRequest{Item: tokenItem(r)}})
	}
	for _, m := range sent {
		items = append(items, types.WriteRequest{PutRequest: &types.PutRequest{Item: sentItem(m)}})
	}
	for len(items) > 0 {
		n := min(len(items), batchSize)
		if err := st.writeBatch(ctx, items[:n]); err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}

// writeBatch writes up to batchSize items, sending again what the service
// left unprocessed after a pause that grows each time.
func (st *Store) writeBatch(ctx context.Context, items []types.WriteRequest) error {
	for attempt := 1; ; attempt++ {
		out, err := st.API.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{st.Table: items}})
		if err != nil {
			return fmt.Errorf("write %d items: %w", len(items), err)
		}
		items = out.UnprocessedItems[st.Table]
		if len(items) == 0 {
			return nil
		}
		if attempt == writeAttempts {
			return fmt.Errorf("write items: %d left unprocessed after %d attempts", len(items), writeAttempts)
		}
		if err := pause(ctx, attempt); err != nil {
			return err
		}
	}
}

// pauseBefore is the pause after attempt, before the next: 50 ms,
// doubling.
func pauseBefore(attempt int) time.Duration { return 50 * time.Millisecond << (attempt - 1) }

// pause waits pauseBefore(attempt), or until ctx ends. A variable, so
// tests count rather than wait.
var pause = func(ctx context.Context, attempt int) error {
	t := time.NewTimer(pauseBefore(attempt))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
