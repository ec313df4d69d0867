// Package metric writes CloudWatch metrics in the embedded metric format
// (EMF): one JSON line per data point on the function's standard output,
// which CloudWatch Logs turns into a metric without an API call. Names and
// dimension values are the desk's own words (a channel, a kind, a system's
// name, a clock); never personal data.
package metric

import (
	"encoding/json"
	"io"
	"sort"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of the desk's metrics; the alarms
// and the dashboard in template.yaml read them there.
const Namespace = "PrivacyDesk"

// Metric names the desk writes.
const (
	Requests          = "Requests"          // intake: a request created, by Channel and Kind
	ConnectorFailures = "ConnectorFailures" // fulfil-step: a system's call failed, by System and Error
	DeadlinesMissed   = "DeadlinesMissed"   // deadline reminder: a clock passed unmet, by Clock
)

// Writer writes EMF records to W. Each point counts under its dimensions
// and in the metric's total. A nil *Writer writes nothing, so a
// service without metrics configured needs no check.
type Writer struct {
	W         io.Writer
	Namespace string
	Now       func() time.Time
	mu        sync.Mutex
}

// New gives a Writer to w in namespace ns, stamping records with now.
func New(w io.Writer, ns string, now func() time.Time) *Writer {
	return &Writer{W: w, Namespace: ns, Now: now}
}

// Count records one occurrence of name with dims given as name, value
// pairs ("Channel", "web", "Kind", "access"). A trailing name without a
// value is ignored.
func (w *Writer) Count(name string, dims ...string) {
	w.Add(name, 1, "Count", dims...)
}

// Add records value (in unit, a CloudWatch unit name) for name with dims as
// in Count. Errors writing are dropped: a metric never fails a request.
func (w *Writer) Add(name string, value float64, unit string, dims ...string) {
	if w == nil || w.W == nil {
		return
	}
	rec := map[string]any{name: value}
	keys := make([]string, 0, len(dims)/2)
	for i := 0; i+1 < len(dims); i += 2 {
		if _, dup := rec[dims[i]]; dup || dims[i] == "_aws" {
			continue
		}
		rec[dims[i]] = dims[i+1]
		keys = append(keys, dims[i])
	}
	sort.Strings(keys)
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	rec["_aws"] = map[string]any{
		"Timestamp": now().UnixMilli(),
		"CloudWatchMetrics": []map[string]any{{
			"Namespace":  w.Namespace,
			"Dimensions": dimensionSets(keys),
			"Metrics":    []map[string]string{{"Name": name, "Unit": unit}},
		}},
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, _ = w.W.Write(append(line, '\n'))
}

// dimensionSets publishes the point under its dimensions and, when it has
// any, as the metric's total too (no dimensions), which an alarm can read.
func dimensionSets(keys []string) [][]string {
	if len(keys) == 0 {
		return [][]string{{}}
	}
	return [][]string{keys, {}}
}
