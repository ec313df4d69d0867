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
// task (each wait of its reminder loop has a new one).
const SKOwnersWait = "TASKWAIT"

// OwnersWaitToken gives the task token the request's fulfilment waits on
// for its owners' tasks, or "" when none is kept.
func (st *Store) OwnersWaitToken(ctx context.Context, requestID string) (string, error) {
	out, err := st.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.Table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{AttrPK: s("REQ#" + requestID), AttrSK: s(SKOwnersWait)}})
	if err != nil {
		return "", fmt.Errorf("read task wait token of %s: %w", requestID, err)
	}
	if v, ok := out.Item["taskToken"].(*types.AttributeValueMemberS); ok {
		return v.Value, nil
	}
	return "", nil
}
