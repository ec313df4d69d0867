package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// A console sign-in that was signed out is remembered until its token
// would have expired: PK=SESSION#<token ID>, SK=ENDED, removed by the TTL
// after that time. It holds no name or address.

func sessionKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: s("SESSION#" + id), AttrSK: s("ENDED")}
}

// EndSession records that the console session id was signed out; it is
// refused until until (its token's expiry). Ending it again is harmless.
func (st *Store) EndSession(ctx context.Context, id string, until time.Time) error {
	item := sessionKey(id)
	item["until"] = s(timeKey(until))
	item[AttrTTL] = &types.AttributeValueMemberN{Value: fmt.Sprint(until.Add(time.Hour).Unix())}
	if _, err := st.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(st.Table), Item: item}); err != nil {
		return fmt.Errorf("end console session: %w", err)
	}
	return nil
}

// SessionEnded reports whether the console session id was signed out.
func (st *Store) SessionEnded(ctx context.Context, id string) (bool, error) {
	out, err := st.API.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(st.Table), Key: sessionKey(id), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, fmt.Errorf("read console session: %w", err)
	}
	return out.Item != nil, nil
}
