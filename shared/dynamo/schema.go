// Package dynamo is the DynamoDB adapter: requests, their audit trail and
// the indexes for duplicates and open work, in one table, with single-item
// conditional writes only (the local stand-in has no transactions).
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute and index names. template.yaml declares the same; a test keeps
// the two in step.
const (
	AttrPK        = "PK"
	AttrSK        = "SK"
	AttrEmailHash = "emailHash"    // set on request items: the person's earlier requests
	AttrReceived  = "receivedAt"   // RFC 3339, sorts by time
	AttrOpen      = "openShard"    // present only while a request is open: sparse index
	AttrDueAt     = "dueAt"        // next deadline, RFC 3339 UTC
	AttrTTL       = "expiresAt"    // epoch seconds; records are deleted 24 months after closing
	AttrYear      = "receivedYear" // the UTC year of receipt, on request items: the yearly metrics

	IndexByEmail = "ByEmail"
	// IndexOpenWork lists open requests by their next deadline, with what
	// the team's work list shows and filters by (no personal data).
	IndexOpenWork = "OpenWork"
	// IndexByYear lists requests by the year and time they came, with
	// their kinds and outcome (no personal data): the yearly metrics.
	IndexByYear = "ByYear"
)

// ByYearAttributes are the attributes the ByYear index carries besides
// its keys: what the yearly metrics count.
var ByYearAttributes = []string{"id", "status", "kinds", "closedAt"}

// OpenWorkAttributes are the attributes the OpenWork index carries besides
// its keys: the work list's columns and filters.
var OpenWorkAttributes = []string{"id", "status", "kinds", "priority", "channel", "due", "receivedAt", "attention"}

// CreateTableInput is the one definition of the table's keys and indexes.
func CreateTableInput(table string) *dynamodb.CreateTableInput {
	str := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
	}
	key := func(hash, rng string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange},
		}
	}
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{str(AttrPK), str(AttrSK), str(AttrEmailHash), str(AttrReceived), str(AttrOpen), str(AttrDueAt), str(AttrYear)},
		KeySchema:            key(AttrPK, AttrSK),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{
				IndexName:  aws.String(IndexByEmail),
				KeySchema:  key(AttrEmailHash, AttrReceived),
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
			},
			{
				IndexName: aws.String(IndexOpenWork),
				KeySchema: key(AttrOpen, AttrDueAt),
				Projection: &types.Projection{
					ProjectionType:   types.ProjectionTypeInclude,
					NonKeyAttributes: OpenWorkAttributes,
				},
			},
			{
				IndexName: aws.String(IndexByYear),
				KeySchema: key(AttrYear, AttrReceived),
				Projection: &types.Projection{
					ProjectionType:   types.ProjectionTypeInclude,
					NonKeyAttributes: ByYearAttributes,
				},
			},
		},
	}
}

// TableAPI is what EnsureTable needs of *dynamodb.Client.
type TableAPI interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// EnsureTable creates the table unless it exists. The local stack uses it;
// on AWS the template creates the table.
func EnsureTable(ctx context.Context, api TableAPI, table string) error {
	_, err := api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err == nil {
		return nil
	}
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		return fmt.Errorf("describe table %s: %w", table, err)
	}
	if _, err := api.CreateTable(ctx, CreateTableInput(table)); err != nil {
		var inUse *types.ResourceInUseException
		if !errors.As(err, &inUse) {
			return fmt.Errorf("create table %s: %w", table, err)
		}
	}
	// A new table takes writes only once it is ACTIVE.
	waiter := dynamodb.NewTableExistsWaiter(api, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, time.Second
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", table, err)
	}
	return nil
}
