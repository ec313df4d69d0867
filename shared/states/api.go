package states

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// APIHandler serves the Step Functions API calls the desk makes, in the
// awsJson1_0 protocol (POST /, X-Amz-Target: AWSStepFunctions.<Op>), so the
// aws-sdk-go-v2 sfn client can point at it (AWS_ENDPOINT_URL_SFN).
// Requests are not authenticated: serve it on localhost only.
//
// Operations: CreateStateMachine, DescribeStateMachine, ListStateMachines,
// StartExecution, DescribeExecution, StopExecution, ListExecutions,
// GetExecutionHistory, SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat.
func (r *Runtime) APIHandler() http.Handler {
	return http.HandlerFunc(r.serveAPI)
}

type apiError struct {
	status int
	typ    string
	msg    string
}

func (r *Runtime) serveAPI(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		writeAPIError(w, apiError{http.StatusMethodNotAllowed, "UnknownOperationException", "use POST"})
		return
	}
	target := req.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "AWSStepFunctions.")
	if !ok {
		writeAPIError(w, apiError{http.StatusBadRequest, "UnknownOperationException", "missing or unknown X-Amz-Target"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 2<<20))
	if err != nil {
		writeAPIError(w, apiError{http.StatusBadRequest, "SerializationException", "cannot read body"})
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	var out any
	switch op {
	case "CreateStateMachine":
		out, err = r.apiCreateStateMachine(body)
	case "DescribeStateMachine":
		out, err = r.apiDescribeStateMachine(body)
	case "ListStateMachines":
		out, err = r.apiListStateMachines()
	case "StartExecution":
		out, err = r.apiStartExecution(body)
	case "DescribeExecution":
		out, err = r.apiDescribeExecution(body)
	case "StopExecution":
		out, err = r.apiStopExecution(body)
	case "ListExecutions":
		out, err = r.apiListExecutions(body)
	case "GetExecutionHistory":
		out, err = r.apiGetExecutionHistory(body)
	case "SendTaskSuccess":
		var in struct{ TaskToken, Output string }
		if err = decodeBody(body, &in); err == nil {
			err = r.SendTaskSuccess(in.TaskToken, in.Output)
			out = struct{}{}
		}
	case "SendTaskFailure":
		var in struct{ TaskToken, Error, Cause string }
		if err = decodeBody(body, &in); err == nil {
			err = r.SendTaskFailure(in.TaskToken, in.Error, in.Cause)
			out = struct{}{}
		}
	case "SendTaskHeartbeat":
		var in struct{ TaskToken string }
		if err = decodeBody(body, &in); err == nil {
			err = r.SendTaskHeartbeat(in.TaskToken)
			out = struct{}{}
		}
	default:
		writeAPIError(w, apiError{http.StatusBadRequest, "UnknownOperationException", "operation " + op + " is not supported by the local runtime"})
		return
	}
	if err != nil {
		writeAPIError(w, toAPIError(err))
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	data, _ := json.Marshal(out)
	_, _ = w.Write(data)
}

var apiErrors = []error{
	ErrStateMachineDoesNotExist, ErrExecutionDoesNotExist, ErrExecutionAlreadyExists,
	ErrInvalidExecutionInput, ErrInvalidName, ErrInvalidDefinition, ErrTaskDoesNotExist,
	ErrTaskTimedOut, ErrInvalidToken, ErrInvalidOutput, errInvalidArn, errValidation,
}

var (
	errInvalidArn = errors.New("InvalidArn")
	errValidation = errors.New("ValidationException")
)

func toAPIError(err error) apiError {
	for _, e := range apiErrors {
		if errors.Is(err, e) {
			return apiError{http.StatusBadRequest, e.Error(), err.Error()}
		}
	}
	return apiError{http.StatusInternalServerError, "InternalServerError", "internal error"}
}

func writeAPIError(w http.ResponseWriter, e apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Errortype", e.typ)
	w.WriteHeader(e.status)
	data, _ := json.Marshal(map[string]string{"__type": e.typ, "message": e.msg})
	_, _ = w.Write(data)
}

// decodeBody reads a request; member names match case-insensitively, as
// encoding/json does, so struct fields can be spelled in Go style.
func decodeBody(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return errors.Join(errValidation, err)
	}
	return nil
}

func epoch(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return epochSeconds(t)
}

func (r *Runtime) apiCreateStateMachine(body []byte) (any, error) {
	var in struct {
		Name       string
		Definition string
		Type       string
	}
	if err := decodeBody(body, &in); err != nil {
		return nil, err
	}
	if in.Type != "" && in.Type != "STANDARD" {
		return nil, errors.Join(errValidation, errors.New("only STANDARD state machines are supported"))
	}
	arn, err := r.Register(in.Name, []byte(in.Definition), nil)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	created := r.machines[arn].Created
	r.mu.Unlock()
	return map[string]any{"stateMachineArn": arn, "creationDate": epoch(created)}, nil
}

func (r *Runtime) apiDescribeStateMachine(body []byte) (any, error) {
	var in struct{ StateMachineArn string }
	if err := decodeBody(body, &in); err != nil {
		return nil, err
	}
	r.mu.Lock()
	sm, ok := r.machines[in.StateMachineArn]
	r.mu.Unlock()
	if !ok {
		return nil, errors.Join(ErrStateMachineDoesNotExist, errors.New(in.StateMachineArn))
	}
	return map[string]any{
		"stateMachineArn": sm.ARN, "name": sm.Name, "status": "ACTIVE", "type": "STANDARD",
		"definition": string(sm.Definition), "creationDate": epoch(sm.Created),
		"roleArn": "arn:aws:iam::" + r.account + ":role/local-states",
	}, nil
}

func (r *Runtime) apiListStateMachines() (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	list := []map[string]any{}
	for _, sm := range r.machines {
		list = append(list, map[string]any{"stateMachineArn": sm.ARN, "name": sm.Name, "type": "STANDARD", "creationDate": epoch(sm.Created)})
	}
	return map[string]any{"stateMachines": list}, nil
}

func (r *Runtime) apiStartExecution(body []byte) (any, error) {
	var in struct{ StateMachineArn, Name, Input string }
	if err := decodeBody(body, &in); err != nil {
		return nil, err
	}
	info, err := r.Start(in.StateMachineArn, in.Name, in.Input)
	if err != nil {
		return nil, err
	}
	return map[string]any{"executionArn": info.ExecutionARN, "startDate": epoch(info.StartDate)}, nil
}

func describeJSON(info ExecutionInfo) map[string]any {
	m := map[string]any{
		"executionArn": info.ExecutionARN, "stateMachineArn": info.StateMachineARN,
		"name": info.Name, "status": info.Status, "startDate": epoch(info.StartDate),
		"input": info.Input, "inputDetails": map[string]any{"included": true},
	}
	if !info.StopDate.IsZero() {
		m["stopDate"] = epoch(info.StopDate)
	}
	if info.Status == StatusSucceeded {
		m["output"] = info.Output
		m["outputDetails"] = map[string]any{"included": true}
	}
	if info.Error != "" {
		m["error"] = info.Error
	}
	if info.Cause != "" {
		m["cause"] = info.Cause
	}
	return m
}

func (r *Runtime) apiDescribeExecution(body []byte) (any, error) {
	var in struct{ ExecutionArn string }
	if err := decodeBody(body, &in); err != nil {
		return nil, err
	}
	info, err := r.Describe(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	return describeJSON(info), nil
}

func (r *Runtime) apiStopExecution(body []byte) (any, error) {
	var in struct{ ExecutionArn, Error, Cause string }
	if err := decodeBody(body, &in); err != nil {
		return nil, err
	}
	d, err := r.Stop(in.ExecutionArn, in.Error, in.Cause)
	if err != nil {
		return nil, err
	}
	return map[string]any{"stopDate": epoch(d)}, nil
}

// page slices a list for maxResults/nextToken (the token is an offset).
func page(n int, maxResults int, nextToken string) (from, to int, next string, err error) {
	if nextToken != "" {
		from, err = strconv.Atoi(nextToken)
		if err != nil || from < 0 || from > n {
			return 0, 0, "", errors.Join(errValidation, errors.New("invalid nextToken"))
		}
	}
	if maxResults <= 0 || maxResults > 1000 {
		maxResults = 100
	}
	to = min(n, from+maxResults)
	if to < n {
		next = strconv.Itoa(to)
	}
	return from, to, next, nil
}

func (r *Runtime) apiListExecutions(body []byte) (any, error) {
	var in struct {
		StateMachineArn string
		StatusFilter    string
		MaxResults      int
		NextToken       string
	}
	if err := decodeBody(body, &in); err != nil {
		return nil, err
	}
	r.mu.Lock()
	_, ok := r.machines[in.StateMachineArn]
	r.mu.Unlock()
	if !ok {
		return nil, errors.Join(ErrStateMachineDoesNotExist, errors.New(in.StateMachineArn))
	}
	all := r.List(in.StateMachineArn, in.StatusFilter)
	from, to, next, err := page(len(all), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	list := []map[string]any{}
	for _, info := range all[from:to] {
		e := map[string]any{
			"executionArn": info.ExecutionARN, "stateMachineArn": info.StateMachineARN,
			"name": info.Name, "status": info.Status, "startDate": epoch(info.StartDate),
		}
		if !info.StopDate.IsZero() {
			e["stopDate"] = epoch(info.StopDate)
		}
		list = append(list, e)
	}
	out := map[string]any{"executions": list}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

func (r *Runtime) apiGetExecutionHistory(body []byte) (any, error) {
	var in struct {
		ExecutionArn string
		MaxResults   int
		NextToken    string
		ReverseOrder bool
	}
	if err := decodeBody(body, &in); err != nil {
		return nil, err
	}
	events, err := r.History(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if in.ReverseOrder {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	}
	from, to, next, err := page(len(events), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	list := make([]map[string]any, 0, to-from)
	for _, e := range events[from:to] {
		list = append(list, e.apiJSON())
	}
	out := map[string]any{"events": list}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// LocalHandler serves local-only read-outs that the Step Functions API has
// no shape for:
//
//	GET /_local/executions                 → every execution with its transition count
//	GET /_local/executions?arn=<execution> → one execution
func (r *Runtime) LocalHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_local/executions", func(w http.ResponseWriter, req *http.Request) {
		row := func(info ExecutionInfo) map[string]any {
			return map[string]any{
				"executionArn": info.ExecutionARN, "stateMachineArn": info.StateMachineARN,
				"name": info.Name, "status": info.Status,
				"startDate":   info.StartDate.UTC().Format(time.RFC3339Nano),
				"transitions": info.Transitions,
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if arn := req.URL.Query().Get("arn"); arn != "" {
			info, err := r.Describe(arn)
			if err != nil {
				w.WriteHeader(http.StatusNotFound)
				_ = json.NewEncoder(w).Encode(map[string]string{"message": "execution not found"})
				return
			}
			_ = json.NewEncoder(w).Encode(row(info))
			return
		}
		rows := []map[string]any{}
		for _, info := range r.List("", "") {
			rows = append(rows, row(info))
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"executions": rows})
	})
	return mux
}

// Handler serves everything the local stack needs on one port: the Step
// Functions API (POST /), /_local/executions, and /_local/clock when the
// runtime's clock can be advanced. Local use only: nothing is
// authenticated.
func (r *Runtime) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", r.APIHandler())
	mux.Handle("/_local/executions", r.LocalHandler())
	if a, ok := r.clock.(Advancer); ok {
		ch := ClockHandler(a)
		mux.Handle("/_local/clock", ch)
		mux.Handle("/_local/clock/", ch)
	}
	return mux
}
