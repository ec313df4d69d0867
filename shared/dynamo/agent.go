package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/productionflow/privacy-desk/shared/request"
)

// SetConsumer names the consumer of an open request an authorized agent
// made without naming them (its requester of record is still the agent):
// the consumer becomes the requester, the request is found under their
// address from then on, and its needs-attention mark for the unknown
// consumer is lifted (another mark is left). request.ErrConflict when the
// request is closed or its consumer was named before.
func (st *Store) SetConsumer(ctx context.Context, id string, consumer request.Identity, at time.Time) error {
	err := st.setConsumer(ctx, id, consumer, at, true)
	if errors.Is(err, request.ErrConflict) {
		// Closed, named before, or marked for another reason (a bounce):
		// the last is named and keeps its mark.
		err = st.setConsumer(ctx, id, consumer, at, false)
	}
	if err != nil {
		return fmt.Errorf("name the consumer of %s: %w", id, err)
	}
	return nil
}

// setConsumer is SetConsumer's one conditional write; lift also removes
// the mark, only when it is the unknown consumer's (or none).
func (st *Store) setConsumer(ctx context.Context, id string, consumer request.Identity, at time.Time, lift bool) error {
	update := "SET requester.#name = :name, requester.email = :email, " + AttrEmailHash + " = :hash, updatedAt = :at"
	cond := "attribute_exists(" + AttrOpen + ") AND requester.email = #agent.email"
	values := map[string]types.AttributeValue{
		":name":  s(consumer.Name),
		":email": s(consumer.Email),
		":hash":  s(EmailHash(consumer.Email)),
		":at":    s(at.UTC().Format(time.RFC3339Nano)),
	}
	if lift {
		update += " REMOVE " + attrAttention
		cond += " AND (attribute_not_exists(" + attrAttention + ") OR " + attrAttention + " = :unknown)"
		values[":unknown"] = s(request.ActionAgentConsumerUnknown)
	}
	_, err := st.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(st.Table),
		Key:                       requestKey(id),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#name": "name", "#agent": "agent"},
		ExpressionAttributeValues: values,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return request.ErrConflict
	}
	return err
}
