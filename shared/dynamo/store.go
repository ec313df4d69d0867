package dynamo

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/productionflow/privacy-desk/shared/request"
)

// API is the part of *dynamodb.Client the store uses.
type API interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// Retention is how long a closed request's record is kept before DynamoDB's
// TTL deletes it.
const Retention = 24 * 30 * 24 * time.Hour // 24 months of 30 days, at least 720 days

// openShard is the single partition of the sparse open-work index; the
// volume of privacy requests is far below one partition's limits.
const openShard = "OPEN"

// Store keeps requests and their audit trails in one table.
type Store struct {
	API   API
	Table string
	// Entropy makes audit event keys unique; nil means crypto/rand.
	Entropy io.Reader
}

// timeKey renders t in a fixed-width UTC form that sorts as time does.
func timeKey(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func requestKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: "REQ#" + id},
		AttrSK: &types.AttributeValueMemberS{Value: "REQUEST"},
	}
}

// EmailHash is the index key for a person's address: SHA-256 of the
// normalised address, so the index holds no readable address.
func EmailHash(email string) string {
	sum := sha256.Sum256([]byte(request.NormalizeEmail(email)))
	return hex.EncodeToString(sum[:])
}

func omitEmptyTime(o *attributevalue.EncoderOptions) { o.OmitEmptyTime = true }

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// Create writes r unless a request with its ID exists. It returns the stored
// request and whether this call created it; creating the same ID again
// returns the existing request and no error.
func (st *Store) Create(ctx context.Context, r *request.Request) (*request.Request, bool, error) {
	return st.create(ctx, r, time.Time{})
}

// CreateClaimed is Create that, when it creates the request, also takes
// the claim on sending its acknowledgement until leaseUntil (as
// ClaimAcknowledgement would), in the same conditional write.
func (st *Store) CreateClaimed(ctx context.Context, r *request.Request, leaseUntil time.Time) (*request.Request, bool, error) {
	return st.create(ctx, r, leaseUntil)
}

func (st *Store) create(ctx context.Context, r *request.Request, leaseUntil time.Time) (*request.Request, bool, error) {
	item, err := attributevalue.MarshalMapWithOptions(r, omitEmptyTime)
	if err != nil {
		return nil, false, fmt.Errorf("encode request %s: %w", r.ID, err)
	}
	for k, v := range requestKey(r.ID) {
		item[k] = v
	}
	item[AttrEmailHash] = s(EmailHash(r.Requester.Email))
	item[AttrReceived] = s(timeKey(r.ReceivedAt))
	item[AttrYear] = s(yearKey(r.ReceivedAt))
	if !leaseUntil.IsZero() {
		item["ackLeaseUntil"] = s(timeKey(leaseUntil))
	}
	if !r.Status.Closed() {
		item[AttrOpen] = s(openShard)
		if next := r.Due.Next(); !next.IsZero() {
			item[AttrDueAt] = s(timeKey(next))
		} else {
			item[AttrDueAt] = s(timeKey(r.ReceivedAt))
		}
	}
	_, err = st.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(st.Table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		existing, gerr := st.Get(ctx, r.ID)
		if gerr != nil {
			return nil, false, gerr
		}
		return existing, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("put request %s: %w", r.ID, err)
	}
	return r, true, nil
}

// Get reads one request; request.ErrNotFound when there is none.
func (st *Store) Get(ctx context.Context, id string) (*request.Request, error) {
	out, err := st.API.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(st.Table),
		Key:            requestKey(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get request %s: %w", id, err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("get request %s: %w", id, request.ErrNotFound)
	}
	var r request.Request
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return nil, fmt.Errorf("decode request %s: %w", id, err)
	}
	return &r, nil
}

// maxBatchGet is the most keys one BatchGetItem takes.
const maxBatchGet = 100

// GetMany reads the requests ids (at most 100) in one consistent
// BatchGetItem, in the order of ids; an ID with no request is left out.
// Keys DynamoDB leaves unprocessed are asked for again, a few times.
func (st *Store) GetMany(ctx context.Context, ids []string) ([]*request.Request, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > maxBatchGet {
		return nil, fmt.Errorf("get %d requests: at most %d at once", len(ids), maxBatchGet)
	}
	keys := make([]map[string]types.AttributeValue, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			keys = append(keys, requestKey(id))
		}
	}
	found := make(map[string]*request.Request, len(keys))
	req := map[string]types.KeysAndAttributes{st.Table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt == 5 {
			return nil, fmt.Errorf("get %d requests: keys left unprocessed", len(ids))
		}
		out, err := st.API.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, fmt.Errorf("get %d requests: %w", len(ids), err)
		}
		for _, item := range out.Responses[st.Table] {
			var r request.Request
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return nil, fmt.Errorf("decode request: %w", err)
			}
			found[r.ID] = &r
		}
		req = out.UnprocessedKeys
	}
	rs := make([]*request.Request, 0, len(found))
	for _, id := range ids {
		if r, ok := found[id]; ok {
			rs = append(rs, r)
			delete(found, id)
		}
	}
	return rs, nil
}

// SetStatus moves a request from one status to another, only if it is
// still in from. Closing a request takes it off the open-work index,
// minimises its personal data and starts the retention clock of its
// record and audit trail (see close).
func (st *Store) SetStatus(ctx context.Context, id string, from, to request.Status, at time.Time) error {
	if err := request.CheckTransition(from, to); err != nil {
		return fmt.Errorf("request %s: %w", id, err)
	}
	update := "SET #status = :to, updatedAt = :at"
	values := map[string]types.AttributeValue{":from": s(string(from)), ":to": s(string(to)), ":at": s(at.UTC().Format(time.RFC3339Nano))}
	if !to.Closed() {
		return st.updateWhere(ctx, id, update, "#status = :from", values)
	}
	return st.close(ctx, id, from, to, at)
}

// AwaitVerification records the task token the request workflow waits on
// for the verification link the acknowledgement carried, and moves the
// request to verifying, in one conditional update: only while it is
// received, acknowledged or already verifying (a retry, or a confirmation
// under way); otherwise request.ErrConflict.
func (st *Store) AwaitVerification(ctx context.Context, id, taskToken string, at time.Time) error {
	return st.updateWhere(ctx, id, "SET #status = :verifying, verifyTaskToken = :tt, updatedAt = :at",
		"#status IN (:received, :acknowledged, :verifying)",
		map[string]types.AttributeValue{
			":verifying": s(string(request.Verifying)), ":received": s(string(request.Received)),
			":acknowledged": s(string(request.Acknowledged)), ":tt": s(taskToken), ":at": s(at.UTC().Format(time.RFC3339Nano)),
		})
}

// ClaimAcknowledgement takes a short lease on sending the request's
// acknowledgement, so concurrent deliveries of one submission send one mail
// while a crash between claim and send only delays it until the lease ends.
// It reports false when the mail was sent or another sender holds the lease.
func (st *Store) ClaimAcknowledgement(ctx context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	err := st.update(ctx, id,
		"SET ackLeaseUntil = :until",
		"attribute_not_exists(acknowledgedAt) AND (attribute_not_exists(ackLeaseUntil) OR ackLeaseUntil < :now)",
		map[string]types.AttributeValue{":until": s(timeKey(now.Add(lease))), ":now": s(timeKey(now))})
	if errors.Is(err, request.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

// MarkAcknowledged records that the acknowledgement went out, moves a
// received request to acknowledged, and points the open-work index at the
// next deadline.
func (st *Store) MarkAcknowledged(ctx context.Context, id string, at time.Time, messageID string, nextDue time.Time) error {
	values := map[string]types.AttributeValue{
		":at": s(at.UTC().Format(time.RFC3339Nano)), ":received": s(string(request.Received)),
		":ack": s(string(request.Acknowledged)), ":due": s(timeKey(nextDue)), ":mid": s(messageID),
	}
	return st.updateWhere(ctx, id,
		"SET acknowledgedAt = :at, ackMessageId = :mid, updatedAt = :at, #status = :ack, "+AttrDueAt+" = :due REMOVE ackLeaseUntil",
		// Received has no acknowledgedAt: only this sets it, moving the
		// request on, and no status leads back to received.
		"#status = :received", values)
}

// update applies update to request id where cond holds; it fails
// request.ErrNotFound for no such request, request.ErrConflict when cond
// does not hold.
func (st *Store) update(ctx context.Context, id, update, cond string, values map[string]types.AttributeValue) error {
	return st.updateWhere(ctx, id, update, "attribute_exists(PK) AND ("+cond+")", values)
}

// updateWhere is update for a cond that holds only for a request that
// exists, because it compares one of its attributes with a value (its
// status): it needs no attribute_exists(PK) beside it. (Conditions are
// parsed on every call; the local stand-in spends more on a function call
// in one than on the rest of a status change.)
func (st *Store) updateWhere(ctx context.Context, id, update, cond string, values map[string]types.AttributeValue) error {
	names := map[string]string{}
	if strings.Contains(update+cond, "#status") {
		names["#status"] = "status"
	}
	in := &dynamodb.UpdateItemInput{
		TableName:                 aws.String(st.Table),
		Key:                       requestKey(id),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeValues: values,
	}
	if len(names) > 0 {
		in.ExpressionAttributeNames = names
	}
	_, err := st.API.UpdateItem(ctx, in)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if _, gerr := st.Get(ctx, id); errors.Is(gerr, request.ErrNotFound) {
			return gerr
		}
		return fmt.Errorf("update request %s: %w", id, request.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("update request %s: %w", id, err)
	}
	return nil
}

// attrAttention marks an open request that needs the team's attention.
const attrAttention = "attention"

// AppendEvent adds an event to the request's audit trail. Events are never
// overwritten or changed. An event that calls for the team
// (request.NeedsAttention) also marks its request, while open, as needing
// attention, for the work list: the mark is written first, so a retry
// after a failure between the two writes both.
func (st *Store) AppendEvent(ctx context.Context, ev request.Event) error {
	return st.appendEvent(ctx, ev, true)
}

// AppendEventOpen is AppendEvent without the read, after the put, of
// whether the request has closed. It is for an event written just before
// a conditional write that finds the request open (MarkAcknowledged, which
// needs it received): a close comes after that write, and closing's sweep
// of the trail finds the event. Should that write fail, call
// ExpireIfClosed.
func (st *Store) AppendEventOpen(ctx context.Context, ev request.Event) error {
	return st.appendEvent(ctx, ev, false)
}

// ExpireIfClosed gives every event of request id without an expiry the
// request's, if it has closed; an open request's trail is left as it is.
func (st *Store) ExpireIfClosed(ctx context.Context, id string) error {
	ttl, err := st.requestExpiry(ctx, id)
	if err != nil || ttl == 0 {
		return err
	}
	return st.expireTrail(ctx, id, ttl)
}

func (st *Store) appendEvent(ctx context.Context, ev request.Event, checkClosed bool) error {
	if request.NeedsAttention(ev.Action) {
		if err := st.markAttention(ctx, ev.RequestID, ev.Action); err != nil {
			return err
		}
	}
	item, err := st.eventItem(ev)
	if err != nil {
		return err
	}
	_, err = st.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(st.Table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	var ccf *types.ConditionalCheckFailedException
	if ev.Once != "" && errors.As(err, &ccf) {
		return nil // already recorded
	}
	if err != nil {
		return fmt.Errorf("append event %s to %s: %w", ev.Action, ev.RequestID, err)
	}
	if !checkClosed {
		return nil
	}
	// An event of a closed request expires with it. Read after the put,
	// so that an event that closing's sweep of the trail missed is
	// stamped here; an event of an open request gets its expiry when the
	// request closes.
	ttl, err := st.requestExpiry(ctx, ev.RequestID)
	if err != nil || ttl == 0 {
		return err
	}
	if err := st.expireTrail(ctx, ev.RequestID, ttl); err != nil {
		return fmt.Errorf("append event %s to %s: %w", ev.Action, ev.RequestID, err)
	}
	return nil
}

// eventItem is ev as the trail keeps it: a Once event keyed by its Once
// key alone (so a retry that stamps it with a later time finds the first),
// any other by its time and a random suffix.
func (st *Store) eventItem(ev request.Event) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMapWithOptions(ev, omitEmptyTime)
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	item[AttrPK] = s("REQ#" + ev.RequestID)
	if ev.Once != "" {
		item[AttrSK] = s("EVT#ONCE#" + ev.Once)
		return item, nil
	}
	b := make([]byte, 4)
	entropy := st.Entropy
	if entropy == nil {
		entropy = rand.Reader
	}
	if _, err := io.ReadFull(entropy, b); err != nil {
		return nil, fmt.Errorf("event key: %w", err)
	}
	item[AttrSK] = s("EVT#" + timeKey(ev.At) + "#" + hex.EncodeToString(b))
	return item, nil
}

// markAttention sets the attention mark of an open request; a closed (or
// missing) request is left as it is.
func (st *Store) markAttention(ctx context.Context, id, action string) error {
	_, err := st.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(st.Table),
		Key:                       requestKey(id),
		UpdateExpression:          aws.String("SET " + attrAttention + " = :a"),
		ConditionExpression:       aws.String("attribute_exists(" + AttrOpen + ")"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": s(action)},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return fmt.Errorf("mark %s as needing attention: %w", id, err)
	}
	return nil
}

// Events returns a request's audit trail, oldest first.
func (st *Store) Events(ctx context.Context, id string) ([]request.Event, error) {
	var events []request.Event
	p := dynamodb.NewQueryPaginator(st.API, &dynamodb.QueryInput{
		TableName:                 aws.String(st.Table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :evt)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("REQ#" + id), ":evt": s("EVT#")},
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query events of %s: %w", id, err)
		}
		var batch []request.Event
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &batch); err != nil {
			return nil, fmt.Errorf("decode events of %s: %w", id, err)
		}
		events = append(events, batch...)
	}
	// Once events are keyed by name, not time: put the trail in time order.
	sort.SliceStable(events, func(i, j int) bool { return events[i].At.Before(events[j].At) })
	return events, nil
}

// EarlierRequests lists the IDs of requests from the same address, oldest first.
func (st *Store) EarlierRequests(ctx context.Context, email string) ([]string, error) {
	var ids []string
	p := dynamodb.NewQueryPaginator(st.API, &dynamodb.QueryInput{
		TableName:                 aws.String(st.Table),
		IndexName:                 aws.String(IndexByEmail),
		KeyConditionExpression:    aws.String(AttrEmailHash + " = :h"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": s(EmailHash(email))},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query requests by email: %w", err)
		}
		for _, it := range page.Items {
			if pk, ok := it[AttrPK].(*types.AttributeValueMemberS); ok && len(pk.Value) > 4 {
				ids = append(ids, pk.Value[4:])
			}
		}
	}
	return ids, nil
}

// Open is one open request in the open-work index.
type Open struct {
	ID       string           `dynamodbav:"id"`
	Status   request.Status   `dynamodbav:"status"`
	Kinds    []request.Kind   `dynamodbav:"kinds"`
	Priority request.Priority `dynamodbav:"priority"`
	DueAt    time.Time        `dynamodbav:"dueAt"`
}

// OpenDueBefore lists open requests whose next deadline is at or before
// before, soonest first, at most limit of them (0 means all).
func (st *Store) OpenDueBefore(ctx context.Context, before time.Time, limit int) ([]Open, error) {
	var open []Open
	p := dynamodb.NewQueryPaginator(st.API, &dynamodb.QueryInput{
		TableName:              aws.String(st.Table),
		IndexName:              aws.String(IndexOpenWork),
		KeyConditionExpression: aws.String(AttrOpen + " = :open AND " + AttrDueAt + " <= :before"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":open": s(openShard), ":before": s(timeKey(before)),
		},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query open requests: %w", err)
		}
		var batch []Open
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &batch); err != nil {
			return nil, fmt.Errorf("decode open requests: %w", err)
		}
		open = append(open, batch...)
		if limit > 0 && len(open) >= limit {
			return open[:limit], nil
		}
	}
	return open, nil
}

// OpenWork lists every open request, soonest next deadline first, from the
// open-work index: of each, what the work list shows (ID, status, kinds,
// priority, channel, deadlines, receipt, attention, NextDue) and no
// personal data. One query, paged; never a scan.
func (st *Store) OpenWork(ctx context.Context) ([]request.Request, error) {
	var open []request.Request
	p := dynamodb.NewQueryPaginator(st.API, &dynamodb.QueryInput{
		TableName:                 aws.String(st.Table),
		IndexName:                 aws.String(IndexOpenWork),
		KeyConditionExpression:    aws.String(AttrOpen + " = :open"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":open": s(openShard)},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query open work: %w", err)
		}
		var batch []request.Request
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &batch); err != nil {
			return nil, fmt.Errorf("decode open work: %w", err)
		}
		open = append(open, batch...)
	}
	return open, nil
}
