package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// callLog records the AWS calls each function of the stack makes, as the
// IAM action they need and the resource they act on, so that a test can
// hold the template's permissions to them (options.calls).
type callLog struct {
	mu sync.Mutex
	// by function logical ID, the calls made
	calls map[string]map[awsCall]bool
	// built are the functions a stack built with this log
	built map[string]bool
}

// awsCall is one kind of call: the IAM action it needs and, when the
// call names it, its resource in the template's terms ("RequestsTable",
// "RequestsTable/index/OpenWork", "bucket:<name>/<key>", "bucket:<name>",
// "stateMachine:<name>"); "" when the call names none the desk scopes.
type awsCall struct {
	Action, Resource string
}

// recorder wraps a function's HTTP client to record its calls.
func (c *callLog) recorder(function string) func(aws.HTTPClient) aws.HTTPClient {
	c.mu.Lock()
	if c.built == nil {
		c.built = map[string]bool{}
	}
	c.built[function] = true
	c.mu.Unlock()
	return func(next aws.HTTPClient) aws.HTTPClient {
		return recordingClient{log: c, function: function, next: next}
	}
}

// Built gives the functions a stack built with this log, sorted.
func (c *callLog) Built() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.built))
	for fn := range c.built {
		out = append(out, fn)
	}
	sort.Strings(out)
	return out
}

// Calls gives the calls recorded, by function, sorted.
func (c *callLog) Calls() map[string][]awsCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string][]awsCall{}
	for fn, set := range c.calls {
		for call := range set {
			out[fn] = append(out[fn], call)
		}
		sort.Slice(out[fn], func(i, j int) bool {
			return out[fn][i].Action+out[fn][i].Resource < out[fn][j].Action+out[fn][j].Resource
		})
	}
	return out
}

func (c *callLog) add(function string, call awsCall) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]map[awsCall]bool{}
	}
	if c.calls[function] == nil {
		c.calls[function] = map[awsCall]bool{}
	}
	c.calls[function][call] = true
}

type recordingClient struct {
	log      *callLog
	function string
	next     aws.HTTPClient
}

func (r recordingClient) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		_ = req.Body.Close()
		body = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	call, ok := callOf(req, body)
	if !ok {
		// Not signed as the SDK signs: named as it is, so that the check
		// reports it rather than pass it by.
		call = awsCall{Action: "unsigned " + req.Method, Resource: req.URL.Host + req.URL.Path}
	}
	r.log.add(r.function, call)
	resp, err := r.next.Do(req)
	if err == nil && call.Action == "s3:GetObject" && resp.StatusCode == http.StatusNotFound {
		// S3 answers 404 for a missing key only to who may list the
		// bucket; to others, 403 (AccessDenied).
		bucket, _, _ := strings.Cut(strings.TrimPrefix(call.Resource, "bucket:"), "/")
		r.log.add(r.function, awsCall{"s3:ListBucket", "bucket:" + bucket})
	}
	return resp, err
}

// callOf names the call req makes, from its signature's service, its
// target or its REST method and path, and its body.
func callOf(req *http.Request, body []byte) (awsCall, bool) {
	service := signedService(req.Header.Get("Authorization"))
	if service == "" {
		return awsCall{}, false
	}
	op := ""
	if t := req.Header.Get("X-Amz-Target"); t != "" {
		op = t[strings.LastIndex(t, ".")+1:]
	}
	switch service {
	case "dynamodb":
		var in struct{ TableName, IndexName string }
		_ = json.Unmarshal(body, &in)
		res := "RequestsTable"
		if in.IndexName != "" {
			res += "/index/" + in.IndexName
		}
		return awsCall{"dynamodb:" + op, res}, true
	case "states":
		var in struct {
			StateMachineArn string `json:"stateMachineArn"`
		}
		_ = json.Unmarshal(body, &in)
		res := ""
		if in.StateMachineArn != "" {
			res = "stateMachine:" + in.StateMachineArn[strings.LastIndex(in.StateMachineArn, ":")+1:]
		}
		return awsCall{"states:" + op, res}, true
	case "s3":
		bucket, key, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
		if key == "" {
			return awsCall{"s3:ListBucket", "bucket:" + bucket}, true
		}
		action := map[string]string{http.MethodGet: "s3:GetObject", http.MethodHead: "s3:GetObject",
			http.MethodPut: "s3:PutObject", http.MethodDelete: "s3:DeleteObject"}[req.Method]
		return awsCall{action, "bucket:" + bucket + "/" + key}, true
	case "ses":
		switch {
		case req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/outbound-emails"):
			op = "SendEmail"
		case strings.Contains(req.URL.Path, "/suppression/addresses"):
			op = map[string]string{http.MethodPut: "PutSuppressedDestination", http.MethodGet: "GetSuppressedDestination",
				http.MethodDelete: "DeleteSuppressedDestination"}[req.Method]
		default:
			op = req.Method + " " + req.URL.Path
		}
		return awsCall{"ses:" + op, ""}, true
	}
	return awsCall{service + ":" + op, ""}, true
}

// signedService is the service of a SigV4 Authorization header's
// credential scope (…/<date>/<region>/<service>/aws4_request).
func signedService(auth string) string {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) < 5 {
		return ""
	}
	return parts[len(parts)-2]
}
