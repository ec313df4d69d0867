package console_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/clock"
	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/standin"
)

// countingAPI counts the store's calls to DynamoDB. dynamo.API has no Scan
// at all: the store cannot scan; the count shows the work list is the
// index's pages and nothing else.
type countingAPI struct {
	dynamo.API
	queries, gets atomic.Int64
}

func (c *countingAPI) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.queries.Add(1)
	return c.API.Query(ctx, in, opts...)
}

func (c *countingAPI) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.gets.Add(1)
	return c.API.GetItem(ctx, in, opts...)
}

// BenchmarkWorkList5000 renders the console's work list (GET /console/,
// signed in) over 5,000 open requests stored on dynalite, and reports it
// against a floor: a raw Query of the same OpenWork index, every page,
// nothing decoded. Run with
//
//	STANDINS=required go test -run '^$' -bench WorkList5000 -benchtime 10x ./shared/console/
//
// It reports ns/op of the page, floor-ns (the raw query's), x-floor (their
// ratio), queries/op (index pages read per page rendered), gets/op (0: no
// request is read item by item) and rows. dynalite is far slower than
// DynamoDB per page, so the ratio, not the time, is the figure to watch.
func BenchmarkWorkList5000(b *testing.B) {
	const open = 5000
	ctx := context.Background()
	srv := standin.Dynalite(b)
	client := dynamodb.NewFromConfig(standin.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	table := "bench-worklist"
	require.NoError(b, dynamo.EnsureTable(ctx, client, table))
	api := &countingAPI{API: client}
	store := &dynamo.Store{API: api, Table: table}
	cal, err := clock.New("America/New_York")
	require.NoError(b, err)

	// Seed: 5,000 open requests received over the last 60 days, of every
	// kind and status, some needing attention.
	kinds := append([]request.Kind{request.Unclear}, request.Kinds...)
	statuses := []request.Status{request.Received, request.Acknowledged, request.Verifying, request.Verified, request.InProgress, request.Extended}
	var wg sync.WaitGroup
	work := make(chan int)
	errs := make(chan error, open)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				received := deskNow.Add(-time.Duration(i%(60*24)) * time.Hour)
				k := []request.Kind{kinds[i%len(kinds)]}
				r := &request.Request{ID: fmt.Sprintf("PR-BNCH-%04d-AAAA-AAAA", i), SourceID: fmt.Sprint(i), Kinds: k,
					Status: statuses[i%len(statuses)], Channel: request.Web, Priority: request.Normal,
					Requester:  request.Identity{Name: "Bench Person", Email: fmt.Sprintf("p%d@example.com", i)},
					ReceivedAt: received, Due: cal.Deadlines(received, k, request.Normal), UpdatedAt: received}
				if _, _, err := store.Create(ctx, r); err != nil {
					errs <- err
					continue
				}
				if i%50 == 0 {
					_ = store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: received, Actor: "system:fulfil", Action: request.ActionNeedsAttention})
				}
			}
		}()
	}
	for i := 0; i < open; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(b, err)
	}

	// The floor: the same index, every page, read raw.
	floor := func() int {
		n := 0
		p := dynamodb.NewQueryPaginator(client, &dynamodb.QueryInput{
			TableName: aws.String(table), IndexName: aws.String(dynamo.IndexOpenWork),
			KeyConditionExpression:    aws.String(dynamo.AttrOpen + " = :open"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":open": &types.AttributeValueMemberS{Value: "OPEN"}},
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			require.NoError(b, err)
			n += len(page.Items)
		}
		return n
	}
	require.Equal(b, open, floor(), "every request is on the index")
	const floorRuns = 5
	start := time.Now()
	for range floorRuns {
		floor()
	}
	floorNs := float64(time.Since(start).Nanoseconds()) / floorRuns

	d := &console.Service{Store: store, Calendar: cal, Now: func() time.Time { return deskNow }}
	auth := &fakeAuth{now: authNow}
	h := console.New(console.Config{Auth: auth, Sessions: fakeSessions{}, Desk: d, Group: "privacy-team",
		AuthNow: func() time.Time { return authNow }, Entropy: &counter{}})
	br := newBrowser(b, h, "desk.example")
	br.signIn(auth, aliceToken, "/console/")
	api.queries.Store(0)
	api.gets.Store(0)

	b.ResetTimer()
	var rows int
	for range b.N {
		w := br.do("GET", "/console/", nil)
		if w.Code != http.StatusOK {
			b.Fatalf("work list: %d", w.Code)
		}
		rows = strings.Count(w.Body.String(), `href="./requests/PR-BNCH-`)
	}
	b.StopTimer()
	if rows != open {
		b.Fatalf("the page lists %d requests, want %d", rows, open)
	}
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(floorNs, "floor-ns")
	b.ReportMetric(perOp/floorNs, "x-floor")
	b.ReportMetric(float64(api.queries.Load())/float64(b.N), "queries/op")
	b.ReportMetric(float64(api.gets.Load())/float64(b.N), "gets/op")
	b.ReportMetric(float64(rows), "rows")
}
