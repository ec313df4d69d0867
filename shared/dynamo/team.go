package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Extend moves an open request from status from to extended, once: it
// records when (extendedAt) and points the open-work index at due, the
// extended answer date. It fails with request.ErrConflict when the request
// is no longer in from or was extended before, and with a
// *request.TransitionError when from cannot move to extended.
func (st *Store) Extend(ctx context.Context, id string, from request.Status, due, at time.Time) error {
	if err := request.CheckTransition(from, request.Extended); err != nil {
		return fmt.Errorf("request %s: %w", id, err)
	}
	return st.update(ctx, id,
		"SET #status = :to, updatedAt = :at, extendedAt = :at, "+AttrDueAt+" = :due",
		"#status = :from AND attribute_not_exists(extendedAt) AND attribute_exists("+AttrOpen+")",
		map[string]types.AttributeValue{
			":from": s(string(from)), ":to": s(string(request.Extended)),
			":at": s(at.UTC().Format(time.RFC3339Nano)), ":due": s(timeKey(due)),
		})
}

// SetCorrections replaces the corrections of open request id (the team
// writing, item by item, what a mail asked in words); a closed request is
// request.ErrConflict.
func (st *Store) SetCorrections(ctx context.Context, id string, items []request.CorrectionItem, at time.Time) error {
	corr, err := attributevalue.Marshal(items)
	if err != nil {
		return fmt.Errorf("encode corrections of %s: %w", id, err)
	}
	return st.update(ctx, id, "SET corrections = :c, updatedAt = :at", "attribute_exists("+AttrOpen+")",
		map[string]types.AttributeValue{":c": corr, ":at": s(at.UTC().Format(time.RFC3339Nano))})
}
