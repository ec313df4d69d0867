package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// SKOwnersWait is the sort key of the item that keeps a request's owners'
// wait: the task token of the fulfil workflow's wait for every owner's
// task (each wait of its reminder loop has a new one), and whether that
// wait may be woken (AttrOwnersWakes).
const SKOwnersWait = "TASKWAIT"

// AttrOwnersWakes is set on the owners' wait of a workflow whose wait
// catches a wake (OwnersWake); an execution started on an earlier
// definition would fail on one instead.
const AttrOwnersWakes = "wakes"

// ownersWait reads the owners' wait of a request.
func (st *Store) ownersWait(ctx context.Context, requestID string) (map[string]types.AttributeValue, error) {
	out, err := st.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.Table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{AttrPK: s("REQ#" + requestID), AttrSK: s(SKOwnersWait)}})
	if err != nil {
		return nil, fmt.Errorf("read task wait token of %s: %w", requestID, err)
	}
	return out.Item, nil
}

// OwnersWaitToken gives the task token the request's fulfilment waits on
// for its owners' tasks, or "" when none is kept.
func (st *Store) OwnersWaitToken(ctx context.Context, requestID string) (string, error) {
	item, err := st.ownersWait(ctx, requestID)
	if err != nil {
		return "", err
	}
	if v, ok := item["taskToken"].(*types.AttributeValueMemberS); ok {
		return v.Value, nil
	}
	return "", nil
}

// OwnersWakeToken gives the task token of the request's owners' wait when
// that wait may be woken, or "" (none kept, or kept by an execution that
// would fail on a wake).
func (st *Store) OwnersWakeToken(ctx context.Context, requestID string) (string, error) {
	item, err := st.ownersWait(ctx, requestID)
	if err != nil {
		return "", err
	}
	wakes, _ := item[AttrOwnersWakes].(*types.AttributeValueMemberBOOL)
	tok, _ := item["taskToken"].(*types.AttributeValueMemberS)
	if wakes == nil || !wakes.Value || tok == nil {
		return "", nil
	}
	return tok.Value, nil
}
