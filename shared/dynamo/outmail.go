package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// Each mail the desk sent about a request is remembered as one item keyed
// by the message ID SES returned: PK=OUTMAIL#<sesMessageId>, SK=OUTMAIL,
// holding the request ID and when it was sent, and expiring with the
// request's retention. A reply names that ID in In-Reply-To, which is how
// it finds its request.

var _ mail.SentLog = (*Store)(nil)

func outMailKey(sesMessageID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: s("OUTMAIL#" + sesMessageID), AttrSK: s("OUTMAIL")}
}

// RecordSent remembers that the mail SES accepted as messageID was about
// request requestID. Recording the same mail again keeps the first record.
func (st *Store) RecordSent(ctx context.Context, messageID, requestID string, at time.Time) error {
	_, err := st.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(st.Table),
		Item:                sentItem(mail.Sent{MessageID: messageID, RequestID: requestID, At: at}),
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record sent mail %s: %w", messageID, err)
	}
	return nil
}

// sentItem is the record of sent mail m.
func sentItem(m mail.Sent) map[string]types.AttributeValue {
	item := outMailKey(m.MessageID)
	item["requestId"] = s(m.RequestID)
	item["sentAt"] = s(m.At.UTC().Format(time.RFC3339Nano))
	item[AttrTTL] = &types.AttributeValueMemberN{Value: fmt.Sprint(m.At.Add(Retention).Unix())}
	return item
}

// SentRequest returns the request a desk mail was about; request.ErrNotFound
// when no such mail was recorded.
func (st *Store) SentRequest(ctx context.Context, sesMessageID string) (string, error) {
	out, err := st.API.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(st.Table), Key: outMailKey(sesMessageID), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return "", fmt.Errorf("get sent mail %s: %w", sesMessageID, err)
	}
	v, ok := out.Item["requestId"].(*types.AttributeValueMemberS)
	if out.Item == nil || !ok || v.Value == "" {
		return "", fmt.Errorf("get sent mail %s: %w", sesMessageID, request.ErrNotFound)
	}
	return v.Value, nil
}

// Clarify gives an open, unclear request the kinds a reply named, with
// their priority and deadlines, and points the open-work index at the next
// deadline. It applies while the request is still unclear, or again for
// the same reply (a retry); otherwise request.ErrConflict.
func (st *Store) Clarify(ctx context.Context, c request.Clarification) error {
	kinds, err := attributevalue.Marshal(c.Kinds)
	if err != nil {
		return fmt.Errorf("encode kinds of %s: %w", c.RequestID, err)
	}
	due, err := attributevalue.MarshalWithOptions(c.Due, omitEmptyTime)
	if err != nil {
		return fmt.Errorf("encode deadlines of %s: %w", c.RequestID, err)
	}
	next := c.Due.Response
	if !slices.ContainsFunc(c.Kinds, func(k request.Kind) bool { return !k.IsOptOut() }) {
		next = c.Due.OptOut
	}
	if next.IsZero() {
		next = c.Due.Next()
	}
	update := "SET #kinds = :kinds, #priority = :priority, #due = :due, #clarifiedBy = :mid, #updatedAt = :at"
	names := map[string]string{"#kinds": "kinds", "#priority": "priority", "#due": "due", "#clarifiedBy": "clarifiedBy", "#updatedAt": "updatedAt"}
	values := map[string]types.AttributeValue{
		":kinds": kinds, ":priority": s(string(c.Priority)), ":due": due, ":mid": s(c.ReplyMessageID),
		":at": s(c.At.UTC().Format(time.RFC3339Nano)), ":unclear": s(string(request.Unclear)),
	}
	if !next.IsZero() {
		update += ", " + AttrDueAt + " = :dueAt"
		values[":dueAt"] = s(timeKey(next))
	}
	if c.Subject != nil {
		sub, err := attributevalue.Marshal(c.Subject)
		if err != nil {
			return fmt.Errorf("encode subject of %s: %w", c.RequestID, err)
		}
		update += ", #subject = :subject"
		names["#subject"], values[":subject"] = "subject", sub
	}
	if len(c.Corrections) > 0 {
		corr, err := attributevalue.Marshal(c.Corrections)
		if err != nil {
			return fmt.Errorf("encode corrections of %s: %w", c.RequestID, err)
		}
		update += ", #corrections = :corrections"
		names["#corrections"], values[":corrections"] = "corrections", corr
	}
	_, err = st.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(st.Table),
		Key:                       requestKey(c.RequestID),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("attribute_exists(" + AttrOpen + ") AND (contains(#kinds, :unclear) OR #clarifiedBy = :mid)"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if _, gerr := st.Get(ctx, c.RequestID); errors.Is(gerr, request.ErrNotFound) {
			return gerr
		}
		return fmt.Errorf("clarify request %s: %w", c.RequestID, request.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("clarify request %s: %w", c.RequestID, err)
	}
	return nil
}
