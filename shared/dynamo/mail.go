package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Received mail that opened no request (quarantined, auto-replies and
// bounces, unreadable mail) is kept as one item per SES messageId:
// PK=MAIL#<messageId>, SK=MAIL. The item holds no address, name or text,
// and expires with the same retention as a closed request.

func mailKey(messageID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: s("MAIL#" + messageID), AttrSK: s("MAIL")}
}

// RecordMail stores rec unless the same message was recorded before; it
// reports whether this call stored it.
func (st *Store) RecordMail(ctx context.Context, rec request.MailRecord) (bool, error) {
	item, err := attributevalue.MarshalMapWithOptions(rec, omitEmptyTime)
	if err != nil {
		return false, fmt.Errorf("encode mail record %s: %w", rec.MessageID, err)
	}
	for k, v := range mailKey(rec.MessageID) {
		item[k] = v
	}
	item[AttrTTL] = &types.AttributeValueMemberN{Value: fmt.Sprint(rec.ReceivedAt.Add(Retention).Unix())}
	_, err = st.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(st.Table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("put mail record %s: %w", rec.MessageID, err)
	}
	return true, nil
}

// MailRecord reads the record of one message; request.ErrNotFound when
// there is none.
func (st *Store) MailRecord(ctx context.Context, messageID string) (*request.MailRecord, error) {
	out, err := st.API.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(st.Table), Key: mailKey(messageID), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get mail record %s: %w", messageID, err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("get mail record %s: %w", messageID, request.ErrNotFound)
	}
	var rec request.MailRecord
	if err := attributevalue.UnmarshalMap(out.Item, &rec); err != nil {
		return nil, fmt.Errorf("decode mail record %s: %w", messageID, err)
	}
	return &rec, nil
}

// ClaimMailReply takes a short lease on sending the one reply to a recorded
// message: false when it went out or another delivery holds the lease.
func (st *Store) ClaimMailReply(ctx context.Context, messageID string, now time.Time, lease time.Duration) (bool, error) {
	err := st.updateMail(ctx, messageID, "SET replyLeaseUntil = :until",
		"attribute_not_exists(repliedAt) AND (attribute_not_exists(replyLeaseUntil) OR replyLeaseUntil < :now)",
		map[string]types.AttributeValue{":until": s(timeKey(now.Add(lease))), ":now": s(timeKey(now))})
	if errors.Is(err, request.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

// MarkMailReplied records that the reply went out.
func (st *Store) MarkMailReplied(ctx context.Context, messageID string, at time.Time, replyMessageID string) error {
	return st.updateMail(ctx, messageID, "SET repliedAt = :at, replyMessageId = :mid REMOVE replyLeaseUntil",
		"attribute_not_exists(repliedAt)",
		map[string]types.AttributeValue{":at": s(at.UTC().Format(time.RFC3339Nano)), ":mid": s(replyMessageID)})
}

func (st *Store) updateMail(ctx context.Context, messageID, update, cond string, values map[string]types.AttributeValue) error {
	_, err := st.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(st.Table),
		Key:                       mailKey(messageID),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("attribute_exists(PK) AND (" + cond + ")"),
		ExpressionAttributeValues: values,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("update mail record %s: %w", messageID, request.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("update mail record %s: %w", messageID, err)
	}
	return nil
}

// ClaimTeamNotice takes a short lease on sending the one notice to the
// team about a recorded message: false when it went out or another
// delivery holds the lease.
func (st *Store) ClaimTeamNotice(ctx context.Context, messageID string, now time.Time, lease time.Duration) (bool, error) {
	err := st.updateMail(ctx, messageID, "SET teamLeaseUntil = :until",
		"attribute_not_exists(teamNotifiedAt) AND (attribute_not_exists(teamLeaseUntil) OR teamLeaseUntil < :now)",
		map[string]types.AttributeValue{":until": s(timeKey(now.Add(lease))), ":now": s(timeKey(now))})
	if errors.Is(err, request.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

// MarkTeamNotified records that the team's notice went out.
func (st *Store) MarkTeamNotified(ctx context.Context, messageID string, at time.Time, noticeMessageID string) error {
	return st.updateMail(ctx, messageID, "SET teamNotifiedAt = :at, teamMessageId = :mid REMOVE teamLeaseUntil",
		"attribute_not_exists(teamNotifiedAt)",
		map[string]types.AttributeValue{":at": s(at.UTC().Format(time.RFC3339Nano)), ":mid": s(noticeMessageID)})
}
