// Package task keeps the owners' manual tasks of a request's fulfilment in
// the desk's DynamoDB table. It is apart from package dynamo so that only
// the functions that handle manual tasks link the connectors' types.
package task

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/dynamo"
)

// ErrAnswered means the owner already answered the task (or it does not
// exist): a second answer changes nothing.
var ErrAnswered = connector.ErrAlreadyAnswered

// Store keeps the manual tasks of a request's fulfilment in the request's
// partition: PK=REQ#<id>, SK=TASK#<system>#<action>; and the one workflow
// task token that waits for all of them: SK=TASKWAIT. Every change is a
// single-item conditional write.
type Store struct {
	API   dynamo.API
	Table string
}

func taskKey(requestID, sys, action string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{dynamo.AttrPK: s("REQ#" + requestID), dynamo.AttrSK: s("TASK#" + sys + "#" + action)}
}

// Create stores t unless the task exists; it reports whether it did.
func (ts *Store) Create(ctx context.Context, t connector.Task) (bool, error) {
	// connector.Task names its attributes with its json tags.
	item, err := attributevalue.MarshalMapWithOptions(t, omitEmptyTime, func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
	if err != nil {
		return false, fmt.Errorf("encode task %s/%s of %s: %w", t.System, t.Action, t.RequestID, err)
	}
	delete(item, "taskToken")
	for k, v := range taskKey(t.RequestID, t.System, string(t.Action)) {
		item[k] = v
	}
	_, err = ts.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(ts.Table), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	var cfe *types.ConditionalCheckFailedException
	if errors.As(err, &cfe) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create task %s/%s of %s: %w", t.System, t.Action, t.RequestID, err)
	}
	return true, nil
}

// List gives every task of a request.
func (ts *Store) List(ctx context.Context, requestID string) ([]connector.Task, error) {
	var out []connector.Task
	p := dynamodb.NewQueryPaginator(ts.API, &dynamodb.QueryInput{
		TableName:                 aws.String(ts.Table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :task)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("REQ#" + requestID), ":task": s("TASK#")},
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query tasks of %s: %w", requestID, err)
		}
		var batch []connector.Task
		if err := attributevalue.UnmarshalListOfMapsWithOptions(page.Items, &batch, func(o *attributevalue.DecoderOptions) { o.TagKey = "json" }); err != nil {
			return nil, fmt.Errorf("decode tasks of %s: %w", requestID, err)
		}
		out = append(out, batch...)
	}
	return out, nil
}

// MarkMailed records that the owner was mailed the task.
func (ts *Store) MarkMailed(ctx context.Context, requestID, sys, action string, at time.Time) error {
	return ts.update(ctx, requestID, sys, action, "SET mailedAt = :at", "attribute_exists(PK)",
		map[string]types.AttributeValue{":at": s(at.UTC().Format(time.RFC3339Nano))})
}

// MarkReminded records a reminder to the owner, and whether the team has
// now been told the task is overdue.
func (ts *Store) MarkReminded(ctx context.Context, requestID, sys, action string, at time.Time, teamTold bool) error {
	return ts.update(ctx, requestID, sys, action, "SET remindedAt = :at, teamToldOverdue = :told", "attribute_exists(PK)",
		map[string]types.AttributeValue{":at": s(at.UTC().Format(time.RFC3339Nano)), ":told": &types.AttributeValueMemberBOOL{Value: teamTold}})
}

// MarkDigested puts the open task in its owner's digest of day (the
// business day, YYYY-MM-DD) once: first marks it mailed at at, otherwise
// reminded at at. A task already in that day's digest, or answered
// meanwhile, gives connector.ErrInDigest and changes nothing, so a second
// run of the digest on one day mails nothing again.
func (ts *Store) MarkDigested(ctx context.Context, requestID, sys, action, day string, at time.Time, first bool) error {
	set := "SET digestDay = :day, remindedAt = :at"
	if first {
		set = "SET digestDay = :day, mailedAt = :at"
	}
	err := ts.update(ctx, requestID, sys, action, set,
		"attribute_exists(PK) AND #state = :open AND (attribute_not_exists(digestDay) OR digestDay <> :day)",
		map[string]types.AttributeValue{":day": s(day), ":at": s(at.UTC().Format(time.RFC3339Nano)), ":open": s(string(connector.TaskOpen))})
	var cfe *types.ConditionalCheckFailedException
	if errors.As(err, &cfe) {
		return connector.ErrInDigest
	}
	return err
}

// OpenRequests gives the IDs of every open request, from the open-work
// index (one query, paged): the requests whose tasks the owners' digest
// reads.
func (ts *Store) OpenRequests(ctx context.Context) ([]string, error) {
	open, err := (&dynamo.Store{API: ts.API, Table: ts.Table}).OpenWork(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(open))
	for _, r := range open {
		ids = append(ids, r.ID)
	}
	return ids, nil
}

// Answer records the owner's answer once: a task that is not open gives
// ErrAnswered.
func (ts *Store) Answer(ctx context.Context, requestID, sys, action string, state connector.TaskState, reason string, uploaded bool, at time.Time) error {
	vals := map[string]types.AttributeValue{
		":state": s(string(state)), ":open": s(string(connector.TaskOpen)), ":at": s(at.UTC().Format(time.RFC3339Nano)),
		":up": &types.AttributeValueMemberBOOL{Value: uploaded}, ":reason": s(reason),
	}
	err := ts.update(ctx, requestID, sys, action, "SET #state = :state, answeredAt = :at, uploaded = :up, reason = :reason",
		"attribute_exists(PK) AND #state = :open", vals)
	var cfe *types.ConditionalCheckFailedException
	if errors.As(err, &cfe) {
		return ErrAnswered
	}
	return err
}

// Reopen opens again a task its owner answered from (for "cannot", or a
// done export whose file is no longer kept), due at due and not yet
// mailed (the owners' loop mails it): the team's re-run of the fulfilment
// asks the owner again. A task in any other state is left as it is; it
// reports whether it reopened the task.
func (ts *Store) Reopen(ctx context.Context, requestID, sys, action string, from connector.TaskState, due time.Time, earlier string) (bool, error) {
	err := ts.update(ctx, requestID, sys, action,
		"SET #state = :open, due = :due, askedAgain = :again, earlierReason = :earlier REMOVE mailedAt, remindedAt, answeredAt, reason, uploaded, teamToldOverdue, digestDay",
		"attribute_exists(PK) AND #state = :from",
		map[string]types.AttributeValue{":open": s(string(connector.TaskOpen)), ":from": s(string(from)),
			":due": s(due.UTC().Format(time.RFC3339Nano)), ":again": &types.AttributeValueMemberBOOL{Value: true}, ":earlier": s(earlier)})
	var cfe *types.ConditionalCheckFailedException
	if errors.As(err, &cfe) {
		return false, nil
	}
	return err == nil, err
}

func (ts *Store) update(ctx context.Context, requestID, sys, action, update, cond string, vals map[string]types.AttributeValue) error {
	in := &dynamodb.UpdateItemInput{
		TableName: aws.String(ts.Table), Key: taskKey(requestID, sys, action),
		UpdateExpression: aws.String(update), ConditionExpression: aws.String(cond), ExpressionAttributeValues: vals,
	}
	if _, ok := vals[":open"]; ok {
		in.ExpressionAttributeNames = map[string]string{"#state": "state"}
	}
	if _, err := ts.API.UpdateItem(ctx, in); err != nil {
		return fmt.Errorf("update task %s/%s of %s: %w", sys, action, requestID, err)
	}
	return nil
}

// SetWaitToken keeps the workflow task token that waits for every manual
// task of the request (each wait of the reminder loop has a new one), and
// whether the wait may be woken (its definition catches OwnersWake).
func (ts *Store) SetWaitToken(ctx context.Context, requestID, taskToken string, wakes bool) error {
	_, err := ts.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(ts.Table), Item: map[string]types.AttributeValue{
		dynamo.AttrPK: s("REQ#" + requestID), dynamo.AttrSK: s(dynamo.SKOwnersWait), "taskToken": s(taskToken),
		dynamo.AttrOwnersWakes: &types.AttributeValueMemberBOOL{Value: wakes},
	}})
	if err != nil {
		return fmt.Errorf("keep task wait token of %s: %w", requestID, err)
	}
	return nil
}

// WaitToken gives the workflow task token waiting for the request's manual
// tasks, or "" when none is kept.
func (ts *Store) WaitToken(ctx context.Context, requestID string) (string, error) {
	return (&dynamo.Store{API: ts.API, Table: ts.Table}).OwnersWaitToken(ctx, requestID)
}

func omitEmptyTime(o *attributevalue.EncoderOptions) { o.OmitEmptyTime = true }

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
