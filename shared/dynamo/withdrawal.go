package dynamo

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/productionflow/privacy-desk/shared/request"
)

// ClaimWithdrawalNotice takes a short lease on sending the one mail that
// tells the requester their request is withdrawn, so that two presses at
// once (a double click on the status page, the console's form sent twice)
// send one mail, while a crash between claim and send only delays it until
// the lease ends. It reports false when the notice went out or another
// sender holds the lease.
func (st *Store) ClaimWithdrawalNotice(ctx context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	err := st.update(ctx, id, "SET withdrawalNoticeLeaseUntil = :until",
		"attribute_not_exists(withdrawalNoticeAt) AND (attribute_not_exists(withdrawalNoticeLeaseUntil) OR withdrawalNoticeLeaseUntil < :now)",
		map[string]types.AttributeValue{":until": s(timeKey(now.Add(lease))), ":now": s(timeKey(now))})
	if errors.Is(err, request.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

// ReleaseWithdrawalNotice ends the lease a sender took until until, whose
// mail did not go out (SES refused it), so that the next call sends it at
// once; a lease another sender took since is left as it is.
func (st *Store) ReleaseWithdrawalNotice(ctx context.Context, id string, until time.Time) error {
	err := st.update(ctx, id, "REMOVE withdrawalNoticeLeaseUntil",
		"attribute_not_exists(withdrawalNoticeAt) AND withdrawalNoticeLeaseUntil = :mine",
		map[string]types.AttributeValue{":mine": s(timeKey(until))})
	if errors.Is(err, request.ErrConflict) {
		return nil // sent meanwhile, or another sender's lease
	}
	return err
}

// MarkWithdrawalNoticeSent records that the withdrawal notice went out
// (its SES message ID), ending the lease.
func (st *Store) MarkWithdrawalNoticeSent(ctx context.Context, id string, at time.Time, messageID string) error {
	return st.update(ctx, id, "SET withdrawalNoticeAt = :at, withdrawalNoticeMessageId = :mid REMOVE withdrawalNoticeLeaseUntil",
		"attribute_not_exists(withdrawalNoticeAt)",
		map[string]types.AttributeValue{":at": s(at.UTC().Format(time.RFC3339Nano)), ":mid": s(messageID)})
}
