// Package connector carries out privacy actions in downstream systems: over
// their HTTP APIs, through the SES v2 suppression list, or by mailing the
// system's owner a task to confirm by hand. It also proves erasures by asking
// the system again after an erase.
package connector

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/theory/jsonpath"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

// maxBody bounds what is read from a system's answer.
const maxBody = 8 << 20

// Person identifies whom an action is for. It is personal data: it never goes
// into a log line or an error message.
type Person struct {
	Email string
	// IDs are identifiers already known (e.g. an account ID from the request).
	IDs map[system.Identifier]string
	// Corrections are what the requester asked to correct, for a correct
	// action's {corrections} body placeholder.
	Corrections []request.CorrectionItem
}

// correction is one item of the {corrections} placeholder, as a system
// receives it.
type correction struct {
	Item  string `json:"item"`
	Wrong string `json:"wrong,omitempty"`
	Right string `json:"right"`
}

// values are the placeholders a template may use for p.
func (p Person) values() map[system.Identifier]string {
	v := map[system.Identifier]string{}
	for k, x := range p.IDs {
		v[k] = x
	}
	email := strings.TrimSpace(p.Email)
	if email != "" {
		v[system.Email] = email
		sum := sha256.Sum256([]byte(strings.ToLower(email)))
		v[system.EmailHash] = hex.EncodeToString(sum[:])
	}
	if len(p.Corrections) > 0 {
		items := make([]correction, len(p.Corrections))
		for i, c := range p.Corrections {
			items[i] = correction{Item: c.Item, Wrong: c.Wrong, Right: c.Right}
		}
		if b, err := json.Marshal(items); err == nil {
			v[system.Corrections] = string(b)
		}
	}
	return v
}

// Result is what a system answered.
type Result struct {
	System string        `json:"system"`
	Action system.Action `json:"action"`
	// Found is whether the system holds the person (find), or whether there
	// was anything to act on (other actions).
	Found  bool      `json:"found"`
	Status int       `json:"status"` // status of the last call
	At     time.Time `json:"at"`
	// Data is the exported data by category (export only).
	Data map[string][]json.RawMessage `json:"data,omitempty"`
}

// Secrets gives an auth secret by name; *secret.Store satisfies it. An error
// that is system.ErrSecretMissing fails the action for good; any other is
// retried.
type Secrets interface {
	Get(ctx context.Context, source system.SecretSource, name string) (string, error)
}

// HTTP carries out actions of kind http.
type HTTP struct {
	Client  *http.Client // its Transport is used (nil: the default); timeouts come from the registry
	Secrets Secrets
	Now     func() time.Time
	Log     *slog.Logger
	// Template must match the options the registry was loaded with.
	Template system.TemplateOptions
}

// Do runs action a of system sys for p. Errors are *RetryableError or
// *PermanentError, unwrapped.
func (h *HTTP) Do(ctx context.Context, sys *system.System, a system.Action, p Person) (*Result, error) {
	m := sys.Actions[a]
	if m == nil || m.Kind != system.HTTP {
		return nil, &PermanentError{System: sys.Name, Action: a, Reason: "no HTTP action declared"}
	}
	vals := p.values()
	if a != system.Find && sys.Supports(system.Find) && needsFind(m, vals) {
		found, err := h.run(ctx, sys, system.Find, sys.Actions[system.Find], vals)
		if err != nil {
			return nil, err
		}
		if !found.Found {
			// Nothing to act on: the system does not hold the person.
			found.Action = a
			return found, nil
		}
	}
	return h.run(ctx, sys, a, m, vals)
}

// needsFind reports whether a call uses an identifier that neither the person
// nor an earlier call of the action gives.
func needsFind(m *system.Method, vals map[system.Identifier]string) bool {
	have := map[system.Identifier]bool{}
	for k := range vals {
		have[k] = true
	}
	for _, c := range m.Calls {
		ids, _ := system.BodyPlaceholders(c.Body)
		if t, err := system.ParseURLTemplate(c.URL, system.TemplateOptions{AllowLocalHTTP: true}); err == nil {
			ids = append(ids, t.Placeholders()...)
		}
		for _, id := range ids {
			if !have[id] {
				return true
			}
		}
		for id := range c.Capture {
			have[id] = true
		}
	}
	return false
}

// run does the calls of one action in order; vals gains what they capture.
func (h *HTTP) run(ctx context.Context, sys *system.System, a system.Action, m *system.Method, vals map[system.Identifier]string) (*Result, error) {
	res := &Result{System: sys.Name, Action: a}
	for i := range m.Calls {
		out, err := h.call(ctx, callRef{sys: sys, action: a, index: i}, &m.Calls[i], vals, res)
		res.Status = out.status
		res.At = h.Now()
		if re, ok := err.(*RetryableError); ok && halfway(m, i, re.Status) {
			re.Partial = true
		}
		if err != nil {
			return nil, err
		}
		if !out.found {
			// The system does not hold the person (or no longer): stop here.
			if i == 0 {
				res.Found = false
			}
			return res, nil
		}
		res.Found = true
	}
	return res, nil
}

// halfway reports whether a failure of call i of m (answered with status,
// 0 for none) may leave the system between m's calls: a call that changed
// data came before it, or it changes data, may have been carried out (no
// answer, or an answer other than 429 and 503, which say the call was not
// taken) and more calls follow.
func halfway(m *system.Method, i, status int) bool {
	changes := func(c *system.Call) bool {
		return c.Method != http.MethodGet && c.Method != http.MethodHead
	}
	for j := range i {
		if changes(&m.Calls[j]) {
			return true
		}
	}
	refused := status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
	return changes(&m.Calls[i]) && !refused && i < len(m.Calls)-1
}

// callRef names one call of an action, for logs and errors: never a value.
type callRef struct {
	sys    *system.System
	action system.Action
	index  int
}

// callOutcome is what one call established: the status of its answer and
// whether the system holds the person (false also for a not-found status).
type callOutcome struct {
	status int
	found  bool
}

// fail logs and returns a call's failure, classed permanent or retryable.
type fail struct {
	ctx context.Context
	log *slog.Logger
	ref callRef
}

func (f fail) permanent(status int, reason string) error {
	f.log.WarnContext(f.ctx, "connector call refused or failed", "system", f.ref.sys.Name, "action", string(f.ref.action), "call", f.ref.index,
		"status", status, "reason", reason, "class", "permanent")
	return &PermanentError{System: f.ref.sys.Name, Action: f.ref.action, Status: status, Reason: reason}
}

func (f fail) retryable(status int, after time.Duration, reason string) error {
	f.log.WarnContext(f.ctx, "connector call failed", "system", f.ref.sys.Name, "action", string(f.ref.action), "call", f.ref.index,
		"status", status, "reason", reason, "class", "retryable", "retryAfter", after.String())
	return &RetryableError{System: f.ref.sys.Name, Action: f.ref.action, Status: status, RetryAfter: after, Reason: reason}
}

// call builds, authenticates and sends one call, classifies its status and
// reads what the registry asks of its answer into vals and res.
func (h *HTTP) call(ctx context.Context, ref callRef, c *system.Call, vals map[system.Identifier]string, res *Result) (callOutcome, error) {
	f := fail{ctx: ctx, log: h.Log, ref: ref}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = system.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := h.build(ctx, c, vals, f)
	if err != nil {
		return callOutcome{}, err
	}
	if err := h.authenticate(ctx, req, ref.sys, f); err != nil {
		return callOutcome{}, err
	}
	start := h.Now()
	status, header, raw, err := h.send(req, timeout, f)
	if err != nil {
		return callOutcome{status: status}, err
	}
	h.Log.InfoContext(ctx, "connector call", "system", ref.sys.Name, "action", string(ref.action), "call", ref.index, "method", c.Method,
		"host", req.URL.Host, "status", status, "ms", h.Now().Sub(start).Milliseconds())
	out := callOutcome{status: status}
	if found, err := h.classify(c, status, header, f); err != nil || !found {
		return out, err
	}
	out.found, err = readAnswer(c, raw, vals, res, func(reason string) error { return f.permanent(status, reason) })
	return out, err
}

// build makes the request from the registry's templates and the person's
// identifiers; the identifiers never choose the scheme, host or path shape.
func (h *HTTP) build(ctx context.Context, c *system.Call, vals map[system.Identifier]string, f fail) (*http.Request, error) {
	tmpl, err := system.ParseURLTemplate(c.URL, h.Template)
	if err != nil {
		return nil, f.permanent(0, "URL template rejected")
	}
	u, err := tmpl.Expand(vals)
	if err != nil {
		// The message of ErrShape never carries the values.
		return nil, f.permanent(0, "refused: "+err.Error())
	}
	var body io.Reader
	if c.Body != nil {
		doc, err := system.ExpandBody(c.Body, vals)
		if err != nil {
			return nil, f.permanent(0, "body template: a placeholder has no value")
		}
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, f.permanent(0, "body template does not encode as JSON")
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, u.String(), body)
	if err != nil {
		return nil, f.permanent(0, "request could not be built")
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.Headers {
		if strings.ContainsAny(k+v, "\r\n") {
			return nil, f.permanent(0, "header "+k+" contains a line break")
		}
		req.Header.Set(k, v)
	}
	return req, nil
}

// authenticate sets the system's auth header from its secret.
func (h *HTTP) authenticate(ctx context.Context, req *http.Request, sys *system.System, f fail) error {
	if sys.Auth == nil {
		return nil
	}
	s, err := h.Secrets.Get(ctx, sys.Auth.Source, sys.Auth.Name)
	switch {
	case errors.Is(err, system.ErrSecretMissing):
		return f.permanent(0, "auth secret "+sys.Auth.Name+" unavailable")
	case err != nil:
		// Throttling or a network error at the secret store: the call
		// may pass later. Only the secret's name is kept, never a value.
		return f.retryable(0, 0, "auth secret "+sys.Auth.Name+" could not be read")
	}
	v := sys.Auth.Prefix + s
	if strings.ContainsAny(v, "\r\n") {
		return f.permanent(0, "auth secret "+sys.Auth.Name+" contains a line break")
	}
	req.Header.Set(sys.Auth.HeaderName(), v)
	return nil
}

// send does the request without following redirects and reads at most one
// byte past the size bound of its answer.
func (h *HTTP) send(req *http.Request, timeout time.Duration, f fail) (int, http.Header, []byte, error) {
	client := http.Client{}
	if h.Client != nil {
		client = *h.Client
	}
	client.Timeout = timeout
	// A system may not send a call elsewhere: redirects are answers, not hops.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		// err is a *url.Error carrying the URL (and so the identifiers): only
		// its class is kept.
		return 0, nil, nil, f.retryable(0, 0, transportReason(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return resp.StatusCode, nil, nil, f.retryable(resp.StatusCode, 0, transportReason(err))
	}
	return resp.StatusCode, resp.Header, raw, nil
}

// classify reads a status: false without error for not found, true for
// success, otherwise a retryable or permanent failure.
func (h *HTTP) classify(c *system.Call, status int, header http.Header, f fail) (bool, error) {
	switch {
	case slices.Contains(c.NotFound, status):
		return false, nil
	case isSuccess(c, status):
		return true, nil
	case status == http.StatusTooManyRequests:
		return false, f.retryable(status, retryAfter(header.Get("Retry-After"), h.Now()), "rate limited")
	case status == http.StatusRequestTimeout:
		return false, f.retryable(status, 0, "request timeout")
	case status >= 500:
		return false, f.retryable(status, retryAfter(header.Get("Retry-After"), h.Now()), "server error")
	default:
		return false, f.permanent(status, "unexpected status")
	}
}

// readAnswer reads a successful answer as the call declares: whether the
// person is found, that the answer is about them (match), the identifiers
// later calls use (capture, into vals) and the exported data (into res).
// refuse makes the permanent error for a reason.
func readAnswer(c *system.Call, raw []byte, vals map[system.Identifier]string, res *Result, refuse func(reason string) error) (bool, error) {
	if c.Found == "" && len(c.Match) == 0 && len(c.Capture) == 0 && len(c.Data) == 0 {
		return true, nil
	}
	if len(raw) > maxBody {
		return false, refuse(fmt.Sprintf("answer larger than %d MiB", maxBody>>20))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return false, refuse("malformed JSON in a success response")
	}
	if c.Found != "" && !present(selectPath(c.Found, doc)) {
		return false, nil
	}
	for id, p := range c.Match {
		v, ok := scalar(selectPath(p, doc))
		if !ok || !sameIdentifier(id, v, vals[id]) {
			// Never act on an answer about someone else. Neither value is
			// kept: both are personal data.
			return false, refuse("the answer is about another person (" + string(id) + " differs)")
		}
	}
	for id, p := range c.Capture {
		v, ok := scalar(selectPath(p, doc))
		if !ok {
			return false, refuse("capture " + string(id) + " found no single value")
		}
		vals[id] = v
	}
	for cat, p := range c.Data {
		if res.Data == nil {
			res.Data = map[string][]json.RawMessage{}
		}
		for _, n := range selectPath(p, doc) {
			b, err := json.Marshal(n)
			if err != nil {
				return false, refuse("export data does not encode")
			}
			res.Data[cat] = append(res.Data[cat], b)
		}
	}
	return true, nil
}

func isSuccess(c *system.Call, status int) bool {
	if len(c.Success) == 0 {
		return status == 200 || status == 201 || status == 202 || status == 204
	}
	return slices.Contains(c.Success, status)
}

// selectPath applies a JSON path validated at load time.
func selectPath(p string, doc any) []any {
	path, err := jsonpath.Parse(p)
	if err != nil {
		return nil
	}
	return path.Select(doc)
}

// present reports whether the nodes hold something: not nothing, null, false,
// an empty string, array or object.
func present(nodes []any) bool {
	for _, n := range nodes {
		switch t := n.(type) {
		case nil:
		case bool:
			if t {
				return true
			}
		case string:
			if t != "" {
				return true
			}
		case []any:
			if len(t) > 0 {
				return true
			}
		case map[string]any:
			if len(t) > 0 {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// scalar returns the single string or integer a capture selects.
func scalar(nodes []any) (string, bool) {
	if len(nodes) != 1 {
		return "", false
	}
	switch t := nodes[0].(type) {
	case string:
		return t, t != ""
	case json.Number:
		// IDs are integers or strings; a number is kept digit for digit.
		if _, err := t.Int64(); err == nil {
			return t.String(), true
		}
	}
	return "", false
}

// sameIdentifier compares a value from an answer with the one a call was
// made with: addresses and their hashes without regard to case, other
// identifiers exactly.
func sameIdentifier(id system.Identifier, got, want string) bool {
	if want == "" {
		return false
	}
	switch id {
	case system.Email, system.EmailHash:
		return strings.EqualFold(strings.TrimSpace(got), want)
	}
	return got == want
}

// retryAfter reads a Retry-After value: delay seconds or an HTTP-date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}

// transportReason names the class of a transport error without its text.
func transportReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return fmt.Sprintf("connection error (%s)", op.Op)
	}
	return "connection error"
}
