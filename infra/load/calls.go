package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// calls counts the AWS API calls the desk makes, by service and
// operation, through proxies in front of the stand-ins (-count-calls).
// The proxies cost time of their own, so rates measured with them are not
// the report's figures.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

// proxy starts a counting reverse proxy to target for service and
// returns its URL and a function that stops it.
func (c *calls) proxy(service, target string) (string, func(), error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.count(service + " " + operation(r))
		rp.ServeHTTP(w, r)
	}))
	return srv.URL, srv.Close, nil
}

// operation names an API call: the JSON protocols' X-Amz-Target
// (DynamoDB_20120810.PutItem → PutItem), else the REST method and path
// (SES v2: POST /v2/email/outbound-emails → SendEmail).
func operation(r *http.Request) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return t[strings.LastIndex(t, ".")+1:]
	}
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/outbound-emails") {
		return "SendEmail"
	}
	return r.Method + " " + r.URL.Path
}

func (c *calls) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[op]++
}

// take returns the counts so far and starts again from zero.
func (c *calls) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = nil
	return n
}

// printCalls writes the calls per submission, by service and operation.
func printCalls(out io.Writer, n map[string]int, submissions int) {
	ops := make([]string, 0, len(n))
	total := 0
	for op, k := range n {
		ops = append(ops, op)
		total += k
	}
	sort.Strings(ops)
	fmt.Fprintf(out, "calls per web submission (its workflows' first steps included): %.1f\n", float64(total)/float64(submissions))
	for _, op := range ops {
		fmt.Fprintf(out, "  %-40s %5.2f\n", op, float64(n[op])/float64(submissions))
	}
}
