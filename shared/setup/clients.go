package setup

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/sesmail"
)

// The SDK clients reach the adapters through narrow types like these, each
// with only the calls its adapter makes, never as the SDK's own *Client:
// every function links text/template (mail), whose method calls by name
// make the linker keep every exported method of any type stored in an
// interface — for *dynamodb.Client, all of its operations. A narrow type
// keeps the binary (and its cold start) to the operations the desk calls.

var (
	_ dynamo.API             = Table{}
	_ sesmail.API            = Outbox{}
	_ sesmail.SuppressionAPI = Suppressions{}
)

// Table is the desk's DynamoDB client: the calls of dynamo.API. It holds
// the client's methods, not the client: a struct field of the client's
// type would count as stored in an interface too.
type Table struct {
	put    func(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	get    func(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	update func(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	query  func(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	batch  func(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	write  func(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// NewTable is the DynamoDB client of awsCfg.
func NewTable(awsCfg aws.Config) Table {
	c := dynamodb.NewFromConfig(awsCfg)
	return Table{put: c.PutItem, get: c.GetItem, update: c.UpdateItem, query: c.Query, batch: c.BatchGetItem, write: c.BatchWriteItem}
}

func (t Table) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return t.put(ctx, in, opts...)
}

func (t Table) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return t.get(ctx, in, opts...)
}

func (t Table) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return t.update(ctx, in, opts...)
}

func (t Table) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return t.query(ctx, in, opts...)
}

func (t Table) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	return t.batch(ctx, in, opts...)
}

func (t Table) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	return t.write(ctx, in, opts...)
}

// Outbox is the desk's SES v2 client for sending: sesmail.API.
type Outbox struct {
	send func(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// NewOutbox is the SES v2 client of awsCfg, for sending.
func NewOutbox(awsCfg aws.Config) Outbox { return Outbox{sesv2.NewFromConfig(awsCfg).SendEmail} }

func (o Outbox) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return o.send(ctx, in, opts...)
}

// Suppressions is the desk's SES v2 client for the suppression list:
// sesmail.SuppressionAPI.
type Suppressions struct {
	put func(context.Context, *sesv2.PutSuppressedDestinationInput, ...func(*sesv2.Options)) (*sesv2.PutSuppressedDestinationOutput, error)
}

// NewSuppressions is the SES v2 client of awsCfg, for the suppression list.
func NewSuppressions(awsCfg aws.Config) Suppressions {
	return Suppressions{sesv2.NewFromConfig(awsCfg).PutSuppressedDestination}
}

func (s Suppressions) PutSuppressedDestination(ctx context.Context, in *sesv2.PutSuppressedDestinationInput, opts ...func(*sesv2.Options)) (*sesv2.PutSuppressedDestinationOutput, error) {
	return s.put(ctx, in, opts...)
}
