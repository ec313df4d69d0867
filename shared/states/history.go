package states

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event is one entry of an execution's history, as GetExecutionHistory
// returns it: Type is a Step Functions event type (ExecutionStarted,
// TaskStateEntered, TaskScheduled, WaitStateExited...), Details holds the
// matching "...EventDetails" member under DetailsKey.
type Event struct {
	ID              int64          `json:"id"`
	PreviousEventID int64          `json:"previousEventId"`
	Timestamp       time.Time      `json:"timestamp"`
	Type            string         `json:"type"`
	DetailsKey      string         `json:"detailsKey,omitempty"`
	Details         map[string]any `json:"details,omitempty"`
}

// apiJSON renders the event as the awsJson1_0 protocol does: timestamps as
// epoch seconds and the details under their member name.
func (e Event) apiJSON() map[string]any {
	m := map[string]any{
		"id":              e.ID,
		"previousEventId": e.PreviousEventID,
		"timestamp":       epochSeconds(e.Timestamp),
		"type":            e.Type,
	}
	if e.DetailsKey != "" {
		m[e.DetailsKey] = e.Details
	}
	return m
}

func epochSeconds(t time.Time) json.Number {
	ms := t.UnixMilli()
	sec, frac := ms/1000, ms%1000
	if frac < 0 {
		sec--
		frac += 1000
	}
	return json.Number(fmt.Sprintf("%d.%03d", sec, frac))
}

// event appends an event to the history; th chains previousEventId within
// one thread of control.
func (x *execution) event(th *thread, typ, detailsKey string, details map[string]any) {
	now := x.rt.clock.Now()
	x.mu.Lock()
	defer x.mu.Unlock()
	e := Event{
		ID:        int64(len(x.rec.Events) + 1),
		Timestamp: now,
		Type:      typ,
	}
	if detailsKey != "" {
		e.DetailsKey, e.Details = detailsKey, details
	}
	if th != nil {
		e.PreviousEventID = th.LastEvent
		th.LastEvent = e.ID
	} else if len(x.rec.Events) > 0 {
		e.PreviousEventID = x.rec.Events[len(x.rec.Events)-1].ID
	}
	x.rec.Events = append(x.rec.Events, e)
}
