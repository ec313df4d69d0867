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

// RetentionMonths is how long a closed request's record and audit trail
// are kept after it closes (CCPA regulations §7101: records of requests and
// how they were answered, at least 24 months); then DynamoDB's TTL deletes
// them.
const RetentionMonths = 24

// ExpiresAt is when the record of a request closed at closed is deleted:
// RetentionMonths calendar months later, in epoch seconds (the table's TTL
// attribute).
func ExpiresAt(closed time.Time) int64 {
	return closed.UTC().AddDate(0, RetentionMonths, 0).Unix()
}

// Minimised lists what closing removes from a request's record: the
// personal data nothing needs once the request is answered. What stays is
// the record the regulations ask for (ID, kinds, channel, dates, status and
// outcome on the trail), the requester's name and address (to whom the
// answer went: a denial notice that failed is sent again after closing, and
// a requester who writes back is found) and the agent who acted for them;
// the address's hash keeps finding earlier requests. See docs/data.md.
var Minimised = []string{"details", "corrections", "subject", "requester.phone", "requester.address", "requester.company", "requester.relationship"}

// close moves a request from from to the closed status to, in one
// conditional write: it leaves the open-work index, records closedAt,
// minimises its personal data and sets its TTL; then every event of its
// audit trail gets the same TTL (events appended later copy it: see
// AppendEvent).
func (st *Store) close(ctx context.Context, id string, from, to request.Status, at time.Time) error {
	ttl := ExpiresAt(at)
	names := map[string]string{"#status": "status", "#req": "requester"}
	remove := AttrOpen + ", " + attrAttention
	for i, path := range Minimised {
		ref := fmt.Sprintf("#m%d", i)
		if len(path) > len("requester.") && path[:len("requester.")] == "requester." {
			names[ref] = path[len("requester."):]
			ref = "#req." + ref
		} else {
			names[ref] = path
		}
		remove += ", " + ref
	}
	in := &dynamodb.UpdateItemInput{
		TableName: aws.String(st.Table),
		Key:       requestKey(id),
		UpdateExpression: aws.String("SET #status = :to, updatedAt = :at, closedAt = :at, " + AttrTTL + " = :ttl" +
			" REMOVE " + remove),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #status = :from"),
		ExpressionAttributeNames: names,
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":from": s(string(from)), ":to": s(string(to)),
			":at":  s(at.UTC().Format(time.RFC3339Nano)),
			":ttl": &types.AttributeValueMemberN{Value: strconv.FormatInt(ttl, 10)},
		},
	}
	_, err := st.API.UpdateItem(ctx, in)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if _, gerr := st.Get(ctx, id); errors.Is(gerr, request.ErrNotFound) {
			return gerr
		}
		return fmt.Errorf("close request %s: %w", id, request.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("close request %s: %w", id, err)
	}
	return st.expireTrail(ctx, id, ttl)
}

// expireTrail sets the TTL of every event of a request's trail that has
// none. A crash half-way leaves some without: closing is not retried, but
// the next event appended to the trail stamps the rest (AppendEvent).
func (st *Store) expireTrail(ctx context.Context, id string, ttl int64) error {
	p := dynamodb.NewQueryPaginator(st.API, &dynamodb.QueryInput{
		TableName:                 aws.String(st.Table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :evt)"),
		FilterExpression:          aws.String("attribute_not_exists(" + AttrTTL + ")"),
		ProjectionExpression:      aws.String("PK, SK"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("REQ#" + id), ":evt": s("EVT#")},
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("trail of %s: %w", id, err)
		}
		for _, key := range page.Items {
			if err := st.expireItem(ctx, key, ttl); err != nil {
				return fmt.Errorf("trail of %s: %w", id, err)
			}
		}
	}
	return nil
}

func (st *Store) expireItem(ctx context.Context, key map[string]types.AttributeValue, ttl int64) error {
	_, err := st.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(st.Table),
		Key:                       map[string]types.AttributeValue{AttrPK: key[AttrPK], AttrSK: key[AttrSK]},
		UpdateExpression:          aws.String("SET " + AttrTTL + " = :ttl"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":ttl": &types.AttributeValueMemberN{Value: strconv.FormatInt(ttl, 10)}},
	})
	if err != nil {
		return fmt.Errorf("set expiry: %w", err)
	}
	return nil
}

// requestExpiry reads the TTL of a request's record: 0 while it is open.
func (st *Store) requestExpiry(ctx context.Context, id string) (int64, error) {
	out, err := st.API.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:            aws.String(st.Table),
		Key:                  requestKey(id),
		ProjectionExpression: aws.String(AttrTTL),
		ConsistentRead:       aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("expiry of %s: %w", id, err)
	}
	n, ok := out.Item[AttrTTL].(*types.AttributeValueMemberN)
	if !ok {
		return 0, nil
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("expiry of %s: %w", id, err)
	}
	return v, nil
}
