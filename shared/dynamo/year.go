package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/productionflow/privacy-desk/shared/request"
)

// yearKey is the ByYear index's partition for a request received at t:
// its UTC year.
func yearKey(t time.Time) string { return strconv.Itoa(t.UTC().Year()) }

// ReceivedBetween lists the requests received at or after from and before
// to, in the order they came: of each its ID, kinds, status, receipt and
// closing (ByYearAttributes), no personal data. One query of the ByYear
// index per UTC year the span touches (two for a calendar year in a time
// zone other than UTC); never a scan.
func (st *Store) ReceivedBetween(ctx context.Context, from, to time.Time) ([]request.Request, error) {
	var out []request.Request
	for y := from.UTC().Year(); y <= to.UTC().Year(); y++ {
		p := dynamodb.NewQueryPaginator(st.API, &dynamodb.QueryInput{
			TableName:              aws.String(st.Table),
			IndexName:              aws.String(IndexByYear),
			KeyConditionExpression: aws.String(AttrYear + " = :y AND " + AttrReceived + " BETWEEN :from AND :to"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":y": s(strconv.Itoa(y)), ":from": s(timeKey(from)), ":to": s(timeKey(to.Add(-time.Nanosecond))),
			},
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("query requests of %d: %w", y, err)
			}
			var batch []request.Request
			if err := attributevalue.UnmarshalListOfMaps(page.Items, &batch); err != nil {
				return nil, fmt.Errorf("decode requests of %d: %w", y, err)
			}
			out = append(out, batch...)
		}
	}
	return out, nil
}
