package mailevents_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mailevents"
	"github.com/productionflow/privacy-desk/shared/metric"
	"github.com/productionflow/privacy-desk/shared/request"
)

// memStore is the desk's table in memory: sent-mail records, requests and
// trails, with Once events written once and the attention mark set as
// the table sets it.
type memStore struct {
	mu       sync.Mutex
	sent     map[string]string
	requests map[string]*request.Request
	trails   map[string][]request.Event
	once     map[string]bool
	fail     error
}

var _ mailevents.Store = (*memStore)(nil)

func newStore() *memStore {
	return &memStore{sent: map[string]string{}, requests: map[string]*request.Request{},
		trails: map[string][]request.Event{}, once: map[string]bool{}}
}

func (m *memStore) SentRequest(_ context.Context, id string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return "", m.fail
	}
	r, ok := m.sent[id]
	if !ok {
		return "", fmt.Errorf("sent mail %s: %w", id, request.ErrNotFound)
	}
	return r, nil
}

func (m *memStore) Get(_ context.Context, id string) (*request.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.requests[id]
	if !ok {
		return nil, request.ErrNotFound
	}
	c := *r
	return &c, nil
}

func (m *memStore) Events(_ context.Context, id string) ([]request.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]request.Event(nil), m.trails[id]...), nil
}

func (m *memStore) AppendEvent(_ context.Context, ev request.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if request.NeedsAttention(ev.Action) && !m.requests[ev.RequestID].Status.Closed() {
		m.requests[ev.RequestID].Attention = ev.Action
	}
	if ev.Once != "" {
		key := ev.RequestID + "#" + ev.Once
		if m.once[key] {
			return nil
		}
		m.once[key] = true
	}
	m.trails[ev.RequestID] = append(m.trails[ev.RequestID], ev)
	return nil
}

const (
	reqID    = "PR-AAAA-BBBB-CCCC-DDDD"
	ackID    = "0100018c-ack-0000-0000-000000000000-000000"
	taskID   = "0100018c-task-000-0000-000000000000-000000"
	strayID  = "0100018c-none-000-0000-000000000000-000000"
	reqEmail = "Jane.Requester@example.com"
)

func fixture() *memStore {
	st := newStore()
	st.requests[reqID] = &request.Request{ID: reqID, Status: request.Verifying,
		Requester: request.Identity{Name: "Jane", Email: reqEmail}}
	st.sent[ackID], st.sent[taskID] = reqID, reqID
	st.trails[reqID] = []request.Event{
		{RequestID: reqID, Action: request.ActionAcknowledged, Data: map[string]string{"messageId": ackID}},
		{RequestID: reqID, Action: request.ActionTaskMailed, Data: map[string]string{"messageId": taskID, "system": "support-desk"}},
	}
	return st
}

func TestRecord(t *testing.T) {
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		ev         mailevents.Event
		wantAction string
		wantData   map[string]string
		attention  bool
	}{
		{"a permanent bounce of the acknowledgement: the requester is unreachable",
			mailevents.Event{Type: mailevents.Bounce, MessageID: ackID, FeedbackID: "fb-1", BounceType: "Permanent",
				BounceSubType: "General", Recipients: []string{"jane.requester@EXAMPLE.com"}},
			request.ActionRequesterUnreachable,
			map[string]string{"messageId": ackID, "mail": request.ActionAcknowledged, "to": "requester", "bounceType": "Permanent", "bounceSubType": "General"},
			true},
		{"a transient bounce is recorded, nothing more",
			mailevents.Event{Type: mailevents.Bounce, MessageID: ackID, FeedbackID: "fb-2", BounceType: "Transient",
				BounceSubType: "MailboxFull", Recipients: []string{reqEmail}},
			request.ActionMailBounced,
			map[string]string{"messageId": ackID, "mail": request.ActionAcknowledged, "to": "requester", "bounceType": "Transient", "bounceSubType": "MailboxFull"},
			false},
		{"a permanent bounce of an owner's task is recorded under the system",
			mailevents.Event{Type: mailevents.Bounce, MessageID: taskID, FeedbackID: "fb-3", BounceType: "Permanent",
				BounceSubType: "NoEmail", Recipients: []string{"owner@productionflow.example"}},
			request.ActionMailBounced,
			map[string]string{"messageId": taskID, "mail": request.ActionTaskMailed, "to": "owner", "system": "support-desk", "bounceType": "Permanent", "bounceSubType": "NoEmail"},
			false},
		{"a complaint",
			mailevents.Event{Type: mailevents.Complaint, MessageID: ackID, FeedbackID: "fb-4", ComplaintType: "abuse",
				Recipients: []string{reqEmail}},
			request.ActionMailComplaint,
			map[string]string{"messageId": ackID, "mail": request.ActionAcknowledged, "to": "requester", "complaintType": "abuse"},
			false},
		{"a mail not recorded is found by the request ID in its subject",
			mailevents.Event{Type: mailevents.Bounce, MessageID: strayID, FeedbackID: "fb-5", BounceType: "Permanent",
				Subject: "Your privacy request " + reqID + " is done", Recipients: []string{reqEmail}},
			request.ActionRequesterUnreachable,
			map[string]string{"messageId": strayID, "mail": "unknown", "to": "requester", "bounceType": "Permanent"},
			true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := fixture()
			var logs, metrics bytes.Buffer
			svc := &mailevents.Service{Store: st, Now: func() time.Time { return now },
				Log: slog.New(slog.NewJSONHandler(&logs, nil)), Metrics: metric.New(&metrics, "PrivacyDesk/test", func() time.Time { return now })}
			for range 2 { // a redelivered event records once
				out, err := svc.Record(context.Background(), tt.ev)
				require.NoError(t, err)
				assert.Equal(t, mailevents.Outcome{RequestID: reqID, Action: tt.wantAction}, out)
			}
			trail := st.trails[reqID][2:]
			require.Len(t, trail, 1, "recorded once")
			got := trail[0]
			assert.Equal(t, tt.wantAction, got.Action)
			assert.Equal(t, mailevents.Actor, got.Actor)
			assert.Equal(t, now, got.At)
			assert.Equal(t, tt.wantData, got.Data)
			assert.NotEmpty(t, got.Reason)
			if tt.attention {
				assert.Equal(t, request.ActionRequesterUnreachable, st.requests[reqID].Attention, "the team must reach the requester")
			} else {
				assert.Empty(t, st.requests[reqID].Attention)
			}
			for _, out := range []string{logs.String(), metrics.String(), fmt.Sprint(got)} {
				assert.NotContains(t, out, "@", "no address in the trail, the logs or the metrics")
			}
			assert.Contains(t, metrics.String(), `"About":"request"`)
		})
	}
}

func TestRecordMailAboutNoRequest(t *testing.T) {
	tests := []struct {
		name string
		ev   mailevents.Event
	}{
		{"an unknown message ID", mailevents.Event{Type: mailevents.Bounce, MessageID: strayID, BounceType: "Permanent",
			Subject: "Privacy desk, Monday: 0 overdue", Recipients: []string{"team@productionflow.example"}}},
		{"a request ID in the subject the desk does not hold", mailevents.Event{Type: mailevents.Complaint, MessageID: strayID,
			Subject: "Reminder: response of PR-ZZZZ-ZZZZ-ZZZZ-ZZZZ is due", Recipients: []string{"team@productionflow.example"}}},
		{"a delivery", mailevents.Event{Type: "Delivery", MessageID: ackID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := fixture()
			var logs, metrics bytes.Buffer
			now := func() time.Time { return time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC) }
			svc := &mailevents.Service{Store: st, Now: now, Log: slog.New(slog.NewJSONHandler(&logs, nil)),
				Metrics: metric.New(&metrics, "PrivacyDesk/test", now)}
			out, err := svc.Record(context.Background(), tt.ev)
			require.NoError(t, err, "acknowledged: nothing to retry")
			assert.Equal(t, mailevents.Outcome{}, out)
			assert.Len(t, st.trails[reqID], 2, "nothing recorded")
			assert.Contains(t, metrics.String(), `"About":"none"`, "counted")
			assert.NotContains(t, logs.String(), "@")
			assert.NotContains(t, logs.String(), "Privacy desk", "no subject in the log")
		})
	}
}

func TestRecordStoreFailureIsRetried(t *testing.T) {
	st := fixture()
	st.fail = errors.New("throttled")
	svc := &mailevents.Service{Store: st, Now: time.Now}
	_, err := svc.Record(context.Background(), mailevents.Event{Type: mailevents.Bounce, MessageID: ackID, BounceType: "Permanent"})
	require.Error(t, err)
	assert.Len(t, st.trails[reqID], 2)
}

func TestParse(t *testing.T) {
	bounce, err := os.ReadFile(filepath.Join("..", "..", "events", "ses-bounce.json"))
	require.NoError(t, err)
	tests := []struct {
		name string
		body string
		want mailevents.Event
		err  bool
	}{
		{"a bounce as the configuration set publishes it", string(bounce), mailevents.Event{Type: mailevents.Bounce,
			MessageID: "0100018c5b6f7a3e-1f2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b-000000", FeedbackID: "0100018c5b6f8b4f-bounce-feedback-000000",
			At: time.Date(2026, 3, 2, 14, 59, 58, 0, time.UTC), Subject: "We received your privacy request PR-AAAA-BBBB-CCCC-DDDD",
			Recipients: []string{"nobody@example.com"}, BounceType: "Permanent", BounceSubType: "General"}, false},
		{"a complaint inside an SNS notification", `{"Type":"Notification","Message":"{\"eventType\":\"Complaint\",\"mail\":{\"messageId\":\"m-1\"},\"complaint\":{\"complainedRecipients\":[{\"emailAddress\":\"a@example.com\"}],\"complaintFeedbackType\":\"abuse\",\"feedbackId\":\"f-1\",\"timestamp\":\"2026-03-02T15:00:00Z\"}}"}`,
			mailevents.Event{Type: mailevents.Complaint, MessageID: "m-1", FeedbackID: "f-1", At: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC),
				Recipients: []string{"a@example.com"}, ComplaintType: "abuse"}, false},
		{"an identity notification", `{"notificationType":"Bounce","mail":{"messageId":"m-2"},"bounce":{"bounceType":"Transient","bounceSubType":"Mailbox Full; <x>","feedbackId":"f-2"}}`,
			mailevents.Event{Type: mailevents.Bounce, MessageID: "m-2", FeedbackID: "f-2", BounceType: "Transient", BounceSubType: "other", Recipients: []string{}}, false},
		{"a delivery is returned for the caller to pass over", `{"eventType":"Delivery","mail":{"messageId":"m-3"}}`,
			mailevents.Event{Type: "Delivery", MessageID: "m-3"}, false},
		{"not JSON", `bounce!`, mailevents.Event{}, true},
		{"no type", `{"mail":{"messageId":"m-4"}}`, mailevents.Event{}, true},
		{"a bounce without its bounce", `{"eventType":"Bounce","mail":{"messageId":"m-5"}}`, mailevents.Event{}, true},
		{"no message ID", `{"eventType":"Complaint","mail":{},"complaint":{"feedbackId":"f"}}`, mailevents.Event{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mailevents.Parse([]byte(tt.body))
			if tt.err {
				require.ErrorIs(t, err, mailevents.ErrMalformed)
				assert.NotContains(t, err.Error(), "@")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
