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

	"github.com/productionflow/privacy-desk/shared/request"
)

// CountAcknowledgement counts the automatic mail what (a request's ID for
// its acknowledgement, a message's for a note) to email on day (a date in
// the business zone, "2006-01-02") in one conditional update, and reports
// whether it was within max for that address and day. Counting the same
// mail again (a retry of a call that counted and then failed) is no second
// count, and is within max as the first was. The counter is keyed by the
// address's hash (PK=ADDR#<hash>, SK=ACKS#<day>), holds the set of mails
// counted, and expires on its own two days later.
func (st *Store) CountAcknowledgement(ctx context.Context, email, day, what string, max int, now time.Time) (bool, error) {
	_, err := st.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(st.Table),
		Key: map[string]types.AttributeValue{
			AttrPK: s("ADDR#" + EmailHash(email)), AttrSK: s("ACKS#" + day),
		},
		UpdateExpression:    aws.String("ADD mails :what SET " + AttrTTL + " = :ttl"),
		ConditionExpression: aws.String("attribute_not_exists(mails) OR size(mails) < :max OR contains(mails, :one)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":what": &types.AttributeValueMemberSS{Value: []string{what}},
			":one":  s(what),
			":max":  &types.AttributeValueMemberN{Value: strconv.Itoa(max)},
			":ttl":  &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(48*time.Hour).Unix(), 10)},
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("count acknowledgement: %w", err)
	}
	return true, nil
}

// ClaimResend takes the right to send request id's mail again, at most once
// per every: one conditional update on the request.
func (st *Store) ClaimResend(ctx context.Context, id string, now time.Time, every time.Duration) (bool, error) {
	err := st.update(ctx, id, "SET resentAt = :now",
		"attribute_not_exists(resentAt) OR resentAt < :cutoff",
		map[string]types.AttributeValue{":now": s(timeKey(now)), ":cutoff": s(timeKey(now.Add(-every)))})
	if errors.Is(err, request.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

// MarkAckCapped records on request id, not yet acknowledged, that its
// acknowledgement was held back by the daily cap, and ends the claim on it.
func (st *Store) MarkAckCapped(ctx context.Context, id string, at time.Time) error {
	return st.update(ctx, id, "SET ackCappedAt = :at REMOVE ackLeaseUntil", "attribute_not_exists(acknowledgedAt)",
		map[string]types.AttributeValue{":at": s(at.UTC().Format(time.RFC3339Nano))})
}
