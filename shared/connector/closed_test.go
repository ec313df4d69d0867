package connector_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/token"
)

// fakeRequests is the request store the task page reads: a request not
// set is in progress.
type fakeRequests struct {
	mu     sync.Mutex
	status map[string]request.Status
	kinds  map[string][]request.Kind
	err    error
}

var _ connector.RequestReader = (*fakeRequests)(nil)

func (f *fakeRequests) Get(_ context.Context, id string) (*request.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	st, ok := f.status[id]
	if !ok {
		st = request.InProgress
	}
	return &request.Request{ID: id, Status: st, Kinds: f.kinds[id]}, nil
}

func (f *fakeRequests) set(id string, st request.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.status == nil {
		f.status = map[string]request.Status{}
	}
	f.status[id] = st
}

func getPage(h http.Handler, raw string) (int, string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/tasks/confirm?t="+url.QueryEscape(raw), nil))
	return w.Code, w.Body.String()
}

// TestTaskPageOfAClosedRequest: once the team denies a request, or the
// requester withdraws it, its owners' task pages say it was closed and
// that nothing is to be done, on GET and on POST, and record nothing: an
// owner must not shred a contract for a request the requester was told
// would not be carried out. A request the team completed says so too. An
// opt-out's task stands whatever else became of the request, but for a
// denial or a withdrawal, as fulfilment runs opt-outs.
func TestTaskPageOfAClosedRequest(t *testing.T) {
	tests := []struct {
		status request.Status
		action system.Action
		words  string // "" when the task is still to be done
	}{
		{request.Denied, system.Erase, "Nothing to do: the request was closed"},
		{request.Withdrawn, system.Erase, "Nothing to do: the request was closed"},
		{request.Denied, system.OptOut, "Nothing to do: the request was closed"},
		{request.Withdrawn, system.Suppress, "Nothing to do: the request was closed"},
		{request.NotARequest, system.Erase, "Nothing to do: the request was closed"},
		{request.Unverified, system.Erase, "Nothing to do: the request was closed"},
		{request.Completed, system.Erase, "Nothing more to do: the request is complete"},
		{request.Unverified, system.OptOut, ""},
		{request.Completed, system.OptOut, ""},
		{request.Extended, system.Erase, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.status)+"/"+string(tt.action), func(t *testing.T) {
			ctx := context.Background()
			_, h, _, clk, answers, sys := manualRig(t)
			reqs := h.Requests.(*fakeRequests)
			// The link an owner's mail carries (the test registry's
			// paper archive has only manual erase and export tasks).
			raw, rec, err := (&token.Issuer{Now: clk.Now}).Issue(token.ManualTask, "req-closed", "", 30*24*time.Hour,
				map[string]string{"system": sys.Name, "action": string(tt.action), "due": t0.Add(72 * time.Hour).Format(time.RFC3339)})
			require.NoError(t, err)
			require.NoError(t, h.Tokens.Put(ctx, rec))
			code, _ := getPage(h, raw)
			require.Equal(t, http.StatusOK, code, "the task is open before the request closes")

			reqs.set("req-closed", tt.status)
			code, body := getPage(h, raw)
			if tt.words == "" {
				assert.Equal(t, http.StatusOK, code)
				code, _ = postForm(h, url.Values{"t": {raw}, "outcome": {"done"}})
				assert.Equal(t, http.StatusOK, code)
				assert.Len(t, answers.answers, 1, "the task is still to be done, and is answered")
				return
			}
			assert.Equal(t, http.StatusGone, code)
			assert.Contains(t, body, tt.words)
			assert.NotContains(t, body, `name="outcome"`, "no answer offered")

			for _, outcome := range []string{"done", "nothing-held"} {
				code, body = postForm(h, url.Values{"t": {raw}, "outcome": {outcome}})
				assert.Equal(t, http.StatusGone, code, outcome)
				assert.Contains(t, body, tt.words, outcome)
			}
			code, _ = postForm(h, url.Values{"t": {raw}, "outcome": {"cannot"}, "reason": {"gone"}})
			assert.Equal(t, http.StatusGone, code)
			assert.Empty(t, answers.answers, "nothing recorded")

			rec, err = h.Tokens.Get(ctx, rec.Hash)
			require.NoError(t, err)
			assert.False(t, rec.Used, "the link is not used up; it keeps saying the request closed")
		})
	}
}

// TestTaskPageWhenTheRequestCannotBeRead: a store that fails shows the
// "try again" page and records nothing; it never falls back to the task.
func TestTaskPageWhenTheRequestCannotBeRead(t *testing.T) {
	ctx := context.Background()
	m, h, fm, _, answers, sys := manualRig(t)
	require.NoError(t, m.Send(ctx, sys, task(sys, "req-down", system.Erase), connector.Subject{Email: janeEmail}))
	u, err := url.Parse(linkRE.FindString(fm.sent[0].Text))
	require.NoError(t, err)
	raw := u.Query().Get("t")
	h.Requests.(*fakeRequests).err = errors.New("table down")
	code, _ := getPage(h, raw)
	assert.Equal(t, http.StatusInternalServerError, code)
	code, _ = postForm(h, url.Values{"t": {raw}, "outcome": {"done"}})
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Empty(t, answers.answers)

	h.Requests.(*fakeRequests).err = request.ErrNotFound
	code, body := getPage(h, raw)
	assert.Equal(t, http.StatusGone, code, "a request no longer kept is closed")
	assert.Contains(t, body, "the request was closed")
}

// trail is a request's audit trail, as the store reads it.
type trail []request.Event

func (tr trail) Events(context.Context, string) ([]request.Event, error) { return tr, nil }

// TestTaskPageOfAStepTheTeamDid: once the privacy team did a step by hand
// (the console's "Finish a step by hand"), the owner's link to it says so
// at once (410), in the owner's language, and records nothing — the owner
// is not asked to do work the team did; another task of the same request
// is still asked.
func TestTaskPageOfAStepTheTeamDid(t *testing.T) {
	ctx := context.Background()
	_, h, _, clk, answers, sys := manualRig(t)
	h.Trails = trail{{RequestID: "req-team", Action: request.ActionStepDone,
		Data: map[string]string{"system": sys.Name, "action": "erase", "outcome": request.OutcomeByHand}}}
	link := func(action system.Action) string {
		raw, rec, err := (&token.Issuer{Now: clk.Now}).Issue(token.ManualTask, "req-team", "", 30*24*time.Hour,
			map[string]string{"system": sys.Name, "action": string(action), "due": t0.Add(72 * time.Hour).Format(time.RFC3339)})
		require.NoError(t, err)
		require.NoError(t, h.Tokens.Put(ctx, rec))
		return raw
	}
	erase := link(system.Erase)
	code, body := getPage(h, erase)
	assert.Equal(t, http.StatusGone, code)
	assert.Contains(t, body, "Nothing to do: the privacy team did this step")
	assert.NotContains(t, body, `name="outcome"`)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/tasks/confirm?lang=es&t="+url.QueryEscape(erase), nil))
	code, body = w.Code, w.Body.String()
	assert.Equal(t, http.StatusGone, code)
	assert.Contains(t, body, "el equipo de privacidad hizo este paso")
	code, _ = postForm(h, url.Values{"t": {erase}, "outcome": {"done"}})
	assert.Equal(t, http.StatusGone, code)
	assert.Empty(t, answers.answers, "nothing recorded")

	code, _ = getPage(h, link(system.Export))
	assert.Equal(t, http.StatusOK, code, "the system's other task is still asked")
}

// TestAnEraseTaskSaysAtOnceItWaitsForTheExport: an owner who opens an
// erase task while the same system's export is open, or could not be
// done, is told on the page before setting to work, not only once they
// answer; an export answered since leaves the page as it is.
func TestAnEraseTaskSaysAtOnceItWaitsForTheExport(t *testing.T) {
	ctx := context.Background()
	_, h, _, clk, _, sys := manualRig(t)
	raw, rec, err := (&token.Issuer{Now: clk.Now}).Issue(token.ManualTask, "req-order", "", 30*24*time.Hour,
		map[string]string{"system": sys.Name, "action": "erase", "due": t0.Add(72 * time.Hour).Format(time.RFC3339)})
	require.NoError(t, err)
	require.NoError(t, h.Tokens.Put(ctx, rec))
	export := func(action, answer string) request.Event {
		return request.Event{RequestID: "req-order", Action: action, Data: map[string]string{"system": sys.Name, "action": "export", "answer": answer}}
	}
	for _, tt := range []struct {
		name  string
		trail trail
		says  string
	}{
		{"the export open", trail{export(request.ActionTaskCreated, "")}, "Answer this request's export task in this system first"},
		{"the export could not be done", trail{export(request.ActionTaskCreated, ""), export(request.ActionTaskConfirmed, "cannot")}, "was answered that it cannot be done"},
		{"the export answered", trail{export(request.ActionTaskCreated, ""), export(request.ActionTaskConfirmed, "done")}, ""},
		{"the export held nothing", trail{export(request.ActionTaskCreated, ""), export(request.ActionTaskConfirmed, "nothing-held")}, "so there is nothing to erase: answer \"holds nothing\" here"},
		{"no export asked", trail{}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h.Trails = tt.trail
			code, body := getPage(h, raw)
			require.Equal(t, http.StatusOK, code)
			assert.Contains(t, body, `name="outcome"`, "the task is still offered")
			if tt.says == "" {
				assert.NotContains(t, body, "error-summary")
				return
			}
			assert.Contains(t, body, tt.says)
		})
	}
}
