package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// units counts the billable DynamoDB units of each call on its way to the
// stand-in (items here are under 1 KB: one unit per item written or read
// strongly; two per item in a transaction), and the index writes each
// write causes: a write that sets or removes an index's key, or changes an
// attribute it projects, writes the index too.
type units struct {
	mu        sync.Mutex
	ops       map[string]int
	writes    int
	reads     int
	gsiWrites map[string]int
	// openWorkQueries are queries of the OpenWork index, kept apart.
	openWorkQueries int
	rt              http.RoundTripper
	// paused stops the counting (the report's own reads).
	paused bool
}

func newUnits() *units {
	return &units{ops: map[string]int{}, gsiWrites: map[string]int{}, rt: http.DefaultTransport}
}

// indexes are the table's global secondary indexes and the attributes each
// one keeps (keys and projection), as template.yaml declares them.
var indexes = map[string][]string{
	"ByEmail":  {"emailHash", "receivedAt"},
	"OpenWork": {"openShard", "dueAt", "id", "status", "kinds", "priority", "channel", "due", "receivedAt", "attention"},
	"ByYear":   {"receivedYear", "receivedAt", "id", "status", "kinds", "closedAt"},
}

// indexKeys are the attributes that put an item in each index.
var indexKeys = map[string]string{"ByEmail": "emailHash", "OpenWork": "openShard", "ByYear": "receivedYear"}

func (u *units) RoundTrip(r *http.Request) (*http.Response, error) {
	op := r.Header.Get("X-Amz-Target")
	if op == "" {
		op = r.Method + " " + r.URL.Path
	}
	var body []byte
	if r.Body != nil && strings.HasPrefix(op, "DynamoDB_20120810.") {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	u.mu.Lock()
	if !u.paused {
		u.ops[op]++
		if name, ok := strings.CutPrefix(op, "DynamoDB_20120810."); ok {
			u.count(name, body)
		}
	}
	u.mu.Unlock()
	return u.rt.RoundTrip(r)
}

func (u *units) count(op string, body []byte) {
	var in map[string]any
	_ = json.Unmarshal(body, &in)
	switch op {
	case "PutItem":
		u.writes++
		u.putIndexes(in["Item"])
	case "UpdateItem":
		u.writes++
		u.updateIndexes(in)
	case "DeleteItem":
		u.writes++
	case "BatchWriteItem":
		for _, reqs := range asMap(in["RequestItems"]) {
			for _, req := range asList(reqs) {
				u.writes++
				if put := asMap(asMap(req)["PutRequest"]); put != nil {
					u.putIndexes(put["Item"])
				}
			}
		}
	case "TransactWriteItems":
		for _, it := range asList(in["TransactItems"]) {
			u.writes += 2
			m := asMap(it)
			if put := asMap(m["Put"]); put != nil {
				u.putIndexes(put["Item"])
			}
			if upd := asMap(m["Update"]); upd != nil {
				u.updateIndexes(upd)
			}
		}
	case "Query":
		if in["IndexName"] == "OpenWork" {
			// The sweep's (and the console's) list of open work: a cost
			// of the hour, not of a request.
			u.openWorkQueries++
			return
		}
		u.reads++
	case "GetItem", "Scan":
		u.reads++
	case "BatchGetItem":
		for _, t := range asMap(in["RequestItems"]) {
			u.reads += len(asList(asMap(t)["Keys"]))
		}
	case "TransactGetItems":
		u.reads += 2 * len(asList(in["TransactItems"]))
	}
}

func (u *units) putIndexes(item any) {
	m := asMap(item)
	for index, key := range indexKeys {
		if _, ok := m[key]; ok {
			u.gsiWrites[index]++
		}
	}
}

func (u *units) updateIndexes(in map[string]any) {
	expr, _ := in["UpdateExpression"].(string)
	names := map[string]bool{}
	for _, v := range asMap(in["ExpressionAttributeNames"]) {
		if s, ok := v.(string); ok {
			names[s] = true
		}
	}
	for _, w := range strings.FieldsFunc(expr, func(r rune) bool {
		return !(r == '_' || r == '#' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		if !strings.HasPrefix(w, "#") {
			names[w] = true
		}
	}
	for index, attrs := range indexes {
		for _, a := range attrs {
			if names[a] {
				u.gsiWrites[index]++
				break
			}
		}
	}
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asList(v any) []any         { l, _ := v.([]any); return l }

// snapshot is a copy of the counts so far.
func (u *units) snapshot() (ops map[string]int, writes, reads int, gsi map[string]int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	ops = make(map[string]int, len(u.ops))
	for k, v := range u.ops {
		ops[k] = v
	}
	gsi = make(map[string]int, len(u.gsiWrites))
	for k, v := range u.gsiWrites {
		gsi[k] = v
	}
	return ops, u.writes, u.reads, gsi
}

func (u *units) pause(p bool) {
	u.mu.Lock()
	u.paused = p
	u.mu.Unlock()
}

// proxy forwards to a stand-in and counts each call on the way.
func proxy(target string, u *units) (*httptest.Server, error) {
	t, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(t)
	rp.Transport = u
	return httptest.NewServer(rp), nil
}
