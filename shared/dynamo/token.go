package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/productionflow/privacy-desk/shared/token"
)

// TokenKeep is how long a token record outlives its expiry before the
// table's TTL deletes it, so a late click still gets "expired", not "unknown".
const TokenKeep = 30 * 24 * time.Hour

// Tokens keeps single-use action tokens (only their SHA-256) in the table:
// PK=TOKEN#<hash>, SK=TOKEN.
type Tokens struct {
	API   API
	Table string
}

var _ token.Store = (*Tokens)(nil)

func tokenKey(hash string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: s("TOKEN#" + hash), AttrSK: s("TOKEN")}
}

// Put saves a new token record; a record with the same hash is an error.
func (t *Tokens) Put(ctx context.Context, r token.Record) error {
	_, err := t.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(t.Table), Item: tokenItem(r), ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if err != nil {
		return fmt.Errorf("put token for %s: %w", r.RequestID, err)
	}
	return nil
}

// tokenItem is r as the table keeps it.
func tokenItem(r token.Record) map[string]types.AttributeValue {
	item := tokenKey(r.Hash)
	item["hash"] = s(r.Hash)
	item["purpose"] = s(string(r.Purpose))
	item["requestId"] = s(r.RequestID)
	if r.TaskToken != "" {
		item["taskToken"] = s(r.TaskToken)
	}
	item["validUntil"] = s(timeKey(r.ExpiresAt))
	item["used"] = &types.AttributeValueMemberBOOL{Value: r.Used}
	item[AttrTTL] = &types.AttributeValueMemberN{Value: strconv.FormatInt(r.ExpiresAt.Add(TokenKeep).Unix(), 10)}
	if len(r.Data) > 0 {
		data := map[string]types.AttributeValue{}
		for k, v := range r.Data {
			data[k] = s(v)
		}
		item["data"] = &types.AttributeValueMemberM{Value: data}
	}
	return item
}

// Get reads a record without using it.
func (t *Tokens) Get(ctx context.Context, hash string) (token.Record, error) {
	out, err := t.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(t.Table), Key: tokenKey(hash), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return token.Record{}, fmt.Errorf("get token: %w", err)
	}
	if out.Item == nil {
		return token.Record{}, token.ErrNotFound
	}
	return decodeToken(out.Item)
}

// Consume marks the token used in one conditional update that succeeds only
// if it exists, is unused and has not expired.
func (t *Tokens) Consume(ctx context.Context, hash string, now time.Time) (token.Record, error) {
	return t.ConsumeBy(ctx, hash, now, "")
}

// ConsumeBy is Consume that also records, in the same update, the hash of
// the browser session that used the token (token.Record.UsedBy).
func (t *Tokens) ConsumeBy(ctx context.Context, hash string, now time.Time, session string) (token.Record, error) {
	update := "SET used = :true, usedAt = :now"
	values := map[string]types.AttributeValue{
		":true": &types.AttributeValueMemberBOOL{Value: true}, ":false": &types.AttributeValueMemberBOOL{Value: false},
		":now": s(timeKey(now)),
	}
	if session != "" {
		update += ", usedBy = :by"
		values[":by"] = s(session)
	}
	out, err := t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(t.Table),
		Key:                       tokenKey(hash),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("attribute_exists(PK) AND used = :false AND validUntil > :now"),
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		r, gerr := t.Get(ctx, hash)
		switch {
		case gerr != nil:
			return token.Record{}, gerr
		case r.Used:
			return token.Record{}, token.ErrUsed
		default:
			return token.Record{}, token.ErrExpired
		}
	}
	if err != nil {
		return token.Record{}, fmt.Errorf("consume token: %w", err)
	}
	return decodeToken(out.Attributes)
}

func decodeToken(item map[string]types.AttributeValue) (token.Record, error) {
	str := func(k string) string {
		if v, ok := item[k].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	r := token.Record{Hash: str("hash"), Purpose: token.Purpose(str("purpose")), RequestID: str("requestId"), TaskToken: str("taskToken")}
	var err error
	if r.ExpiresAt, err = time.Parse(time.RFC3339Nano, str("validUntil")); err != nil {
		return token.Record{}, fmt.Errorf("decode token expiry: %w", err)
	}
	if v, ok := item["used"].(*types.AttributeValueMemberBOOL); ok {
		r.Used = v.Value
	}
	if u := str("usedAt"); u != "" {
		r.UsedAt, _ = time.Parse(time.RFC3339Nano, u)
	}
	r.UsedBy = str("usedBy")
	if m, ok := item["data"].(*types.AttributeValueMemberM); ok {
		r.Data = map[string]string{}
		for k, v := range m.Value {
			if sv, ok := v.(*types.AttributeValueMemberS); ok {
				r.Data[k] = sv.Value
			}
		}
	}
	return r, nil
}
