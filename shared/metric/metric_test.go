package metric_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/metric"
)

func TestCountWritesOneEMFRecordPerLine(t *testing.T) {
	var buf bytes.Buffer
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	w := metric.New(&buf, metric.Namespace, func() time.Time { return at })
	w.Count(metric.Requests, "Kind", "access", "Channel", "web")
	w.Count(metric.DeadlinesMissed, "Clock", "response")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	var rec struct {
		AWS struct {
			Timestamp         int64 `json:"Timestamp"`
			CloudWatchMetrics []struct {
				Namespace  string              `json:"Namespace"`
				Dimensions [][]string          `json:"Dimensions"`
				Metrics    []map[string]string `json:"Metrics"`
			} `json:"CloudWatchMetrics"`
		} `json:"_aws"`
		Requests float64 `json:"Requests"`
		Channel  string  `json:"Channel"`
		Kind     string  `json:"Kind"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &rec))
	assert.Equal(t, at.UnixMilli(), rec.AWS.Timestamp)
	require.Len(t, rec.AWS.CloudWatchMetrics, 1)
	d := rec.AWS.CloudWatchMetrics[0]
	assert.Equal(t, "PrivacyDesk", d.Namespace)
	assert.Equal(t, [][]string{{"Channel", "Kind"}, {}}, d.Dimensions, "by every dimension, in a stable order, and in total")
	assert.Equal(t, []map[string]string{{"Name": "Requests", "Unit": "Count"}}, d.Metrics)
	assert.Equal(t, 1.0, rec.Requests)
	assert.Equal(t, "web", rec.Channel)
	assert.Equal(t, "access", rec.Kind)
}

func TestNilWriterWritesNothing(t *testing.T) {
	var w *metric.Writer
	assert.NotPanics(t, func() { w.Count(metric.Requests, "Channel", "web") })
}

func TestDimensionsCannotOverwriteTheRecord(t *testing.T) {
	var buf bytes.Buffer
	w := metric.New(&buf, metric.Namespace, time.Now)
	w.Count(metric.Requests, "Requests", "web", "_aws", "x", "Channel")
	var rec map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rec))
	assert.Equal(t, 1.0, rec["Requests"], "a dimension named like the metric is dropped")
	assert.Contains(t, rec, "_aws")
	assert.NotContains(t, rec, "Channel", "a name without a value is no dimension")
}
